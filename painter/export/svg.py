"""SVG export of a StrokeSet: one editable ``<path>`` per stroke, in paint order,
grouped by layer (Inkscape layers), with a ``viewBox`` in pixels.

- A stroke of constant width is its Bézier centre line, stroked with that width,
  round caps and round joins: edit it in Inkscape like any path.
- A tapered stroke is a filled outline: the union (nonzero fill rule, all pieces
  wound the same way) of one piece per flattened segment, a trapezoid with half
  discs on both ends. These are exactly the shapes the renderer draws
  (render/geometry.py), so resvg, browsers and Inkscape show the same picture as
  ``painter.render``.
"""
from __future__ import annotations

import math
from pathlib import Path

import svgwrite
import torch

from ..io import atomic_write_bytes, fit_background, to_uint8
from ..render.geometry import canvas_transform, stroke_segments
from ..strokes import StrokeSet

#: strokes whose two widths differ by less than this (pixels) are written as stroked Béziers
TAPER_EPS = 1e-3


def _num(v: float) -> str:
    s = f"{v:.2f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def _hex(rgb) -> str:
    return "#" + "".join(f"{min(255, max(0, int(round(float(c) * 255)))):02x}" for c in rgb)


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


def export_size(strokes: StrokeSet, size: int | None) -> tuple[int, int]:
    """(height, width) in pixels for a longer side of ``size`` (default: the size
    the strokes were painted at, else 512)."""
    if size is None:
        size = int(strokes.meta.get("size", 512))
    cw, ch = strokes.canvas
    m = max(cw, ch)
    return max(1, round(size * ch / m)), max(1, round(size * cw / m))


def to_svg(strokes: StrokeSet, height: int, width: int, background=None, animate: float | None = None) -> str:
    """The SVG document (a string) for ``strokes`` drawn at ``width`` x ``height``.

    ``animate``: seconds over which the strokes draw themselves one after another, in
    paint order, when the file is opened in a browser (CSS animation of
    ``stroke-dashoffset`` on each stroke's centre line, no script; a tapered stroke's
    outline is revealed through a mask whose centre line is animated the same way).
    The last frame of the animation is the static picture.
    """
    s, ox, oy = canvas_transform(strokes.canvas, height, width)
    st = strokes.detach().to("cpu", torch.float32)
    pts = st.points * s + torch.tensor([ox, oy])
    wid = st.widths * s
    a, b, ra, rb, seg_stroke = stroke_segments(pts, wid)
    seg = torch.cat([a, b, ra[:, None], rb[:, None]], 1).tolist()
    first = torch.searchsorted(seg_stroke, torch.arange(len(st) + 1)).tolist()

    dwg = svgwrite.Drawing(size=(width, height), debug=False, profile="full")
    dwg.attribs["viewBox"] = f"0 0 {width} {height}"
    dwg.attribs["xmlns:inkscape"] = "http://www.inkscape.org/namespaces/inkscape"
    bg = strokes.background if background is None else fit_background(background, height, width)
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
    if strokes.meta:
        import json

        dwg.set_desc(title="painter", desc=json.dumps(strokes.meta, sort_keys=True))
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
            group = dwg.g(id=f"layer-{lay}" if k == 0 else f"layer-{lay}-{k}")
            group.attribs["inkscape:groupmode"] = "layer"
            group.attribs["inkscape:label"] = f"layer {lay}"
            dwg.add(group)
            cur_layer = lay
        w0, w1 = float(wid[i, 0]), float(wid[i, 1])
        color = _hex(st.colors[i].tolist())
        op = float(st.opacity[i])
        extra = {} if op >= 1.0 else {"opacity": _num(op) if op >= 0.01 else f"{op:.4f}"}
        p = pts[i].tolist()
        centre = f"M{_num(p[0][0])} {_num(p[0][1])}C" + " ".join(f"{_num(x)} {_num(y)}" for x, y in p[1:])
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


def save_svg(strokes: StrokeSet, path: str | Path, size: int | None = None, background=None,
             animate: float | None = None) -> None:
    h, w = export_size(strokes, size)
    atomic_write_bytes(path, to_svg(strokes, h, w, background, animate).encode("utf-8"))
