"""Images in, files out.

``load_image`` reads any image Pillow knows into a float tensor [3,H,W] in [0,1]
(``load_array``: the same picture as a numpy array [H,W,3], without torch):
EXIF orientation applied, every mode (L, LA, P, RGBA, CMYK, I;16 ...) converted to
RGB, transparency composited over a background colour, first frame of animations,
and decompression bombs refused before decoding. Every writer goes through
``atomic_write_bytes``: a temporary file in the target directory, then a rename, so
no reader ever sees a half-written file.
"""
from __future__ import annotations

import functools
import glob
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image, ImageOps

from ..defaults import DEFAULT_QUALITY

if TYPE_CHECKING:
    import torch

#: largest image accepted, in pixels (checked from the header, before decoding)
MAX_PIXELS = 100_000_000


class InputError(ValueError):
    """Bad user input: the message is one line meant for the user."""


class ImageTooLarge(InputError):
    """An image over the pixel limit, told from its header before decoding."""


def load_image(
    path: str | Path,
    size: int | None = None,
    background: tuple[float, float, float] = (1.0, 1.0, 1.0),
    device: torch.device | str = "cpu",
) -> torch.Tensor:
    """Read an image file as [3,H,W] float32 in [0,1].

    ``size``: if given, resize so that the longer side is ``size`` pixels (area
    filter when shrinking, bicubic when enlarging).
    """
    import torch

    img = torch.from_numpy(load_array(path, background)).permute(2, 0, 1).contiguous()
    if size is not None:
        img = resize_longer(img, size)
    return img.to(device)


def load_array(path: str | Path, background: tuple[float, float, float] = (1.0, 1.0, 1.0)) -> np.ndarray:
    """Read an image file as a numpy array [H,W,3] float32 in [0,1] (as
    :func:`load_image`, without torch); an InputError when it cannot be read."""
    p = Path(path)
    if not p.exists():
        raise InputError(f"{p}: no such file")
    if p.is_dir():
        raise InputError(f"{p}: is a directory, not an image")
    if p.stat().st_size == 0:
        raise InputError(f"{p}: empty file")
    return _to_rgb(ImageOps.exif_transpose(open_image(p, str(p))), background)


def open_image(src, what: str, max_pixels: int = MAX_PIXELS) -> Image.Image:
    """The image in ``src`` (a path or a binary file object), its first frame decoded;
    an InputError naming ``what`` when it is not an image or cannot be read, and
    ImageTooLarge when it has more than ``max_pixels`` (told from the header, before
    the pixels are decoded)."""
    try:
        with Image.open(src) as im:
            w, h = im.size
            if w * h > max_pixels:
                raise ImageTooLarge(f"{what}: image is {w}x{h} pixels, more than the limit of {max_pixels:,}")
            im.seek(0)
            im.load()
            return im
    except InputError:
        raise
    except Image.DecompressionBombError:
        raise ImageTooLarge(f"{what}: image is larger than the limit of {max_pixels:,} pixels") from None
    except (OSError, SyntaxError, ValueError, Image.UnidentifiedImageError) as e:
        why = ("not an image, or an unsupported format" if isinstance(e, Image.UnidentifiedImageError)
               else f"cannot read image ({_one_line(e)})")
        raise InputError(f"{what}: {why}") from None


def _one_line(e: BaseException) -> str:
    return " ".join(str(e).split()) or type(e).__name__


def _to_rgb(im: Image.Image, background: tuple[float, float, float]) -> np.ndarray:
    """Any PIL image -> float32 [H,W,3] RGB in [0,1], alpha composited over background."""
    if im.mode in ("I;16", "I;16B", "I;16L", "I"):
        a = np.asarray(im, dtype=np.float64)
        # I;16: the file says 16 bits, so 65535 is white (a dark 16-bit picture stays dark).
        # I (32-bit integers) does not say its depth: 8-bit values in it are taken as such.
        full = 65535.0 if im.mode != "I" or a.max() > 255 else 255.0
        return np.repeat((a / full)[..., None], 3, axis=2).clip(0, 1).astype(np.float32)
    if im.mode == "F":
        a = np.asarray(im, dtype=np.float64)
        return np.repeat(a[..., None], 3, axis=2).clip(0, 1).astype(np.float32)
    has_alpha = im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info)
    if has_alpha:
        rgba = np.asarray(im.convert("RGBA"), dtype=np.float32) / 255.0
        a = rgba[..., 3:4]
        bg = np.asarray(background, dtype=np.float32)
        return rgba[..., :3] * a + bg * (1.0 - a)
    return np.asarray(im.convert("RGB"), dtype=np.float32) / 255.0


def resize_longer(img: torch.Tensor, size: int) -> torch.Tensor:
    """Resize [3,H,W] so that the longer side is ``size`` (aspect kept)."""
    import torch

    _, h, w = img.shape
    nh, nw = longer_side(h, w, size)
    if (nh, nw) == (h, w):
        return img
    mode = "area" if nh < h or nw < w else "bicubic"
    kw = {} if mode == "area" else {"align_corners": False}
    out = torch.nn.functional.interpolate(img[None], size=(nh, nw), mode=mode, **kw)[0]
    return out.clamp(0, 1)


def longer_side(height: int, width: int, size: int) -> tuple[int, int]:
    """(height, width) scaled so that the longer side is ``size`` px (aspect kept, at least 1)."""
    s = size / max(height, width)
    return max(1, round(height * s)), max(1, round(width * s))


def resize_array(img: np.ndarray, size: int) -> np.ndarray:
    """Resize [H,W,3] so that the longer side is ``size`` (aspect kept), without
    torch: OpenCV's area filter when shrinking, bicubic when enlarging (close to
    :func:`resize_longer`, not equal to it)."""
    import cv2

    h, w = img.shape[:2]
    nh, nw = longer_side(h, w, size)
    if (nh, nw) == (h, w):
        return img
    shrink = nh < h or nw < w
    out = cv2.resize(np.ascontiguousarray(img), (nw, nh), interpolation=cv2.INTER_AREA if shrink else cv2.INTER_CUBIC)
    return out.clip(0, 1)


def fit_background(background, height: int, width: int):
    """A background for a ``height`` x ``width`` picture: colours pass through, a
    [3,h,w] image is resized to exactly that size."""
    if getattr(background, "ndim", 0) == 3 and tuple(background.shape[1:]) != (height, width):
        from torch.nn.functional import interpolate

        background = interpolate(background[None], size=(height, width), mode="bilinear", align_corners=False,
                                 antialias=True)[0].clamp(0, 1)
    return background


def to_uint8(img: torch.Tensor) -> np.ndarray:
    """[3,H,W] float in [0,1] -> [H,W,3] uint8."""
    return (img.detach().clamp(0, 1).permute(1, 2, 0).cpu().numpy() * 255.0 + 0.5).astype(np.uint8)


@contextmanager
def atomic_output(path: str | Path):
    """Yield a temporary path in the directory of ``path`` to write to; when the block
    ends without error it is renamed onto ``path`` (a complete file or none at all),
    otherwise removed."""
    p = Path(path)
    folder = p.parent if str(p.parent) else Path(".")
    _remove_stale_temps(folder, p.name)
    fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.{os.getpid()}.", suffix=".tmp", dir=folder)
    os.close(fd)
    try:
        os.chmod(tmp, 0o666 & ~_umask())
        yield tmp
        os.replace(tmp, p)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def _remove_stale_temps(folder: Path, name: str) -> None:
    """Remove the temporary files of earlier writes of ``name`` whose process is gone
    (killed with SIGKILL or by a power cut before it could clean up)."""
    for tmp in folder.glob(f".{glob.escape(name)}.*.tmp"):
        pid = tmp.name[len(name) + 2:].split(".", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            tmp.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through :func:`atomic_output`: the file is either the
    old one or the complete new one, never partial."""
    with atomic_output(path) as tmp:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


#: raster formats :func:`save_image` writes, by extension, as Pillow names them
RASTER_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".webp": "WEBP"}


def save_png(img: torch.Tensor, path: str | Path) -> None:
    """Save a [3,H,W] tensor in [0,1] as an 8-bit RGB PNG (atomically)."""
    save_image(img, path)


def png_bytes(img: torch.Tensor) -> bytes:
    """A [3,H,W] tensor in [0,1] as the bytes of an 8-bit RGB PNG (to embed or show,
    not a file: :func:`save_image` writes those, with their profile and metadata)."""
    import io

    buf = io.BytesIO()
    Image.fromarray(to_uint8(img)).save(buf, format="PNG")
    return buf.getvalue()


def save_image(img: torch.Tensor, path: str | Path, quality: int = DEFAULT_QUALITY, dpi: float | None = None,
               text: dict[str, str] | None = None) -> None:
    """Save a [3,H,W] tensor in [0,1] (or an [H,W,3] uint8 array) as 8-bit RGB in the
    format of ``path``'s extension (:data:`RASTER_FORMATS`), atomically, with an
    embedded sRGB ICC profile. ``quality``: JPEG and WebP (1 to 100); ``dpi``: the
    resolution PNG and JPEG record for printing; ``text``: what made the picture, as
    PNG text chunks, or an XMP packet in JPEG and WebP."""
    import io

    fmt = RASTER_FORMATS.get(Path(path).suffix.lower())
    if fmt is None:
        raise ValueError(f"{path}: not a raster format ({', '.join(sorted(RASTER_FORMATS))})")
    if not 1 <= int(quality) <= 100:
        raise ValueError(f"quality {quality} is not between 1 and 100")
    pixels = img if isinstance(img, np.ndarray) else to_uint8(img)
    options: dict = {"icc_profile": _srgb_profile()}
    if dpi is not None and fmt in ("PNG", "JPEG"):
        options["dpi"] = (float(dpi), float(dpi))
    if fmt == "PNG" and text:
        from PIL.PngImagePlugin import PngInfo

        info = PngInfo()
        for key, value in text.items():
            info.add_itxt(key, str(value))
        options["pnginfo"] = info
    elif fmt != "PNG":
        options["quality"] = int(quality)
        if fmt == "JPEG":
            options["optimize"] = True  # Huffman tables made for this picture: fewer bytes, the same pixels
        if text:
            options["xmp"] = xmp_packet(text)
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, format=fmt, **options)
    atomic_write_bytes(path, buf.getvalue())


@functools.cache
def _srgb_profile() -> bytes:
    """The bytes of an sRGB ICC profile (Little CMS's, made once)."""
    from PIL import ImageCms

    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


#: the XMP namespace of painter's own fields
XMP_NS = "https://github.com/painter-art/painter/ns/1.0/"


def painter_fields(text: dict[str, str], leave_out: tuple[str, ...]) -> str:
    """``text``'s fields as XML elements ``<painter:KEY>`` (XMP and an SVG's RDF),
    but those in ``leave_out``, which the caller writes in a standard vocabulary."""
    from xml.sax.saxutils import escape

    return "".join(f"<painter:{k}>{escape(str(v))}</painter:{k}>" for k, v in text.items()
                   if k.isidentifier() and k not in leave_out)


def xmp_packet(text: dict[str, str]) -> bytes:
    """An XMP packet holding ``text``: ``software`` as xmp:CreatorTool, ``description``
    as dc:description, every field as ``painter:KEY``."""
    from xml.sax.saxutils import escape, quoteattr

    fields = painter_fields(text, leave_out=("software", "description"))
    desc = text.get("description", "")
    return ('<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
            '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
            '<rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" '
            f'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:painter={quoteattr(XMP_NS)} '
            f'xmp:CreatorTool={quoteattr(str(text.get("software", "")))}>'
            f'<dc:description><rdf:Alt><rdf:li xml:lang="x-default">{escape(str(desc))}</rdf:li></rdf:Alt>'
            f'</dc:description>{fields}</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>').encode("utf-8")
