"""Property-based tests (hypothesis): the stroke- and path-file loaders never fail in any
way but a one-line StrokeFileError / PathFileError, and SVG/PNG export of any valid
StrokeSet or PathSet is well-formed XML / a PNG of the declared size. 500 examples
each, derandomized so CI is repeatable."""
import io
import json
import math
import xml.etree.ElementTree as ET

import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from painter import PathSet, StrokeSet
from painter.export import export
from painter.export.svg import to_svg
from painter.export.svgdoc import export_size
from painter.primitives.paths import PathFileError
from painter.primitives.strokes import StrokeFileError

FUZZ = settings(max_examples=500, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

finite = st.floats(-2.0, 3.0, allow_nan=False, width=32)
unit = st.floats(0.0, 1.0, width=32)
weird = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**20, 10**20), st.text(max_size=3),
                  st.none(), st.booleans(), st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=2),
                                                                                              st.integers(), max_size=2))


@st.composite
def stroke_sets(draw, max_strokes=12):
    n = draw(st.integers(0, max_strokes))
    aspect = draw(st.floats(0.05, 1.0))
    canvas = (1.0, aspect) if draw(st.booleans()) else (aspect, 1.0)
    t = lambda shape, elems: torch.tensor(draw(st.lists(elems, min_size=math.prod(shape), max_size=math.prod(shape))),  # noqa: E731
                                         dtype=torch.float32).reshape(shape)
    points = t((n, 4, 2), finite)
    if n and draw(st.booleans()):
        points[0] = points[0, 0]  # a degenerate stroke: all control points on one spot
    widths = t((n, 2), st.one_of(st.just(0.0), st.floats(0.0, 0.5, width=32)))
    layer = torch.tensor(draw(st.lists(st.integers(0, 5), min_size=n, max_size=n)), dtype=torch.long)
    bg = tuple(draw(st.lists(unit, min_size=3, max_size=3)))
    return StrokeSet(points, widths, t((n, 3), unit), t((n,), unit), layer, canvas, bg, {"size": 32})


@st.composite
def path_sets(draw, max_paths=5):
    """Random compound paths: polygons and cubic curves, holes, degenerate subpaths
    (a point, a line), both fill rules, any opacity, any canvas shape."""
    n = draw(st.integers(0, max_paths))
    aspect = draw(st.floats(0.05, 1.0))
    canvas = (1.0, aspect) if draw(st.booleans()) else (aspect, 1.0)
    polygons = [[draw(st.lists(st.tuples(finite, finite), min_size=2, max_size=6)) for _ in range(draw(st.integers(0, 3)))]
                for _ in range(n)]
    colors = torch.tensor(draw(st.lists(st.tuples(unit, unit, unit), min_size=n, max_size=n)), dtype=torch.float32)
    opacity = torch.tensor(draw(st.lists(unit, min_size=n, max_size=n)), dtype=torch.float32)
    rules = draw(st.lists(st.sampled_from(["nonzero", "evenodd"]), min_size=n, max_size=n))
    paths = PathSet.from_polygons(polygons, colors.reshape(n, 3), opacity, fill_rule=rules, canvas=canvas,
                                  meta={"size": 32})
    if len(paths.points) and draw(st.booleans()):  # bend the edges: inner control points anywhere
        inner = torch.tensor(draw(st.lists(finite, min_size=4 * len(paths.points), max_size=4 * len(paths.points))))
        pts = paths.points.clone()
        pts[:, 1:3] = inner.reshape(-1, 2, 2)
        paths = paths._replace(points=pts)
    return paths


def _mutate(draw, doc):
    """Break a valid document in one or a few places with arbitrary JSON values."""
    for _ in range(draw(st.integers(1, 3))):
        where = draw(st.sampled_from(["top", "stroke", "field", "drop", "count"]))
        if where == "top":
            doc[draw(st.sampled_from(["format", "version", "canvas", "background", "meta", "strokes"]))] = draw(weird)
        elif doc.get("strokes") and isinstance(doc["strokes"], list):
            i = draw(st.integers(0, len(doc["strokes"]) - 1))
            s = doc["strokes"][i]
            if where == "stroke":
                doc["strokes"][i] = draw(weird)
            elif where == "field" and isinstance(s, dict):
                s[draw(st.sampled_from(["points", "width", "color", "opacity", "layer"]))] = draw(
                    st.one_of(weird, st.lists(weird, max_size=5), st.lists(st.lists(weird, max_size=3), max_size=5)))
            elif where == "drop" and isinstance(s, dict) and s:
                s.pop(draw(st.sampled_from(sorted(s))))
            elif where == "count":
                doc["strokes"] = doc["strokes"] * draw(st.integers(0, 3))
    return doc


@st.composite
def stroke_documents(draw):
    doc = draw(stroke_sets(4)).to_dict()
    return _mutate(draw, doc) if draw(st.integers(0, 9)) else doc


@st.composite
def path_documents(draw):
    doc = draw(path_sets(3)).to_dict()
    if not draw(st.integers(0, 9)):
        return doc
    for _ in range(draw(st.integers(1, 3))):
        paths = doc["paths"]
        where = draw(st.sampled_from(["top", "path", "field", "subpath", "curve"]))
        if where == "top" or not isinstance(paths, list) or not paths:
            doc[draw(st.sampled_from(["format", "version", "canvas", "background", "meta", "paths"]))] = draw(weird)
            continue
        p = paths[draw(st.integers(0, len(paths) - 1))]
        if where == "path" or not isinstance(p, dict):
            paths[draw(st.integers(0, len(paths) - 1))] = draw(weird)
        elif where == "field":
            p[draw(st.sampled_from(["color", "opacity", "fill_rule", "subpaths"]))] = draw(
                st.one_of(weird, st.lists(weird, max_size=4)))
        elif isinstance(p.get("subpaths"), list) and p["subpaths"]:
            sub = p["subpaths"][draw(st.integers(0, len(p["subpaths"]) - 1))]
            if not isinstance(sub, list):
                continue
            if where == "subpath" or not sub or not isinstance(sub[0], list) or len(sub[0]) != 4:
                sub.append(draw(st.one_of(weird, st.lists(st.lists(weird, max_size=2), max_size=4))))
            else:
                sub[0][draw(st.integers(0, 3))] = draw(st.lists(st.one_of(finite, weird), max_size=3))
    return doc


@FUZZ
@given(stroke_documents())
def test_loader_accepts_valid_and_refuses_everything_else_in_one_line(doc):
    try:
        s = StrokeSet.from_dict(json.loads(json.dumps(doc)))
    except StrokeFileError as e:
        assert "\n" not in str(e) and str(e)
        return
    for t in (s.points, s.widths, s.colors, s.opacity):
        assert torch.isfinite(t).all()
    assert (s.widths >= 0).all() and (s.colors >= 0).all() and (s.colors <= 1).all() and (s.layer >= 0).all()
    _assert_round_trips(s)


def _assert_round_trips(s) -> None:
    """A set that loaded writes a document that loads back to the identical set."""
    back = type(s).from_dict(json.loads(json.dumps(s.to_dict())))
    for f in s.FIELDS:
        a, b = getattr(s, f), getattr(back, f)
        assert a.dtype == b.dtype and torch.equal(a, b), f
    assert (back.canvas, back.background, back.meta) == (s.canvas, s.background, s.meta)


@FUZZ
@given(path_documents())
def test_path_loader_accepts_valid_and_refuses_everything_else_in_one_line(doc):
    try:
        p = PathSet.from_dict(json.loads(json.dumps(doc)))
    except PathFileError as e:
        assert "\n" not in str(e) and str(e)
        return
    assert torch.isfinite(p.points).all() and p.problem() is None
    assert (p.colors >= 0).all() and (p.colors <= 1).all() and (p.opacity >= 0).all() and (p.opacity <= 1).all()
    _assert_round_trips(p)


@FUZZ
@given(st.binary(max_size=300))
def test_loaders_refuse_arbitrary_bytes(tmp_path_factory, data):
    p = tmp_path_factory.mktemp("b") / "s.json"
    p.write_bytes(data)
    for cls, error in ((StrokeSet, StrokeFileError), (PathSet, PathFileError)):
        try:
            loaded = cls.load(p)
        except error as e:
            assert "\n" not in str(e)
        else:
            _assert_round_trips(loaded)


@FUZZ
@given(st.one_of(stroke_sets(), path_sets()), st.integers(1, 48))
def test_svg_is_valid_xml_of_the_declared_size(strokes, size):
    h, w = export_size(strokes, size)
    root = ET.fromstring(to_svg(strokes, h, w))
    assert root.tag.endswith("svg")
    assert (float(root.get("width")), float(root.get("height"))) == (w, h)
    assert root.get("viewBox") == f"0 0 {w} {h}"


@FUZZ
@given(st.one_of(stroke_sets(), path_sets()), st.integers(1, 48))
def test_png_has_the_declared_size(tmp_path_factory, strokes, size):
    p = tmp_path_factory.mktemp("p") / "o.png"
    export(strokes, p, size=size)
    h, w = export_size(strokes, size)
    im = Image.open(io.BytesIO(p.read_bytes()))
    assert im.size == (w, h) and im.mode in ("RGB", "RGBA")
