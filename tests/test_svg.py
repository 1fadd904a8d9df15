import xml.etree.ElementTree as ET

import torch

from painter import StrokeSet
from painter.export import export, to_svg

NS = "{http://www.w3.org/2000/svg}"


def test_svg_structure_layers_and_paint_order(tmp_path):
    s = StrokeSet.random(30, canvas=(1.0, 0.5), seed=2, taper=False)
    s.widths[10:] *= torch.tensor([1.0, 0.5])  # these are tapered
    s.layer = torch.tensor([0] * 10 + [1] * 10 + [2] * 10)
    p = tmp_path / "a.svg"
    export(s, p, size=400)
    root = ET.parse(p).getroot()
    assert root.get("viewBox") == "0 0 400 200"
    assert (root.get("width"), root.get("height")) == ("400", "200")
    groups = root.findall(f"{NS}g")
    assert [g.get("id") for g in groups] == ["layer-0", "layer-1", "layer-2"]
    paths = [pa for g in groups for pa in g.findall(f"{NS}path")]
    assert len(paths) == 30
    # constant-width strokes: editable Bézier centre lines with round caps
    first = groups[0].findall(f"{NS}path")[0]
    assert first.get("stroke-linecap") == "round" and first.get("fill") == "none"
    assert "C" in first.get("d")
    # tapered strokes: filled outlines
    tapered = groups[1].findall(f"{NS}path")[0]
    assert tapered.get("fill", "").startswith("#") and tapered.get("stroke") is None


def test_svg_colours_and_opacity():
    s = StrokeSet.random(1, seed=0, taper=False)
    s.colors[0] = torch.tensor([1.0, 0.5, 0.0])
    s.opacity[0] = 0.25
    svg = to_svg(s, 100, 100)
    el = ET.fromstring(svg).find(f"{NS}g").find(f"{NS}path")
    assert el.get("stroke") == "#ff8000"
    assert float(el.get("opacity")) == 0.25


def test_svg_records_metadata():
    s = StrokeSet.random(2, seed=0)
    s.meta = {"seed": 5, "strokes": 2}
    svg = to_svg(s, 50, 50)
    assert '"seed": 5' in svg
