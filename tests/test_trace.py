"""The tracing stage: Potrace (its C library, through ctypes or pypotrace), stacked colour layers, the
colour fit, refinement, and `painter trace` without torch."""
import json
import subprocess
import sys
import xml.etree.ElementTree as ET

import numpy as np
import pytest
import torch
from PIL import Image

from painter import PathSet
from painter.export.svg import to_svg
from painter.trace import quantize, stacked_layers, trace, trace_art
from painter.trace import libpotrace, outlines

from .conftest import four_colours, photo, psnr_np, resvg_render, run_cli


def _ring(size=96):
    """A black disc with a round hole and a separate square, on white: [3,H,W]."""
    y, x = np.mgrid[:size, :size] + 0.5
    r = np.hypot(x - size * 0.4, y - size * 0.45)
    ink = ((r < size * 0.3) & (r > size * 0.13)) | ((abs(x - size * 0.85) < 6) & (abs(y - size * 0.8) < 6))
    return ink, torch.tensor(np.where(ink, 0.0, 1.0)).float().expand(3, size, size).clone()


def _blocks(size=80):
    """Four flat colours with a curved boundary: [3,H,W]."""
    return torch.tensor(four_colours(size)).permute(2, 0, 1).float()


def _drawn(paths, h, w, background=None):
    return resvg_render(to_svg(paths, h, w, background))


def test_bw_trace_matches_the_bitmap_and_keeps_holes():
    ink, img = _ring()
    paths = trace(img, mode="bw")
    assert len(paths) == 1 and paths.meta["mode"] == "bw"
    drawn = _drawn(paths, 96, 96).mean(2) < 128
    assert (drawn & ink).sum() / (drawn | ink).sum() > 0.97
    assert not drawn[43, 38]  # the hole of the ring is paper
    root = ET.fromstring(to_svg(paths, 96, 96))
    fills = [e for e in root.iter() if e.tag.endswith("path")]
    assert len(fills) == 1 and fills[0].get("fill-rule") == "evenodd"


def test_bw_invert_and_threshold():
    ink, img = _ring()
    inv = trace(img, mode="bw", invert=True)
    drawn = _drawn(inv, 96, 96).mean(2) < 128
    assert (drawn & ~ink).sum() / (drawn | ~ink).sum() > 0.97
    grey = torch.full((3, 32, 32), 0.6)
    assert len(trace(grey, mode="bw", threshold=0.5).points) == 0  # nothing darker than 0.5
    assert len(trace(grey, mode="bw", threshold=0.7).points) > 0  # all of it


def test_color_trace_is_faithful_and_has_no_seams():
    img = _blocks()
    paths = trace(img, colors=4)
    assert len(paths) == 4 and paths.meta["colors"] == 4
    ref = (img.permute(1, 2, 0).numpy() * 255).round().astype(np.uint8)
    assert psnr_np(_drawn(paths, 80, 80), ref) > 24
    # every pixel is covered by a layer: a magenta background never shows
    over_magenta = _drawn(paths, 80, 80, background=(1.0, 0.0, 1.0)).astype(int)
    assert not (np.abs(over_magenta - [255, 0, 255]) < 60).all(-1).any()


def test_layers_are_nested_dark_to_light():
    img = photo("coffee", 48).astype(np.float32) / 255
    labels, inks = quantize(img, 6)
    bitmaps, ordered = stacked_layers(labels, inks)
    assert bitmaps[0].all() and len(bitmaps) == len(ordered) <= 6
    for lower, upper in zip(bitmaps, bitmaps[1:]):
        assert (upper <= lower).all()
    lum = ordered @ np.array([0.299, 0.587, 0.114])
    assert (lum[1:] >= lum[:-1] - 0.05).all()


def test_potrace_parameters_change_the_curves():
    _, img = _ring()
    smooth = trace(img, mode="bw")
    polygon = trace(img, mode="bw", alphamax=0.0)
    p = polygon.points
    # alphamax 0: every curve is a straight line (control points on the chord)
    chord = p[:, 3] - p[:, 0]
    off = torch.stack([p[:, 1] - p[:, 0], p[:, 2] - p[:, 0]], 1)
    cross = chord[:, None, 0] * off[..., 1] - chord[:, None, 1] * off[..., 0]
    assert cross.abs().max() < 1e-6
    assert not torch.equal(smooth.points, polygon.points)
    speckled = img.clone()
    speckled[:, 5, 5] = speckled[:, 70, 10] = 0.0  # single-pixel specks
    assert smooth.curve_subpath.max() == trace(speckled, mode="bw").curve_subpath.max()  # turdsize 2 drops them
    assert trace(speckled, mode="bw", turdsize=0).curve_subpath.max() == smooth.curve_subpath.max() + 2


def test_trace_is_deterministic_and_round_trips(tmp_path):
    img = torch.tensor(photo("chelsea", 40)).permute(2, 0, 1).float() / 255
    a, b = trace(img, colors=5, seed=3), trace(img, colors=5, seed=3)
    assert a.equal(b)
    a.save(tmp_path / "a.json")
    assert PathSet.load(tmp_path / "a.json").equal(a)


def test_refine_raises_psnr_and_keeps_subpaths_closed():
    img = torch.tensor(photo("astronaut", 40)).permute(2, 0, 1).float() / 255
    plain = trace(img, colors=6)
    refined = trace(img, colors=6, refine=40)
    assert refined.meta["psnr_refined"] > refined.meta["psnr_traced"] + 0.3
    assert refined.points.shape == plain.points.shape  # same topology
    assert torch.equal(refined.curve_subpath, plain.curve_subpath)
    assert refined.problem() is None  # every subpath still closed


def test_cli_trace_writes_svg_png_json(tmp_path):
    src = tmp_path / "in.png"
    Image.fromarray(photo("coffee", 64)).save(src)
    outs = [tmp_path / n for n in ("t.svg", "t.png", "t.json")]
    r = run_cli("trace", src, "--colors", "6", "-q", *sum((["-o", o] for o in outs), []))
    assert r.returncode == 0, r.stderr
    root = ET.parse(outs[0]).getroot()
    assert root.get("viewBox") == "0 0 64 64"
    png = np.asarray(Image.open(outs[1]).convert("RGB"))
    assert png.shape == (64, 64, 3)
    assert psnr_np(png, resvg_render(outs[0].read_text())) > 30  # the PNG is the SVG's picture
    paths = PathSet.load(outs[2])
    assert len(paths) == 6 and paths.meta["options"]["colors"] == 6
    desc = json.loads(next(e for e in root.iter() if e.tag.endswith("desc")).text)
    assert desc["turdsize"] == 2 and desc["mode"] == "color"


@pytest.mark.parametrize("args, words", [
    (["--colors", "0"], "--colors"),
    (["--mode", "sepia"], "--mode"),
    (["--alphamax", "2"], "--alphamax"),
    (["--turnpolicy", "sideways"], "--turnpolicy"),
    (["-o", "x.gif"], ".svg, .pdf, .png, .jpg, .jpeg, .webp or .json"),
])
def test_cli_trace_usage_errors(tmp_path, args, words):
    src = tmp_path / "in.png"
    Image.fromarray(photo("coffee", 16)).save(src)
    r = run_cli("trace", src, *args, cwd=tmp_path)
    assert r.returncode == 2 and words in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.png"]


def _layers(name, size, colors=8):
    img = photo(name, size).astype(np.float32) / 255
    return stacked_layers(*quantize(img, colors))[0]


@pytest.mark.parametrize("policy", ["minority", "random", "black"])
def test_potrace_through_ctypes_is_pypotrace_exactly(policy):
    """The ctypes call of Potrace's library gives pypotrace's numbers, bit for bit,
    on bitmaps whose width is not a multiple of a machine word."""
    assert libpotrace.available()  # Linux with libpotrace0 (what `make install` sets up)
    params = dict(turdsize=2, alphamax=1.0, opticurve=True, opttolerance=0.2, turnpolicy=policy)
    for bm in _layers("chelsea", 97)[1:] + [_layers("coffee", 70, 4)[2][:, 3:]]:
        ours = outlines._curve_rows(libpotrace.trace_curves(bm, params))
        theirs = outlines._curve_rows(outlines._pypotrace_curves(bm, params))
        assert len(ours) == len(theirs) > 0
        assert all(np.array_equal(a, b) for a, b in zip(ours, theirs))


def test_worker_processes_trace_what_one_process_traces(monkeypatch):
    bitmaps = _layers("astronaut", 64)
    params = dict(turdsize=2, alphamax=1.0, opticurve=True, opttolerance=0.2, turnpolicy="minority")
    alone = outlines.each_bitmap(outlines.potrace_subpaths, bitmaps, params)
    monkeypatch.setattr(outlines, "PARALLEL_PIXELS", 0)
    monkeypatch.setattr(outlines, "_cores", lambda: 2)
    shared = outlines.each_bitmap(outlines.potrace_subpaths, bitmaps, params)
    assert [len(s) for s in alone] == [len(s) for s in shared]
    assert all(np.array_equal(a, b) for x, y in zip(alone, shared) for a, b in zip(x, y))


def test_trace_art_is_trace_without_torch_types():
    img = photo("chelsea", 48).astype(np.float32) / 255
    art = trace_art(img, colors=5)
    assert isinstance(art.points, np.ndarray) and art.points.dtype == np.float32
    assert art.to_paths().equal(trace(torch.from_numpy(img).permute(2, 0, 1), colors=5))
    assert to_svg(art.to_paths(), 48, 48) == to_svg(trace(img, colors=5), 48, 48)


def test_cli_trace_to_svg_never_imports_torch(tmp_path):
    """`painter trace` without --refine, to SVG: numpy and Potrace only. The same
    command's SVG is byte for byte the one written through a PathSet (torch)."""
    src = tmp_path / "in.png"
    Image.fromarray(photo("coffee", 64)).save(src)
    code = ("import sys; from painter.cli import main\n"
            "try:\n    main(['trace', sys.argv[1], '-o', sys.argv[2], '-q'])\n"
            "except SystemExit as e:\n    assert not e.code, e.code\n"
            "print('torch' in sys.modules, 'painter.render' in sys.modules)")
    r = subprocess.run([sys.executable, "-c", code, str(src), str(tmp_path / "a.svg")], capture_output=True,
                       text=True, cwd=tmp_path, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["False", "False"]
    r = run_cli("trace", src, "-q", "-o", tmp_path / "b.svg", "-o", tmp_path / "b.png")  # through torch
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "a.svg").read_bytes() == (tmp_path / "b.svg").read_bytes()
