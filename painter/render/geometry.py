"""Stage 1 (project): Bézier strokes -> flat list of tapered segments in pixel units.

Each stroke's cubic centre line is flattened to ``P`` equal-parameter segments; the
half-width is linear in the Bézier parameter from ``w0/2`` to ``w1/2``. Segment
``k`` of a stroke covers the points ``p`` whose projection parameter ``h`` on the
segment lies in [0, 1] and whose distance to the axis is below the interpolated
half-width, plus the half discs past both ends (see :func:`segment_sdf`). The union
over segments is the stroke. The SVG exporter writes exactly these shapes.
"""
from __future__ import annotations

import math

import torch

#: chord tolerance of the Bézier flattening, in pixels
FLATTEN_TOLERANCE = 0.1
MAX_SEGMENTS = 32


def canvas_transform(canvas: tuple[float, float], height: int, width: int) -> tuple[float, float, float]:
    """Scale and offset that map canvas units to pixels (uniform scale, centred)."""
    cw, ch = canvas
    s = min(width / cw, height / ch)
    return s, (width - cw * s) / 2.0, (height - ch * s) / 2.0


def segments_needed(points_px: torch.Tensor, tol: float = FLATTEN_TOLERANCE) -> int:
    """Segments per stroke so that the polyline is within ``tol`` px of every Bézier.

    A cubic's chord error with ``n`` uniform segments is at most ``M / (8 n^2)`` where
    ``M`` bounds the second derivative: ``6 * max(|p0-2p1+p2|, |p1-2p2+p3|)``.
    """
    if points_px.shape[0] == 0:
        return 1
    p = points_px.detach()
    d1 = (p[:, 0] - 2 * p[:, 1] + p[:, 2]).norm(dim=-1)
    d2 = (p[:, 1] - 2 * p[:, 2] + p[:, 3]).norm(dim=-1)
    m = 6.0 * float(torch.maximum(d1, d2).max())
    return int(min(MAX_SEGMENTS, max(1, math.ceil(math.sqrt(m / (8.0 * tol))))))


def bezier_polyline(points: torch.Tensor, n_seg: int) -> torch.Tensor:
    """[N,4,2] control points -> [N, n_seg+1, 2] points at equal parameter steps."""
    t = torch.linspace(0.0, 1.0, n_seg + 1, device=points.device, dtype=points.dtype)
    mt = 1.0 - t
    basis = torch.stack([mt**3, 3 * mt**2 * t, 3 * mt * t**2, t**3], dim=-1)  # [S+1, 4]
    return torch.einsum("sk,nkd->nsd", basis, points)


def stroke_segments(points_px: torch.Tensor, widths_px: torch.Tensor, n_seg: int):
    """Flatten strokes into segments.

    Returns ``a, b`` ([N*P, 2] segment ends), ``ra, rb`` ([N*P] half-widths at the
    ends) and ``stroke`` ([N*P] int64 stroke index), stroke-major.
    """
    n = points_px.shape[0]
    verts = bezier_polyline(points_px, n_seg)  # [N, P+1, 2]
    t = torch.linspace(0.0, 1.0, n_seg + 1, device=points_px.device, dtype=points_px.dtype)
    radii = 0.5 * (widths_px[:, :1] * (1.0 - t) + widths_px[:, 1:] * t)  # [N, P+1]
    a = verts[:, :-1].reshape(-1, 2)
    b = verts[:, 1:].reshape(-1, 2)
    ra = radii[:, :-1].reshape(-1)
    rb = radii[:, 1:].reshape(-1)
    stroke = torch.arange(n, device=points_px.device).repeat_interleave(n_seg)
    return a, b, ra, rb, stroke


def segment_coverage(p: torch.Tensor, a: torch.Tensor, b: torch.Tensor, ra: torch.Tensor, rb: torch.Tensor) -> torch.Tensor:
    """Anti-aliased coverage in [0, 1] of pixel centres ``p`` by one tapered segment.

    ``h`` = clamped projection parameter of ``p`` on ``ab``, ``d`` = distance from
    ``p`` to ``a + h (b - a)`` and ``r = ra + h (rb - ra)`` the local half-width.
    The segment is ``d < r``. Coverage is the overlap of a one-pixel box filter with
    the band ``[d - r, d + r]`` across the stroke: ``clamp(min(d + r, 1/2) -
    max(d - r, -1/2), 0, 1)``, i.e. ``clamp(1/2 - (d - r), 0, 1)`` for strokes wider
    than a pixel and about the width for thinner ones, as an SVG renderer draws them.
    Broadcasts over leading dims; the last dim of ``p, a, b`` is xy.
    """
    ba = b - a
    pa = p - a
    den = (ba * ba).sum(-1).clamp_min(1e-12)
    h = ((pa * ba).sum(-1) / den).clamp(0.0, 1.0)
    q = pa - h.unsqueeze(-1) * ba
    d = torch.sqrt((q * q).sum(-1) + 1e-12)
    r = ra + h * (rb - ra)
    return (torch.clamp(d + r, max=0.5) - torch.clamp(d - r, min=-0.5)).clamp(0.0, 1.0)
