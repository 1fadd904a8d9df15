"""Pictures in and out, and what painter does to them, as [C,H,W] tensors in [0, 1].

- :mod:`.io`: loading (EXIF orientation, every mode, 16 bit, size limits told from the
  header), resizing, PNG, JPEG and WebP (sRGB profile, dpi, what made them), and
  atomic writes of every output;
- :mod:`.color`: sRGB and CIELAB, palettes, colour transfer (sliced optimal transport);
- :mod:`.imageops`: small differentiable image operations (blur, Sobel, luminance,
  structure tensor, PSNR), in the manner of kornia.

May import: nothing of painter but its lazy face (painter._lazy): the bottom floor (see
the README's "How it paints").
"""
from __future__ import annotations

from .._lazy import lazy_face

_API = {
    "InputError": ".io", "ImageTooLarge": ".io", "load_image": ".io", "open_image": ".io", "resize_longer": ".io",
    "save_png": ".io", "save_image": ".io", "to_uint8": ".io", "atomic_output": ".io", "atomic_write_bytes": ".io",
    "srgb_to_lab": ".color", "lab_to_srgb": ".color", "parse_hex": ".color", "recolor_to_palette": ".color",
    "transfer_colors": ".color", "kmeans_palette": ".color",
    "gaussian_blur": ".imageops", "luminance": ".imageops", "sobel": ".imageops", "psnr": ".imageops",
    "structure_orientation": ".imageops", "coherence": ".imageops",
}
__all__ = sorted(_API)
__getattr__, __dir__ = lazy_face(__name__, _API)
