"""Stage 3 of tracing: the inks' colours fitted to the picture through the traced
shapes, in numpy (no torch).

The fit needs each path's anti-aliased coverage. :func:`path_coverage` computes it
with the renderer's rules (:mod:`painter.render.paths`: equal-parameter flattening to
a 0.1 px chord error, winding numbers at pixel centres, the box-filter ramp
``1/2 +- d`` within half a pixel of the boundary), so the fitted colours are those
the renderer's coverage gives, without loading torch. The renderer stays the one
differentiable rasterizer; this is its coverage for one purpose, without gradients
or tiles, and a test holds the two to the same pixels.
"""
from __future__ import annotations

import numpy as np

from ..primitives.canvas import FLATTEN_TOLERANCE, MAX_SEGMENTS, canvas_transform
from .outlines import Traced, subpath_index

#: half the width of the anti-aliasing ramp, in pixels
AA_HALF = 0.5
F32 = np.float32


def fit_inks(traced: Traced, image: np.ndarray, cover: np.ndarray | None = None) -> Traced:
    """The colours that make the traced picture closest to ``image`` ([H,W,3]) for
    the traced shapes: the picture is linear in the colours (each pixel a mix of the
    inks it sees through the anti-aliased edges of opaque layers), so they are the
    least-squares solution of a P x P system. ``cover``: the paths'
    :func:`path_coverage`, when it is known already."""
    h, w = image.shape[:2]
    n = len(traced)
    cover = path_coverage(traced, h, w) if cover is None else cover
    seen = np.empty_like(cover)  # how much of each layer shows: its coverage under those above it
    above = np.ones((h, w), F32)
    for i in range(n - 1, -1, -1):
        seen[i] = cover[i] * above
        above = above * (F32(1.0) - cover[i])
    a = seen.reshape(n, -1).astype(np.float64)
    rhs = a @ image.reshape(-1, 3).astype(np.float64)
    inks = np.linalg.lstsq(a @ a.T, rhs, rcond=None)[0]
    traced.colors = inks.astype(F32).clip(0, 1)
    return traced


def path_coverage(traced: Traced, height: int, width: int) -> np.ndarray:
    """Each path's own anti-aliased coverage, [P, H, W] float32 in [0, 1]: what a
    path would draw alone, opaque (see the module docstring)."""
    n = len(traced)
    s, ox, oy = canvas_transform(traced.canvas, height, width)
    pts = traced.points * F32(s) + np.array([ox, oy], F32)
    a, b, seg_path = path_segments(pts, traced.curve_path, next_curves(traced.curve_path, traced.curve_subpath))
    evenodd = (traced.fill_rule == 1)[:, None, None]
    winding = winding_numbers(a, b, seg_path, n, height, width)
    inside = np.where(evenodd, (winding & 1) != 0, winding != 0)
    cover = inside.astype(F32)
    d = edge_distance(a, b, seg_path, n, height, width)
    edge = d < AA_HALF
    cover[edge] = np.where(inside[edge], F32(0.5) + d[edge], F32(0.5) - d[edge])
    return cover


def next_curves(curve_path: np.ndarray, curve_subpath: np.ndarray) -> np.ndarray:
    """[K] the curve that follows each curve in its closed subpath (the subpath's
    first curve after its last), as :func:`painter.primitives.paths.next_curves`."""
    k = curve_path.shape[0]
    nxt = np.arange(1, k + 1)
    if k == 0:
        return nxt
    sub = subpath_index(curve_path, curve_subpath)
    last = np.ones(k, dtype=bool)
    last[:-1] = sub[1:] != sub[:-1]
    first = np.flatnonzero(np.diff(sub, prepend=-1))  # each subpath's first curve
    nxt[last] = first[sub[last]]
    return nxt


def path_segments(points_px: np.ndarray, curve_path: np.ndarray, next_curve: np.ndarray):
    """Every curve flattened into equal-parameter segments (as many as a 0.1 px chord
    error needs), and a straight segment wherever a curve does not end exactly where
    the next curve of its subpath starts. Returns ``a, b`` [S,2] and ``seg_path`` [S]."""
    p = points_px
    d1 = np.linalg.norm(p[:, 0] - 2 * p[:, 1] + p[:, 2], axis=-1)
    d2 = np.linalg.norm(p[:, 1] - 2 * p[:, 2] + p[:, 3], axis=-1)
    m = F32(6.0) * np.maximum(d1, d2)
    n_seg = np.nan_to_num(np.ceil(np.sqrt(m / F32(8.0 * FLATTEN_TOLERANCE))), nan=1.0).clip(1, MAX_SEGMENTS)
    n_seg = n_seg.astype(np.int64)
    curve = np.repeat(np.arange(p.shape[0]), n_seg)
    start = np.cumsum(n_seg) - n_seg
    k = (np.arange(curve.shape[0]) - start[curve]).astype(F32)
    nk = n_seg[curve].astype(F32)
    pts = p[curve]
    a, b = bezier_at(pts, k / nk), bezier_at(pts, (k + F32(1.0)) / nk)
    end, first = p[:, 3], p[next_curve, 0]
    gap = (end != first).any(-1)
    return (np.concatenate([a, end[gap]]), np.concatenate([b, first[gap]]),
            np.concatenate([curve_path[curve], curve_path[gap]]))


def bezier_at(points: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Points on cubic Béziers: ``points`` [N,4,2], ``t`` [N] -> [N,2]."""
    mt = F32(1.0) - t
    basis = np.stack([mt**3, 3 * mt**2 * t, 3 * mt * t**2, t**3], -1)
    return (basis[..., None] * points).sum(-2)


def winding_numbers(a: np.ndarray, b: np.ndarray, seg_path: np.ndarray, n_paths: int, height: int, width: int
                    ) -> np.ndarray:
    """[P,H,W] int32 winding number of every pixel centre around each path: segments
    cross the rows' centre lines in their half-open y range (a shared vertex counts
    once), each crossing adds its sign to the pixels right of it."""
    ay, by = a[:, 1], b[:, 1]
    r0 = np.nan_to_num(np.ceil(np.minimum(ay, by) - F32(0.5)), nan=0.0).clip(0, height).astype(np.int64)
    r1 = np.nan_to_num(np.ceil(np.maximum(ay, by) - F32(0.5)), nan=0.0).clip(0, height).astype(np.int64)
    count = (r1 - r0).clip(min=0)
    seg = np.repeat(np.arange(a.shape[0]), count)
    row = r0[seg] + np.arange(seg.shape[0]) - (np.cumsum(count) - count)[seg]
    ya, dy = ay[seg], (by - ay)[seg]
    x = a[seg, 0] + (row.astype(F32) + F32(0.5) - ya) / dy * (b[seg, 0] - a[seg, 0])
    col = np.floor(x + F32(0.5)).clip(0, width).astype(np.int64)
    sign = np.where(dy > 0, 1.0, -1.0)
    flat = (seg_path[seg] * height + row) * (width + 1) + col
    acc = np.bincount(flat, sign, minlength=n_paths * height * (width + 1)).astype(np.int32)
    return np.cumsum(acc.reshape(n_paths, height, width + 1), 2, dtype=np.int32)[:, :, :width]


def edge_distance(a: np.ndarray, b: np.ndarray, seg_path: np.ndarray, n_paths: int, height: int, width: int
                  ) -> np.ndarray:
    """[P,H,W] float32 distance from each pixel centre to its path's nearest segment
    where that is below 1/2 px (infinity elsewhere)."""
    reach = F32(AA_HALF + 1e-3)
    lo = np.ceil(np.minimum(a, b) - reach - F32(0.5)).clip(0, None).astype(np.int64)
    hi = np.minimum(np.floor(np.maximum(a, b) + reach - F32(0.5)).clip(-1, None).astype(np.int64),
                    [width - 1, height - 1])
    span = (hi - lo + 1).clip(0, None)
    count = span[:, 0] * span[:, 1]
    seg = np.repeat(np.arange(a.shape[0]), count)
    local = np.arange(seg.shape[0]) - (np.cumsum(count) - count)[seg]
    x = lo[seg, 0] + local % span[seg, 0]
    y = lo[seg, 1] + local // span[seg, 0]
    p = np.stack([x, y], -1).astype(F32) + F32(0.5)
    d = segment_distance(p, a[seg], b[seg])
    near = d < AA_HALF
    out = np.full(n_paths * height * width, np.inf, F32)
    np.minimum.at(out, ((seg_path[seg] * height + y) * width + x)[near], d[near])
    return out.reshape(n_paths, height, width)


def segment_distance(p: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Distance from points ``p`` to segments ``ab`` (all [N,2]), as
    painter.render.geometry.segment_distance computes it."""
    ba = b - a
    pa = p - a
    den = (ba * ba).sum(-1).clip(F32(1e-12), None)
    h = ((pa * ba).sum(-1) / den).clip(0.0, 1.0)
    q = pa - h[:, None] * ba
    return np.sqrt((q * q).sum(-1) + F32(1e-12))
