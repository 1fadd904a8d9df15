"""Stage 2 (bin): assign every segment to every screen tile its footprint touches.

Exact: a segment is listed in each tile that holds a pixel centre within its
bounding box grown by its larger half-width plus the anti-aliasing ramp, so no
pixel a segment can touch is ever missed (no k-nearest approximation). The pairs
are sorted by (tile, stroke) so that each tile's strokes come in paint order; that
gives the *groups* (one per tile and stroke) that the compositor works on.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

#: coverage is non-zero where the field is below this (half-width of the AA ramp)
AA_HALF = 0.5
#: screen tile edge in pixels
DEFAULT_TILE = 8


@dataclass
class Bins:
    tile: int                  # tile edge in pixels
    tiles_x: int
    tiles_y: int
    pair_seg: torch.Tensor     # [Np] segment index of each (tile, segment) pair
    pair_tile: torch.Tensor    # [Np] tile index of each pair
    pair_group: torch.Tensor   # [Np] group of each pair
    group_stroke: torch.Tensor  # [G] stroke of each group
    group_tile: torch.Tensor   # [G] tile of each group (non-decreasing)
    run_tile: torch.Tensor     # [R] distinct tiles that hold at least one group
    run_of_group: torch.Tensor  # [G] index into run_tile
    run_first: torch.Tensor    # [R] first group of each run
    run_last: torch.Tensor     # [R] last group of each run


def bin_segments(a, b, ra, rb, stroke, n_strokes: int, height: int, width: int, tile: int) -> Bins:
    """Bin segments (``a, b, ra, rb``: see geometry.stroke_segments) into tiles."""
    dev = a.device
    tiles_x = (width + tile - 1) // tile
    tiles_y = (height + tile - 1) // tile
    with torch.no_grad():
        r = (torch.maximum(ra, rb) + AA_HALF + 1e-3).unsqueeze(-1)
        lo = torch.minimum(a, b) - r
        hi = torch.maximum(a, b) + r
        # pixel centres (i + 0.5) inside [lo, hi]
        i0 = torch.ceil(lo - 0.5).clamp(-1, 1 << 30).long()
        i1 = torch.floor(hi - 0.5).clamp(-1, 1 << 30).long()
        lim = torch.tensor([width - 1, height - 1], device=dev)
        valid = ((i1 >= 0) & (i0 <= lim) & (i1 >= i0)).all(-1)
        t0 = i0.clamp(min=0) // tile
        t1 = torch.minimum(i1, lim) // tile
        nt = (t1 - t0 + 1) * valid.unsqueeze(-1)
        count = nt[:, 0] * nt[:, 1]
        seg_ids = torch.arange(a.shape[0], device=dev)
        pair_seg = torch.repeat_interleave(seg_ids, count)
        start = torch.cumsum(count, 0) - count
        local = torch.arange(pair_seg.shape[0], device=dev) - start[pair_seg]
        ntx = nt[pair_seg, 0]
        tx = t0[pair_seg, 0] + local % ntx
        ty = t0[pair_seg, 1] + local // ntx
        pair_tile = ty * tiles_x + tx
        key = pair_tile * n_strokes + stroke[pair_seg]
        key, order = torch.sort(key, stable=True)
        gkey, pair_group = torch.unique_consecutive(key, return_inverse=True)
        return tile_groups(gkey, n_strokes, tile, tiles_x, tiles_y, pair_seg[order], pair_tile[order], pair_group)


def tile_groups(group_key: torch.Tensor, n_strokes: int, tile: int, tiles_x: int, tiles_y: int,
                pair_seg: torch.Tensor | None = None, pair_tile: torch.Tensor | None = None,
                pair_group: torch.Tensor | None = None) -> Bins:
    """Bins for the groups ``group_key = tile * n_strokes + stroke`` ([G], increasing),
    with the runs of groups per tile that the compositor needs; the pair arrays are
    empty unless given (composite only reads the groups)."""
    with torch.no_grad():
        group_tile = group_key // n_strokes if n_strokes else group_key
        group_stroke = group_key - group_tile * n_strokes
        run_tile, run_of_group, run_len = torch.unique_consecutive(group_tile, return_inverse=True, return_counts=True)
        run_last = torch.cumsum(run_len, 0) - 1
        run_first = run_last - run_len + 1
        pairs = [group_key.new_zeros(0) if x is None else x for x in (pair_seg, pair_tile, pair_group)]
    return Bins(tile, tiles_x, tiles_y, *pairs, group_stroke, group_tile, run_tile, run_of_group, run_first, run_last)
