"""What every SVG of painter shares, without torch: numbers and colours as written,
the document (size, ``viewBox`` in pixels, background, ``meta`` in ``<desc>``), Inkscape
layers, and the writer of traced paths (:func:`paths_svg`), which takes a
:class:`painter.primitives.PathSet` or tracing's numpy arrays alike (see
:mod:`painter.export.svg` for the layout of the file)."""
from __future__ import annotations

import re

import numpy as np
import svgwrite

from ..image.io import atomic_write_bytes, fit_background, png_bytes
from ..primitives.canvas import FILL_RULES, canvas_transform
from .prints import Layout, PrintSize, layout


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


def default_size(art) -> int:
    """The longer side an output of ``art`` has when none is asked for: the output
    size its painting recorded (``meta.output_size``: the photo's own), else the size
    it was painted or traced at, else 512."""
    return int(art.meta.get("output_size") or art.meta.get("size") or 512)


def page_layout(art, size: int | PrintSize | None) -> Layout:
    """Where ``art`` goes on an output of ``size`` (a longer side in pixels or a
    :class:`painter.export.prints.PrintSize`; default: :func:`default_size`)."""
    return layout(art.canvas, default_size(art) if size is None else size)


def export_size(art, size: int | PrintSize | None) -> tuple[int, int]:
    """(height, width) in pixels of ``art``'s picture at ``size`` (see :func:`page_layout`)."""
    lay = page_layout(art, size)
    return lay.height, lay.width


def drawing(prims, height: int, width: int, background) -> svgwrite.Drawing:
    """An SVG drawing ``width`` x ``height`` (viewBox in pixels) holding the background
    (``background`` or the set's own colour; a picture is embedded as PNG) and the
    set's ``meta`` as its description, with what made it (:func:`provenance`) as its
    title and metadata."""
    dwg = svgwrite.Drawing(size=(width, height), debug=False, profile="full")
    dwg.attribs["viewBox"] = f"0 0 {width} {height}"
    dwg.attribs["xmlns:inkscape"] = "http://www.inkscape.org/namespaces/inkscape"
    bg = prims.background if background is None else fit_background(background, height, width)
    if getattr(bg, "ndim", 0) == 3:  # a background picture ([3,H,W] tensor), embedded as PNG
        img = dwg.image(href=png_href(bg), insert=(0, 0), size=(width, height))
        img.attribs["preserveAspectRatio"] = "none"
        dwg.add(img)
    else:
        dwg.add(dwg.rect((0, 0), (width, height), fill=hex_color(bg)))
    if prims.meta:
        import json

        made = provenance(prims)
        dwg.set_desc(title=made["title"], desc=json.dumps(prims.meta, sort_keys=True))
        dwg.set_metadata(_rdf(made))
    return dwg


def png_href(img) -> str:
    """A [3,H,W] picture in [0,1] as the ``data:`` URI of a PNG, for an SVG ``<image>``."""
    import base64

    return "data:image/png;base64," + base64.b64encode(png_bytes(img)).decode("ascii")


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




def save_paths_svg(paths, path, size: int | PrintSize | None = None, background=None) -> None:
    """Write :func:`paths_svg` at ``size`` (the longer side or a print size; default:
    the traced size) to ``path``, atomically."""
    lay = page_layout(paths, size)
    atomic_write_bytes(path, on_page(paths_svg(paths, lay.height, lay.width, background), lay).encode("utf-8"))


def on_page(svg: str, lay: Layout) -> str:
    """The SVG document ``svg`` (of the picture, in pixels) as ``lay`` prints it: its
    size in millimetres where the size is physical, and on a paper, inside a page of
    white margins (the picture a nested ``<svg>``, which clips what reaches past it)."""
    if lay.page_mm is None:
        return svg
    mm = 'width="{}mm" height="{}mm"'.format(*(num(v) for v in lay.page_mm))
    head = svg[:svg.index(">") + 1]
    if not lay.margins:
        bare = re.sub(r'\s(width|height)="[^"]*"', "", head)
        return bare.replace("<svg", f"<svg {mm}", 1) + svg[len(head):]
    nested = svg.replace("<svg", f'<svg x="{lay.left}" y="{lay.top}"', 1)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" {mm} '
            f'viewBox="0 0 {lay.page_width} {lay.page_height}">'
            f'<rect id="page" width="{lay.page_width}" height="{lay.page_height}" fill="#ffffff"/>{nested}</svg>')


def provenance(art) -> dict[str, str]:
    """What made ``art`` (a StrokeSet or PathSet, or tracing's arrays), as every output
    records it (SVG ``<title>`` and ``<metadata>``, PNG text, JPEG and WebP XMP): the
    software and version, the style or tracing mode, material, seed, count of strokes
    or paths, input, and a ``description`` line of them all."""
    from ..defaults import __version__

    meta = getattr(art, "meta", {}) or {}
    info = {"software": f"painter {__version__}"}
    kind = "strokes" if hasattr(art, "widths") else "paths"
    if "style" in meta:
        info["style"] = str(meta["style"])
        mat = meta.get("material")
        info["material"] = str(mat.get("name", "flat") if isinstance(mat, dict) else mat or "flat")
    elif "mode" in meta:
        info["trace"] = str(meta["mode"])
    for key in ("seed", "input"):
        if key in meta:
            info[key] = str(meta[key])
    info[kind] = str(len(art.colors))
    made = ", ".join(f"{k} {v}" for k, v in info.items() if k != "software")
    info["title"] = f"painted by {info['software']}" if kind == "strokes" else f"traced by {info['software']}"
    info["description"] = f"{info['title']}: {made}"
    return info


def _rdf(info: dict[str, str]):
    """``info`` as the RDF of an SVG ``<metadata>`` (Dublin Core, and painter's own),
    an ElementTree element."""
    import xml.etree.ElementTree as ET
    from xml.sax.saxutils import escape

    from ..image.io import XMP_NS, painter_fields

    for prefix, uri in (("rdf", "http://www.w3.org/1999/02/22-rdf-syntax-ns#"),
                        ("dc", "http://purl.org/dc/elements/1.1/"), ("painter", XMP_NS)):
        ET.register_namespace(prefix, uri)
    fields = painter_fields(info, leave_out=("title", "description"))
    return ET.fromstring(
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        f'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:painter="{XMP_NS}">'
        f'<rdf:Description rdf:about=""><dc:title>{escape(info["title"])}</dc:title>'
        f'<dc:creator>{escape(info["software"])}</dc:creator>'
        f'<dc:description>{escape(info["description"])}</dc:description>{fields}'
        '</rdf:Description></rdf:RDF>')


def _array(x) -> np.ndarray:
    """A numpy array of ``x`` (a CPU copy of a tensor, in float32 if floating point)."""
    if hasattr(x, "detach"):
        x = x.detach().cpu()
        x = x.float() if x.is_floating_point() else x
        return x.numpy()
    return np.asarray(x)
