import json
import math
import sys

import numpy as np
import pytest
import torch

from painter import render
from painter.export import export, to_svg
from painter.primitives.paths import PathFileError, PathSet
from painter.render.geometry import segment_distance, to_pixels
from painter.render.paths import path_segments, render_path_params

from . import reference
from .conftest import photo, psnr_np, resvg_render

#: curves are flattened to within 0.1 px (README), so coverage may differ by 0.1 from
#: the exact curve's; measured max <= 0.062, mean <= 0.0026 on the cases below
FLATTEN_MAX = 0.1
FLATTEN_MEAN = 0.005
#: every curve cut into this many exact pieces makes the flattening fine: then measured
#: max <= 0.0009, mean <= 1e-5 (straight edges are flattened exactly anyway)
FINE_PIECES = 64
FINE_MAX = 0.005
FINE_MEAN = 1e-4


# -- shapes ------------------------------------------------------------------------------
def _circle(cx: float, cy: float, r: float, clockwise: bool = False) -> torch.Tensor:
    """[4,4,2] four cubics approximating a circle (k = 0.5523)."""
    k = 0.5523 * r
    p = [[cx + r, cy], [cx + r, cy + k], [cx + k, cy + r], [cx, cy + r], [cx - k, cy + r], [cx - r, cy + k],
         [cx - r, cy], [cx - r, cy - k], [cx - k, cy - r], [cx, cy - r], [cx + k, cy - r], [cx + r, cy - k]]
    p = torch.tensor(p + p[:1])
    curves = torch.stack([p[3 * i : 3 * i + 4] for i in range(4)])
    return curves.flip(0).flip(1) if clockwise else curves


def _star(cx: float, cy: float, r: float) -> list[list[float]]:
    """A self-intersecting pentagram (its centre is outside under evenodd)."""
    return [[cx + r * math.sin(4 * math.pi * i / 5), cy - r * math.cos(4 * math.pi * i / 5)] for i in range(5)]


def _shapes() -> PathSet:
    """Curves, holes (both rules), a self-intersecting star, translucency, off-canvas parts."""
    ring = torch.cat([_circle(0.4, 0.4, 0.3), _circle(0.42, 0.38, 0.12, clockwise=True)])
    curved = PathSet(ring, torch.zeros(8, dtype=torch.long), torch.tensor([0] * 4 + [1] * 4),
                     torch.tensor([[0.9, 0.2, 0.1]]), torch.tensor([1.0]), "nonzero")
    square_hole = [[[0.5, 0.45], [1.1, 0.5], [1.05, 0.95], [0.55, 0.9]], [[0.65, 0.6], [0.9, 0.62], [0.8, 0.8]]]
    poly = PathSet.from_polygons([square_hole, [_star(0.3, 0.75, 0.22)], [_star(0.75, 0.25, 0.2)]],
                                 [[0.1, 0.3, 0.9], [0.1, 0.7, 0.2], [0.95, 0.8, 0.1]], [0.8, 1.0, 0.6],
                                 ["evenodd", "evenodd", "nonzero"])
    s = PathSet.cat([curved, poly])
    s.background = (1.0, 1.0, 1.0)
    return s


def _untiled(s: PathSet, h: int, w: int, bg) -> torch.Tensor:
    """The renderer's own flattened segments (path_segments) against every pixel, in
    float64 (winding by the crossing rule, distance to the nearest segment), composited
    path by path without tiles: checks the scanline, edge and tile stages only (the
    geometry is checked against tests/reference.py)."""
    pts, _ = to_pixels(s.points.double(), s.canvas, h, w)
    a, b, seg_path = path_segments(pts, s.curve_path, s.next_curve())
    yy, xx = torch.meshgrid(torch.arange(h, dtype=torch.float64) + 0.5, torch.arange(w, dtype=torch.float64) + 0.5,
                            indexing="ij")
    p = torch.stack([xx, yy], -1)[:, :, None]  # [H,W,1,2]
    out = torch.as_tensor(bg, dtype=torch.float64).view(3, 1, 1).expand(3, h, w).clone()
    for i in range(len(s)):
        sa, sb = a[seg_path == i], b[seg_path == i]
        ya, yb, xa, xb = sa[:, 1], sb[:, 1], sa[:, 0], sb[:, 0]
        yc, xc = p[..., 1], p[..., 0]
        crosses = ((ya <= yc) & (yc < yb)) | ((yb <= yc) & (yc < ya))
        x = xa + (yc - ya) / (yb - ya) * (xb - xa)
        winding = (crosses & (x < xc)).long().mul(torch.where(yb > ya, 1, -1)).sum(-1)
        inside = (winding % 2 == 1) if int(s.fill_rule[i]) == 1 else (winding != 0)
        d = segment_distance(p, sa, sb)[0].min(-1).values
        cov = torch.where(inside, (0.5 + d).clamp(max=1), (0.5 - d).clamp(min=0))
        alpha = cov * float(s.opacity[i])
        out = out * (1 - alpha) + alpha * s.colors[i].double().view(3, 1, 1)
    return out


def _traced(size: int, levels: int) -> PathSet:
    """A photo posterized into ``levels`` grey levels, each level (and all darker ones)
    traced by Potrace into one compound path, stacked light to dark."""
    potrace = pytest.importorskip("potrace")
    grey = photo("astronaut", size).mean(-1)
    idx = np.minimum((grey / 256 * levels).astype(int), levels - 1)
    colors, points, cp, cs = [], [], [], []
    for lev in range(levels - 2, -1, -1):  # the lightest level is the background
        subs = 0
        for curve in potrace.Bitmap(idx <= lev).trace(turdsize=2).curves:
            start = curve.start_point
            for seg in curve.segments:
                if seg.is_corner:
                    ctrl = [(start, seg.c), (seg.c, seg.end_point)]
                    cubics = [[p, [(2 * p[0] + q[0]) / 3, (2 * p[1] + q[1]) / 3],
                               [(p[0] + 2 * q[0]) / 3, (p[1] + 2 * q[1]) / 3], q] for p, q in ctrl]
                else:
                    cubics = [[start, seg.c1, seg.c2, seg.end_point]]
                points += cubics
                cp += [len(colors)] * len(cubics)
                cs += [subs] * len(cubics)
                start = seg.end_point
            subs += 1
        colors.append([(lev + 0.5) / levels] * 3)
    pts = torch.tensor(points, dtype=torch.float32) / size
    return PathSet(pts, torch.tensor(cp), torch.tensor(cs), torch.tensor(colors), torch.ones(len(colors)),
                   background=(1.0, 1.0, 1.0), meta={"size": size})


# -- data structure and file format -----------------------------------------------------------
def test_save_load_roundtrip_is_identical(tmp_path):
    s = _shapes()
    s.points = s.points + torch.rand(s.points.shape) * 1e-7  # arbitrary float32 values
    s = s.closed()
    s.meta = {"size": 128, "note": "x"}
    p = tmp_path / "p.json"
    s.save(p)
    t = PathSet.load(p)
    assert s.equal(t) and t.meta == s.meta
    p2 = tmp_path / "q.json"
    t.save(p2)
    assert p.read_bytes() == p2.read_bytes()


def test_document_fields():
    doc = _shapes().to_dict()
    assert doc["format"] == "painter.paths" and doc["version"] == 1
    assert len(doc["paths"]) == 4
    first = doc["paths"][0]
    assert set(first) == {"color", "opacity", "fill_rule", "subpaths"}
    assert first["fill_rule"] == "nonzero" and doc["paths"][1]["fill_rule"] == "evenodd"
    assert [len(sp) for sp in first["subpaths"]] == [4, 4]  # outer circle and hole, 4 curves each
    assert all(len(c) == 4 and all(len(q) == 2 for q in c) for c in first["subpaths"][0])


def _open_subpath(d):
    d["paths"][1]["subpaths"][0][0][0] = [0.0, 0.0]


@pytest.mark.parametrize(
    "mutate, msg",
    [
        (lambda d: d.update(version=2), "newer"),
        (lambda d: d.update(format="painter.strokes"), "not a painter path file"),
        (lambda d: d["paths"][0].update(color=[0.1, 2.0, 0.3]), "[0, 1]"),
        (lambda d: d["paths"][0].update(opacity=-0.5), "[0, 1]"),
        (lambda d: d["paths"][0].update(fill_rule="winding"), "unknown fill rule 'winding'"),
        (lambda d: d["paths"][0]["subpaths"][0].__setitem__(0, [[0, 0], [1, 1], [2, 2]]), "malformed"),
        (lambda d: d["paths"][0]["subpaths"].append([]), "malformed"),
        (lambda d: d["paths"][0].pop("subpaths"), "malformed"),
        (lambda d: d.pop("paths"), "malformed"),
        (lambda d: d.update(canvas=[0, 1]), "canvas"),
        (lambda d: d.update(background=[1, 1]), "background"),
        (_open_subpath, "not closed"),
    ],
)
def test_bad_documents_are_refused_in_one_line(mutate, msg):
    d = _shapes().to_dict()
    mutate(d)
    with pytest.raises(PathFileError, match=msg.replace("[", r"\[").replace("]", r"\]")) as e:
        PathSet.from_dict(d)
    assert "\n" not in str(e.value)


def test_nan_inf_garbage_and_oversized_files(tmp_path):
    d = _shapes().to_dict()
    p = tmp_path / "bad.json"
    d["paths"][2]["subpaths"][0][1][2] = [0.123, 0.5]
    for token in ("NaN", "Infinity"):
        p.write_text(json.dumps(d).replace("0.123", token))
        with pytest.raises(PathFileError, match="NaN or infinity"):
            PathSet.load(p)
    p.write_text("{not json")
    with pytest.raises(PathFileError, match="invalid JSON"):
        PathSet.load(p)
    p.write_bytes(b"\xff\xfe\x00binary")
    with pytest.raises(PathFileError, match="UTF-8"):
        PathSet.load(p)
    n = _shapes().num_curves
    with pytest.raises(PathFileError, match="limit"):
        PathSet.from_dict(d, max_curves=n - 1)
    p.write_text(json.dumps(d, separators=(",", ":")))
    with pytest.raises(PathFileError, match="limit"):
        PathSet.load(p, max_curves=n - 1)
    assert PathSet.load(p, max_curves=n).num_curves == n


def test_select_concatenate_and_structure():
    s = _shapes()
    assert len(s) == 4 and s.num_curves == 8 + 7 + 5 + 5
    t = s[[3, 0]]
    assert len(t) == 2 and torch.equal(t.points[:5], s.points[-5:]) and torch.equal(t.points[5:], s.points[:8])
    assert t.curve_path.tolist() == [0] * 5 + [1] * 8 and t.validate() is t
    assert len(s[s.opacity < 0.9]) == 2 and len(s[-1]) == 1 and len(s[1:3]) == 2
    c = PathSet.cat([s, s[:1]])
    assert len(c) == 5 and c.curve_path[-1] == 4 and c.validate()
    assert s.subpath_index().tolist()[:8] == [0] * 4 + [1] * 4
    assert s.next_curve().tolist()[:8] == [1, 2, 3, 0, 5, 6, 7, 4]
    assert len(PathSet.empty().validate()) == 0


def test_validate_and_closed():
    s = _shapes()
    moved = s.points.clone()
    moved[2, 0] += 0.01  # curve 2 no longer starts where curve 1 ends
    broken = PathSet(moved, s.curve_path, s.curve_subpath, s.colors, s.opacity, s.fill_rule)
    with pytest.raises(ValueError, match="path 0, subpath 0 is not closed"):
        broken.validate()
    assert torch.equal(broken.closed().points, s.points)
    with pytest.raises(ValueError, match="curve_subpath"):
        PathSet(s.points, s.curve_path, s.curve_subpath * 2, s.colors, s.opacity).validate()
    with pytest.raises(ValueError, match="unknown fill rule"):
        PathSet.from_polygons([[[[0, 0], [1, 0], [0, 1]]]], [[0, 0, 0]], fill_rule="winding")


# -- rendering -----------------------------------------------------------------------------------
@pytest.mark.parametrize("hw", [(37, 53), (31, 29), (64, 64)])
@pytest.mark.parametrize("tile", [4, 8])
def test_tiled_render_equals_untiled(hw, tile):
    h, w = hw
    s = _shapes()
    bg = (0.2, 0.5, 0.3)
    got = render(s, h, w, background=bg, tile=tile).double()
    ref = _untiled(s, h, w, bg)
    assert (got - ref).abs().max() < 1e-4


# -- against the independent reference (tests/reference.py) ----------------------------------
def _ring(fill_rule: str, hole_reversed: bool) -> PathSet:
    """A disc with an off-centre hole, the hole wound the same way or reversed."""
    curves = torch.cat([_circle(0.45, 0.5, 0.35), _circle(0.5, 0.45, 0.15, clockwise=hole_reversed)])
    return PathSet(curves, torch.zeros(8, dtype=torch.long), torch.tensor([0] * 4 + [1] * 4),
                   torch.tensor([[0.9, 0.2, 0.1]]), torch.tensor([1.0]), fill_rule)


def _polygon_hole(fill_rule: str) -> PathSet:
    outer = [[0.1, 0.1], [0.9, 0.15], [0.85, 0.9], [0.12, 0.8]]
    hole = [[0.3, 0.3], [0.7, 0.35], [0.6, 0.7]]  # the same orientation as ``outer``
    return PathSet.from_polygons([[outer, hole]], [[0.1, 0.2, 0.9]], fill_rule=fill_rule)


def _stacked_discs() -> PathSet:
    """Three translucent overlapping discs: the paint order decides the middle."""
    discs = [_circle(0.35, 0.4, 0.28), _circle(0.65, 0.4, 0.28), _circle(0.5, 0.65, 0.28)]
    return PathSet(torch.cat(discs), torch.arange(3).repeat_interleave(4), torch.zeros(12, dtype=torch.long),
                   torch.tensor([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]), torch.tensor([0.7, 0.5, 0.6]))


def _letterboxed(s: PathSet) -> PathSet:
    s.canvas = (1.0, 0.6)
    return s


#: name -> (paths, height, width, background): odd sizes, canvases that do and do
#: not match the picture's aspect
PATH_CASES = {
    "shapes-37x53": lambda: (_shapes(), 37, 53, (0.2, 0.5, 0.3)),
    "shapes-31x29": lambda: (_shapes(), 31, 29, (0.2, 0.5, 0.3)),
    "shapes-57x13-letterboxed": lambda: (_shapes(), 57, 13, (1.0, 1.0, 1.0)),
    "shapes-1x9": lambda: (_shapes(), 1, 9, (0.2, 0.5, 0.3)),
    "ring-evenodd-23x17": lambda: (_ring("evenodd", False), 23, 17, (0.2, 0.5, 0.3)),
    "ring-nonzero-same-way-23x17": lambda: (_ring("nonzero", False), 23, 17, (0.2, 0.5, 0.3)),
    "ring-nonzero-reversed-23x17": lambda: (_ring("nonzero", True), 23, 17, (0.2, 0.5, 0.3)),
    "polygon-hole-evenodd-31x40": lambda: (_polygon_hole("evenodd"), 31, 40, (1.0, 1.0, 1.0)),
    "polygon-hole-nonzero-31x40": lambda: (_polygon_hole("nonzero"), 31, 40, (1.0, 1.0, 1.0)),
    "stars-both-rules-19x31": lambda: (_letterboxed(PathSet.from_polygons(
        [[_star(0.3, 0.5, 0.28)], [_star(0.7, 0.5, 0.28)]], [[0.9, 0.1, 0.1], [0.1, 0.9, 0.1]], [0.8, 0.6],
        ["evenodd", "nonzero"])), 19, 31, (1.0, 1.0, 1.0)),
    "stacked-translucent-29x23": lambda: (_stacked_discs(), 29, 23, (1.0, 1.0, 1.0)),
}


def _finely_split(s: PathSet) -> PathSet:
    """The same paths with every curve cut into FINE_PIECES exact pieces."""
    pts = torch.from_numpy(reference.split_curves(s.points.double().numpy(), FINE_PIECES))
    rep = lambda x: x.repeat_interleave(FINE_PIECES)  # noqa: E731
    return s._replace(points=pts, curve_path=rep(s.curve_path), curve_subpath=rep(s.curve_subpath),
                      colors=s.colors.double(), opacity=s.opacity.double())


@pytest.mark.parametrize("case", PATH_CASES)
def test_render_matches_independent_reference(case):
    """painter.render against tests/reference.py (numpy, no shared code: dense
    polygons, winding numbers, distance ramp, "over" in order): within the 0.1 px
    flattening as shipped, and to ~1e-3 once the flattening is made fine."""
    s, h, w, bg = PATH_CASES[case]()
    ref = reference.render_paths(s, h, w, bg)
    err = np.abs(render(s, h, w, background=bg).double().numpy() - ref)
    assert err.max() <= FLATTEN_MAX and err.mean() <= FLATTEN_MEAN, (err.max(), err.mean())
    err = np.abs(render(_finely_split(s), h, w, background=bg).double().numpy() - ref)
    assert err.max() <= FINE_MAX and err.mean() <= FINE_MEAN, (err.max(), err.mean())


def test_reference_cases_tell_fill_rules_and_order_apart():
    """The cases above can catch a wrong fill rule or a reversed paint order: the
    reference itself changes far beyond the tolerances under either."""
    for case in ("ring-evenodd-23x17", "polygon-hole-evenodd-31x40", "stars-both-rules-19x31"):
        s, h, w, bg = PATH_CASES[case]()
        swapped = s._replace(fill_rule=torch.zeros_like(s.fill_rule))
        assert np.abs(reference.render_paths(swapped, h, w, bg) - reference.render_paths(s, h, w, bg)).max() > 0.5
    s, h, w, bg = PATH_CASES["stacked-translucent-29x23"]()
    rev = s[[2, 1, 0]]
    assert np.abs(reference.render_paths(rev, h, w, bg) - reference.render_paths(s, h, w, bg)).max() > 0.3


def test_hole_under_evenodd_and_nonzero():
    outer = [[0.1, 0.1], [0.9, 0.1], [0.9, 0.9], [0.1, 0.9]]
    hole = [[0.3, 0.3], [0.7, 0.3], [0.7, 0.7], [0.3, 0.7]]  # the same orientation as ``outer``
    centre = (slice(None), 16, 16)
    for rule, fill_rule, reversed_hole, centre_painted in [
        ("evenodd same", "evenodd", False, False),
        ("nonzero same", "nonzero", False, True),
        ("nonzero reversed", "nonzero", True, False),
    ]:
        s = PathSet.from_polygons([[outer, hole[::-1] if reversed_hole else hole]], [[1.0, 0.0, 0.0]],
                                  fill_rule=fill_rule)
        img = render(s, 32, 32, background=(0.0, 0.0, 1.0))
        assert torch.allclose(img[:, 8, 8], torch.tensor([1.0, 0.0, 0.0]), atol=1e-5), rule
        expect = torch.tensor([1.0, 0.0, 0.0] if centre_painted else [0.0, 0.0, 1.0])
        assert torch.allclose(img[centre], expect, atol=1e-5), rule


def test_gradcheck_points_colours_opacity_background():
    """Triangle, square with a hole and a curved blob at 12x12, float64. Points go
    through ``closed()`` (as an optimizer would), so every vertex is one parameter."""
    tri = [[0.08, 0.15], [0.62, 0.07], [0.33, 0.58]]
    square = [[0.41, 0.38], [0.93, 0.44], [0.88, 0.91], [0.37, 0.86]]
    hole = [[0.55, 0.55], [0.74, 0.61], [0.6, 0.75]]
    poly = PathSet.from_polygons([[tri], [square, hole]], [[0.9, 0.1, 0.2], [0.2, 0.6, 0.9]], [0.7, 0.85],
                                 ["nonzero", "evenodd"])
    blob = _circle(0.3, 0.72, 0.2)
    blob[1, 1] += torch.tensor([0.05, 0.08])
    curved = PathSet(blob, torch.zeros(4, dtype=torch.long), torch.zeros(4, dtype=torch.long),
                     torch.tensor([[0.1, 0.8, 0.3]]), torch.tensor([0.9]))
    s = PathSet.cat([poly, curved]).to(dtype=torch.float64)
    h = w = 12
    args = [t.clone().requires_grad_() for t in (s.points, s.colors, s.opacity)]
    bg = torch.rand(3, h, w, dtype=torch.float64, requires_grad=True)

    def f(pts, col, opa, b):
        c = PathSet(pts, s.curve_path, s.curve_subpath, col, opa, s.fill_rule).closed()
        return render_path_params(c.points, c.curve_path, c.curve_subpath, col, opa, c.fill_rule, c.canvas, h, w, b,
                                  tile=4)

    assert torch.autograd.gradcheck(f, [*args, bg], eps=1e-6, atol=1e-5, rtol=1e-3)


def test_gaps_are_joined_by_straight_lines_like_svg():
    """An open chain renders as if closed by straight lines (SVG's C from the current
    point, Z back to the start), in painter and in resvg alike."""
    s = _shapes()
    s.points = s.points.clone()
    s.points[1, 0] += torch.tensor([0.03, -0.02])
    ours = (render(s, 96, 96).permute(1, 2, 0).numpy() * 255 + 0.5).astype(np.uint8)
    assert psnr_np(ours, resvg_render(to_svg(s, 96, 96))) > 35


def test_matches_resvg_on_the_exported_svg():
    s = _shapes()
    ours = (render(s, 128, 128).permute(1, 2, 0).numpy() * 255 + 0.5).astype(np.uint8)
    theirs = resvg_render(to_svg(s, 128, 128))
    assert psnr_np(ours, theirs) > 35


def test_traced_photo_matches_resvg():
    s = _traced(96, 6)
    s.validate()
    ours = (render(s, 160, 160).permute(1, 2, 0).numpy() * 255 + 0.5).astype(np.uint8)
    assert psnr_np(ours, resvg_render(to_svg(s, 160, 160))) > 35


def test_large_renders_are_drawn_in_bands_identically(monkeypatch):
    rp = sys.modules["painter.render.paths"]  # painter.render is also the function
    s = _shapes()
    s.canvas = (1.0, 0.8)
    with torch.no_grad():
        whole = render(s, 120, 150)
        monkeypatch.setattr(rp, "BAND_GROUP_PIXELS", 150 * 4 * 20)
        banded = render(s, 120, 150)
    assert (whole - banded).abs().max() < 1e-6


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_cuda_matches_cpu():
    s = _shapes()
    cpu = render(s, 96, 96)
    gpu = render(s.to("cuda"), 96, 96).cpu()
    assert (cpu - gpu).abs().max() < 1e-4


def test_empty_and_background_image():
    bg = torch.rand(3, 10, 12)
    assert torch.equal(render(PathSet.empty(), 10, 12, background=bg), bg)
    s = PathSet.from_polygons([[[[0.0, 0.0], [0.2, 0.0], [0.2, 0.2]]]], [[0, 0, 0]])
    img = render(s, 10, 12, background=bg)
    assert torch.equal(img[:, 5:], bg[:, 5:]) and not torch.equal(img, bg)


# -- export ---------------------------------------------------------------------------------------
def test_svg_structure(tmp_path):
    import xml.etree.ElementTree as ET

    ns = "{http://www.w3.org/2000/svg}"
    s = _shapes()
    s.meta = {"size": 200, "colors": 4}
    export(s, tmp_path / "a.svg")
    root = ET.parse(tmp_path / "a.svg").getroot()
    assert root.get("viewBox") == "0 0 200 200"
    assert root.find(f"{ns}rect").get("fill") == "#ffffff"
    paths = root.find(f"{ns}g").findall(f"{ns}path")
    assert len(paths) == 4
    first = paths[0]
    assert first.get("fill") == "#e5331a" and first.get("fill-rule") == "nonzero" and first.get("stroke") == "none"
    assert first.get("fill-opacity") is None and float(paths[1].get("fill-opacity")) == 0.8
    assert paths[1].get("fill-rule") == "evenodd"
    d = first.get("d")
    assert d.count("M") == 2 and d.count("Z") == 2 and d.count("C") == 8 and "L" not in d
    assert '"colors": 4' in (tmp_path / "a.svg").read_text()
    with pytest.raises(ValueError, match="animate"):
        to_svg(s, 50, 50, animate=2.0)


def test_export_png_json_gif(tmp_path):
    from PIL import Image

    s = _shapes()
    export(s, tmp_path / "a.png", size=40)
    export(s, tmp_path / "a.json")
    export(s, tmp_path / "a.gif", size=32)
    assert Image.open(tmp_path / "a.png").size == (40, 40)
    assert PathSet.load(tmp_path / "a.json").equal(s)
    with Image.open(tmp_path / "a.gif") as im:
        assert im.n_frames >= 2


@pytest.mark.parametrize("rule", ["evenodd", "nonzero"])
def test_tracing_coverage_is_each_path_drawn_alone(rule):
    """Tracing's numpy coverage (for its colour fit) draws what the renderer draws."""
    from painter.trace import Traced, path_coverage

    sq = [[(0.1, 0.1), (0.7, 0.1), (0.7, 0.7), (0.1, 0.7)], [(0.3, 0.3), (0.3, 0.5), (0.5, 0.5), (0.5, 0.3)]]
    tri = [[(0.2, 0.9), (0.9, 0.2), (0.95, 0.95)]]
    curved = PathSet.from_polygons([sq, tri], torch.tensor([[0.2, 0.3, 0.4], [0.9, 0.1, 0.1]]), fill_rule=rule)
    pts = curved.points.clone()
    pts[:, 1] += torch.tensor([0.02, -0.03])  # bent edges: flattened into many segments
    paths = curved._replace(points=pts, canvas=(1.0, 0.9))
    art = Traced(*(getattr(paths, f).numpy() for f in PathSet.FIELDS), paths.canvas, paths.background)
    cov = torch.from_numpy(path_coverage(art, 37, 41))
    white = paths._replace(colors=torch.ones(2, 3))
    for i in range(2):
        alone = render(white[i:i + 1], 37, 41, background=(0.0, 0.0, 0.0))[0]
        assert (cov[i] - alone).abs().max() < 1e-3 and (cov[i] - alone).abs().mean() < 1e-5
    assert cov[0, 15, 16] == 0.0 and cov[0, 6, 6] == 1.0  # the square's hole (wound the other way) and its body
