"""Stage 2 (bin): assign every segment to every screen tile its footprint touches.

Exact: a segment is listed in each tile that holds a pixel centre within its
bounding box grown by its larger half-width plus the anti-aliasing ramp, so no
pixel a segment can touch is ever missed (no k-nearest approximation). The pairs
are sorted by (tile, stroke) so that each tile's strokes come in paint order; that
gives the *groups* (one per tile and stroke) that the compositor works on.

Two exact shortcuts keep big strokes cheap: a pair whose segment is farther from
every pixel centre of the tile than its half-width plus the ramp is dropped (it
covers nothing there), and a group with one segment that covers every pixel centre
of the tile entirely is *full*: its coverage is 1 everywhere, with a zero gradient,
so none of its pairs is evaluated.
"""
from __future__ import annotations

from dataclasses import dataclass

import math

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
    group_full: torch.Tensor   # [G] bool: the group covers its whole tile (it has no pairs)


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
        hits, full = _pair_reach(a, b, ra, rb, pair_seg, pair_tile, tiles_x, tile)
        pair_seg, pair_tile = pair_seg[hits], pair_tile[hits]
        key = pair_tile * n_strokes + stroke[pair_seg]
        key, order = torch.sort(key, stable=True)
        gkey, pair_group = torch.unique_consecutive(key, return_inverse=True)
        group_full = torch.zeros(gkey.shape[0], dtype=torch.bool, device=dev)
        group_full.index_fill_(0, pair_group[full[hits][order]], True)
        partial = ~group_full[pair_group]  # the pairs still to evaluate, renumbered below
        pair_group = pair_group[partial]
        return tile_groups(gkey, n_strokes, tile, tiles_x, tiles_y, pair_seg[order][partial],
                           pair_tile[order][partial], pair_group, group_full)


def _pair_reach(a, b, ra, rb, pair_seg, pair_tile, tiles_x: int, tile: int):
    """For every (tile, segment) pair: whether the segment can touch a pixel centre of
    the tile, and whether it covers them all (coverage 1: every centre at least
    ``AA_HALF`` inside the thinner end's half-width). Distances are convex, so the
    farthest centre is a corner of the tile's box of centres, and none is nearer than
    the box's middle less its half-diagonal. Squared distances, x and y apart (the
    fast way for long flat tensors)."""
    s = pair_seg
    span = tile - 1.0
    ax, ay = a[s, 0], a[s, 1]
    dx, dy = b[s, 0] - ax, b[s, 1] - ay
    den = (dx * dx + dy * dy).clamp_min(1e-12)
    x0 = (pair_tile % tiles_x * tile).to(a.dtype).add_(0.5 - ax)  # the first centre, relative to a
    y0 = (pair_tile // tiles_x * tile).to(a.dtype).add_(0.5 - ay)

    def dist2(px, py):
        h = (px * dx + py * dy).div_(den).clamp_(0.0, 1.0)
        qx, qy = px - h * dx, py - h * dy
        return qx.mul_(qx).add_(qy.mul_(qy))

    reach = torch.maximum(ra[s], rb[s]) + AA_HALF + span / math.sqrt(2.0)
    hits = dist2(x0 + 0.5 * span, y0 + 0.5 * span) < reach * reach
    far2 = torch.maximum(torch.maximum(dist2(x0, y0), dist2(x0 + span, y0)),
                         torch.maximum(dist2(x0, y0 + span), dist2(x0 + span, y0 + span)))
    inner = torch.minimum(ra[s], rb[s]) - AA_HALF
    full = (inner >= 0) & (far2 <= inner * inner)
    return hits, full


def tile_groups(group_key: torch.Tensor, n_strokes: int, tile: int, tiles_x: int, tiles_y: int,
                pair_seg: torch.Tensor | None = None, pair_tile: torch.Tensor | None = None,
                pair_group: torch.Tensor | None = None, group_full: torch.Tensor | None = None) -> Bins:
    """Bins for the groups ``group_key = tile * n_strokes + stroke`` ([G], increasing),
    with the runs of groups per tile that the compositor needs; the pair arrays are
    empty unless given (composite only reads the groups), no group full unless
    ``group_full`` says so."""
    with torch.no_grad():
        group_tile = group_key // n_strokes if n_strokes else group_key
        group_stroke = group_key - group_tile * n_strokes
        run_tile, run_of_group, run_len = torch.unique_consecutive(group_tile, return_inverse=True, return_counts=True)
        run_last = torch.cumsum(run_len, 0) - 1
        run_first = run_last - run_len + 1
        pairs = [group_key.new_zeros(0) if x is None else x for x in (pair_seg, pair_tile, pair_group)]
        if group_full is None:
            group_full = torch.zeros(group_key.shape[0], dtype=torch.bool, device=group_key.device)
    return Bins(tile, tiles_x, tiles_y, *pairs, group_stroke, group_tile, run_tile, run_of_group, run_first, run_last,
                group_full)
