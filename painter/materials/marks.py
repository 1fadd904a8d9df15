"""Marks that follow each stroke, drawn by painter's renderer and written as paths:
oil's streaks (lighter and darker paint along the stroke, as a loaded brush leaves
it, ending raggedly where its bristles run out) and relief (a body of paint per
stroke and the ridges of its bristles), and ink's dry-brush gaps. All are lines
along the stroke (:mod:`painter.materials.bristles`), written as quadratics through whole
pixels and drawn exactly as written.
"""
from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import torch

from ..primitives.strokes import StrokeSet
from ..render import visible_area
from .bristles import lines_along, spread, to_cubic, to_quadratic
from .filtergraph import Filter, prim
from .finish import Finish
from .recipes import lit, reach, soften

if TYPE_CHECKING:  # pragma: no cover
    from . import Material


#: oil: light elevation (degrees), shade and shine strengths, surface scale at 1024 px:
#: a low relief that catches the light, never rims and grooves that hide the picture
OIL_ELEVATION = 45.0
OIL_SHADE, OIL_SHINE = 0.35, 0.2
OIL_SURFACE = 2.0
#: oil: the paint's edges and ridges are rounded by a blur of this many px at 1024
OIL_SOFTEN = 1.0
#: oil: bristle spacing in px at 1024, most lines per stroke, white ridge opacity
BRISTLE_SPACING = 3.5
MAX_BRISTLES = 6
RIDGE_OPACITY = 0.3
#: oil: a streak's paint is this much lighter or darker than its stroke's (a share of
#: the way to white or black, at strength 1), and its opacity
STREAK_SHIFT, STREAK_OPACITY = 0.08, 0.4
#: strokes are seen at this size to decide which show: those of which less than a
#: pixel shows have no relief; ridges need RIDGES_SHOWN pixels and a RIDGES_SHARE of
#: the stroke showing (a painting's coarse strokes lie mostly buried: half of
#: van_gogh's show less than a tenth of themselves)
VISIBLE_SIZE = 512
RIDGES_SHOWN, RIDGES_SHARE = 4.0, 0.15


def _showing(finish: Finish) -> tuple[torch.Tensor, torch.Tensor]:
    """[N] how many pixels of each stroke show at :data:`VISIBLE_SIZE`, and what
    share of the stroke that is (its area taken as a tapered capsule's)."""
    small = VISIBLE_SIZE / max(finish.height, finish.width)
    size = max(1, round(finish.height * small)), max(1, round(finish.width * small))
    shown = visible_area(finish.paint, *size)
    p = finish.paint.points * small
    width = finish.paint.widths.mean(1) * small
    length = (p[:, 1:] - p[:, :-1]).norm(dim=-1).sum(1)
    return shown, shown / (width * (length + width * torch.pi / 4)).clamp_min(1e-6)


def oil(finish: Finish, mat: Material, unit: float, size_unit: float, gen: torch.Generator) -> Finish:
    """Streaks along each stroke (:func:`streaks`) and relief: each stroke a body of
    paint (later layers higher) carrying ridges of its bristles, lit. Strokes hidden
    under later ones have no relief, mostly buried ones no streaks or ridges (see
    :data:`VISIBLE_SIZE`). ``unit`` sizes the bristles (it includes the material's
    scale), ``size_unit`` the relief (the picture's size alone)."""
    paint = finish.paint
    rank = torch.unique(paint.layer, return_inverse=True)[1] if len(paint) else paint.layer
    bodies = (6 + rank.clamp(max=3) + torch.randint(0, 2, (len(paint),), generator=gen)).clamp(max=15)
    shown, share = _showing(finish)
    bodies = torch.where(shown >= 1.0, bodies, torch.zeros_like(bodies))
    visible = (shown >= RIDGES_SHOWN) & (share >= RIDGES_SHARE)
    lines, owner = _ridges(paint, visible, BRISTLE_SPACING * unit, gen)
    relief = Filter("oil-relief", (
        prim("feColorMatrix", in_="SourceGraphic", type="matrix", values=[0] * 15 + [1, 0, 0, 0, 0], result="paint"),
        soften("paint", OIL_SOFTEN * size_unit, "height"),
        *lit("height", mat, OIL_SURFACE * size_unit * mat.strength, OIL_SHADE, OIL_SHINE, OIL_ELEVATION),
    ), margin=reach(max(2.0, OIL_SOFTEN * size_unit)))
    finish = replace(finish, bodies=bodies, lines=lines, lines_owner=owner, relief_filter=relief)
    return streaks(finish, mat, visible, BRISTLE_SPACING * unit, gen)


def streaks(finish: Finish, mat: Material, visible: torch.Tensor, spacing: float, gen: torch.Generator) -> Finish:
    """The paint of a loaded brush: along each ``visible`` stroke, about one streak
    per ``spacing`` px of its width (2 to :data:`MAX_BRISTLES`), each of paint
    :data:`STREAK_SHIFT` lighter or darker than the stroke's, starting and ending a
    little apart (the ragged ends of a brush's bristles). Drawn right after their
    stroke, lighter ones first, so later strokes cover them."""
    paint = finish.paint
    shift = min(1.0, STREAK_SHIFT * mat.strength)
    if len(paint) == 0 or shift <= 0:
        return finish
    pts, owner, keep, half, count = _bristle_lines(paint, visible, spacing, gen, reach=0.8, jitter=0.3,
                                                   start=0.25, end=0.3)
    dark = (torch.rand(len(paint), MAX_BRISTLES, generator=gen) < 0.5)[keep]
    base = paint.colors[owner]
    colors = torch.where(dark[:, None], base * (1 - shift), base + (1 - base) * shift)
    colors = (colors * 255).round() / 255  # as written into the SVG
    w = ((0.45 * 2 * half / count)[owner] * 10).round().clamp_min(1) / 10
    lines = StrokeSet(pts, torch.stack([w, w], 1), colors, torch.full((len(w),), STREAK_OPACITY), paint.layer[owner],
                      paint.canvas, paint.background)
    return _with_marks(finish, lines, owner, dark)


def _bristle_lines(paint: StrokeSet, shown: torch.Tensor, spacing: float, gen: torch.Generator, *, reach: float,
                   jitter: float, start: float, end: float):
    """Lines along the ``shown`` strokes, as a loaded brush's bristles leave them: about
    one per ``spacing`` px of a stroke's width (2 to :data:`MAX_BRISTLES`), spread
    evenly over ``reach`` of its half-width either side with ``jitter`` (a share of
    their spacing), starting up to ``start`` and ending up to ``end`` (shares of the
    stroke) from its ends. Returns the lines [L,4,2] as written (quadratics in whole
    pixels: the finish's blur hides finer places), the stroke each belongs to [L],
    which of the [N,MAX_BRISTLES] slots they fill, and each stroke's half-width and
    line count [N]."""
    n, k = len(paint), MAX_BRISTLES
    half = paint.widths.mean(1) / 2  # [N] px
    count = (2 * half * 0.85 / spacing).round().clamp(2, k).long()  # [N]
    j = torch.arange(k).float()
    across = -reach + 2 * reach * (j + 0.5 + (torch.rand(n, k, generator=gen) * 2 - 1) * jitter) / count[:, None]
    t0 = torch.rand(n, k, generator=gen) * start
    t1 = 1.0 - torch.rand(n, k, generator=gen) * end
    keep = (j[None] < count[:, None]) & shown[:, None]
    pts = to_cubic(to_quadratic(lines_along(paint.points, paint.widths, across, t0, t1)).round())[keep]
    owner = torch.arange(n)[:, None].expand(-1, k)[keep]
    return pts, owner, keep, half, count


def _with_marks(finish: Finish, lines: StrokeSet, owner: torch.Tensor, second: torch.Tensor | None = None) -> Finish:
    """``finish`` whose paint has ``lines`` (each belonging to the stroke ``owner``)
    drawn right after their stroke, those with ``second`` set after the others."""
    paint = finish.paint
    n = len(paint)
    owners = torch.cat([torch.arange(n), owner])
    marks = torch.cat([torch.zeros(n, dtype=torch.bool), torch.ones(len(lines), dtype=torch.bool)])
    rank = torch.cat([torch.zeros(n, dtype=torch.long),
                      torch.ones(len(lines), dtype=torch.long) + (0 if second is None else second.long())])
    order = torch.argsort(owners * 3 + rank, stable=True)
    return replace(finish, paint=StrokeSet.cat([paint, lines])[order], paint_owner=owners[order],
                   marks=marks[order])


def _ridges(paint: StrokeSet, shown: torch.Tensor, spacing: float,
            gen: torch.Generator) -> tuple[StrokeSet, torch.Tensor]:
    """The bristle ridges of the ``shown`` strokes (white, :data:`RIDGE_OPACITY`):
    about one per ``spacing`` px of the stroke's width (2 to :data:`MAX_BRISTLES`),
    spread across it with jitter, starting and ending a little apart; and [L] the
    stroke each belongs to."""
    pts, owner, _, half, count = _bristle_lines(paint, shown, spacing, gen, reach=0.85, jitter=0.35, start=0.2,
                                                end=0.35)
    w = ((0.85 * half / count)[owner] * 10).round().clamp_min(1) / 10
    lines = StrokeSet(pts, torch.stack([w, w], 1), torch.ones(len(pts), 3), torch.full((len(pts),), RIDGE_OPACITY),
                      paint.layer[owner], paint.canvas, paint.background)
    return lines, owner


#: ink: dry-brush gaps per stroke, where they begin along it, their width (share of the
#: stroke's), their opacity; strokes narrower than DRY_MIN_WIDTH px at 1024 hold their ink
DRY_LINES, DRY_START, DRY_WIDTH, DRY_OPACITY = 5, (0.7, 1.0), 0.04, 0.15
DRY_MIN_WIDTH = 8.0


def dry_brush(finish: Finish, mat: Material, unit: float, gen: torch.Generator) -> Finish:
    """Gaps of paper colour that open toward the end of each broad stroke, where the
    brush runs dry: the more ``strength``, the earlier they open. Written like the
    ridges of oil: quadratics through whole pixels, one path per stroke."""
    paint = finish.paint
    n, k = len(paint), DRY_LINES
    if n == 0 or mat.strength <= 0:
        return finish
    shown, share = _showing(finish)
    broad = (shown >= RIDGES_SHOWN) & (share >= RIDGES_SHARE) & (paint.widths.mean(1) >= DRY_MIN_WIDTH * unit)
    across = spread(n, k, 0.75, 0.35, gen)
    lo, hi = DRY_START
    t0 = (lo + (hi - lo) * torch.rand(n, k, generator=gen)) ** (1.0 / mat.strength)
    t1 = torch.full((n, k), 1.0)
    pts = to_cubic(to_quadratic(lines_along(paint.points, paint.widths, across, t0, t1)).round())[broad]
    width = (paint.widths.mean(1) * DRY_WIDTH * min(mat.strength, 2.0) * (0.6 + 0.8 * torch.rand(n, generator=gen)))
    width = (width * 10).round().clamp_min(1) / 10
    owner = torch.arange(n)[broad].repeat_interleave(k)
    w = width[owner]
    paper = torch.tensor(paint.background, dtype=torch.float32)
    gaps = StrokeSet(pts.reshape(-1, 4, 2), torch.stack([w, w], 1), paper.expand(len(w), 3).clone(),
                     torch.full((len(w),), DRY_OPACITY), paint.layer[owner], paint.canvas, paint.background)
    return _with_marks(finish, gaps, owner)
