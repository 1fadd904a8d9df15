"""Stage 1 (project): Bézier strokes -> flat list of tapered segments in pixel units.

Each stroke's cubic centre line is flattened to equal-parameter segments (as many
as its curvature needs for a 0.1 px chord error); the
half-width is linear in the Bézier parameter from ``w0/2`` to ``w1/2``. Segment
``k`` of a stroke covers the points ``p`` whose projection parameter ``h`` on the
segment lies in [0, 1] and whose distance to the axis is below the interpolated
half-width, plus the half discs past both ends (see :func:`segment_sdf`). The union
over segments is the stroke. The SVG exporter writes exactly these shapes.
"""
from __future__ import annotations

import torch

from ..primitives.canvas import FLATTEN_TOLERANCE, MAX_SEGMENTS, canvas_transform


def to_pixels(points: torch.Tensor, canvas: tuple[float, float], height: int, width: int) -> tuple[torch.Tensor, float]:
    """Points [..., 2] in canvas units -> pixels of a ``height`` x ``width`` picture
    (:func:`canvas_transform`), and the scale in pixels per canvas unit."""
    s, ox, oy = canvas_transform(canvas, height, width)
    return points * s + torch.tensor([ox, oy], device=points.device, dtype=points.dtype), s


def segments_needed(points_px: torch.Tensor, tol: float = FLATTEN_TOLERANCE) -> torch.Tensor:
    """[N] segments per stroke so that each polyline is within ``tol`` px of its Bézier.

    A cubic's chord error with ``n`` uniform segments is at most ``M / (8 n^2)`` where
    ``M`` bounds the second derivative: ``6 * max(|p0-2p1+p2|, |p1-2p2+p3|)``.
    """
    p = points_px.detach()
    d1 = (p[:, 0] - 2 * p[:, 1] + p[:, 2]).norm(dim=-1)
    d2 = (p[:, 1] - 2 * p[:, 2] + p[:, 3]).norm(dim=-1)
    m = 6.0 * torch.maximum(d1, d2)
    n = torch.ceil(torch.sqrt(m / (8.0 * tol)))
    return torch.nan_to_num(n, nan=1.0).clamp(1, MAX_SEGMENTS).long()


def bezier_at(points: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """Points on cubic Béziers: ``points`` [..., 4, 2], ``t`` [...] -> [..., 2]."""
    mt = 1.0 - t
    basis = torch.stack([mt**3, 3 * mt**2 * t, 3 * mt * t**2, t**3], dim=-1)  # [..., 4]
    return (basis.unsqueeze(-1) * points).sum(-2)


def stroke_segments(points_px: torch.Tensor, widths_px: torch.Tensor, n_seg: torch.Tensor | None = None):
    """Flatten strokes into segments, stroke ``i`` into ``n_seg[i]`` equal-parameter
    pieces (default: :func:`segments_needed`).

    Returns ``a, b`` ([S, 2] segment ends), ``ra, rb`` ([S] half-widths at the ends)
    and ``stroke`` ([S] int64 stroke index), stroke-major, S = sum(n_seg).
    """
    dev = points_px.device
    if n_seg is None:
        n_seg = segments_needed(points_px)
    n_seg = torch.as_tensor(n_seg, device=dev).expand(points_px.shape[0])
    stroke = torch.repeat_interleave(torch.arange(points_px.shape[0], device=dev), n_seg)
    start = torch.cumsum(n_seg, 0) - n_seg
    k = (torch.arange(stroke.shape[0], device=dev) - start[stroke]).to(points_px.dtype)
    nk = n_seg[stroke].to(points_px.dtype)
    t0, t1 = k / nk, (k + 1) / nk
    pts = points_px[stroke]
    a = bezier_at(pts, t0)
    b = bezier_at(pts, t1)
    w = widths_px[stroke]
    ra = 0.5 * (w[:, 0] + (w[:, 1] - w[:, 0]) * t0)
    rb = 0.5 * (w[:, 0] + (w[:, 1] - w[:, 0]) * t1)
    return a, b, ra, rb, stroke


def segment_distance(p: torch.Tensor, a: torch.Tensor, b: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Distance ``d`` from points ``p`` to segments ``ab`` and the clamped projection
    parameter ``h`` in [0, 1] of the closest point ``a + h (b - a)``.

    Broadcasts over leading dims; the last dim of ``p, a, b`` is xy; ``d, h`` have the
    leading shape. ``d = sqrt(|q|^2 + 1e-12)`` so that its gradient stays finite on
    the segment.
    """
    ba = b - a
    pa = p - a
    den = (ba * ba).sum(-1).clamp_min(1e-12)
    h = ((pa * ba).sum(-1) / den).clamp(0.0, 1.0)
    q = pa - h.unsqueeze(-1) * ba
    return torch.sqrt((q * q).sum(-1) + 1e-12), h


def segment_coverage(p: torch.Tensor, a: torch.Tensor, b: torch.Tensor, ra: torch.Tensor, rb: torch.Tensor) -> torch.Tensor:
    """Anti-aliased coverage in [0, 1] of pixel centres ``p`` by one tapered segment.

    ``h`` = clamped projection parameter of ``p`` on ``ab``, ``d`` = distance from
    ``p`` to ``a + h (b - a)`` and ``r = ra + h (rb - ra)`` the local half-width.
    The segment is ``d < r``. Coverage is the overlap of a one-pixel box filter with
    the band ``[d - r, d + r]`` across the stroke: ``clamp(min(d + r, 1/2) -
    max(d - r, -1/2), 0, 1)``, i.e. ``clamp(1/2 - (d - r), 0, 1)`` for strokes wider
    than a pixel and about the width for thinner ones, as an SVG renderer draws them.
    Broadcasts over leading dims; the last dim of ``p, a, b`` is xy.

    This is the readable definition (the tests' brute-force reference renderer uses
    it); raster._Coverage evaluates the same formula fused, with its own backward.
    """
    d, h = segment_distance(p, a, b)
    r = ra + h * (rb - ra)
    return (torch.clamp(d + r, max=0.5) - torch.clamp(d - r, min=-0.5)).clamp(0.0, 1.0)
