"""Rasterizing a PathSet: filled compound paths, anti-aliased and differentiable.

Stages (each a plain function on tensors, testable alone):

    project    path_segments       curves -> flattened segments in pixels (geometry)
    scanline   scanline_crossings  segments x pixel-row centres -> signed crossings
    edge       edge_pixels         pixels within 1/2 px of a path's boundary and their
                                   nearest segment (binning.bin_segments, zero width)
    inside     inside_test         winding numbers -> which pixel centres are inside,
                                   per (tile, path) group
    composite  raster.composite    "over" in path order, per tile

Semantics, matching what an SVG renderer (resvg) draws for the exported SVG: a pixel
centre is inside a path when the winding number of the path's subpaths around it is
non-zero (``nonzero``) or odd (``evenodd``). Within half a pixel of the boundary
(distance ``d`` to the nearest flattened segment of the path) the coverage is the
box-filter ramp ``1/2 + d`` inside and ``1/2 - d`` outside; elsewhere it is 0 or 1.

Gradients flow to the control points through ``d`` (on edge pixels only: the
winding test is piecewise constant and the ramp makes coverage continuous across
the boundary), and to colours, opacity and the background through the compositor.

Memory: the compositor holds one float per (tile, path) group pixel, i.e. at most
P x H x W for P paths that all cover the whole picture (16 stacked layers at 512 px:
4 M values), and the winding carry is P x H x W/8 int32. A differentiable render
is done in one pass, so keep P x H x W to some 10^7-10^8 there (traced art: a few
dozen compound paths at 512-1024 px). Without gradients, pictures are drawn in bands
of at most ``BAND_GROUP_PIXELS`` path-pixels, so a 4096 px poster needs no more
memory than a 512 px render.

Known approximation: the edge ramp uses the distance to *every* segment of a path,
so where subpaths of one path overlap under ``nonzero`` (an edge inside the filled
area), a faint seam shows along the inner edge; Potrace output never overlaps.
"""
from __future__ import annotations

from typing import Sequence

import torch

from ..primitives.paths import PathSet, next_curves
from .binning import DEFAULT_TILE, bin_segments, tile_groups
from .geometry import segment_distance, stroke_segments, to_pixels
from .raster import background_image, composite, draw_in_bands, image_to_tiles, pair_distance, tiles_to_image

#: without gradients, a picture is drawn in bands of at most this many (path, pixel)
#: pairs, so memory stays bounded however large the output
BAND_GROUP_PIXELS = 1 << 22
#: tile edge for finding edge pixels: segments are short, so small tiles waste less
EDGE_TILE = 4

__all__ = ["edge_pixels", "inside_test", "path_segments", "render_path_params", "render_paths", "scanline_crossings"]


def path_segments(points_px: torch.Tensor, curve_path: torch.Tensor, next_curve: torch.Tensor,
                  n_seg: torch.Tensor | int | None = None):
    """Flatten every curve into line segments and join the gaps of each subpath.

    ``points_px`` [K,4,2] (pixels), ``curve_path`` [K], ``next_curve`` [K] (see
    paths.next_curves). Curves are flattened by geometry.stroke_segments (zero width;
    ``n_seg`` pieces each, default: 0.1 px chord error). Where a curve does not end
    exactly where the next curve of its subpath starts, a straight segment joins
    them, as SVG draws ``C`` from the current point and ``Z`` back to the start.
    Returns ``a, b`` [S,2] (segment ends) and ``seg_path`` [S] int64.
    """
    zeros = points_px.new_zeros(points_px.shape[0], 2)
    a, b, _, _, curve = stroke_segments(points_px, zeros, n_seg)
    end, start = points_px[:, 3], points_px[next_curve, 0]
    gap = (end != start).any(-1)
    return torch.cat([a, end[gap]]), torch.cat([b, start[gap]]), torch.cat([curve_path[curve], curve_path[gap]])


def scanline_crossings(a: torch.Tensor, b: torch.Tensor, height: int, width: int):
    """Where segments cross the horizontal lines through the pixel-row centres.

    A segment crosses row ``r`` when ``r + 1/2`` lies in its half-open y range
    ``[min(ay, by), max(ay, by))``: a vertex shared by two segments counts once, a
    vertex at a y extremum twice or not at all, so winding numbers come out right.
    Returns four [E] int64 tensors: ``seg`` (segment), ``row``, ``col`` (the first
    pixel column whose centre lies strictly right of the crossing; only crossings with
    ``col < width`` are kept) and ``sign`` (+1 where the segment goes down, -1 up).
    The winding number of a pixel centre is the sum of ``sign`` over the crossings of
    its row with ``col <=`` its column.
    """
    with torch.no_grad():
        ay, by = a[:, 1], b[:, 1]
        r0 = torch.ceil(torch.minimum(ay, by) - 0.5).nan_to_num_(0.0).clamp_(0, height).long()
        r1 = torch.ceil(torch.maximum(ay, by) - 0.5).nan_to_num_(0.0).clamp_(0, height).long()
        count = (r1 - r0).clamp_(min=0)
        seg = torch.repeat_interleave(torch.arange(a.shape[0], device=a.device), count)
        first = torch.cumsum(count, 0) - count
        row = r0[seg] + torch.arange(seg.shape[0], device=a.device) - first[seg]
        ya, dy = ay[seg], (by - ay)[seg]
        x = a[seg, 0] + (row.to(a.dtype) + 0.5 - ya) / dy * (b[seg, 0] - a[seg, 0])
        col = torch.floor(x + 0.5).clamp_(0, width).long()
        sign = torch.where(dy > 0, 1, -1)
        keep = col < width
        return seg[keep], row[keep], col[keep], sign[keep]


def _inside(winding: torch.Tensor, evenodd: torch.Tensor) -> torch.Tensor:
    """Whether a winding number is inside under the fill rule (``evenodd`` broadcasts)."""
    return torch.where(evenodd, (winding & 1) != 0, winding != 0)


def edge_pixels(a: torch.Tensor, b: torch.Tensor, seg_path: torch.Tensor, n_paths: int, height: int, width: int,
                tile: int = EDGE_TILE):
    """The pixels within half a pixel of their path's boundary, with the nearest segment.

    Segments are binned exactly into ``tile``-sized tiles (binning.bin_segments with
    zero width: every tile holding a pixel centre within 1/2 px of a segment's
    bounding box), the distance of every (tile, segment) pair's pixels is taken
    (raster.pair_distance) and the minimum per (tile, path) pixel kept. Returns [M]
    int64 tensors ``x``, ``y`` (pixel column and row) and ``seg``, one entry per
    (path, pixel) with a distance below 1/2. No gradient.
    """
    with torch.no_grad():
        zeros = a.new_zeros(a.shape[0])
        bins = bin_segments(a, b, zeros, zeros, seg_path, n_paths, height, width, tile)
        d, _ = pair_distance(bins, a, b)
        dmin = d.new_full((bins.group_stroke.shape[0], d.shape[1]), float("inf"))
        dmin.scatter_reduce_(0, bins.pair_group.unsqueeze(1).expand_as(d), d, reduce="amin")
        pair, pix = ((d < 0.5) & (d == dmin[bins.pair_group])).nonzero(as_tuple=True)
        # ties (a pixel as near to two segments, e.g. at a vertex): keep the first
        key = bins.pair_group[pair] * d.shape[1] + pix
        uniq, inv = torch.unique(key, return_inverse=True)
        first = torch.full_like(uniq, key.shape[0]).scatter_reduce_(
            0, inv, torch.arange(key.shape[0], device=key.device), reduce="amin")
        pair, pix, tile_id = pair[first], pix[first], bins.pair_tile[pair[first]]
        return tile_id % bins.tiles_x * tile + pix % tile, tile_id // bins.tiles_x * tile + pix // tile, bins.pair_seg[pair]


def inside_test(crossings, seg_path: torch.Tensor, evenodd: torch.Tensor, n_paths: int, height: int, width: int,
                tile: int, extra_keys: torch.Tensor):
    """Which pixel centres are inside each path, per (tile, path) group.

    ``crossings``: :func:`scanline_crossings`; ``evenodd`` [P] bool. The winding
    number left of every tile is a cumulative sum over tiles of the crossings of each
    row ([P, rows, tiles_x + 1] int32); inside a tile, a cumulative sum over its
    columns. The groups are every (tile, path) that holds a crossing, has a row that
    enters it inside, or whose key (``tile * P + path``) is in ``extra_keys``.
    Returns ``keys`` [G] (increasing) and ``inside`` [G, T*T] bool.
    """
    seg, row, col, sign = crossings
    t, n = tile, n_paths
    tiles_x, tiles_y = (width + t - 1) // t, (height + t - 1) // t
    dev = seg_path.device
    path, tx = seg_path[seg], col // t
    sign = sign.to(torch.int32)
    carry = torch.zeros(n, tiles_y * t, tiles_x + 1, dtype=torch.int32, device=dev)
    carry.index_put_((path, row, tx + 1), sign, accumulate=True)
    carry = torch.cumsum(carry, 2, dtype=torch.int32)[:, :, :tiles_x]  # winding left of each tile, per row
    mark = _inside(carry, evenodd.view(n, 1, 1)).view(n, tiles_y, t, tiles_x).any(2)
    mark[path, row // t, tx] = True
    mark = mark.view(n, -1).t().contiguous().view(-1)  # [tiles * P], key = tile * P + path
    mark[extra_keys] = True
    keys = mark.nonzero().squeeze(1)
    g_tile, g_path = keys // n, keys % n
    g_tx, g_ty = g_tile % tiles_x, g_tile // tiles_x
    acc = torch.zeros(keys.shape[0], t, t, dtype=torch.int32, device=dev)
    rows = g_ty.unsqueeze(1) * t + torch.arange(t, device=dev)
    acc[:, :, 0] = carry[g_path.unsqueeze(1), rows, g_tx.unsqueeze(1)]
    grp = torch.searchsorted(keys, ((row // t) * tiles_x + tx) * n + path)
    acc.index_put_((grp, row % t, col % t), sign, accumulate=True)
    winding = torch.cumsum(acc, 2, dtype=torch.int32)
    return keys, _inside(winding, evenodd[g_path].view(-1, 1, 1)).view(keys.shape[0], t * t)


def _unhidden(keys: torch.Tensor, coverage: torch.Tensor, opacity: torch.Tensor, n_paths: int) -> torch.Tensor:
    """[G] bool: the groups not under a later group of their tile that covers the
    whole tile opaquely (``coverage`` [G, T*T]; keys as in :func:`inside_test`)."""
    g_tile = keys // n_paths
    idx = torch.arange(keys.shape[0], device=keys.device)
    full = (coverage.amin(1) >= 1) & (opacity[keys % n_paths] >= 1)
    top = torch.full((int(g_tile.max()) + 1,), -1, device=keys.device)
    top.scatter_reduce_(0, g_tile, torch.where(full, idx, -1), reduce="amax")
    return idx >= top[g_tile]


def _group_coverage(a, b, seg_path, evenodd, n: int, height: int, width: int, t: int):
    """edge -> inside -> coverage: ``keys`` [G] (``tile * P + path``, increasing) and
    the coverage [G, T*T] of each (tile, path) group, differentiable w.r.t. ``a, b``."""
    tiles_x = (width + t - 1) // t
    e_x, e_y, e_seg = edge_pixels(a, b, seg_path, n, height, width)
    e_key = ((e_y // t) * tiles_x + e_x // t) * n + seg_path[e_seg]
    e_pix = (e_y % t) * t + e_x % t
    keys, inside = inside_test(scanline_crossings(a, b, height, width), seg_path, evenodd, n, height, width, t, e_key)
    # anti-aliased edge: 1/2 +- the distance to the nearest segment, differentiable
    e_grp = torch.searchsorted(keys, e_key)
    d, _ = segment_distance(torch.stack([e_x, e_y], -1).to(a.dtype) + 0.5, a[e_seg], b[e_seg])
    e_in = inside[e_grp, e_pix]
    return keys, inside.to(a.dtype).index_put((e_grp, e_pix), torch.where(e_in, 0.5 + d, 0.5 - d))


def _render_filled(a, b, seg_path, evenodd, colors, opacity, background, tile: int, cull: bool) -> torch.Tensor:
    """edge -> inside -> coverage -> composite for pixel-space segments over
    ``background`` [3,H,W]. ``cull``: leave out the groups hidden under an opaque
    group that covers their whole tile (without gradients: the picture changes by at
    most the 1e-6 that an opaque layer leaks in the compositor)."""
    _, height, width = background.shape
    n, t = colors.shape[0], tile
    tiles_x, tiles_y = (width + t - 1) // t, (height + t - 1) // t
    keys, cov = _group_coverage(a, b, seg_path, evenodd, n, height, width, t)
    if cull and keys.shape[0]:
        keep = _unhidden(keys, cov, opacity, n)
        keys, cov = keys[keep], cov[keep]
    groups = tile_groups(keys, n, t, tiles_x, tiles_y)
    bg_tiles = image_to_tiles(background, t, tiles_y, tiles_x)
    out = composite(groups, cov.t().contiguous(), colors, opacity, bg_tiles)
    return tiles_to_image(out, t, tiles_y, tiles_x, height, width)


def render_path_params(
    points: torch.Tensor,
    curve_path: torch.Tensor,
    curve_subpath: torch.Tensor,
    colors: torch.Tensor,
    opacity: torch.Tensor,
    fill_rule: torch.Tensor,
    canvas: tuple[float, float],
    height: int,
    width: int,
    background: torch.Tensor,
    *,
    tile: int = DEFAULT_TILE,
) -> torch.Tensor:
    """Render raw path tensors (see PathSet for shapes); ``background`` is [3,H,W].
    Differentiable w.r.t. ``points``, ``colors``, ``opacity`` and ``background``."""
    pts, _ = to_pixels(points, canvas, height, width)
    a, b, seg_path = path_segments(pts, curve_path, next_curves(curve_path, curve_subpath))
    evenodd = fill_rule.to(colors.device) == 1
    n = colors.shape[0]
    if a.shape[0] == 0:
        return background.clone()
    grad = torch.is_grad_enabled() and any(x.requires_grad for x in (points, colors, opacity, background))
    if grad or height * width * n <= BAND_GROUP_PIXELS:
        return _render_filled(a, b, seg_path, evenodd, colors, opacity, background, tile, not grad)
    band = max(tile, BAND_GROUP_PIXELS // (width * n) // tile * tile)
    lo = torch.minimum(a[:, 1], b[:, 1])
    hi = torch.maximum(a[:, 1], b[:, 1])

    def draw(y0: int, bg: torch.Tensor) -> torch.Tensor:
        # only the segments that reach the band (with the 1/2 px ramp) cross its rows or touch its pixels
        near = (hi >= y0 - 1) & (lo <= y0 + bg.shape[1] + 1)
        shift = torch.tensor([0.0, float(y0)], device=a.device, dtype=a.dtype)
        return _render_filled(a[near] - shift, b[near] - shift, seg_path[near], evenodd, colors, opacity, bg, tile,
                              True)

    return draw_in_bands(draw, background, band)


def render_paths(
    paths: PathSet,
    height: int,
    width: int,
    background: Sequence[float] | torch.Tensor | None = None,
    *,
    tile: int = DEFAULT_TILE,
) -> torch.Tensor:
    """Render ``paths`` to a [3, H, W] tensor in [0, 1], differentiable w.r.t. the
    control points, colours, opacities (and the background).

    ``background``: an RGB colour, a [3,H,W] image, or None for the set's own
    background colour. Paths are filled in order ("over", later on top) with their
    fill rule; the picture matches what an SVG renderer draws for the exported SVG
    (see the module docstring for the anti-aliasing and the memory limits).
    """
    if height < 1 or width < 1:
        raise ValueError("height and width must be >= 1")
    dtype = paths.points.dtype if paths.points.is_floating_point() else torch.float32
    bg = background_image(background, paths.background, height, width, paths.device, dtype)
    return render_path_params(paths.points, paths.curve_path, paths.curve_subpath, paths.colors, paths.opacity,
                              paths.fill_rule, paths.canvas, height, width, bg, tile=tile)
