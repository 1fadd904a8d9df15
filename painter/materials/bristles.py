"""Lines that run along a stroke: the marks of its bristles.

A material draws a stroke's bristle ridges (oil) or the gaps a dry brush leaves
(ink) as thin lines that follow the stroke's own centre line at fixed places across
it, so that every stroke's streaks run in its own direction, curve with it and
narrow with its taper. They are ordinary strokes, drawn by painter's renderer and
written into the SVG as paths, so both show the same marks.

A line at ``across`` (-1: the stroke's left edge, 1: its right edge, in units of the
local half-width) from parameter ``t0`` to ``t1`` of the centre line is the cubic
through the sub-curve's ends, offset along the centre line's normals there; for the
gentle bends of brush strokes this stays within a fraction of a pixel of the true
offset curve.
"""
from __future__ import annotations

import torch

from ..render.geometry import bezier_at


def _tangent(points: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """Derivatives of cubics ``points`` [..., 4, 2] at ``t`` [...]: [..., 2]."""
    mt = 1.0 - t
    d = points[..., 1:, :] - points[..., :-1, :]  # [..., 3, 2]
    basis = torch.stack([mt * mt, 2 * mt * t, t * t], -1)
    return 3.0 * (basis.unsqueeze(-1) * d).sum(-2)


def _unit_normal(tangent: torch.Tensor, fallback: torch.Tensor) -> torch.Tensor:
    """Left normals (x, y) -> (-y, x) of ``tangent``, ``fallback`` where it vanishes."""
    length = tangent.norm(dim=-1, keepdim=True)
    use = torch.where(length > 1e-6, tangent, fallback)
    use = use / use.norm(dim=-1, keepdim=True).clamp_min(1e-12)
    return torch.stack([-use[..., 1], use[..., 0]], -1)


def lines_along(points: torch.Tensor, widths: torch.Tensor, across: torch.Tensor, t0: torch.Tensor,
                t1: torch.Tensor) -> torch.Tensor:
    """Control points [N,K,4,2] of ``K`` lines along each of ``N`` strokes
    (``points`` [N,4,2], ``widths`` [N,2] full widths at the ends, in one unit);
    ``across``, ``t0`` and ``t1`` [N,K] place them (see the module docstring)."""
    p = points[:, None].expand(-1, across.shape[1], -1, -1)  # [N,K,4,2]
    chord = (points[:, 3] - points[:, 0])[:, None].expand_as(p[..., 0, :])
    fallback = torch.where(chord.norm(dim=-1, keepdim=True) > 1e-6, chord, torch.tensor([1.0, 0.0]).to(chord))
    span = (t1 - t0)[..., None] / 3.0
    ends = []
    for t, sign in ((t0, 1.0), (t1, -1.0)):
        at, tan = bezier_at(p, t), _tangent(p, t)
        half = 0.5 * (widths[:, None, 0] + (widths[:, None, 1] - widths[:, None, 0]) * t)  # [N,K]
        shift = _unit_normal(tan, fallback) * (across * half)[..., None]
        ends.append((at + shift, at + sign * span * tan + shift))
    (q0, q1), (q3, q2) = ends
    return torch.stack([q0, q1, q2, q3], -2)


def spread(n: int, k: int, reach: float, jitter: float, generator: torch.Generator) -> torch.Tensor:
    """[n,k] places across ``k`` lines per stroke: evenly spaced over
    [-reach, reach], each moved by up to ``jitter`` of the spacing."""
    base = torch.linspace(-reach, reach, k) if k > 1 else torch.zeros(1)
    step = 2 * reach / max(k - 1, 1)
    return base + (torch.rand(n, k, generator=generator) * 2 - 1) * jitter * step


def to_quadratic(points: torch.Tensor) -> torch.Tensor:
    """[..., 3, 2] quadratic Béziers close to the gentle cubics ``points`` [..., 4, 2]:
    the same ends, and the control point that keeps the curve's midpoint."""
    p0, p1, p2, p3 = points.unbind(-2)
    return torch.stack([p0, (3 * (p1 + p2) - p0 - p3) / 4, p3], -2)


def to_cubic(q: torch.Tensor) -> torch.Tensor:
    """[..., 4, 2] the cubics that draw exactly the quadratics ``q`` [..., 3, 2]."""
    q0, q1, q2 = q.unbind(-2)
    return torch.stack([q0, q0 + 2 / 3 * (q1 - q0), q2 + 2 / 3 * (q1 - q2), q2], -2)
