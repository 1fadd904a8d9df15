import json
import math

import pytest
import torch

from painter import StrokeSet
from painter.primitives.strokes import StrokeFileError


def test_save_load_roundtrip_is_identical(tmp_path):
    s = StrokeSet.random(200, canvas=(1.0, 0.6), seed=3)
    s.layer = torch.randint(0, 3, (200,))
    s.meta = {"seed": 3, "note": "x"}
    p = tmp_path / "s.json"
    s.save(p)
    t = StrokeSet.load(p)
    assert s.equal(t)
    assert t.meta == s.meta
    # saving again writes the same bytes
    p2 = tmp_path / "t.json"
    t.save(p2)
    assert p.read_bytes() == p2.read_bytes()


def test_document_is_versioned_and_documented_fields():
    doc = StrokeSet.random(2, seed=0).to_dict()
    assert doc["format"] == "painter.strokes" and doc["version"] == 1
    st = doc["strokes"][0]
    assert set(st) == {"points", "width", "color", "opacity", "layer"}
    assert len(st["points"]) == 4 and all(len(p) == 2 for p in st["points"])


@pytest.mark.parametrize(
    "mutate, msg",
    [
        (lambda d: d.update(version=99), "newer"),
        (lambda d: d.update(format="other"), "not a painter stroke file"),
        (lambda d: d["strokes"][0].update(width=[-1.0, 1.0]), ">= 0"),
        (lambda d: d["strokes"][0].update(color=[0.1, 2.0, 0.3]), "[0, 1]"),
        (lambda d: d["strokes"][0].update(points=[[0, 0], [1, 1]]), "malformed"),
        (lambda d: d.pop("strokes"), "malformed"),
        (lambda d: d.update(canvas=[0, 1]), "canvas"),
    ],
)
def test_bad_documents_are_refused(mutate, msg):
    d = StrokeSet.random(3, seed=0).to_dict()
    mutate(d)
    with pytest.raises(StrokeFileError, match=msg.replace("[", r"\[").replace("]", r"\]")):
        StrokeSet.from_dict(d)


def test_nan_and_garbage_files(tmp_path):
    d = StrokeSet.random(2, seed=0).to_dict()
    text = json.dumps(d).replace(str(d["strokes"][0]["opacity"]), "NaN", 1)
    p = tmp_path / "nan.json"
    p.write_text(text)
    with pytest.raises(StrokeFileError, match="NaN"):
        StrokeSet.load(p)
    p.write_text("{not json")
    with pytest.raises(StrokeFileError, match="invalid JSON"):
        StrokeSet.load(p)
    p.write_bytes(b"\xff\xfe\x00binary")
    with pytest.raises(StrokeFileError):
        StrokeSet.load(p)


def test_too_many_strokes_refused():
    d = StrokeSet.random(5, seed=0).to_dict()
    with pytest.raises(StrokeFileError, match="limit"):
        StrokeSet.from_dict(d, max_strokes=4)


def test_select_and_concatenate():
    a = StrokeSet.random(10, seed=1)
    b = StrokeSet.random(5, seed=2)
    c = StrokeSet.cat([a, b])
    assert len(c) == 15 and torch.equal(c.points[10:], b.points)
    assert len(c[c.opacity > 0.75]) == int((c.opacity > 0.75).sum())
    assert len(c[3]) == 1 and len(c[-1]) == 1


def test_random_strokes_cover_the_canvas():
    s = StrokeSet.random(400, seed=0)
    assert s.points.min() > -0.5 and s.points.max() < 1.5
    mean_w = float(s.widths.mean())
    assert 0.3 * math.sqrt(1 / 400) < mean_w < 2 * math.sqrt(1 / 400)
