"""The differentiable rasterizer, in named stages (gsplat style), each testable alone.

    project   geometry.stroke_segments   Bézier strokes -> tapered segments (pixels)
    bin       binning.bin_segments       segments -> sorted (tile, segment) pairs
    rasterize raster.rasterize           pairs -> per (tile, stroke) coverage
    composite raster.composite           coverage -> "over" in paint order

Memory is proportional to the number of (tile, segment) pairs times the tile area,
never to strokes x pixels.

Filled paths (a PathSet: traced art) go through the same bin and composite stages
with a scanline winding test in between: see render/paths.py. ``render`` takes
either kind of set.

May import: :mod:`painter.primitives`, :mod:`painter.image`.
"""
from __future__ import annotations

from typing import Sequence

import torch

from ..primitives.paths import PathSet
from ..primitives.strokes import StrokeSet
from .binning import DEFAULT_TILE, bin_segments
from .geometry import FLATTEN_TOLERANCE, segments_needed, stroke_segments, to_pixels
from .paths import render_path_params, render_paths
from .raster import (background_image, composite, draw_in_bands, image_to_tiles, rasterize, tiles_to_image,
                     visible_weights)

__all__ = ["render", "render_path_params", "render_paths", "render_stroke_params", "visible_area"]


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
    tolerance: float = FLATTEN_TOLERANCE,
    origin: tuple[int, int] = (0, 0),
) -> torch.Tensor:
    """Render raw stroke tensors (see StrokeSet for shapes) on a ``height`` x ``width``
    picture; ``background`` is [3,H,W], or a window of the picture whose top-left pixel
    is ``origin`` (x, y), and the window is what is drawn. Each centre line is
    flattened into ``n_seg`` segments (default: as many as a chord error of
    ``tolerance`` pixels needs)."""
    pts, s = to_pixels(points, canvas, height, width)
    wid = widths * s
    a, b, ra, rb, stroke = stroke_segments(pts, wid, segments_needed(pts, tolerance) if n_seg is None else n_seg)
    if origin != (0, 0):
        shift = torch.tensor([float(origin[0]), float(origin[1])], device=a.device, dtype=a.dtype)
        a, b = a - shift, b - shift
    height, width = background.shape[1:]
    n = points.shape[0]
    grad = torch.is_grad_enabled() and any(t.requires_grad for t in (points, widths, colors, opacity, background))
    if grad or height * width <= BAND_PIXELS:
        return _render_segments(a, b, ra, rb, stroke, n, colors, opacity, background, tile)
    band = max(tile, BAND_PIXELS // width // tile * tile)

    def draw(y0: int, bg: torch.Tensor) -> torch.Tensor:
        shift = torch.tensor([0.0, float(y0)], device=a.device, dtype=a.dtype)
        return _render_segments(a - shift, b - shift, ra, rb, stroke, n, colors, opacity, bg, tile)

    return draw_in_bands(draw, background, band)


def _render_segments(a, b, ra, rb, stroke, n_strokes, colors, opacity, background, tile) -> torch.Tensor:
    """bin -> rasterize -> composite pixel-space segments over ``background`` [3,H,W]."""
    _, height, width = background.shape
    bins = bin_segments(a, b, ra, rb, stroke, n_strokes, height, width, tile)
    bg_tiles = image_to_tiles(background, tile, bins.tiles_y, bins.tiles_x)
    cov = rasterize(bins, a, b, ra, rb)
    out = composite(bins, cov, colors, opacity, bg_tiles)
    return tiles_to_image(out, tile, bins.tiles_y, bins.tiles_x, height, width)


def visible_area(strokes: StrokeSet, height: int, width: int, *, tile: int = DEFAULT_TILE) -> torch.Tensor:
    """[N] how many pixels of each stroke show in the finished ``height`` x ``width``
    picture: its coverage times its opacity times what shows through the strokes
    over it, summed (0: hidden under later strokes)."""
    with torch.no_grad():
        pts, s = to_pixels(strokes.points, strokes.canvas, height, width)
        a, b, ra, rb, stroke = stroke_segments(pts, strokes.widths * s)
        bins = bin_segments(a, b, ra, rb, stroke, len(strokes), height, width, tile)
        return visible_weights(bins, rasterize(bins, a, b, ra, rb), strokes.opacity, height, width)


def render(
    strokes: StrokeSet | PathSet,
    height: int,
    width: int,
    background: Sequence[float] | torch.Tensor | None = None,
    *,
    tile: int = DEFAULT_TILE,
) -> torch.Tensor:
    """Render ``strokes`` (a StrokeSet, or a PathSet: see :func:`render_paths`) to a
    [3, H, W] tensor in [0, 1], differentiable w.r.t. every tensor of the set (and the
    background).

    ``background``: an RGB colour (3 numbers or a [3] tensor), a [3,H,W] image, or
    None for the set's own background colour. Strokes are drawn "over" in
    order; the picture matches what an SVG renderer draws for the exported SVG.
    """
    if isinstance(strokes, PathSet):
        return render_paths(strokes, height, width, background, tile=tile)
    if height < 1 or width < 1:
        raise ValueError("height and width must be >= 1")
    dtype = strokes.points.dtype if strokes.points.is_floating_point() else torch.float32
    bg = background_image(background, strokes.background, height, width, strokes.device, dtype)
    return render_stroke_params(
        strokes.points, strokes.widths, strokes.colors, strokes.opacity, strokes.canvas,
        height, width, bg, tile=tile,
    )
