"""Print sizes and the files that share one picture: painter.export.prints and
painter.export.export_all."""
from __future__ import annotations

import pytest
import torch

from painter import StrokeSet
from painter.export import export, export_all
from painter.export.prints import PrintSize, layout, parse_size


@pytest.mark.parametrize("text, dpi, canvas, want", [
    # a paper is the page, turned the picture's way; the picture fitted and centred on it
    ("a3", 150, (3.0, 2.0), (1653, 2480, 1754, 2480, 50, 0)),
    ("A3", 150, (2.0, 3.0), (2480, 1653, 2480, 1754, 0, 50)),
    ("a4", 100, (1.0, 1.0), (827, 827, 1169, 827, 171, 0)),
    ("letter", 72, (4.0, 3.0), (594, 792, 612, 792, 9, 0)),
    # a length is the picture's longer side, and its page
    ("30cm", 100, (3.0, 2.0), (787, 1181, 787, 1181, 0, 0)),
    ("12in", None, (1.0, 2.0), (3600, 1800, 3600, 1800, 0, 0)),
    ("297 mm", 300, (2.0, 1.0), (1754, 3508, 1754, 3508, 0, 0)),
    # pixels with a dpi print at that resolution
    ("2048", 300, (3.0, 2.0), (1365, 2048, 1365, 2048, 0, 0)),
])
def test_print_sizes_lay_the_picture_on_its_page(text, dpi, canvas, want):
    size = parse_size(text, dpi)
    assert isinstance(size, PrintSize) and size.dpi == (dpi or 300)
    lay = layout(canvas, size)
    assert (lay.height, lay.width, lay.page_height, lay.page_width, lay.top, lay.left) == want
    w_mm, h_mm = lay.page_mm  # the page in millimetres is the page in pixels at the dpi
    assert (round(w_mm / 25.4 * size.dpi), round(h_mm / 25.4 * size.dpi)) == (lay.page_width, lay.page_height)


def test_pixels_alone_are_pixels_and_bad_sizes_say_what_a_size_is():
    assert parse_size("2048") == 2048 and parse_size(512) == 512 and parse_size("64px") == 64
    for bad, words in (("12furlongs", "not a size"), ("0cm", "not a size"), ("a3x", "not a size"),
                       ("99999", "1 to 16384"), ("", "not a size")):
        with pytest.raises(ValueError, match=words):
            parse_size(bad)
    with pytest.raises(ValueError, match="fewer dpi"):
        parse_size("a0", 600)
    with pytest.raises(ValueError, match="dpi"):
        parse_size("a4", 0)


def test_export_all_draws_the_picture_once_and_writes_what_export_writes(tmp_path, monkeypatch):
    import painter.export.files as files

    s = StrokeSet.random(40, seed=1)
    s.meta.update({"size": 64, "style": "test", "seed": 1})
    names = ["p.png", "p.jpg", "p.webp", "p.pdf", "p.svg", "p.json"]
    for name in names:  # one at a time
        export(s, tmp_path / f"one-{name}", size=96, material="oil")
    calls = []
    real = files.draw
    monkeypatch.setattr(files, "draw", lambda *a, **k: calls.append(a[1:3]) or real(*a, **k))
    export_all(s, [tmp_path / f"all-{name}" for name in names], size=96, material="oil")
    assert calls == [(96, 96)]  # one picture, for PNG, JPEG, WebP and the PDF's material layer
    for name in ("p.png", "p.jpg", "p.webp", "p.svg", "p.json"):
        assert (tmp_path / f"all-{name}").read_bytes() == (tmp_path / f"one-{name}").read_bytes(), name
    # a flat picture handed in is saved as it is; a picture of another material is not used
    flat = torch.rand(3, 96, 96)
    export_all(s, [tmp_path / "given.png"], size=96, image=flat, material="flat")
    export_all(s, [tmp_path / "oil.png"], size=96, image=flat, material="oil")
    from painter.image.io import load_image, to_uint8

    assert (to_uint8(load_image(tmp_path / "given.png")) == to_uint8(flat)).all()
    assert (tmp_path / "oil.png").read_bytes() == (tmp_path / "one-p.png").read_bytes()
