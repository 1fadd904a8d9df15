"""Stages 3 and 4 (rasterize, composite) on the binned pairs.

rasterize: every (tile, segment) pair evaluates its segment's field on the tile's
pixel centres as an anti-aliased coverage (a one-pixel box filter across the
stroke's edge, see geometry.segment_coverage); the pairs of one (tile, stroke) group
are reduced with ``max`` (the stroke is the union of its segments).

composite: "over" in stroke order inside each tile. With ``a_g`` a group's alpha,
the colour is ``sum_g a_g c_g prod_{g' after g}(1 - a_g') + bg * prod_g (1 - a_g)``;
the products come from a cumulative sum of ``log(1 - a)`` in float64 (exact enough
across the whole flat array), so the whole stage is a few vectorised ops.
"""
from __future__ import annotations

import torch

from .binning import Bins
from .geometry import segment_coverage

#: alpha is clamped below 1 so that log(1 - alpha) stays finite (leak <= 1e-6)
_ALPHA_MAX = 1.0 - 1e-6


def _tile_grid(tile: int, device, dtype) -> torch.Tensor:
    """[T*T, 2] pixel-centre offsets (x, y) inside a tile, row-major."""
    r = torch.arange(tile, device=device, dtype=dtype) + 0.5
    yy, xx = torch.meshgrid(r, r, indexing="ij")
    return torch.stack([xx.reshape(-1), yy.reshape(-1)], -1)


def rasterize(bins: Bins, a, b, ra, rb) -> torch.Tensor:
    """Coverage of every group: [G, T*T] in [0, 1]."""
    t = bins.tile
    grid = _tile_grid(t, a.device, a.dtype)
    tx = bins.pair_tile % bins.tiles_x
    ty = bins.pair_tile // bins.tiles_x
    origin = torch.stack([tx, ty], -1).to(a.dtype) * t  # [Np, 2]
    s = bins.pair_seg
    p = origin.unsqueeze(1) + grid.unsqueeze(0)  # [Np, T*T, 2]
    cov = segment_coverage(p, a[s].unsqueeze(1), b[s].unsqueeze(1), ra[s].unsqueeze(1), rb[s].unsqueeze(1))
    n_groups = bins.group_stroke.shape[0]
    idx = bins.pair_group.unsqueeze(1).expand_as(cov)
    out = torch.zeros((n_groups, t * t), device=cov.device, dtype=cov.dtype)
    return out.scatter_reduce(0, idx, cov, reduce="amax", include_self=False)


def composite(bins: Bins, coverage, colors, opacity, bg_tiles) -> torch.Tensor:
    """Composite groups over the background, tile by tile.

    ``bg_tiles``: [tiles, T*T, 3]. Returns [tiles, T*T, 3].
    """
    alpha = coverage * opacity[bins.group_stroke].unsqueeze(1)  # [G, TT]
    log_t = torch.log1p(-alpha.clamp(max=_ALPHA_MAX)).double()
    csum = torch.cumsum(log_t, 0)  # inclusive, across all groups
    last = csum[bins.run_last][bins.run_of_group]  # [G, TT]
    trans_after = torch.exp(last - csum).to(alpha.dtype)  # prod over later groups in tile
    contrib = (alpha * trans_after).unsqueeze(-1) * colors[bins.group_stroke].unsqueeze(1)
    acc = torch.zeros_like(bg_tiles).index_add(0, bins.group_tile, contrib)
    before_first = csum[bins.run_first] - log_t[bins.run_first]
    t_all = torch.exp(csum[bins.run_last] - before_first).to(alpha.dtype)  # [R, TT]
    trans = torch.ones(bg_tiles.shape[:2], device=bg_tiles.device, dtype=bg_tiles.dtype)
    trans = trans.index_copy(0, bins.run_tile, t_all)
    return acc + bg_tiles * trans.unsqueeze(-1)


def image_to_tiles(img: torch.Tensor, tile: int, tiles_y: int, tiles_x: int) -> torch.Tensor:
    """[3,H,W] -> [tiles, T*T, 3] (zero padded)."""
    c, h, w = img.shape
    img = torch.nn.functional.pad(img, (0, tiles_x * tile - w, 0, tiles_y * tile - h))
    x = img.reshape(c, tiles_y, tile, tiles_x, tile).permute(1, 3, 2, 4, 0)
    return x.reshape(tiles_y * tiles_x, tile * tile, c)


def tiles_to_image(tiles: torch.Tensor, tile: int, tiles_y: int, tiles_x: int, h: int, w: int) -> torch.Tensor:
    """[tiles, T*T, 3] -> [3,H,W]."""
    c = tiles.shape[-1]
    x = tiles.reshape(tiles_y, tiles_x, tile, tile, c).permute(4, 0, 2, 1, 3)
    return x.reshape(c, tiles_y * tile, tiles_x * tile)[:, :h, :w]
