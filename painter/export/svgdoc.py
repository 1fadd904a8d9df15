"""What every SVG of painter shares, without torch: numbers and colours as written,
the document (size, ``viewBox`` in pixels, background, ``meta`` in ``<desc>``), Inkscape
layers, and the writer of traced paths (:func:`paths_svg`), which takes a
:class:`painter.primitives.PathSet` or tracing's numpy arrays alike (see
:mod:`painter.export.svg` for the layout of the file)."""
from __future__ import annotations

import numpy as np
import svgwrite

from ..image.io import atomic_write_bytes, fit_background, to_uint8
from ..primitives.canvas import FILL_RULES, canvas_transform


def num(v: float) -> str:
    """A coordinate or length as written: hundredths, trailing zeros dropped, no "-0"."""
    s = f"{v:.2f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def nums(values: list[float]) -> list[str]:
    """:func:`num` of many values at once, vectorized (traced art has hundreds of
    thousands): hundredths rounded half to even, trailing zeros dropped, no "-0"."""
    a = np.rint(np.asarray(values, dtype=np.float64) * 100.0).astype(np.int64)
    whole, frac = np.divmod(np.abs(a), 100)
    out = list(map("".join, zip(map(str, whole.tolist()), FRACTIONS[frac].tolist())))
    for i in np.flatnonzero(a < 0).tolist():  # few: the canvas is at positive coordinates
        out[i] = "-" + out[i]
    return out


#: ".5" for 50 hundredths, ".05" for 5, "" for 0
FRACTIONS = np.array([f".{i:02d}".rstrip("0").rstrip(".") for i in range(100)], dtype=object)


def hex_color(rgb) -> str:
    """``#rrggbb`` of an RGB triple in [0, 1]."""
    return "#" + "".join(f"{min(255, max(0, int(round(float(c) * 255)))):02x}" for c in rgb)


def hex_colors(colors) -> list[str]:
    """:func:`hex_color` of each row of ``colors`` [N,3]."""
    return [hex_color(c) for c in colors.tolist()]


def opacity_text(op: float) -> str:
    """An opacity as written (more digits below 0.01)."""
    return num(op) if op >= 0.01 else f"{op:.4f}"


def export_size(strokes, size: int | None) -> tuple[int, int]:
    """(height, width) in pixels for a longer side of ``size`` (default: the size
    the strokes were painted at, else 512)."""
    if size is None:
        size = int(strokes.meta.get("size", 512))
    cw, ch = strokes.canvas
    m = max(cw, ch)
    return max(1, round(size * ch / m)), max(1, round(size * cw / m))


def drawing(prims, height: int, width: int, background) -> svgwrite.Drawing:
    """An SVG drawing ``width`` x ``height`` (viewBox in pixels) holding the background
    (``background`` or the set's own colour; a picture is embedded as PNG) and the
    set's ``meta`` as its description."""
    dwg = svgwrite.Drawing(size=(width, height), debug=False, profile="full")
    dwg.attribs["viewBox"] = f"0 0 {width} {height}"
    dwg.attribs["xmlns:inkscape"] = "http://www.inkscape.org/namespaces/inkscape"
    bg = prims.background if background is None else fit_background(background, height, width)
    if getattr(bg, "ndim", 0) == 3:  # a background picture ([3,H,W] tensor), embedded as PNG
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
        dwg.add(dwg.rect((0, 0), (width, height), fill=hex_color(bg)))
    if prims.meta:
        import json

        dwg.set_desc(title="painter", desc=json.dumps(prims.meta, sort_keys=True))
    return dwg


def inkscape_layer(parent, dwg: svgwrite.Drawing, ident: str, label: str):
    """A new Inkscape layer (an SVG group) added to ``parent``."""
    group = dwg.g(id=ident)
    group.attribs["inkscape:groupmode"] = "layer"
    group.attribs["inkscape:label"] = label
    parent.add(group)
    return group


def paths_svg(paths, height: int, width: int, background=None) -> str:
    """The SVG document for traced art: a :class:`painter.primitives.PathSet`, or
    anything with its fields as numpy arrays (tracing's ``Traced``); see
    :mod:`painter.export.svg` for the layout."""
    s, ox, oy = canvas_transform(paths.canvas, height, width)
    pts = _array(paths.points) * np.float32(s) + np.array([ox, oy], np.float32)
    xy = nums(pts.reshape(-1).tolist())  # "x y" of every control point, formatted at once
    xy = [f"{x} {y}" for x, y in zip(xy[0::2], xy[1::2])]
    cp, sub = _array(paths.curve_path).tolist(), _array(paths.subpath_index()).tolist()
    dwg = drawing(paths, height, width, background)
    layer = inkscape_layer(dwg, dwg, "paths", "paths")
    d: list[list[str]] = [[] for _ in range(len(paths))]
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
    rules, opacity, colors = (_array(x).tolist() for x in (paths.fill_rule, paths.opacity, paths.colors))
    for i in range(len(paths)):
        if not d[i]:
            continue
        op = opacity[i]
        extra = {} if op >= 1.0 else {"fill_opacity": opacity_text(op)}
        layer.add(dwg.path(d="".join(d[i]), id=f"path-{i}", fill=hex_color(colors[i]),
                           fill_rule=FILL_RULES[rules[i]], stroke="none", **extra))
    return dwg.tostring()




def save_paths_svg(paths, path, size: int | None = None, background=None) -> None:
    """Write :func:`paths_svg` at ``size`` (the longer side; default: the traced size) to ``path``, atomically."""
    h, w = export_size(paths, size)
    atomic_write_bytes(path, paths_svg(paths, h, w, background).encode("utf-8"))


def _array(x) -> np.ndarray:
    """A numpy array of ``x`` (a CPU copy of a tensor, in float32 if floating point)."""
    if hasattr(x, "detach"):
        x = x.detach().cpu()
        x = x.float() if x.is_floating_point() else x
        return x.numpy()
    return np.asarray(x)
