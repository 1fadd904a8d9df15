"""The differentiable rasterizer, in named stages (gsplat style), each testable alone.

    project   geometry.stroke_segments   Bézier strokes -> tapered segments (pixels)
    bin       binning.bin_segments       segments -> sorted (tile, segment) pairs
    rasterize raster.rasterize           pairs -> per (tile, stroke) coverage
    composite raster.composite           coverage -> "over" in paint order

Memory is proportional to the number of (tile, segment) pairs times the tile area,
never to strokes x pixels.
"""
from __future__ import annotations

from typing import Sequence

import torch

from ..strokes import StrokeSet
from .binning import bin_segments
from .geometry import canvas_transform, stroke_segments
from .raster import composite, image_to_tiles, rasterize, tiles_to_image

DEFAULT_TILE = 8

__all__ = ["render", "render_stroke_params"]


def _background(background, strokes_bg, height: int, width: int, device, dtype) -> torch.Tensor:
    if background is None:
        background = strokes_bg
    bg = torch.as_tensor(background, device=device, dtype=dtype)
    if bg.dim() == 1:
        if bg.shape[0] != 3:
            raise ValueError("background colour must have 3 values (RGB)")
        return bg.view(3, 1, 1).expand(3, height, width)
    if bg.shape != (3, height, width):
        raise ValueError(f"background image must be [3,{height},{width}], got {list(bg.shape)}")
    return bg


#: without gradients, pictures larger than this many pixels are drawn in bands so that
#: memory stays bounded however large the output (a 8192 px poster included)
BAND_PIXELS = 1 << 20


def render_stroke_params(
    points: torch.Tensor,
    widths: torch.Tensor,
    colors: torch.Tensor,
    opacity: torch.Tensor,
    canvas: tuple[float, float],
    height: int,
    width: int,
    background: torch.Tensor,
    *,
    tile: int = DEFAULT_TILE,
    n_seg: torch.Tensor | int | None = None,
) -> torch.Tensor:
    """Render raw stroke tensors (see StrokeSet for shapes); ``background`` is [3,H,W]."""
    s, ox, oy = canvas_transform(canvas, height, width)
    off = torch.tensor([ox, oy], device=points.device, dtype=points.dtype)
    pts = points * s + off
    wid = widths * s
    a, b, ra, rb, stroke = stroke_segments(pts, wid, n_seg)
    n = points.shape[0]
    grad = torch.is_grad_enabled() and any(t.requires_grad for t in (points, widths, colors, opacity, background))
    if grad or height * width <= BAND_PIXELS:
        return _render_segments(a, b, ra, rb, stroke, n, colors, opacity, background, tile)
    band = max(tile, BAND_PIXELS // width // tile * tile)
    out = torch.empty_like(background, memory_format=torch.contiguous_format)
    for y0 in range(0, height, band):
        y1 = min(height, y0 + band)
        shift = torch.tensor([0.0, float(y0)], device=a.device, dtype=a.dtype)
        out[:, y0:y1] = _render_segments(a - shift, b - shift, ra, rb, stroke, n, colors, opacity,
                                         background[:, y0:y1], tile)
    return out


def _render_segments(a, b, ra, rb, stroke, n_strokes, colors, opacity, background, tile) -> torch.Tensor:
    """bin -> rasterize -> composite pixel-space segments over ``background`` [3,H,W]."""
    _, height, width = background.shape
    bins = bin_segments(a, b, ra, rb, stroke, n_strokes, height, width, tile)
    bg_tiles = image_to_tiles(background, tile, bins.tiles_y, bins.tiles_x)
    cov = rasterize(bins, a, b, ra, rb)
    out = composite(bins, cov, colors, opacity, bg_tiles)
    return tiles_to_image(out, tile, bins.tiles_y, bins.tiles_x, height, width)


def render(
    strokes: StrokeSet,
    height: int,
    width: int,
    background: Sequence[float] | torch.Tensor | None = None,
    *,
    tile: int = DEFAULT_TILE,
) -> torch.Tensor:
    """Render ``strokes`` to a [3, H, W] tensor in [0, 1], differentiable w.r.t. every
    stroke tensor (and the background).

    ``background``: an RGB colour (3 numbers or a [3] tensor), a [3,H,W] image, or
    None for the StrokeSet's own background colour. Strokes are drawn "over" in
    order; the picture matches what an SVG renderer draws for the exported SVG.
    """
    if height < 1 or width < 1:
        raise ValueError("height and width must be >= 1")
    dtype = strokes.points.dtype if strokes.points.is_floating_point() else torch.float32
    bg = _background(background, strokes.background, height, width, strokes.device, dtype)
    return render_stroke_params(
        strokes.points, strokes.widths, strokes.colors, strokes.opacity, strokes.canvas,
        height, width, bg, tile=tile,
    )
