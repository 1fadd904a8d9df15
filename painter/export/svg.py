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

PathSet: one filled ``<path>`` per compound path, in paint order, in one Inkscape
layer ``paths``: all its subpaths in one ``d`` (``M p0 C p1 p2 p3 ... Z`` each, with
an ``L`` where a curve does not start where the previous one ended), its
``fill-rule``, its fill colour, ``fill-opacity`` below 1 and ``stroke="none"``.
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import svgwrite
import torch

from ..io import atomic_write_bytes, fit_background, to_uint8
from ..paths import FILL_RULES, PathSet
from ..render.geometry import stroke_segments, to_pixels
from ..strokes import StrokeSet

#: strokes whose two widths differ by less than this (pixels) are written as stroked Béziers
TAPER_EPS = 1e-3


def _num(v: float) -> str:
    s = f"{v:.2f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def _nums(values: list[float]) -> list[str]:
    """:func:`_num` of many values at once, vectorized (traced art has hundreds of
    thousands): hundredths rounded half to even, trailing zeros dropped, no "-0"."""
    a = np.rint(np.asarray(values, dtype=np.float64) * 100.0).astype(np.int64)
    whole, frac = np.divmod(np.abs(a), 100)
    out = list(map("".join, zip(map(str, whole.tolist()), _FRACTIONS[frac].tolist())))
    for i in np.flatnonzero(a < 0).tolist():  # few: the canvas is at positive coordinates
        out[i] = "-" + out[i]
    return out


#: ".5" for 50 hundredths, ".05" for 5, "" for 0
_FRACTIONS = np.array([f".{i:02d}".rstrip("0").rstrip(".") for i in range(100)], dtype=object)


def _hex(rgb) -> str:
    return "#" + "".join(f"{min(255, max(0, int(round(float(c) * 255)))):02x}" for c in rgb)


def _opacity(op: float) -> str:
    return _num(op) if op >= 0.01 else f"{op:.4f}"


def _points(pts) -> str:
    """``x y`` pairs separated by spaces."""
    return " ".join(f"{_num(x)} {_num(y)}" for x, y in pts)


def _piece(ax, ay, bx, by, ra, rb) -> str:
    """One tapered segment as a closed subpath (counter-clockwise on screen)."""
    dx, dy = bx - ax, by - ay
    ln = math.hypot(dx, dy)
    if ln < 1e-9:
        r = ra
        if r <= 0:
            return ""
        return f"M{_num(ax + r)} {_num(ay)}A{_num(r)} {_num(r)} 0 1 0 {_num(ax - r)} {_num(ay)}A{_num(r)} {_num(r)} 0 1 0 {_num(ax + r)} {_num(ay)}Z"
    nx, ny = -dy / ln, dx / ln
    p1 = (ax + ra * nx, ay + ra * ny)
    p2 = (bx + rb * nx, by + rb * ny)
    p3 = (bx - rb * nx, by - rb * ny)
    p4 = (ax - ra * nx, ay - ra * ny)
    return (
        f"M{_num(p1[0])} {_num(p1[1])}L{_num(p2[0])} {_num(p2[1])}"
        f"A{_num(rb)} {_num(rb)} 0 0 0 {_num(p3[0])} {_num(p3[1])}"
        f"L{_num(p4[0])} {_num(p4[1])}A{_num(ra)} {_num(ra)} 0 0 0 {_num(p1[0])} {_num(p1[1])}Z"
    )


def export_size(strokes: StrokeSet | PathSet, size: int | None) -> tuple[int, int]:
    """(height, width) in pixels for a longer side of ``size`` (default: the size
    the strokes were painted at, else 512)."""
    if size is None:
        size = int(strokes.meta.get("size", 512))
    cw, ch = strokes.canvas
    m = max(cw, ch)
    return max(1, round(size * ch / m)), max(1, round(size * cw / m))


def _drawing(prims: StrokeSet | PathSet, height: int, width: int, background) -> svgwrite.Drawing:
    """An SVG drawing ``width`` x ``height`` (viewBox in pixels) holding the background
    (``background`` or the set's own colour; a picture is embedded as PNG) and the
    set's ``meta`` as its description."""
    dwg = svgwrite.Drawing(size=(width, height), debug=False, profile="full")
    dwg.attribs["viewBox"] = f"0 0 {width} {height}"
    dwg.attribs["xmlns:inkscape"] = "http://www.inkscape.org/namespaces/inkscape"
    bg = prims.background if background is None else fit_background(background, height, width)
    if isinstance(bg, torch.Tensor) and bg.dim() == 3:  # a background picture, embedded as PNG
        import base64
        import io as _io

        from PIL import Image

        buf = _io.BytesIO()
        Image.fromarray(to_uint8(bg)).save(buf, format="PNG")
        href = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")
        img = dwg.image(href=href, insert=(0, 0), size=(width, height))
        img.attribs["preserveAspectRatio"] = "none"
        dwg.add(img)
    else:
        dwg.add(dwg.rect((0, 0), (width, height), fill=_hex(bg)))
    if prims.meta:
        import json

        dwg.set_desc(title="painter", desc=json.dumps(prims.meta, sort_keys=True))
    return dwg


def _layer(dwg: svgwrite.Drawing, ident: str, label: str):
    """A new Inkscape layer (an SVG group) added to ``dwg``."""
    group = dwg.g(id=ident)
    group.attribs["inkscape:groupmode"] = "layer"
    group.attribs["inkscape:label"] = label
    dwg.add(group)
    return group


def _paths_svg(paths: PathSet, height: int, width: int, background=None) -> str:
    """The SVG document for a PathSet (see the module docstring)."""
    ps = paths.detach().to("cpu", torch.float32)
    pts = to_pixels(ps.points, ps.canvas, height, width)[0]
    xy = _nums(pts.reshape(-1).tolist())  # "x y" of every control point, formatted at once
    xy = [f"{x} {y}" for x, y in zip(xy[0::2], xy[1::2])]
    cp, sub = ps.curve_path.tolist(), ps.subpath_index().tolist()
    dwg = _drawing(paths, height, width, background)
    layer = _layer(dwg, "paths", "paths")
    d: list[list[str]] = [[] for _ in range(len(ps))]
    end = None
    for k in range(len(cp)):
        start = xy[4 * k]
        if k == 0 or sub[k] != sub[k - 1]:
            if k:
                d[cp[k - 1]].append("Z")
            d[cp[k]].append("M" + start)
        elif start != end:  # a gap: SVG's C would start from the previous end
            d[cp[k]].append("L" + start)
        d[cp[k]].append(f"C{xy[4 * k + 1]} {xy[4 * k + 2]} {xy[4 * k + 3]}")
        end = xy[4 * k + 3]
    if cp:
        d[cp[-1]].append("Z")
    rules = ps.fill_rule.tolist()
    for i in range(len(ps)):
        if not d[i]:
            continue
        op = float(ps.opacity[i])
        extra = {} if op >= 1.0 else {"fill_opacity": _opacity(op)}
        layer.add(dwg.path(d="".join(d[i]), id=f"path-{i}", fill=_hex(ps.colors[i].tolist()),
                           fill_rule=FILL_RULES[rules[i]], stroke="none", **extra))
    return dwg.tostring()


def to_svg(strokes: StrokeSet | PathSet, height: int, width: int, background=None,
           animate: float | None = None) -> str:
    """The SVG document (a string) for ``strokes`` (a StrokeSet or a PathSet) drawn at
    ``width`` x ``height``.

    ``animate``: seconds over which the strokes draw themselves one after another, in
    paint order, when the file is opened in a browser (CSS animation of
    ``stroke-dashoffset`` on each stroke's centre line, no script; a tapered stroke's
    outline is revealed through a mask whose centre line is animated the same way).
    The last frame of the animation is the static picture. Strokes only: a PathSet
    with ``animate`` raises ValueError.
    """
    if isinstance(strokes, PathSet):
        if animate:
            raise ValueError("animated SVG draws strokes along their centre lines; paths have none "
                             "(animate paths as GIF or MP4)")
        return _paths_svg(strokes, height, width, background)
    st = strokes.detach().to("cpu", torch.float32)
    pts, s = to_pixels(st.points, st.canvas, height, width)
    wid = st.widths * s
    a, b, ra, rb, seg_stroke = stroke_segments(pts, wid)
    seg = torch.cat([a, b, ra[:, None], rb[:, None]], 1).tolist()
    first = torch.searchsorted(seg_stroke, torch.arange(len(st) + 1)).tolist()

    dwg = _drawing(strokes, height, width, background)
    slot = (animate / max(1, len(st))) if animate else 0.0
    if animate:
        dwg.defs.add(dwg.style(
            f".d{{stroke-dasharray:1 1.01;animation:painter-draw {slot:.4f}s linear both}}"
            "@keyframes painter-draw{from{stroke-dashoffset:1.001}to{stroke-dashoffset:0}}"))

    group, cur_layer, runs = None, None, {}
    for i in range(len(st)):
        lay = int(st.layer[i])
        if group is None or lay != cur_layer:
            # one group per run of a layer; a layer that comes back gets a numbered id
            k = runs[lay] = runs.get(lay, -1) + 1
            group = _layer(dwg, f"layer-{lay}" if k == 0 else f"layer-{lay}-{k}", f"layer {lay}")
            cur_layer = lay
        w0, w1 = float(wid[i, 0]), float(wid[i, 1])
        color = _hex(st.colors[i].tolist())
        op = float(st.opacity[i])
        extra = {} if op >= 1.0 else {"opacity": _opacity(op)}
        p = pts[i].tolist()
        centre = f"M{_points(p[:1])}C{_points(p[1:])}"
        drawn = {"class_": "d", "pathLength": "1", "style": f"animation-delay:{i * slot:.4f}s"} if animate else {}
        if abs(w0 - w1) < TAPER_EPS:
            if w0 <= 0:
                continue
            group.add(dwg.path(d=centre, fill="none", stroke=color, stroke_width=_num(w0),
                               stroke_linecap="round", stroke_linejoin="round", **extra, **drawn))
        else:
            d = "".join(_piece(*seg[k]) for k in range(first[i], first[i + 1]))
            if not d:
                continue
            if animate:  # reveal the outline through a mask drawn along the centre line
                mask = dwg.mask(id=f"m{i}", maskUnits="userSpaceOnUse", x=0, y=0, width=width, height=height)
                mask.add(dwg.path(d=centre, fill="none", stroke="#fff", stroke_width=_num(max(w0, w1) + 2),
                                  stroke_linecap="round", stroke_linejoin="round", **drawn))
                dwg.defs.add(mask)
                extra = {**extra, "mask": f"url(#m{i})"}
            group.add(dwg.path(d=d, fill=color, **extra))
    return dwg.tostring()


def save_svg(strokes: StrokeSet | PathSet, path: str | Path, size: int | None = None, background=None,
             animate: float | None = None) -> None:
    h, w = export_size(strokes, size)
    atomic_write_bytes(path, to_svg(strokes, h, w, background, animate).encode("utf-8"))
