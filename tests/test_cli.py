import json
import os
import stat
import subprocess
import sys

import numpy as np
import pytest
import torch
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
    assert png.shape == (96, 96, 3)  # the photo's own size; the working size was 64
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
    big = np.asarray(Image.open(out).convert("RGB"))
    assert big.shape == (256, 512, 3)
    svg = (tmp_path / "big.svg").read_text()
    assert 'viewBox="0 0 512 256"' in svg
    assert psnr_np(resvg_render(svg), big) > 30  # the SVG draws the PNG's picture at the same size

    r = run_cli("render", src, "-o", tmp_path / "default.png", "--background", "#ff0000")
    assert r.returncode == 0, r.stderr
    red = np.asarray(Image.open(tmp_path / "default.png").convert("RGB"))
    assert red.shape == (32, 64, 3)
    import painter

    with torch.no_grad():
        bare = painter.render(s, 32, 64, background=(1.0, 0.0, 0.0)) - painter.render(s, 32, 64, background=(0.0, 0.0, 1.0))
    uncovered = bare.abs().amax(0) > 0.999  # pixels where no stroke paints: the background shows whole
    assert uncovered.sum() > 50
    assert (red[uncovered.numpy()] == [255, 0, 0]).all()
    expected = painter.render(s, 32, 64, background=(1.0, 0.0, 0.0)).detach()
    assert psnr_np(red, (expected.permute(1, 2, 0).numpy() * 255).round().astype(np.uint8)) > 45


def _stroke_doc(tmp, name, **change):
    doc = StrokeSet.random(2).to_dict()
    for key, value in change.items():
        doc["strokes"][0][key] = value
    (tmp / name).write_text(json.dumps(doc))  # json writes NaN / Infinity literals


def _bomb(tmp, name):
    """A valid PNG header claiming 50,000 x 50,000 pixels."""
    import struct
    import zlib

    chunk = lambda t, d: struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))  # noqa: E731
    ihdr = struct.pack(">IIBBBBB", 50000, 50000, 8, 2, 0, 0, 0)
    (tmp / name).write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b""))


def _millions(tmp, name):
    one = '{"points":[[0,0],[0,0],[0,0],[0,0]],"width":[0,0],"color":[0,0,0]}'
    head = '{"format":"painter.strokes","version":1,"canvas":[1,1],"strokes":['
    (tmp / name).write_text(head + ",".join([one] * 2_000_001) + "]}")


def _future(tmp, name):
    doc = StrokeSet.random(2).to_dict()
    doc["version"] = 7
    (tmp / name).write_text(json.dumps(doc))


def _open_path(tmp, name):
    import torch

    from painter import PathSet

    doc = PathSet.from_polygons([[[(0.1, 0.1), (0.5, 0.1), (0.3, 0.5)]]], torch.tensor([[0.5, 0.5, 0.5]])).to_dict()
    doc["paths"][0]["subpaths"][0][0][3] = [0.9, 0.9]  # the first edge no longer meets the second
    (tmp / name).write_text(json.dumps(doc))


def _truncated(tmp, name):
    ext = name.rsplit(".", 1)[1]
    im = Image.fromarray((np.random.default_rng(0).random((64, 64, 3)) * 255).astype(np.uint8))
    im.save(tmp / f"full.{ext}")
    data = (tmp / f"full.{ext}").read_bytes()
    (tmp / f"full.{ext}").unlink()
    (tmp / name).write_bytes(data[: 60 if ext == "png" else 300])


#: files a case may name, made only when it does (the big one is 124 MB)
MAKERS = {
    "text.jpg": lambda t, n: (t / n).write_text("hello, not a JPEG"),
    "notes.txt": lambda t, n: (t / n).write_text("my favourite style: blue"),
    "empty.png": lambda t, n: (t / n).write_bytes(b""),
    "adir": lambda t, n: (t / n).mkdir(),
    "trunc.png": _truncated,
    "trunc.jpg": _truncated,
    "bomb.png": _bomb,
    "bad.json": lambda t, n: (t / n).write_text("{nope"),
    "future.json": _future,
    "nan.json": lambda t, n: _stroke_doc(t, n, points=[[float("nan"), 0]] * 4),
    "inf.json": lambda t, n: _stroke_doc(t, n, color=[float("inf"), 0, 0]),
    "negwidth.json": lambda t, n: _stroke_doc(t, n, width=[-1.0, 2.0]),
    "millions.json": _millions,
    "openpath.json": _open_path,
}


def _bad_inputs(tmp, args):
    Image.fromarray(np.zeros((40, 40, 3), np.uint8) + 100).save(tmp / "good.png")
    for name, make in MAKERS.items():
        if name in args:
            make(tmp, name)


CASES = [
    # (args, expected exit code, words in the message)
    (["paint", "missing.jpg", "-o", "o.png"], 1, "no such file"),
    (["paint", "adir", "-o", "o.png"], 1, "directory"),
    (["paint", "empty.png", "-o", "o.png"], 1, "empty"),
    (["paint", "text.jpg", "-o", "o.png"], 1, "not an image"),
    (["paint", "trunc.png", "-o", "o.png"], 1, "trunc.png"),
    (["paint", "trunc.jpg", "-o", "o.png"], 1, "trunc.jpg"),
    (["paint", "bomb.png", "-o", "o.png"], 1, "limit"),
    (["paint", "good.png", "--strokes", "0", "-o", "o.png"], 2, "--strokes"),
    (["paint", "good.png", "--steps", "abc", "-o", "o.png"], 2, "--steps"),
    (["paint", "good.png", "--size", "-5", "-o", "o.png"], 2, "--size"),
    (["paint", "good.png", "--device", "gpu", "-o", "o.png"], 2, "--device"),
    (["paint", "good.png", "--style", "nope", "-o", "o.png"], 2, "style"),
    (["paint", "good.png", "-o", "o.bmp"], 2, "unknown output format"),
    (["paint", "good.png", "-o", "nodir/o.png"], 1, "does not exist"),
    (["paint", "good.png", "-o", "good.png"], 1, "overwrite the input"),
    (["paint", "good.png", "-o", "/proc/o.png"], 1, "not writable"),
    (["paint", "good.png", "--style", "notes.txt", "-o", "o.png"], 1, "notes.txt"),
    (["paint", "good.png", "--style", "van_gog", "-o", "o.png"], 2, "van_gogh"),
    (["paint", "good.png", "--resume", "nope.ckpt", "-o", "o.png"], 1, "no such checkpoint"),
    (["paint", "good.png", "--resume", "bad.json", "-o", "o.png"], 1, "not a painter checkpoint"),
    (["paint", "good.png", "--checkpoint-every", "-3", "-o", "o.png"], 2, "--checkpoint-every"),
    (["paint", "good.png", "--quality", "0", "-o", "o.jpg"], 2, "--quality"),
    (["paint", "good.png", "--quality", "101", "-o", "o.webp"], 2, "--quality"),
    (["paint", "good.png", "--dpi", "-1", "-o", "o.pdf"], 2, "--dpi"),
    (["paint", "good.png", "--output-size", "12furlongs", "-o", "o.pdf"], 2, "--output-size"),
    (["paint", "good.png", "--output-size", "a3", "--dpi", "2000", "-o", "o.png"], 2, "fewer dpi"),
    (["render", "good.png", "--size", "0cm", "-o", "o.png"], 2, "--size"),
    (["render", "bad.json", "-o", "o.png"], 1, "invalid JSON"),
    (["render", "future.json", "-o", "o.png"], 1, "newer"),
    (["render", "nan.json", "-o", "o.png"], 1, "NaN"),
    (["render", "inf.json", "-o", "o.png"], 1, "infinity"),
    (["render", "negwidth.json", "-o", "o.png"], 1, "widths must be >= 0"),
    (["render", "millions.json", "-o", "o.png"], 1, "more than the limit"),
    (["animate", "bad.json", "-o", "o.gif"], 1, "invalid JSON"),
    (["render", "openpath.json", "-o", "o.png"], 1, "not closed"),
    (["trace", "text.jpg", "-o", "o.svg"], 1, "not an image"),
    (["trace", "bomb.png", "-o", "o.svg"], 1, "limit"),
    (["trace", "good.png", "-o", "nodir/o.svg"], 1, "does not exist"),
    (["trace", "good.png", "--colors", "0", "-o", "o.svg"], 2, "--colors"),
    (["render", "missing.json", "-o", "o.png"], 1, "no such file"),
    (["render", "good.png", "-o", "o.png"], 1, "stroke file"),
    (["render", "bad.json"], 2, "-o"),
    (["frobnicate"], 2, "No such command"),
]


@pytest.mark.parametrize("args, code, words", CASES, ids=[" ".join(c[0][:2]) + f" {i}" for i, c in enumerate(CASES)])
def test_bad_input_one_line_no_traceback_no_output(tmp_path, args, code, words):
    _bad_inputs(tmp_path, args)
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


def _imported(*args: str, cwd=None) -> tuple[subprocess.CompletedProcess, set[str]]:
    """Run ``python -X importtime -m painter ARGS``: the result and the top-level names
    of every module the command imported."""
    r = subprocess.run([sys.executable, "-X", "importtime", "-m", "painter", *args], capture_output=True, text=True,
                       timeout=60, cwd=cwd)
    names = {line.split("|")[-1].strip().split(".")[0] for line in r.stderr.splitlines() if line.startswith("import time:")}
    return r, names


@pytest.mark.parametrize("args, status", [(["--help"], 0), (["paint", "--help"], 0), (["trace", "--help"], 0),
                                          (["render", "--help"], 0), (["animate", "--help"], 0),
                                          (["styles", "--help"], 0), (["styles"], 0), (["--version"], 0),
                                          (["paint", "p.jpg", "--no-such-option"], 2),
                                          (["paint", "p.jpg", "--steps", "many"], 2),
                                          (["paint", "p.jpg", "--style", "vangogh"], 2),
                                          (["paint", "p.jpg", "-o", "out.xyz"], 2)])
def test_commands_that_paint_nothing_import_no_torch(args, status, tmp_path):
    r, names = _imported(*args, cwd=tmp_path)
    assert r.returncode == status, r.stderr[-2000:]
    assert "painter" in names and "click" in names  # the measurement itself works
    assert not names & {"torch", "numpy", "PIL", "cv2", "torchvision"}, sorted(names)
    if status:
        errors = [line for line in r.stderr.splitlines() if not line.startswith("import time:")]
        assert len(errors) == 1 and errors[0].startswith("painter: error:"), errors


def test_version_is_the_package_version():
    import painter

    r = run_cli("--version")
    assert r.returncode == 0 and r.stdout.split() == ["painter,", "version", painter.__version__]


def test_import_painter_is_lazy_and_keeps_the_api_names():
    code = """
import sys, types
import painter
assert "torch" not in sys.modules, "import painter imported torch"
from painter.render import raster       # a submodule named like an API function
import painter.trace, painter.engine.run  # and two more
assert "torch" in sys.modules
assert isinstance(painter.render, types.FunctionType) and painter.render.__module__ == "painter.render"
assert isinstance(painter.paint, types.FunctionType) and isinstance(painter.trace, types.FunctionType)
assert isinstance(painter.export, types.ModuleType) and callable(painter.export.export)
assert painter.StrokeSet.__name__ == "StrokeSet" and set(painter.__all__) <= set(dir(painter))
assert sorted(painter.__all__) == sorted(painter._API)  # the written-out list names exactly the lazy names
try:
    painter.no_such_name
except AttributeError:
    pass
else:
    raise AssertionError("no AttributeError")
"""
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]


def test_help_lists_commands_and_defaults():
    r = run_cli("paint", "--help")
    assert r.returncode == 0
    text = " ".join(r.stdout.split())
    for opt in ("--strokes", "--size", "--steps", "--seed", "--device", "--quiet", "--style-weight", "--preserve-color",
                "--weights", "default: 240", "default: a quarter of the output size"):
        assert opt in text
