import json
import os
import stat

import numpy as np
import pytest
from PIL import Image

from painter import StrokeSet

from .conftest import psnr_np, resvg_render, run_cli

FAST = ("--strokes", "60", "--size", "64", "--steps", "20", "--quiet")


def test_paint_writes_every_format_and_they_agree(photo_file, tmp_path):
    outs = [tmp_path / n for n in ("o.svg", "o.png", "o.json")]
    r = run_cli("paint", photo_file, "--style", "none", *FAST, *sum((("-o", o) for o in outs), ()))
    assert r.returncode == 0, r.stderr
    for o in outs:
        assert o.stat().st_size > 0
    png = np.asarray(Image.open(outs[1]).convert("RGB"))
    assert png.shape == (64, 64, 3)
    s = StrokeSet.load(outs[2])
    assert len(s) == 60 and s.meta["seed"] == 0 and s.meta["style"] == "none"
    # PNG and resvg's drawing of the SVG of the same run are the same picture
    assert psnr_np(png, resvg_render(outs[0].read_text())) > 38
    # files get normal permissions (not the temp file's 0600)
    assert stat.S_IMODE(os.stat(outs[1]).st_mode) & 0o044


def test_default_outputs_in_current_directory(photo_file, tmp_path):
    work = tmp_path / "w"
    work.mkdir()
    r = run_cli("paint", photo_file, *FAST, cwd=work)
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in work.iterdir()) == ["photo-painted.json", "photo-painted.png", "photo-painted.svg"]


def test_render_any_size(tmp_path):
    s = StrokeSet.random(50, canvas=(1.0, 0.5), seed=1)
    s.meta["size"] = 64
    src = tmp_path / "s.json"
    s.save(src)
    out = tmp_path / "big.png"
    r = run_cli("render", src, "--size", "512", "-o", out, "-o", tmp_path / "big.svg")
    assert r.returncode == 0, r.stderr
    assert Image.open(out).size == (512, 256)
    r = run_cli("render", src, "-o", tmp_path / "default.png", "--background", "#ff0000")
    assert r.returncode == 0, r.stderr
    im = Image.open(tmp_path / "default.png")
    assert im.size == (64, 32)


def _bad_inputs(tmp):
    (tmp / "text.jpg").write_text("hello, not a JPEG")
    (tmp / "empty.png").write_bytes(b"")
    (tmp / "adir").mkdir()
    good = tmp / "good.png"
    Image.fromarray(np.zeros((40, 40, 3), np.uint8) + 100).save(good)
    (tmp / "trunc.png").write_bytes(good.read_bytes()[:60])
    jpg = tmp / "good.jpg"
    Image.fromarray((np.random.default_rng(0).random((64, 64, 3)) * 255).astype(np.uint8)).save(jpg)
    (tmp / "trunc.jpg").write_bytes(jpg.read_bytes()[:300])
    (tmp / "bad.json").write_text("{nope")
    doc = StrokeSet.random(2).to_dict()
    doc["version"] = 7
    (tmp / "future.json").write_text(json.dumps(doc))
    return good


CASES = [
    # (args, expected exit code, words in the message)
    (["paint", "missing.jpg", "-o", "o.png"], 1, "no such file"),
    (["paint", "adir", "-o", "o.png"], 1, "directory"),
    (["paint", "empty.png", "-o", "o.png"], 1, "empty"),
    (["paint", "text.jpg", "-o", "o.png"], 1, "not an image"),
    (["paint", "trunc.png", "-o", "o.png"], 1, "trunc.png"),
    (["paint", "trunc.jpg", "-o", "o.png"], 1, "trunc.jpg"),
    (["paint", "good.png", "--strokes", "0", "-o", "o.png"], 2, "--strokes"),
    (["paint", "good.png", "--steps", "abc", "-o", "o.png"], 2, "--steps"),
    (["paint", "good.png", "--size", "-5", "-o", "o.png"], 2, "--size"),
    (["paint", "good.png", "--device", "gpu", "-o", "o.png"], 2, "--device"),
    (["paint", "good.png", "--style", "nope", "-o", "o.png"], 2, "style"),
    (["paint", "good.png", "-o", "o.bmp"], 2, "unknown output format"),
    (["paint", "good.png", "-o", "nodir/o.png"], 1, "does not exist"),
    (["paint", "good.png", "-o", "good.png"], 1, "overwrite the input"),
    (["render", "bad.json", "-o", "o.png"], 1, "invalid JSON"),
    (["render", "future.json", "-o", "o.png"], 1, "newer"),
    (["render", "missing.json", "-o", "o.png"], 1, "no such file"),
    (["render", "good.png", "-o", "o.png"], 1, "stroke file"),
    (["render", "bad.json"], 2, "-o"),
    (["frobnicate"], 2, "No such command"),
]


@pytest.mark.parametrize("args, code, words", CASES, ids=[" ".join(c[0][:2]) + f" {i}" for i, c in enumerate(CASES)])
def test_bad_input_one_line_no_traceback_no_output(tmp_path, args, code, words):
    _bad_inputs(tmp_path)
    before = set(os.listdir(tmp_path))
    r = run_cli(*args, cwd=tmp_path)
    assert r.returncode == code, (r.returncode, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("painter: error:")
    assert words.lower() in lines[0].lower()
    assert "Traceback" not in r.stderr
    assert set(os.listdir(tmp_path)) == before  # nothing written, no temp files left


def test_debug_shows_traceback(tmp_path):
    r = run_cli("--debug", "paint", "missing.jpg", "-o", "o.png", cwd=tmp_path)
    assert r.returncode != 0 and "Traceback" in r.stderr


def test_help_lists_commands_and_defaults():
    r = run_cli("paint", "--help")
    assert r.returncode == 0
    text = " ".join(r.stdout.split())
    for opt in ("--strokes", "--size", "--steps", "--seed", "--device", "--quiet", "--style-weight", "--preserve-color",
                "--weights", "default: 256"):
        assert opt in text
