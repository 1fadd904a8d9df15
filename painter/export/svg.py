"""SVG export of a StrokeSet or a PathSet, with a ``viewBox`` in pixels (y down), the
background as a rect (or an embedded picture) and the set's ``meta`` in ``<desc>``.

StrokeSet: one editable ``<path>`` per stroke, in paint order, grouped by layer
(Inkscape layers).

- A stroke of constant width is its Bézier centre line, stroked with that width,
  round caps and round joins: edit it in Inkscape like any path.
- A tapered stroke is a filled outline: the union (nonzero fill rule, all pieces
  wound the same way) of one piece per flattened segment, a trapezoid with half
  discs on both ends. These are exactly the shapes the renderer draws
  (render/geometry.py), so resvg, browsers and Inkscape show the same picture as
  ``painter.render``.

A material (:mod:`painter.materials`) adds its filters to ``<defs>`` (on the layer
groups, or on a group ``paint`` around them), oil's group ``relief`` after the
painting (a ``<use>`` of each stroke that shows, painted in the grey of its height,
and a path of its ridges, class ``r``), ink's dry-brush gaps (a path of class ``g``
after each broad stroke) and a ``paper`` rect on top. Marks are quadratics through
whole pixels, written ``M x y q dx dy dx dy``.

PathSet: one filled ``<path>`` per compound path, in paint order, in one Inkscape
layer ``paths``: all its subpaths in one ``d`` (``M p0 C p1 p2 p3 ... Z`` each, with
an ``L`` where a curve does not start where the previous one ended), its
``fill-rule``, its fill colour, ``fill-opacity`` below 1 and ``stroke="none"``.
"""
from __future__ import annotations

import math
from pathlib import Path

import svgwrite
import torch

from ..image.io import atomic_write_bytes
from ..materials import build, resolve
from ..materials.bristles import to_quadratic
from ..primitives.paths import PathSet
from ..primitives.strokes import StrokeSet
from ..render.geometry import stroke_segments
from .prints import PrintSize
from .svgdoc import drawing, hex_color, hex_colors, inkscape_layer, num, on_page, opacity_text, page_layout, paths_svg

#: strokes whose two widths differ by less than this (pixels) are written as stroked Béziers
TAPER_EPS = 1e-3


def _points(pts) -> str:
    """``x y`` pairs separated by spaces."""
    return " ".join(f"{num(x)} {num(y)}" for x, y in pts)


def _piece(ax, ay, bx, by, ra, rb) -> str:
    """One tapered segment as a closed subpath (counter-clockwise on screen)."""
    dx, dy = bx - ax, by - ay
    ln = math.hypot(dx, dy)
    if ln < 1e-9:
        r = ra
        if r <= 0:
            return ""
        return f"M{num(ax + r)} {num(ay)}A{num(r)} {num(r)} 0 1 0 {num(ax - r)} {num(ay)}A{num(r)} {num(r)} 0 1 0 {num(ax + r)} {num(ay)}Z"
    nx, ny = -dy / ln, dx / ln
    p1 = (ax + ra * nx, ay + ra * ny)
    p2 = (bx + rb * nx, by + rb * ny)
    p3 = (bx - rb * nx, by - rb * ny)
    p4 = (ax - ra * nx, ay - ra * ny)
    return (
        f"M{num(p1[0])} {num(p1[1])}L{num(p2[0])} {num(p2[1])}"
        f"A{num(rb)} {num(rb)} 0 0 0 {num(p3[0])} {num(p3[1])}"
        f"L{num(p4[0])} {num(p4[1])}A{num(ra)} {num(ra)} 0 0 0 {num(p1[0])} {num(p1[1])}Z"
    )


def to_svg(strokes: StrokeSet | PathSet, height: int, width: int, background=None,
           animate: float | None = None, material=None) -> str:
    """The SVG document (a string) for ``strokes`` (a StrokeSet or a PathSet) drawn at
    ``width`` x ``height``.

    ``animate``: seconds over which the strokes draw themselves one after another, in
    paint order, when the file is opened in a browser (CSS animation of
    ``stroke-dashoffset`` on each stroke's centre line, no script; a tapered stroke's
    outline is revealed through a mask whose centre line is animated the same way).
    The last frame of the animation is the static picture. Strokes only: a PathSet
    with ``animate`` raises ValueError.

    ``material``: what the strokes are made of (a name such as ``"oil"``, or a
    :class:`painter.materials.Material`; default: the painting's own, else flat),
    written as SVG filters and marks (see :mod:`painter.materials`).
    """
    if isinstance(strokes, PathSet):
        if animate:
            raise ValueError("animated SVG draws strokes along their centre lines; paths have none "
                             "(animate paths as GIF or MP4)")
        return paths_svg(strokes, height, width, background)
    finish = build(strokes, resolve(material, strokes), height, width)
    dwg = drawing(strokes, height, width, background)
    slot = (animate / max(1, len(strokes))) if animate else 0.0
    if animate:
        dwg.defs.add(dwg.style(
            f".d{{stroke-dasharray:1 1.01;animation:painter-draw {slot:.4f}s linear both}}"
            "@keyframes painter-draw{from{stroke-dashoffset:1.001}to{stroke-dashoffset:0}}"
            ".s{animation:painter-show .001s step-end both}@keyframes painter-show{from{opacity:0}to{opacity:1}}"))
    for f in (finish.paint_filter, finish.relief_filter, finish.paper):
        if f is not None:
            dwg.defs.add(f.element(width, height))
    parent = dwg
    if finish.paint_filter is not None and not finish.per_layer:
        parent = dwg.add(dwg.g(id="paint", filter=f"url(#{finish.paint_filter.id})"))
    kinds = _write_strokes(dwg, parent, finish, slot)
    if finish.lines is not None:
        _write_relief(dwg, finish, kinds, slot)
    if finish.paper is not None:
        dwg.add(dwg.rect((0, 0), (width, height), id="paper", filter=f"url(#{finish.paper.id})"))
    return dwg.tostring()


def _write_strokes(dwg: svgwrite.Drawing, parent, finish, slot: float) -> list[str]:
    """The painting's strokes into ``parent``, one Inkscape layer per run of a layer
    (each through the paint filter where it works per layer), a stroke's marks
    (dry-brush gaps) in one path after it; returns, per stroke, the property its
    colour paints: "fill" (an outline) or "stroke" (a centre line). Where a relief
    will show each stroke again (``<use>``), each stroke gets an id and its colour
    from a group of its own, so the relief can paint it grey."""
    st = finish.paint
    a, b, ra, rb, seg_stroke = stroke_segments(st.points, st.widths)
    seg = torch.cat([a, b, ra[:, None], rb[:, None]], 1).tolist()
    first = torch.searchsorted(seg_stroke, torch.arange(len(st) + 1)).tolist()
    reused = [False] * len(st) if finish.bodies is None else (finish.bodies > 0).tolist()  # shown again by a <use>
    marks = [False] * len(st) if finish.marks is None else finish.marks.tolist()
    owners = finish.paint_owner.tolist()
    look = [None] * len(st)  # a mark's colour, opacity and width: marks alike share one path
    if any(marks):
        hexes, opacities, widths = hex_colors(st.colors), st.opacity.tolist(), st.widths[:, 0].tolist()
        look = [(hexes[i], opacities[i], widths[i]) if marks[i] else None for i in range(len(st))]
        shared = {lk[:2] for lk in look if lk is not None}  # one colour for all (ink's gaps): in the class
        shared = next(iter(shared)) if len(shared) == 1 else None
        paint_ = f"stroke:{shared[0]};stroke-opacity:{num(shared[1])};" if shared else ""
        dwg.defs.add(dwg.style(f".g{{fill:none;{paint_}stroke-linecap:round}}"))
    group, cur_layer, runs, kinds = None, None, {}, []
    i = 0
    while i < len(st):
        end = i + 1
        while marks[i] and end < len(st) and marks[end] and owners[end] == owners[i] and look[end] == look[i]:
            end += 1
        lay = int(st.layer[i])
        if group is None or lay != cur_layer:
            # one group per run of a layer; a layer that comes back gets a numbered id
            k = runs[lay] = runs.get(lay, -1) + 1
            group = inkscape_layer(parent, dwg, f"layer-{lay}" if k == 0 else f"layer-{lay}-{k}", f"layer {lay}")
            if finish.per_layer and finish.paint_filter is not None:
                group.attribs["filter"] = f"url(#{finish.paint_filter.id})"
            cur_layer = lay
        delay = {"style": f"animation-delay:{owners[i] * slot:.4f}s"} if slot else {}
        if marks[i]:  # the marks of one stroke that look alike: one path
            colour, opacity, width = look[i]
            own = {} if shared else {"stroke": colour, "stroke_opacity": num(opacity)}
            group.add(dwg.path(d=_quadratics(st.points[i:end]), class_="g s" if slot else "g",
                               stroke_width=num(width), **own, **delay))
        else:
            el, kind = _stroke(dwg, st, i, seg[first[i]:first[i + 1]], delay, finish)
            kinds.append(kind)
            color = hex_color(st.colors[i].tolist())
            if el is not None and reused[owners[i]]:  # colour from a group, so that a <use> can paint it grey
                el.attribs["id"] = f"s{owners[i]}"
                group.add(dwg.g(**{kind: color})).add(el)
            elif el is not None:
                el.attribs[kind] = color
                group.add(el)
        i = end
    return kinds


def _stroke(dwg: svgwrite.Drawing, st: StrokeSet, i: int, segs: list, delay: dict, finish):
    """Stroke ``i`` of ``st`` (pixels) without its colour, and the property its colour
    paints: a stroked centre line ("stroke") or, tapered, the outline of its
    segments ``segs`` ("fill"); None for nothing to draw. With ``delay`` it draws
    itself along its centre line at that moment."""
    w0, w1 = float(st.widths[i, 0]), float(st.widths[i, 1])
    op = float(st.opacity[i])
    extra = {} if op >= 1.0 else {"opacity": opacity_text(op)}
    p = st.points[i].tolist()
    centre = f"M{_points(p[:1])}C{_points(p[1:])}"
    drawn = {"class_": "d", "pathLength": "1", **delay} if delay else {}
    if abs(w0 - w1) < TAPER_EPS:
        if w0 <= 0:
            return None, "stroke"
        return dwg.path(d=centre, fill="none", stroke_width=num(w0), stroke_linecap="round",
                        stroke_linejoin="round", **extra, **drawn), "stroke"
    d = "".join(_piece(*sg) for sg in segs)
    if not d:
        return None, "fill"
    if delay:  # reveal the outline through a mask drawn along the centre line
        mask = dwg.mask(id=f"m{i}", maskUnits="userSpaceOnUse", x=0, y=0, width=finish.width, height=finish.height)
        mask.add(dwg.path(d=centre, fill="none", stroke="#fff", stroke_width=num(max(w0, w1) + 2),
                          stroke_linecap="round", stroke_linejoin="round", **drawn))
        dwg.defs.add(mask)
        extra["mask"] = f"url(#m{i})"
    return dwg.path(d=d, **extra), "fill"


def _write_relief(dwg: svgwrite.Drawing, finish, kinds: list[str], slot: float) -> None:
    """Oil's relief group: each stroke again (a ``<use>``) in the grey of its height,
    then its bristle ridges, white, in one path; the group's filter lights it."""
    dwg.defs.add(dwg.style(f".r{{fill:none;stroke:#fff;stroke-opacity:{num(float(finish.lines.opacity[0]))};"
                           "stroke-linecap:round}"))
    relief = dwg.add(dwg.g(id="relief", filter=f"url(#{finish.relief_filter.id})"))
    lines = finish.lines
    owner = finish.lines_owner.tolist()

    width = lines.widths[:, 0].tolist()
    bodies = finish.bodies.tolist()
    j = 0  # the next ridge
    for i in range(len(bodies)):
        show = {"class_": "s", "style": f"animation-delay:{i * slot:.4f}s"} if slot else {}
        if bodies[i]:  # 0: hidden, no relief
            relief.add(dwg.use(f"#s{i}", **{kinds[i]: "#" + f"{bodies[i]:x}" * 3}, **show))
        first = j
        while j < len(owner) and owner[j] == i:
            j += 1
        if j > first:  # the ridges of one stroke share its width
            cls = {"class_": "r s", "style": show["style"]} if slot else {"class_": "r"}
            relief.add(dwg.path(d=_quadratics(lines.points[first:j]), stroke_width=num(width[first]), **cls))


def _quadratics(points: torch.Tensor) -> str:
    """Path data for marks (cubics [K,4,2] that are quadratics through whole pixels,
    see :mod:`painter.materials.bristles`): ``M x y q ...`` each, control points relative."""
    return "".join(f"M{x0} {y0}q{x1 - x0} {y1 - y0} {x2 - x0} {y2 - y0}".replace(" -", "-")
                   for (x0, y0), (x1, y1), (x2, y2) in to_quadratic(points).round().long().tolist())


def save_svg(strokes: StrokeSet | PathSet, path: str | Path, size: int | PrintSize | None = None, background=None,
             animate: float | None = None, material=None) -> None:
    """Write :func:`to_svg` at ``size`` (a longer side in pixels or a print size;
    default: :func:`painter.export.svgdoc.default_size`) to ``path``, atomically."""
    lay = page_layout(strokes, size)
    svg = to_svg(strokes, lay.height, lay.width, background, animate, material)
    atomic_write_bytes(path, on_page(svg, lay).encode("utf-8"))
