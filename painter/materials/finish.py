"""A painting in its material at one size (:class:`Finish`), and how painter draws
it: the same groups, marks and filters the SVG writer writes
(:mod:`painter.export.svg`), computed in torch.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Iterator

import torch

from ..primitives.strokes import StrokeSet
from ..render import render_stroke_params
from .filtergraph import Filter


@dataclass
class Finish:
    """A painting in its material, ready to be drawn or written at one size: every
    set in pixels of that size (canvas = (width, height))."""
    height: int
    width: int
    paint: StrokeSet  # the strokes as drawn (ink: with dry-brush gaps after each stroke)
    paint_owner: torch.Tensor  # [len(paint)] the painting's stroke each row belongs to
    marks: torch.Tensor | None = None  # [len(paint)] rows that are marks (dry-brush gaps), not strokes
    paint_filter: Filter | None = None
    per_layer: bool = False  # the paint filter works on each layer (else on the whole painting)
    bodies: torch.Tensor | None = None  # relief: [N] grey height of each stroke's body (in 1/15ths; 0: none)
    lines: StrokeSet | None = None  # relief: bristle ridges, quadratics through whole pixels
    lines_owner: torch.Tensor | None = None
    relief_filter: Filter | None = None
    paper: Filter | None = None

    def upto(self, n: int) -> "Finish":
        """The finish of the painting's first ``n`` strokes (an animation frame)."""
        keep = self.paint_owner < n
        ridges = None if self.lines is None else self.lines_owner < n
        return replace(self, paint=self.paint[keep], paint_owner=self.paint_owner[keep],
                       marks=None if self.marks is None else self.marks[keep],
                       bodies=None if self.bodies is None else self.bodies[:n],
                       lines=None if ridges is None else self.lines[ridges],
                       lines_owner=None if ridges is None else self.lines_owner[ridges])

    def layer_runs(self) -> list[slice]:
        """Rows of ``paint`` in runs of one layer (the SVG's layer groups)."""
        layer = self.paint.layer.tolist()
        starts = [i for i in range(len(layer)) if i == 0 or layer[i] != layer[i - 1]] + [len(layer)]
        return [slice(a, b) for a, b in zip(starts, starts[1:])]


def after_owner(owner: torch.Tensor, mark: torch.Tensor) -> torch.Tensor:
    """The order that puts rows in their owners' order, each owner's stroke (``mark``
    false) before its marks (true), marks in their given order."""
    return torch.argsort(owner * 2 + mark.long(), stable=True)


def _render(strokes: StrokeSet, background: torch.Tensor) -> torch.Tensor:
    """``strokes`` drawn over ``background`` [3,H,W]."""
    h, w = background.shape[1:]
    return render_stroke_params(strokes.points, strokes.widths, strokes.colors, strokes.opacity, strokes.canvas,
                                h, w, background)


def _source(flt: Filter, height: int, width: int, strokes: StrokeSet, colors: torch.Tensor,
            under: torch.Tensor | None = None) -> torch.Tensor:
    """[4 or 2,H+2m,W+2m] what ``flt`` reads: ``strokes`` in ``colors`` (RGBA, or a
    grey and an alpha) drawn over ``under`` (default: transparency), the filter's
    margin ``m`` around the canvas included."""
    m = flt.margin
    under = torch.zeros(colors.shape[1], height + 2 * m, width + 2 * m) if under is None else under
    return render_stroke_params(strokes.points, strokes.widths, colors, strokes.opacity, strokes.canvas,
                                height, width, under, origin=(-m, -m))


def _apply(flt: Filter, source: torch.Tensor, height: int, width: int) -> torch.Tensor:
    """[4,H,W] ``flt`` on ``source`` (see :func:`_source`; a grey standing for RGB)."""
    if source.shape[0] == 2:
        source = torch.cat([source[:1].expand(3, -1, -1), source[1:]])
    m = flt.margin
    return flt.apply(source)[:, m:m + height, m:m + width]


def filtered(flt: Filter, height: int, width: int, strokes: StrokeSet | None = None,
              colors: torch.Tensor | None = None) -> torch.Tensor:
    """[4,H,W] ``flt`` applied to ``strokes`` drawn over transparency (RGBA,
    premultiplied; ``colors`` [N,2]: a grey and an alpha, the grey standing for RGB;
    no strokes: a transparent source), over the canvas and the filter's margin, the
    canvas cut out of the result."""
    if strokes is None:
        m = flt.margin
        return _apply(flt, torch.zeros(4, height + 2 * m, width + 2 * m), height, width)
    colors = torch.cat([strokes.colors, torch.ones_like(strokes.colors[:, :1])], 1) if colors is None else colors
    return _apply(flt, _source(flt, height, width, strokes, colors), height, width)


def over(rgba: torch.Tensor, img: torch.Tensor) -> torch.Tensor:
    return rgba[:3] + img * (1.0 - rgba[3:])


def relief_strokes(f: Finish) -> tuple[StrokeSet, torch.Tensor, torch.Tensor]:
    """Oil's relief group as strokes in paint order: each stroke that has a body,
    then its ridges; [M,2] their colours: the height (the body's grey, the ridges
    white) and 1 (the group's alpha); and [M] the painting's stroke each belongs to."""
    has_body = f.bodies > 0
    strokes = f.paint if f.marks is None else f.paint[~f.marks]  # the painting's own strokes, in order
    body = strokes[has_body]
    owner = torch.cat([torch.arange(len(f.bodies))[has_body], f.lines_owner])
    is_ridge = torch.cat([torch.zeros(len(body), dtype=torch.bool), torch.ones(len(f.lines), dtype=torch.bool)])
    order = after_owner(owner, is_ridge)
    height = torch.cat([f.bodies[has_body].to(torch.float32) / 15.0, torch.ones(len(f.lines))])[:, None]
    return (StrokeSet.cat([body, f.lines])[order], torch.cat([height, torch.ones_like(height)], 1)[order],
            owner[order])


def draw_growing(f: Finish, background: torch.Tensor, counts: list[int]) -> Iterator[torch.Tensor]:
    """``draw(f.upto(c), background)`` for each of the increasing ``counts`` (an
    animation's frames). Where the paint has no filter (flat marks, oil) each frame
    draws only its new strokes over the last ("over" is associative): the paint, and
    the relief group's source, grow stroke by stroke; the relief and paper filters
    still see each whole frame. Otherwise every frame is drawn anew."""
    if f.paint_filter is not None:
        for c in counts:
            yield draw(f.upto(c), background)
        return
    with torch.no_grad():
        paint = background.to(torch.float32).clone()
        relief = None
        if f.lines is not None:
            rows, heights, owners = relief_strokes(f)
            relief = torch.zeros(2, f.height + 2 * f.relief_filter.margin, f.width + 2 * f.relief_filter.margin)
        paper = None if f.paper is None else filtered(f.paper, f.height, f.width)  # the same in every frame
        done = 0
        for c in counts:
            new = (f.paint_owner >= done) & (f.paint_owner < c)
            paint = _render(f.paint[new], paint)
            img = paint
            if relief is not None:
                grow = (owners >= done) & (owners < c)
                relief = _source(f.relief_filter, f.height, f.width, rows[grow], heights[grow], relief)
                img = over(_apply(f.relief_filter, relief, f.height, f.width), img)
            if paper is not None:
                img = over(paper, img)
            done = c
            yield img.clamp(0.0, 1.0)


def draw(f: Finish, background: torch.Tensor) -> torch.Tensor:
    """The finished picture [3,H,W] over ``background`` [3,H,W] (the paper or ground)."""
    with torch.no_grad():
        img = background.to(torch.float32)
        if f.paint_filter is None:
            img = _render(f.paint, img)
        else:
            for g in f.layer_runs() if f.per_layer else [slice(None)]:
                img = over(filtered(f.paint_filter, f.height, f.width, f.paint[g]), img)
        if f.lines is not None:  # oil: the relief group, its height a grey
            img = over(filtered(f.relief_filter, f.height, f.width, *relief_strokes(f)[:2]), img)
        if f.paper is not None:
            img = over(filtered(f.paper, f.height, f.width), img)
        return img.clamp(0.0, 1.0)
