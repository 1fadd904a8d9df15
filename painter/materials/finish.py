"""A painting in its material at one size (:class:`Finish`), and how painter draws
it: the same groups, marks and filters the SVG writer writes
(:mod:`painter.export.svg`), computed in torch.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import torch

from ..filtergraph import Filter
from ..render import render_stroke_params
from ..strokes import StrokeSet


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
        lines = None if self.lines is None else self.lines[self.lines_owner < n]
        return replace(self, paint=self.paint[keep], paint_owner=self.paint_owner[keep],
                       marks=None if self.marks is None else self.marks[keep],
                       bodies=None if self.bodies is None else self.bodies[:n], lines=lines,
                       lines_owner=None if lines is None else self.lines_owner[self.lines_owner < n])

    def layer_runs(self) -> list[slice]:
        """Rows of ``paint`` in runs of one layer (the SVG's layer groups)."""
        layer = self.paint.layer.tolist()
        starts = [i for i in range(len(layer)) if i == 0 or layer[i] != layer[i - 1]] + [len(layer)]
        return [slice(a, b) for a, b in zip(starts, starts[1:])]


def after_owner(owner: torch.Tensor, mark: torch.Tensor) -> torch.Tensor:
    """The order that puts rows in their owners' order, each owner's stroke (``mark``
    false) before its marks (true), marks in their given order."""
    return torch.argsort(owner * 2 + mark.long(), stable=True)


def _render(strokes: StrokeSet, background: torch.Tensor, colors: torch.Tensor | None = None) -> torch.Tensor:
    """``strokes`` drawn over ``background`` [C,H,W] in ``colors`` [N,C] (default:
    their own): the renderer composites any number of channels."""
    h, w = background.shape[1:]
    colors = strokes.colors if colors is None else colors
    return render_stroke_params(strokes.points, strokes.widths, colors, strokes.opacity, strokes.canvas,
                                h, w, background)


def _rgba(strokes: StrokeSet, height: int, width: int) -> torch.Tensor:
    """[4,H,W] the strokes drawn over transparency, colour premultiplied."""
    colors = torch.cat([strokes.colors, torch.ones_like(strokes.colors[:, :1])], 1)
    return _render(strokes, torch.zeros(4, height, width), colors)


def _over(rgba: torch.Tensor, img: torch.Tensor) -> torch.Tensor:
    return rgba[:3] + img * (1.0 - rgba[3:])


def relief_strokes(f: Finish) -> tuple[StrokeSet, torch.Tensor]:
    """Oil's relief group as strokes in paint order: each stroke that has a body,
    then its ridges; and [M,2] their colours: the height (the body's grey, the
    ridges white) and 1 (the group's alpha)."""
    has_body = f.bodies > 0
    body = f.paint[: len(f.bodies)][has_body]
    owner = torch.cat([torch.arange(len(f.bodies))[has_body], f.lines_owner])
    is_ridge = torch.cat([torch.zeros(len(body), dtype=torch.bool), torch.ones(len(f.lines), dtype=torch.bool)])
    order = after_owner(owner, is_ridge)
    height = torch.cat([f.bodies[has_body].to(torch.float32) / 15.0, torch.ones(len(f.lines))])[:, None]
    return StrokeSet.cat([body, f.lines])[order], torch.cat([height, torch.ones_like(height)], 1)[order]


def draw(f: Finish, background: torch.Tensor) -> torch.Tensor:
    """The finished picture [3,H,W] over ``background`` [3,H,W] (the paper or ground)."""
    with torch.no_grad():
        img = background.to(torch.float32)
        if f.lines is not None:  # oil: the painting, then its relief group
            img = _render(f.paint, img)
            strokes, colors = relief_strokes(f)
            relief = _render(strokes, torch.zeros(2, f.height, f.width), colors)  # premultiplied height, alpha
            img = _over(f.relief_filter.apply(torch.cat([relief[:1].expand(3, -1, -1), relief[1:]])), img)
        elif f.paint_filter is None:
            img = _render(f.paint, img)
        else:
            groups = f.layer_runs() if f.per_layer else [slice(None)]
            for g in groups:
                img = _over(f.paint_filter.apply(_rgba(f.paint[g], f.height, f.width)), img)
        if f.paper is not None:
            img = _over(f.paper.apply(torch.zeros(4, f.height, f.width)), img)
        return img.clamp(0.0, 1.0)
