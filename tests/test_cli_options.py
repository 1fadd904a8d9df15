"""Every option of every ``painter`` command, run through the command line, with a check
of its effect on what the user gets: pixels, sizes, file contents, metadata.

One table (``ROWS``: id, argv, check) drives one parametrized test. Each row runs the
CLI in-process (``painter.cli.main``, catching SystemExit), in its own empty working
directory; ``{name}`` in an argv is a shared input made once per module (``Assets``).
A check may run more commands: ``t.run`` (in the row's directory) or ``t.ref`` (a
reference run, cached for the module) and compares. ``test_every_option_is_in_the_table``
keeps the table complete when an option is added.

Checkpoints (``--checkpoint-every``) are observed by wrapping ``painter.engine.run.save_checkpoint``
(the wrapper reads the file on disk right after each write); ``--resume`` goes on from a
real interrupted run: the wrapper sends this process SIGINT after the first checkpoint,
the CLI stops with status 130 and prints the resume command, which the row then runs.
``--device cpu`` rows run with ``torch.cuda.is_available`` claiming a GPU, so ``auto`` would
pick CUDA. No row reaches the network or real VGG weights (``offline``).
"""
from __future__ import annotations

import contextlib
import importlib
import io
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import urllib.error
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pytest
import torch
from PIL import Image

import painter
from painter import PathSet, StrokeSet
from painter.cli import cli as click_group
from painter.cli import main
from painter.style.presets import describe_presets, preset_names, read_preset

from .conftest import empty_hub_cache, four_colours, pdf_facts, pdftoppm, photo, psnr_np, resvg_render, run_main

W, H = 48, 32  # the photo: landscape, so that sizes show which side is which
PARTIAL = "painting without the neural style loss"  # the note when no VGG weights are found


# ----------------------------------------------------------------------------- running the CLI


@dataclass
class Result:
    code: int | None  # exit status; None when an exception escaped main (--debug)
    out: str
    err: str
    cwd: Path
    exc: BaseException | None = None

    def __truediv__(self, name: str) -> Path:
        return self.cwd / name


@contextlib.contextmanager
def _cwd(path: Path):
    """Run the block in ``path`` (contextlib.chdir is Python 3.11+; painter supports 3.10)."""
    old = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(old)


def _invoke(capsys, argv: list[str], cwd: Path) -> Result:
    with _cwd(cwd):
        code, out, err, exc = run_main(capsys, argv)
    return Result(code, out, err, cwd, exc)


class Assets:
    """Shared inputs, each made on first use: ``assets["photo"]`` is an absolute path."""

    def __init__(self, folder: Path) -> None:
        self.dir = folder
        self.made: dict[str, str] = {}
        self.refs: dict[str, Result] = {}

    def __getitem__(self, name: str) -> str:
        if name not in self.made:
            self.made[name] = str(getattr(self, f"make_{name}")())
        return self.made[name]

    def argv(self, text: str) -> list[str]:
        return [tok.format_map(self) for tok in shlex.split(text)]

    def _save(self, name: str, arr: np.ndarray) -> Path:
        p = self.dir / name
        Image.fromarray(np.asarray(arr, np.uint8)).save(p)
        return p

    def _cli(self, text: str) -> None:
        with _cwd(self.dir):
            main(self.argv(text))

    def make_photo(self) -> Path:  # 48 x 32
        return self._save("photo.png", np.array(Image.fromarray(photo("astronaut", 64)).resize((W, H), Image.BOX)))

    def make_strokes(self) -> Path:  # a real painting: 24 strokes in 4 layers, 32 x 21
        self._cli("paint {photo} --size 32 --strokes 24 --steps 2 -q -o strokes.json")
        return self.dir / "strokes.json"

    def make_big(self) -> Path:  # chelsea at 2048 x 1365, a photo a phone would take
        return self._save("big.png", np.array(Image.fromarray(photo("chelsea", 64)).resize((2048, 1365), Image.BICUBIC)))

    def make_bigpainting(self) -> Path:  # {big} as the main job paints it (van_gogh, in oil), but at 96 px, 600 strokes
        self._cli("paint {big} --style van_gogh --size 96 --strokes 600 --steps 20 -q -o bigpainting.json")
        return self.dir / "bigpainting.json"

    def make_sparse(self) -> Path:
        """Three straight strokes 3 px wide across rows 2, 6 and 10 of the 40 x 30 canvas
        (layers 0, 1, 2: yellow, magenta, cyan), columns 2-12, on a blue-grey background;
        the rest of the canvas is bare."""
        pts = torch.tensor([[[0.05, y], [0.13, y], [0.22, y], [0.3, y]] for y in (0.0625, 0.1625, 0.2625)])
        s = StrokeSet(pts, torch.full((3, 2), 0.075), torch.tensor([[1.0, 1, 0], [1, 0, 1], [0, 1, 1]]),
                      torch.ones(3), torch.arange(3), (1.0, 0.75), (0.2, 0.4, 0.6), {"size": 40})
        s.save(self.dir / "sparse.json")
        return self.dir / "sparse.json"

    def make_paths(self) -> Path:  # a traced path file: 4 colour layers, 48 x 32
        self._cli("trace {photo} --colors 4 -q -o paths.json")
        return self.dir / "paths.json"

    def make_weights(self) -> Path:  # a random VGG19 (~52 MB), as tests/test_perceptual.py makes it
        from painter.style.perceptual import random_vgg_state_dict

        p = self.dir / "random-vgg19.pth"
        torch.save(random_vgg_state_dict(seed=0), p)
        return p

    def make_painting(self) -> Path:  # a warm "painting": patches of red, orange and yellow
        rng = np.random.default_rng(0)
        pal = np.array([[220, 50, 40], [240, 150, 30], [250, 220, 60]])
        return self._save("painting.png", pal[rng.integers(0, 3, (8, 8))].repeat(8, 0).repeat(8, 1))

    def make_bgimg(self) -> Path:  # top half green, bottom half blue
        a = np.zeros((20, 20, 3))
        a[:10] = (0, 255, 0)
        a[10:] = (0, 0, 255)
        return self._save("bg.png", a)

    def make_thirds(self) -> Path:  # 48 x 24: grey 0.2 | 0.5 | 0.8, left to right
        a = np.zeros((24, 48, 3))
        for i, v in enumerate((0.2, 0.5, 0.8)):
            a[:, 16 * i:16 * (i + 1)] = round(v * 255)
        return self._save("thirds.png", a)

    def make_checker(self) -> Path:  # 32 x 32 checkerboard of 4 px cells: ambiguous turns at every corner
        y, x = np.mgrid[:32, :32]
        return self._save("checker.png", np.where(((x // 4 + y // 4) % 2 == 0)[..., None], 0, 255).repeat(3, 2))

    def make_specks(self) -> Path:  # white, a 12 px black square and three 3 x 3 specks
        a = np.full((40, 40, 3), 255)
        a[4:16, 4:16] = 0
        for y, x in SPECKS:
            a[y - 1:y + 2, x - 1:x + 2] = 0
        return self._save("specks.png", a)

    def make_disc(self) -> Path:
        y, x = np.mgrid[:40, :40] + 0.5
        return self._save("disc.png", np.where((np.hypot(x - 20, y - 20) < 14)[..., None], 0, 255).repeat(3, 2))

    def make_noisy(self) -> Path:
        """Four flat colours (a curved boundary) plus strong noise: k-means leaves specks."""
        img = four_colours(64)
        img = img + np.random.default_rng(1).normal(0, 0.16, img.shape)
        return self._save("noisy.png", (img.clip(0, 1) * 255).round())


SPECKS = [(30, 30), (8, 30), (30, 8)]


@pytest.fixture(scope="module")
def assets(tmp_path_factory) -> Assets:
    return Assets(tmp_path_factory.mktemp("cli-options"))


@pytest.fixture(autouse=True)
def offline(monkeypatch, tmp_path_factory):
    """No VGG weights but the ones a row names, and no network: an empty torch hub
    cache and a download that fails like an offline machine's."""
    import torch.hub

    def no_network(*a, **k):
        raise urllib.error.URLError(OSError(-3, "Temporary failure in name resolution"))

    monkeypatch.setattr(torch.hub, "urlopen", no_network)
    empty_hub_cache(monkeypatch, tmp_path_factory.getbasetemp() / "torch_home")


class T:
    """What a check works with: the row's directory, the assets, more runs."""

    def __init__(self, capsys, cwd: Path, assets: Assets) -> None:
        self.capsys, self.cwd, self.assets = capsys, cwd, assets
        self.saves: list[tuple[Path, int, bytes]] = []  # checkpoints written (ckpt_spy)

    def __getitem__(self, name: str) -> str:
        return self.assets[name]

    def run(self, text: str, cwd: Path | None = None) -> Result:
        return _invoke(self.capsys, self.assets.argv(text), cwd or self.cwd)

    def ref(self, text: str) -> Result:
        """A reference run of ``text`` in a folder of its own, once per module."""
        if text not in self.assets.refs:
            folder = self.assets.dir / f"ref{len(self.assets.refs)}"
            folder.mkdir()
            r = _invoke(self.capsys, self.assets.argv(text), folder)
            assert r.code == 0, (text, r.err)
            self.assets.refs[text] = r
        return self.assets.refs[text]


@pytest.fixture
def t(capsys, tmp_path, monkeypatch, assets) -> T:
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return T(capsys, work, assets)


# ----------------------------------------------------------------------------- reading outputs


def png(p) -> np.ndarray:
    return np.asarray(Image.open(p).convert("RGB"))


def chroma_error(a: np.ndarray, b: np.ndarray) -> float:
    """Mean distance between two pictures' colours in the CIELAB a*b* plane (hue and
    chroma, lightness left out)."""
    from painter.image.color import srgb_to_lab

    lab = [srgb_to_lab(torch.from_numpy(x.reshape(-1, 3).astype(np.float32) / 255)) for x in (a, b)]
    return float((lab[0][:, 1:] - lab[1][:, 1:]).norm(dim=1).mean())


def dims(p) -> tuple[int, int]:
    with Image.open(p) as im:
        return im.size


def target(t: T, size: int) -> np.ndarray:
    """The photo as the painter sees it at working size ``size``."""
    from painter.image.io import load_image, to_uint8

    return to_uint8(load_image(t["photo"], size=size))


def svg(p) -> ET.Element:
    return ET.parse(p).getroot()


def svg_meta(p) -> dict:
    return json.loads(next(e for e in svg(p).iter() if e.tag.endswith("desc")).text)


def gif(p) -> tuple[list[np.ndarray], list[int], dict]:
    """Frames (RGB), per-frame durations and the info of the first frame."""
    frames, durations = [], []
    with Image.open(p) as im:
        info = dict(im.info)
        for i in range(im.n_frames):
            im.seek(i)
            durations.append(im.info["duration"])
            frames.append(np.asarray(im.convert("RGB")))
    return frames, durations, info


def mp4(p) -> tuple[dict, list[np.ndarray]]:
    imageio_ffmpeg = pytest.importorskip("imageio_ffmpeg")
    reader = imageio_ffmpeg.read_frames(str(p))
    meta = next(reader)
    w, h = meta["size"]
    return meta, [np.frombuffer(f, np.uint8).reshape(h, w, 3) for f in reader]


def hexrgb(text: str) -> np.ndarray:
    return np.array([int(text[i:i + 2], 16) for i in (1, 3, 5)])


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def error(code: int, words: str) -> Callable:
    """A usage or input error: one line, the words in it, no traceback, nothing written."""

    def check(t: T, r: Result) -> None:
        assert r.code == code, r.err
        lines = r.err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("painter: error:"), r.err
        assert words.lower() in lines[0].lower(), lines[0]
        assert "Traceback" not in r.err
        assert listing(t.cwd) == sorted(t.before), "an error wrote files"

    check.code = code
    return check


@contextlib.contextmanager
def fake_cuda(t: T):
    """``torch.cuda.is_available`` says yes: ``--device auto`` would pick CUDA."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(torch.cuda, "is_available", lambda: True)
        yield


@contextlib.contextmanager
def ckpt_spy(t: T):
    """Record every checkpoint the run writes: its path, step and the file's bytes."""
    pp = importlib.import_module("painter.engine.run")
    real = pp.save_checkpoint

    def spy(path, state):
        real(path, state)
        t.saves.append((Path(path).resolve(), state["step"], Path(path).read_bytes()))

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(pp, "save_checkpoint", spy)
        yield


# ----------------------------------------------------------------------------- the table


@dataclass
class Row:
    id: str
    argv: str
    check: Callable[[T, Result], None]
    around: Callable | None = None  # context manager factory (t) -> around the row's run only
    setup: Callable[[T], None] | None = None  # runs before, in the row's directory
    marks: tuple = ()
    code: int | None = 0  # the expected exit status (None: not checked)


ROWS: list[Row] = []


def add(id_: str, argv: str, check: Callable, *, around=None, setup=None, marks=(), code=...) -> None:
    ROWS.append(Row(id_, argv, check, around, setup, marks, getattr(check, "code", 0) if code is ... else code))


def row(id_: str, argv: str, **kw):
    """Decorator: the function below is the row's check."""

    def decorate(check):
        add(id_, argv, check, **kw)
        return check

    return decorate


# ---------------------------------------------------------------- global options


@row("--version", "--version")
def _(t, r):
    assert r.out.split() == ["painter,", "version", painter.__version__]


@row("--debug", "--debug paint missing.jpg -o o.png", code=None)
def _(t, r):
    # in-process, the error escapes main instead of becoming one line ...
    assert r.code is None and "no such file" in str(r.exc) and "painter: error" not in r.err
    # ... and from the shell it is a traceback (a usage error: answers without importing torch)
    cmd = [sys.executable, "-m", "painter", "styles", "--sheet", "s.png"]
    plain = subprocess.run(cmd, capture_output=True, text=True, timeout=60, cwd=t.cwd)
    debug = subprocess.run(cmd[:3] + ["--debug"] + cmd[3:], capture_output=True, text=True, timeout=60, cwd=t.cwd)
    assert plain.returncode == 2 and "Traceback" not in plain.stderr and len(plain.stderr.splitlines()) == 1
    assert debug.returncode != 0 and "Traceback (most recent call last)" in debug.stderr
    assert "UsageError" in debug.stderr


@row("-h", "-h")
def _(t, r):
    assert r.out.startswith("Usage: painter")
    for name, cmd in click_group.commands.items():
        assert re.search(rf"^\s+{name}\s+\S", r.out, re.M), name
    assert "--version" in r.out and "--debug" in r.out


for _cmd in ("paint", "trace", "render", "animate", "styles"):

    def _help(t, r, cmd=_cmd):
        assert r.out.startswith(f"Usage: painter {cmd}")
        for p in click_group.commands[cmd].params:
            for o in p.opts if p.param_type_name == "option" else ():
                assert o in r.out, o

    add(f"{_cmd} -h", f"{_cmd} -h", _help)

# ---------------------------------------------------------------- paint

FAST = "--size 32 --output-size 32 --strokes 20 --steps 2 -q"  # outputs at the working size


@row("paint default outputs and stroke count", "paint {photo} --size 32 --steps 2")
def _(t, r):
    assert listing(t.cwd) == ["photo-painted.json", "photo-painted.png", "photo-painted.svg"]
    s = StrokeSet.load(t.cwd / "photo-painted.json")
    expected = max(1, round(500 * 32 / 256))  # the style's count at 256 px, scaled with --size
    assert len(s) == expected == s.meta["strokes"] == 62
    # outputs at the photo's own size (48 x 32), whatever the working size
    assert dims(t.cwd / "photo-painted.png") == (48, 32) and s.meta["output_size"] == 48
    assert svg(t.cwd / "photo-painted.svg").get("viewBox") == "0 0 48 32"
    assert f"painted {expected} strokes" in r.err  # not quiet: a summary


@row("paint --style preset", "paint {photo} --style hokusai --size 32 --steps 2 -q -o out.json -o out.png")
def _(t, r):
    s = StrokeSet.load(t.cwd / "out.json")
    toml = read_preset("hokusai")
    assert s.meta["style"] == "hokusai"
    assert len(s) == round(toml["strokes"] * 32 / 256) == 88  # the preset's own count, scaled
    bg = hexrgb(toml["background"])
    assert np.allclose(np.array(s.background) * 255, bg, atol=0.6)  # the preset's paper colour
    contour = s.colors[s.layer == 2]  # the contour layer keeps the palette's darkest ink
    assert len(contour) > 5 and (contour == contour[0]).all()
    assert not s.meta["neural_style"] and PARTIAL not in r.err  # no weights here: the preset still paints; -q: no note


@row("paint --style none", "paint {photo} --style none --size 32 --steps 2 -q -o out.json")
def _(t, r):
    s = StrokeSet.load(t.cwd / "out.json")
    assert s.meta["style"] == "none" and s.meta["neural_style"] is False and PARTIAL not in r.err
    # background: the photo's mean colour
    assert np.allclose(np.array(s.background) * 255, target(t, 32).reshape(-1, 3).mean(0), atol=1.0)


@row("paint --style PAINTING", f"paint {{photo}} --style {{painting}} {FAST} -o out.json -o out.png")
def _(t, r):
    assert StrokeSet.load(t.cwd / "out.json").meta["style"] == "painting"
    plain = t.ref(f"paint {{photo}} --style none {FAST} -o out.png")

    def warmth(p):
        m = png(p).reshape(-1, 3).mean(0)
        return m[0] - m[2]

    # the painting's reds and yellows: the picture is much warmer than the plain painting
    assert warmth(t.cwd / "out.png") > warmth(plain / "out.png") + 60


@row("paint -o .png", f"paint {{photo}} {FAST} -o out.png -o out.json")
def _(t, r):
    from painter.image.io import to_uint8

    img = png(t.cwd / "out.png")
    assert img.shape == (21, 32, 3)
    s = StrokeSet.load(t.cwd / "out.json")
    assert psnr_np(img, to_uint8(painter.render(s, 21, 32))) > 40  # the PNG is the painting's picture
    goal = target(t, 32)
    flat = np.broadcast_to(goal.reshape(-1, 3).mean(0), goal.shape)
    assert psnr_np(img, goal) > psnr_np(flat, goal) + 1  # ... and a picture of the photo


@row("paint -o .svg", f"paint {{photo}} {FAST} -o out.svg -o out.png")
def _(t, r):
    root = svg(t.cwd / "out.svg")
    assert root.get("viewBox") == "0 0 32 21"
    assert sum(1 for e in root.iter() if e.tag.endswith("path")) == 20  # one path per stroke
    assert psnr_np(resvg_render((t.cwd / "out.svg").read_text()), png(t.cwd / "out.png")) > 35
    assert svg_meta(t.cwd / "out.svg")["strokes"] == 20


@row("paint -o .json", f"paint {{photo}} {FAST} --seed 3 -o out.json")
def _(t, r):
    s = StrokeSet.load(t.cwd / "out.json")
    assert len(s) == 20 and s.meta["input"] == "photo.png" and s.meta["seed"] == 3
    opts = s.meta["options"]
    assert opts["strokes"] == 20 and opts["size"] == 32 and opts["steps"] == 2 and opts["seed"] == 3
    assert s.canvas == pytest.approx((1.0, 32 / 48))  # the photo's aspect


@row("paint -o .gif", f"paint {{photo}} {FAST} -o out.gif -o out.png -o out.json")
def _(t, r):
    frames, durations, info = gif(t.cwd / "out.gif")
    bg = np.array(StrokeSet.load(t.cwd / "out.json").background) * 255
    assert len(frames) == 21 and frames[0].shape == (21, 32, 3)  # empty canvas + one frame per stroke
    assert np.abs(frames[0].astype(float) - bg).max() <= 1  # frame 0: the bare background
    assert psnr_np(frames[-1], png(t.cwd / "out.png")) > 30  # the last: the painting
    assert durations[-1] == 1500 and abs(durations[0] - 1000 / 12) < 10  # GIF: centiseconds


@row("paint -o .mp4", f"paint {{photo}} {FAST} -o out.mp4 -o out.gif -o out.png")
def _(t, r):
    meta, frames = mp4(t.cwd / "out.mp4")
    assert meta["size"] == (32, 22)  # 32 x 21, padded to even sides for H.264
    assert meta["fps"] == 12
    n_gif = len(gif(t.cwd / "out.gif")[0])
    assert len(frames) == n_gif + round(1.5 * 12) - 1  # the GIF's frames, the hold as repeated frames
    assert psnr_np(frames[-1][:21], png(t.cwd / "out.png")) > 25


add("paint -o DIRECTORY", "paint {photo} -o out.png", error(1, "is a directory"),
    setup=lambda t: (t.cwd / "out.png").mkdir())


@row("paint --strokes", "paint {photo} --size 32 --strokes 17 --steps 2 -q -o out.json -o out.svg")
def _(t, r):
    s = StrokeSet.load(t.cwd / "out.json")
    assert len(s) == 17 and s.meta["strokes"] == 17
    assert sum(1 for e in svg(t.cwd / "out.svg").iter() if e.tag.endswith("path")) == 17


@row("paint --size", "paint {photo} --size 64 --steps 1 -q -o out.png -o out.json -o out.svg")
def _(t, r):
    s = StrokeSet.load(t.cwd / "out.json")
    assert s.meta["size"] == 64 and len(s) == round(500 * 64 / 256) == 125  # the default count scales too
    small = StrokeSet.load(t.ref("paint {photo} --size 32 --steps 1 -q -o out.json") / "out.json")
    assert small.meta["size"] == 32 and s.widths.mean() < 0.8 * small.widths.mean()  # finer strokes
    assert dims(t.cwd / "out.png") == (48, 32)  # the outputs stay at the photo's size
    assert svg(t.cwd / "out.svg").get("viewBox") == "0 0 48 32"


@row("paint --output-size", "paint {photo} --size 32 --strokes 20 --steps 2 --output-size 100 -q "
     "-o out.png -o out.svg -o out.gif -o out.json")
def _(t, r):
    from painter.image.io import to_uint8

    s = StrokeSet.load(t.cwd / "out.json")
    assert s.meta["size"] == 32 and s.meta["output_size"] == 100
    assert dims(t.cwd / "out.png") == (100, 67) and dims(t.cwd / "out.gif") == (100, 67)
    assert svg(t.cwd / "out.svg").get("viewBox") == "0 0 100 67"
    img = png(t.cwd / "out.png")
    assert psnr_np(img, to_uint8(painter.render(s, 67, 100))) > 40  # the strokes drawn at 100 px, sharp
    blown_up = np.asarray(Image.fromarray(to_uint8(painter.render(s, 21, 32))).resize((100, 67), Image.BICUBIC))
    assert psnr_np(img, blown_up) < 35  # not the 32 px picture magnified


@row("paint --steps", "paint {photo} --size 32 --output-size 32 --strokes 30 --steps 6 -q -o out.png -o out.json")
def _(t, r):
    assert StrokeSet.load(t.cwd / "out.json").meta["steps"] == 6
    placed = t.ref("paint {photo} --size 32 --output-size 32 --strokes 30 --steps 0 -q -o out.png")
    goal = target(t, 32)
    assert psnr_np(png(t.cwd / "out.png"), goal) > psnr_np(png(placed / "out.png"), goal) + 1  # optimized


SEED = "paint {photo} --size 32 --strokes 12 --steps 2 -q -o out.json --seed"


@row("paint --material", f"paint {{photo}} {FAST} --style van_gogh --material ink:paper=0.2 -o out.json -o out.svg")
def _(t, r):
    assert StrokeSet.load(t.cwd / "out.json").meta["material"] == "ink:paper=0.2"
    assert "ink-density" in (t.cwd / "out.svg").read_text()
    own = StrokeSet.load(t.ref(f"paint {{photo}} {FAST} --style van_gogh -o out.json") / "out.json")
    assert own.meta["material"] == "oil"  # default: the style's


add("paint --material BAD", f"paint {{photo}} {FAST} --material clay -o out.png", error(2, "--material"))


@row("paint --seed", SEED + " 7")
def _(t, r):
    data = (t.cwd / "out.json").read_bytes()
    assert json.loads(data)["meta"]["seed"] == 7
    assert data == (t.ref(SEED + " 7") / "out.json").read_bytes()  # the same seed: the same file
    other = StrokeSet.load(t.ref(SEED + " 8") / "out.json")
    assert not torch.equal(StrokeSet.load(t.cwd / "out.json").points, other.points)


@row("paint --preserve-color",
     "paint {photo} --style pop_art --size 32 --output-size 32 --steps 4 --preserve-color -q -o out.png -o out.json")
def _(t, r):
    assert StrokeSet.load(t.cwd / "out.json").meta["options"]["preserve_color"] is True
    styled = t.ref("paint {photo} --style pop_art --size 32 --output-size 32 --steps 4 -q -o out.png")
    goal = target(t, 32)  # the photo's own colours, not pop art's five inks
    kept, moved = chroma_error(png(t.cwd / "out.png"), goal), chroma_error(png(styled / "out.png"), goal)
    assert kept < 0.7 * moved, (kept, moved)


W0 = "paint {photo} --size 32 --strokes 8 --steps 0 -q -o out.json"


@row("paint --weights", W0 + " --style van_gogh --weights {weights}")
def _(t, r):
    assert StrokeSet.load(t.cwd / "out.json").meta["neural_style"] is True and PARTIAL not in r.err
    without = t.ref(W0 + " --style van_gogh")
    assert StrokeSet.load(without / "out.json").meta["neural_style"] is False and PARTIAL not in without.err  # -q


def _neural(expected: bool):
    def check(t, r):
        assert StrokeSet.load(t.cwd / "out.json").meta["neural_style"] is expected
        assert PARTIAL not in r.err

    return check


# 'none' has no VGG loss; a style or content weight turns it on, zero weights turn a preset's off
add("paint --style-weight (turns the VGG loss on)", W0 + " --style-weight 1 --weights {weights}", _neural(True))
add("paint --content-weight (turns the VGG loss on)", W0 + " --content-weight 1 --weights {weights}", _neural(True))
add("paint --style-weight 0 --content-weight 0 (off)",
    W0 + " --style van_gogh --style-weight 0 --content-weight 0 --weights {weights}", _neural(False))

WN = "paint {photo} --size 32 --strokes 8 --steps 1 -q -o out.json --weights {weights}"
WREF = WN + " --style-weight 1 --content-weight 1"


def _vs_ref(differs: str):
    """The run's strokes differ from the reference run with both VGG weights 1; with
    ``differs == "style_loss"`` the first style loss differs too."""

    def check(t, r):
        s, ref = StrokeSet.load(t.cwd / "out.json"), StrokeSet.load(t.ref(WREF) / "out.json")
        assert s.meta["neural_style"] is True and ref.meta["neural_style"] is True
        assert "style_loss" in s.meta and "style_loss" in ref.meta
        assert not torch.equal(s.points, ref.points) or not torch.equal(s.colors, ref.colors)
        if differs == "style_loss":
            assert s.meta["style_loss"]["start"] != pytest.approx(ref.meta["style_loss"]["start"], rel=1e-3)

    return check


add("paint --style-weight 0 vs 1", WN + " --style-weight 0 --content-weight 1", _vs_ref("strokes"))
add("paint --content-weight 0 vs 1", WN + " --style-weight 1 --content-weight 0", _vs_ref("strokes"))
add("paint --style-scale", WREF + " --style-scale 0.5", _vs_ref("style_loss"))

CK = "paint {photo} --size 32 --strokes 16 --steps 6 -q -o out.json"


@row("paint --checkpoint-every", CK + " --checkpoint-every 2", around=ckpt_spy)
def _(t, r):
    assert [step for _, step, _ in t.saves] == [2, 4, 6]
    for path, step, data in t.saves:
        assert path == (t.cwd / "out.ckpt").resolve()  # next to the first output
        doc = torch.load(io.BytesIO(data), weights_only=True)
        assert doc["format"] == "painter.checkpoint" and doc["step"] == step
    assert listing(t.cwd) == ["out.json"]  # removed when the run completed
    assert (t.cwd / "out.json").read_bytes() == (t.ref(CK) / "out.json").read_bytes()  # same painting


@row("paint --checkpoint-every 0 (default)", CK, around=ckpt_spy)
def _(t, r):
    assert t.saves == [] and listing(t.cwd) == ["out.json"]


RS = "paint {photo} --size 32 --strokes 16 --steps 8 --checkpoint-every 3 -o out.json"


def interrupted(t: T) -> None:
    """Interrupt RS with SIGINT after its first checkpoint: status 130, the checkpoint
    kept, and a resume command that is RS plus --resume (which the row runs)."""
    pp = importlib.import_module("painter.engine.run")
    real, sent = pp.save_checkpoint, []

    def spy(path, state):
        real(path, state)
        if not sent:
            sent.append(state["step"])
            os.kill(os.getpid(), signal.SIGINT)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(pp, "save_checkpoint", spy)
        r = t.run(RS)
    assert r.code == 130 and sent == [3], r.err
    last = r.err.strip().splitlines()[-1]
    assert "interrupted at step 3/8" in last, last
    assert shlex.split(last.split("resume with: ")[1]) == ["painter", *t.assets.argv(RS), "--resume", "out.ckpt"]
    shutil.copy(t.cwd / "out.ckpt", t.cwd / "saved.ckpt")


@row("paint --resume", RS + " --resume out.ckpt", setup=interrupted)
def _(t, r):
    whole = t.ref(RS)  # the same run, never interrupted
    assert (t.cwd / "out.json").read_bytes() == (whole / "out.json").read_bytes()
    assert not (t.cwd / "out.ckpt").exists()
    # it went on from step 3, in layer 3: the first two layers (steps 1-2) were not painted again
    assert "layer 1/4:" in whole.err and "layer 2/4:" in whole.err
    assert "layer 1/4:" not in r.err and "layer 2/4:" not in r.err and "polish: step 8/8" in r.err
    # and the strokes come from the checkpoint: change them there, and the painting changes
    doc = torch.load(t.cwd / "saved.ckpt", weights_only=True)
    doc["tensors"]["col"] = 1 - doc["tensors"]["col"]
    torch.save(doc, t.cwd / "tampered.ckpt")
    (t.cwd / "other").mkdir()
    r2 = t.run(RS + f" --resume {t.cwd / 'tampered.ckpt'}", cwd=t.cwd / "other")
    assert r2.code == 0, r2.err
    assert not torch.equal(StrokeSet.load(t.cwd / "other/out.json").colors, StrokeSet.load(whole / "out.json").colors)


@row("paint --device cpu", "paint {photo} --size 32 --strokes 12 --steps 2 -q -o out.json --device cpu",
     around=fake_cuda)
def _(t, r):
    assert StrokeSet.load(t.cwd / "out.json").meta["options"]["device"] == "cpu"
    same = t.ref("paint {photo} --size 32 --strokes 12 --steps 2 -q -o out.json --device cpu")
    assert (t.cwd / "out.json").read_bytes() == (same / "out.json").read_bytes()


@row("paint -q", "paint {photo} --size 32 --strokes 12 --steps 4 -q -o out.json")
def _(t, r):
    assert r.err == "" and r.out == ""
    loud = t.ref("paint {photo} --size 32 --strokes 12 --steps 4 -o out.json")
    assert re.search(r"^layer \d/4: step \d+/4", loud.err, re.M) and "painted 12 strokes" in loud.err
    assert (t.cwd / "out.json").read_bytes() == (loud / "out.json").read_bytes()


# ---------------------------------------------------------------- trace


def bw_png(p) -> np.ndarray:
    """Mean luminance of each third of a traced 48 x 24 picture (edges left out)."""
    g = png(p).mean(2)
    return np.array([g[3:-3, 16 * i + 3:16 * (i + 1) - 3].mean() for i in range(3)])


@row("trace --mode bw --threshold (low)", "trace {thirds} --mode bw --threshold 0.35 -q -o t.png -o t.json")
def _(t, r):
    assert bw_png(t.cwd / "t.png") == pytest.approx([0, 255, 255], abs=2)  # only 0.2 is darker than 0.35
    p = PathSet.load(t.cwd / "t.json")
    assert p.meta["mode"] == "bw" and p.meta["threshold"] == pytest.approx(0.35, abs=1e-6) and len(p) == 1


@row("trace --threshold (high)", "trace {thirds} --mode bw --threshold 0.65 -q -o t.png")
def _(t, r):
    assert bw_png(t.cwd / "t.png") == pytest.approx([0, 0, 255], abs=2)  # 0.2 and 0.5 are ink


@row("trace --invert", "trace {thirds} --mode bw --threshold 0.65 --invert -q -o t.png")
def _(t, r):
    assert bw_png(t.cwd / "t.png") == pytest.approx([255, 255, 0], abs=2)  # the light third is traced


@row("trace --mode color --colors", "trace {photo} --mode color --colors 3 -q -o t.json -o t.svg")
def _(t, r):
    p = PathSet.load(t.cwd / "t.json")
    assert len(p) == 3 and p.meta["colors"] == 3 and p.meta["mode"] == "color"
    fills = {e.get("fill") for e in svg(t.cwd / "t.svg").iter() if e.tag.endswith("path")}
    assert len(fills) == 3
    more = PathSet.load(t.ref("trace {photo} --colors 6 -q -o t.json") / "t.json")
    assert len(more) == 6


@row("trace --prefilter", "trace {noisy} --colors 4 --prefilter -q -o t.json -o t.svg")
def _(t, r):
    plain = t.ref("trace {noisy} --colors 4 -q -o t.json -o t.svg")
    assert PathSet.load(t.cwd / "t.json").meta["prefilter"] is True
    n, n0 = PathSet.load(t.cwd / "t.json").num_curves, PathSet.load(plain / "t.json").num_curves
    assert n < 0.9 * n0, (n, n0)  # fewer specks
    assert (t.cwd / "t.svg").stat().st_size < 0.9 * (plain / "t.svg").stat().st_size  # a smaller file


@row("trace --no-opticurve", "trace {photo} --colors 4 --no-opticurve -q -o t.json")
def _(t, r):
    joined = PathSet.load(t.ref("trace {photo} --colors 4 -q -o t.json") / "t.json")
    exact = PathSet.load(t.cwd / "t.json")
    assert exact.meta["opticurve"] is False and exact.num_curves > 1.1 * joined.num_curves


@row("trace --opttolerance", "trace {photo} --colors 4 --opttolerance 1.0 -q -o t.json")
def _(t, r):
    p = PathSet.load(t.cwd / "t.json")
    default = PathSet.load(t.ref("trace {photo} --colors 4 -q -o t.json") / "t.json")
    assert p.meta["opttolerance"] == 1.0 and p.num_curves < default.num_curves  # looser: more joined


@row("trace --turdsize", "trace {specks} --mode bw --turdsize 10 -q -o t.png")
def _(t, r):
    kept = png(t.ref("trace {specks} --mode bw --turdsize 0 -q -o t.png") / "t.png").mean(2)
    dropped = png(t.cwd / "t.png").mean(2)
    for y, x in SPECKS:  # 9-pixel specks: kept with 0, gone with 10
        assert kept[y, x] < 60 and dropped[y - 2:y + 3, x - 2:x + 3].min() == 255
    assert dropped[10, 10] < 5 and kept[10, 10] < 5  # the big square stays


TURNPOLICIES = ["black", "white", "left", "right", "minority", "majority", "random"]


def _turnpolicy(policy):
    def check(t, r):
        from painter.image.io import load_image
        from painter.trace import trace as api_trace

        p = PathSet.load(t.cwd / "t.json")
        assert p.meta["turnpolicy"] == policy
        assert torch.equal(p.points, api_trace(load_image(t["checker"]), mode="bw", turnpolicy=policy).points)
        if policy == "black":  # on a checkerboard the policies disagree
            white = PathSet.load(t.ref("trace {checker} --mode bw --turnpolicy white -q -o t.json") / "t.json")
            assert p.points.shape != white.points.shape or not torch.equal(p.points, white.points)
            assert p.curve_subpath.max() != white.curve_subpath.max()

    return check


for _p in TURNPOLICIES:
    add(f"trace --turnpolicy {_p}", f"trace {{checker}} --mode bw --turnpolicy {_p} -q -o t.json", _turnpolicy(_p))


@row("trace --alphamax", "trace {disc} --mode bw --alphamax 0 -q -o t.json")
def _(t, r):
    def bulge(p):  # largest distance of a control point from its curve's chord
        pts = p.points
        chord = pts[:, 3] - pts[:, 0]
        off = torch.stack([pts[:, 1] - pts[:, 0], pts[:, 2] - pts[:, 0]], 1)
        return float((chord[:, None, 0] * off[..., 1] - chord[:, None, 1] * off[..., 0]).abs().max())

    assert bulge(PathSet.load(t.cwd / "t.json")) < 1e-5  # a polygon: straight edges only
    assert bulge(PathSet.load(t.ref("trace {disc} --mode bw -q -o t.json") / "t.json")) > 1e-3  # curves


@row("trace --size", "trace {photo} --colors 3 --size 24 -q -o t.png -o t.svg -o t.json")
def _(t, r):
    assert dims(t.cwd / "t.png") == (24, 16)
    assert svg(t.cwd / "t.svg").get("viewBox") == "0 0 24 16"
    assert PathSet.load(t.cwd / "t.json").meta["size"] == 24


@row("trace --seed", "trace {photo} --colors 6 --seed 1 -q -o t.json")
def _(t, r):
    data = (t.cwd / "t.json").read_bytes()
    assert data == (t.ref("trace {photo} --colors 6 --seed 1 -q -o t.json") / "t.json").read_bytes()
    seed0 = PathSet.load(t.ref("trace {photo} --colors 6 -q -o t.json") / "t.json")
    assert not torch.equal(PathSet.load(t.cwd / "t.json").colors, seed0.colors)  # other k-means inks


@row("trace --refine", "trace {photo} --colors 4 --refine 4 -q -o t.json -o t.png")
def _(t, r):
    meta = PathSet.load(t.cwd / "t.json").meta
    assert meta["refine"] == 4 and meta["psnr_refined"] > meta["psnr_traced"]
    plain = t.ref("trace {photo} --colors 4 -q -o t.json -o t.png")
    assert "psnr_refined" not in PathSet.load(plain / "t.json").meta
    goal = png(t["photo"])
    assert psnr_np(png(t.cwd / "t.png"), goal) > psnr_np(png(plain / "t.png"), goal) + 0.3


@row("trace -q", "trace {photo} --colors 3 -q -o t.svg")
def _(t, r):
    assert r.err == "" and r.out == ""
    loud = t.ref("trace {photo} --colors 3 -o t.svg")
    assert re.search(r"traced 3 layers, \d+ curves -> t.svg", loud.err)


@row("trace default output", "trace {photo} --colors 3 -q")
def _(t, r):
    assert listing(t.cwd) == ["photo-traced.svg"]
    assert svg(t.cwd / "photo-traced.svg").get("viewBox") == "0 0 48 32"


@row("trace -o .png", "trace {photo} --colors 4 -q -o t.png -o t.svg")
def _(t, r):
    img = png(t.cwd / "t.png")
    assert img.shape == (32, 48, 3)
    assert psnr_np(img, resvg_render((t.cwd / "t.svg").read_text())) > 30  # the SVG's picture
    goal = png(t["photo"])
    flat = np.broadcast_to(goal.reshape(-1, 3).mean(0), goal.shape)
    assert psnr_np(img, goal) > psnr_np(flat, goal) + 3  # ... of the photo


@row("trace -o .svg", "trace {photo} --colors 4 -q -o t.svg")
def _(t, r):
    root = svg(t.cwd / "t.svg")
    paths = [e for e in root.iter() if e.tag.endswith("path")]
    assert root.get("viewBox") == "0 0 48 32" and len(paths) == 4
    assert all(e.get("fill-rule") == "evenodd" for e in paths)
    assert svg_meta(t.cwd / "t.svg")["colors"] == 4


@row("trace -o .json", "trace {photo} --colors 4 -q -o t.json")
def _(t, r):
    p = PathSet.load(t.cwd / "t.json")
    assert len(p) == 4 and p.problem() is None and p.meta["input"] == "photo.png"
    assert p.meta["options"]["colors"] == 4


@row("trace --device cpu", "trace {photo} --colors 3 --refine 2 --device cpu -q -o t.json", around=fake_cuda)
def _(t, r):
    p = PathSet.load(t.cwd / "t.json")
    assert p.meta["options"]["device"] == "cpu" and "psnr_refined" in p.meta


# ---------------------------------------------------------------- render


@row("render --size", "render {strokes} --size 96 -o big.png -o big.svg")
def _(t, r):
    assert dims(t.cwd / "big.png") == (96, 64)  # the photo's aspect, 48 x 32
    root = svg(t.cwd / "big.svg")
    assert (root.get("width"), root.get("height"), root.get("viewBox")) == ("96", "64", "0 0 96 64")
    assert dims(t.ref("render {strokes} -o d.png") / "d.png") == (48, 32)  # default: the photo's own size (its output's)


@row("render's default size: the painting's own", "render {bigpainting} -o again.png -o again.svg")
def _(t, r):
    assert StrokeSet.load(t["bigpainting"]).meta["size"] == 96  # painted small ...
    assert dims(t.cwd / "again.png") == (2048, 1365)  # ... drawn at its photo's size, as `paint` wrote it
    assert svg(t.cwd / "again.svg").get("viewBox") == "0 0 2048 1365"
    # an animation, drawn once per frame, stays at most 1024 px unless asked
    assert t.run("animate {bigpainting} --seconds 0.5 --hold 0 --fps 2 -o a.gif").code == 0
    assert gif(t.cwd / "a.gif")[0][0].shape == (682, 1024, 3)


# ---------------------------------------------------------------- formats to share and print


def icc(p) -> bytes:
    with Image.open(p) as im:
        return im.info.get("icc_profile", b"")


def srgb(profile: bytes) -> bool:
    from PIL import ImageCms

    return b"sRGB" in ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(io.BytesIO(profile))).encode()


@row("render .jpg of a 2048-px painting", "render {bigpainting} -o p.png -o p.jpg")
def _(t, r):
    a, b = t.cwd / "p.png", t.cwd / "p.jpg"
    assert dims(a) == dims(b) == (2048, 1365)
    ratio, db = b.stat().st_size / a.stat().st_size, psnr_np(png(a), png(b))
    assert ratio <= 0.3 and db >= 36, (ratio, db)  # quality 92: a fraction of the bytes, the same picture
    assert srgb(icc(a)) and srgb(icc(b))


@row("paint -o .jpg -o .webp --quality", "paint {photo} " + FAST.replace("--output-size 32", "--output-size 256")
     + " --quality 40 -o p.jpg -o p.webp -o p.png")
def _(t, r):
    ref = t.ref("paint {photo} " + FAST.replace("--output-size 32", "--output-size 256") + " -o p.jpg -o p.webp -o p.png")
    folder = ref.cwd
    assert png(t.cwd / "p.png").tobytes() == png(folder / "p.png").tobytes()  # the same painting
    for ext in ("jpg", "webp"):
        low, high = t.cwd / f"p.{ext}", folder / f"p.{ext}"
        assert dims(low) == dims(high) == (256, 171) and srgb(icc(low)) and srgb(icc(high))
        assert low.stat().st_size < 0.8 * high.stat().st_size  # quality 40 against the default 92
        assert psnr_np(png(low), png(t.cwd / "p.png")) < psnr_np(png(high), png(t.cwd / "p.png"))
        assert psnr_np(png(high), png(t.cwd / "p.png")) >= 32
    with Image.open(t.cwd / "p.jpg") as im:  # no alpha in a JPEG
        assert im.mode == "RGB"


@row("paint metadata in every output", "paint {photo} " + FAST + " --seed 7 --material oil -o p.png -o p.jpg -o p.webp "
     "-o p.svg -o p.pdf")
def _(t, r):
    want = ["painter " + painter.__version__, "none", "oil", "7", "20"]  # software, style, material, seed, strokes
    with Image.open(t.cwd / "p.png") as im:
        text = dict(im.text)
    assert [text["software"], text["style"], text["material"], text["seed"], text["strokes"]] == want
    for ext in ("jpg", "webp"):
        with Image.open(t.cwd / f"p.{ext}") as im:
            xmp = im.info["xmp"].decode() if isinstance(im.info["xmp"], bytes) else im.info["xmp"]
        found = [re.search(rf"<painter:{k}>([^<]*)<", xmp) for k in ("style", "material", "seed", "strokes")]
        assert [m.group(1) for m in found] == want[1:] and f'CreatorTool="{want[0]}"' in xmp
    root = svg(t.cwd / "p.svg")
    meta = next(e for e in root if e.tag.endswith("metadata"))
    fields = {e.tag.rsplit("}", 1)[1]: e.text for e in meta.iter() if e.text}
    assert [fields["creator"], fields["style"], fields["material"], fields["seed"], fields["strokes"]] == want
    assert next(e for e in root if e.tag.endswith("title")).text == f"painted by {want[0]}"
    assert b"painter " + painter.__version__.encode() in (t.cwd / "p.pdf").read_bytes()  # cairo's Creator


@row("paint --output-size a3 --dpi 150 -o .pdf", "paint {photo} --size 32 --strokes 20 --steps 2 -q "
     "--output-size a3 --dpi 150 -o p.pdf -o p.png -o p.jpg -o p.svg")
def _(t, r):
    facts = pdf_facts(t.cwd / "p.pdf")
    assert facts["page"] == pytest.approx((420 / 25.4 * 72, 297 / 25.4 * 72), abs=0.01)  # A3, landscape as the photo
    assert facts["images"] == 0 and facts["ops"].get("c", 0) + facts["ops"].get("l", 0) > 100  # vector paths only
    assert dims(t.cwd / "p.png") == dims(t.cwd / "p.jpg") == (2480, 1754)  # A3 at 150 dpi
    for ext in ("png", "jpg"):
        with Image.open(t.cwd / f"p.{ext}") as im:
            assert im.info["dpi"] == pytest.approx((150, 150), abs=0.05)  # PNG: dots per metre
    img = png(t.cwd / "p.png")  # the 3:2 picture fitted on the page: white margins above and below
    assert (img[:50] == 255).all() and (img[-50:] == 255).all() and img[60:-60].std() > 10
    root = svg(t.cwd / "p.svg")
    assert (root.get("width"), root.get("height")) == ("420mm", "297mm")
    page = pdftoppm(t.cwd / "p.pdf", 2480, 1754)
    assert psnr_np(page, img) >= 35
    import resvg_py  # the SVG, drawn by resvg at 150 dpi, is the same page

    drawn = Image.open(io.BytesIO(bytes(resvg_py.svg_to_bytes(svg_path=str(t.cwd / "p.svg"), skip_system_fonts=True,
                                                              dpi=150))))
    assert drawn.size == (2480, 1754) and psnr_np(np.asarray(drawn.convert("RGB")), page) >= 35


@row("render --dpi with a length", "render {strokes} --size 30cm --dpi 100 -o x.png -o x.svg -o x.pdf")
def _(t, r):
    assert dims(t.cwd / "x.png") == (1181, 787)  # 30 cm at 100 dpi, the photo's 3:2
    with Image.open(t.cwd / "x.png") as im:
        assert im.info["dpi"] == pytest.approx((100, 100), abs=0.05)
    root = svg(t.cwd / "x.svg")
    assert root.get("width") == "300mm" and root.get("viewBox") == "0 0 1181 787"
    assert pdf_facts(t.cwd / "x.pdf")["page"][0] == pytest.approx(300 / 25.4 * 72, abs=0.01)


@row("render .pdf with a material: one image above the vectors", "render {strokes} --material oil --size 256 "
     "--quality 50 -o o.pdf -o o.png")
def _(t, r):
    facts = pdf_facts(t.cwd / "o.pdf")
    assert facts["images"] == 1 and facts["ops"].get("c", 0) > 10
    assert psnr_np(pdftoppm(t.cwd / "o.pdf", 256, 171), png(t.cwd / "o.png")) >= 30
    # drawn through cairo, what prints is the material's picture exactly, above the flat strokes
    page = pdftoppm(t.cwd / "o.pdf", 256, 171, tool="pdftocairo")
    assert t.run("render {strokes} --material flat --size 256 -o flat.png").code == 0
    assert psnr_np(page, png(t.cwd / "o.png")) >= 50 > psnr_np(page, png(t.cwd / "flat.png"))


def _bare(img: np.ndarray) -> np.ndarray:
    """The bottom right of a 40 x 30 picture of the sparse strokes: no stroke there."""
    return img[14:, 16:].reshape(-1, 3)


@row("render --background COLOR", "render {sparse} --background #ff0000 -o bg.png -o bg.svg")
def _(t, r):
    img = png(t.cwd / "bg.png")
    assert img.shape == (30, 40, 3)
    assert (_bare(img) == [255, 0, 0]).all()
    assert (img[2, 7] == [255, 255, 0]).all()  # the strokes are drawn over it
    rect = next(e for e in svg(t.cwd / "bg.svg").iter() if e.tag.endswith("rect"))
    assert rect.get("fill") == "#ff0000"
    own = png(t.ref("render {sparse} -o bg.png") / "bg.png")
    assert (_bare(own) == [51, 102, 153]).all()  # default: the painting's own colour


@row("render --background NAME", "render {sparse} --background navy -o bg.png")
def _(t, r):
    assert (_bare(png(t.cwd / "bg.png")) == [0, 0, 128]).all()


@row("render --background IMAGE", "render {sparse} --background {bgimg} -o bg.png -o bg.svg")
def _(t, r):
    img = png(t.cwd / "bg.png")
    assert np.abs(img[0:12, 16:].astype(int) - [0, 255, 0]).max() <= 2  # stretched: top green
    assert np.abs(img[18:, 16:].astype(int) - [0, 0, 255]).max() <= 2  # ... bottom blue
    assert (img[2, 7] == [255, 255, 0]).all()
    assert any(e.tag.endswith("image") for e in svg(t.cwd / "bg.svg").iter())  # embedded in the SVG


add("render --background BAD", "render {sparse} --background notacolour -o bg.png", error(2, "--background"))


@row("render --layers (stroke file)", "render {sparse} --layers 1 -o l.png -o l.json")
def _(t, r):
    img = png(t.cwd / "l.png")
    assert (img[6, 7] == [255, 0, 255]).all()  # layer 1
    assert (img[2, 7] == [51, 102, 153]).all() and (img[10, 7] == [51, 102, 153]).all()  # not 0, not 2
    s = StrokeSet.load(t.cwd / "l.json")
    assert s.layer.tolist() == [1]
    src = StrokeSet.load(t["strokes"])
    two = StrokeSet.load(t.ref("render {strokes} --layers 0,2 -o l.json") / "l.json")
    assert set(two.layer.tolist()) == {0, 2} and len(two) == int(((src.layer == 0) | (src.layer == 2)).sum())


@row("render --layers (path file)", "render {paths} --layers 1,2 -o l.json -o l.png")
def _(t, r):
    src, p = PathSet.load(t["paths"]), PathSet.load(t.cwd / "l.json")
    assert len(p) == 2 and torch.equal(p.colors, src.colors[1:3])
    # without layer 0 (the whole canvas) the white paper shows
    white = lambda p: int((png(p) == 255).all(2).sum())  # noqa: E731
    assert white(t.cwd / "l.png") > white(t.ref("render {paths} -o l.png") / "l.png") + 20


add("render --layers out of range (path file)", "render {paths} --layers 0,4 -o l.png", error(2, "0 to 3"))


@row("render -o .json", "render {strokes} -o copy.json")
def _(t, r):
    a, b = StrokeSet.load(t["strokes"]), StrokeSet.load(t.cwd / "copy.json")
    assert a.equal(b) and a.meta == b.meta


@row("render --material", "render {sparse} --material oil:light=90 --size 80 -o m.png -o m.svg")
def _(t, r):
    text = (t.cwd / "m.svg").read_text()
    assert 'azimuth="90"' in text and "<use" in text
    img, flat = png(t.cwd / "m.png"), png(t.ref("render {sparse} --size 80 -o f.png") / "f.png")
    assert (img != flat).any(axis=2).sum() > 20  # lit ridges on the strokes
    assert psnr_np(img, resvg_render(text)) >= 30


add("render --material BAD", "render {sparse} --material oil:gloss=1 -o m.png", error(2, "gloss"))


@row("render --device cpu", "render {strokes} --device cpu -o d.png", around=fake_cuda)
def _(t, r):
    assert np.array_equal(png(t.cwd / "d.png"), png(t.ref("render {strokes} -o d.png") / "d.png"))


# ---------------------------------------------------------------- animate


@row("animate --fps --seconds", "animate {strokes} -o a.gif --fps 5 --seconds 2")
def _(t, r):
    frames, durations, _ = gif(t.cwd / "a.gif")
    assert len(frames) == 5 * 2 + 1  # frame 0 (bare canvas) + fps x seconds
    assert durations[:-1] == [200] * 10 and durations[-1] == 1500


@row("animate --hold", "animate {strokes} -o a.gif --fps 5 --seconds 1 --hold 0.5")
def _(t, r):
    assert gif(t.cwd / "a.gif")[1] == [200] * 5 + [500]


@row("animate --loop 0", "animate {strokes} -o a.gif --loop 0 --strokes-per-frame 8")
def _(t, r):
    assert gif(t.cwd / "a.gif")[2]["loop"] == 0


@row("animate --loop 3", "animate {strokes} -o a.gif --loop 3 --strokes-per-frame 8")
def _(t, r):
    assert gif(t.cwd / "a.gif")[2]["loop"] == 3


@row("animate --background", "animate {sparse} -o a.gif --background #00ff00 --strokes-per-frame 1")
def _(t, r):
    frames = gif(t.cwd / "a.gif")[0]
    assert len(frames) == 4 and (frames[0] == [0, 255, 0]).all() and (_bare(frames[-1]) == [0, 255, 0]).all()
    assert (frames[-1][2, 7] == [255, 255, 0]).all()
    own = gif(t.ref("animate {sparse} -o a.gif --strokes-per-frame 1") / "a.gif")[0]
    assert (own[0] == [51, 102, 153]).all()


@row("animate --material", "animate {sparse} -o a.gif -o a.svg --material watercolor --strokes-per-frame 1")
def _(t, r):
    frames = gif(t.cwd / "a.gif")[0]
    flat = gif(t.ref("animate {sparse} -o a.gif --strokes-per-frame 1") / "a.gif")[0]
    assert len(frames) == len(flat) == 4 and (frames[-1] != flat[-1]).any()  # paper grain, pooled edges
    assert 'filter="url(#wash)"' in (t.cwd / "a.svg").read_text()


@row("animate --size", "animate {sparse} -o a.gif --size 64 --strokes-per-frame 3")
def _(t, r):
    frames = gif(t.cwd / "a.gif")[0]
    assert [f.shape for f in frames] == [(48, 64, 3)] * 2


@row("animate --strokes-per-frame", "animate {strokes} -o a.gif --strokes-per-frame 5")
def _(t, r):
    frames = gif(t.cwd / "a.gif")[0]
    assert len(frames) == 6  # 0, 5, 10, 15, 20, 24 strokes
    assert all(not np.array_equal(a, b) for a, b in zip(frames, frames[1:]))


def _svg_length(p) -> float:
    """Seconds until the last stroke of an animated SVG has drawn itself."""
    text = Path(p).read_text()
    slot = float(re.search(r"animation:painter-draw ([\d.]+)s", text).group(1))
    delays = [float(v) for v in re.findall(r"animation-delay:([\d.]+)s", text)]
    assert len(delays) == 24
    return max(delays) + slot


@row("animate .svg --strokes-per-frame", "animate {strokes} -o a.svg --strokes-per-frame 4 --fps 10")
def _(t, r):
    assert _svg_length(t.cwd / "a.svg") == pytest.approx(24 / 4 / 10, abs=2e-3)  # strokes / spf / fps


@row("animate .svg --seconds", "animate {strokes} -o a.svg --seconds 2")
def _(t, r):
    assert _svg_length(t.cwd / "a.svg") == pytest.approx(2.0, abs=2e-3)
    assert svg(t.cwd / "a.svg").get("viewBox") == "0 0 48 32"  # the painting's output size (its photo's), under 1024


@row("animate .mp4", "animate {strokes} -o a.mp4 --fps 10 --seconds 1 --hold 0.5 --size 40")
def _(t, r):
    from painter.image.io import to_uint8

    meta, frames = mp4(t.cwd / "a.mp4")
    assert meta["size"] == (40, 28) and meta["fps"] == 10  # 40 x 27, padded to even sides for H.264
    assert len(frames) == 10 + 1 + round(0.5 * 10) - 1  # fps x seconds + 1, then the hold
    final = to_uint8(painter.render(StrokeSet.load(t["strokes"]), 27, 40))
    assert psnr_np(frames[-1][:27], final) > 25


@row("animate a path file", "animate {paths} -o a.gif --strokes-per-frame 1")
def _(t, r):
    frames = gif(t.cwd / "a.gif")[0]
    assert len(frames) == 4 + 1  # the paper, then one colour layer per frame
    assert (frames[0] == 255).all()
    assert psnr_np(frames[-1], png(t.ref("render {paths} -o l.png") / "l.png")) > 30


# ---------------------------------------------------------------- styles


@row("styles (list)", "styles")
def _(t, r):
    lines = r.out.strip().splitlines()
    presets = describe_presets()
    assert len(lines) == len(presets) >= 8
    for line, (name, description) in zip(lines, presets):
        assert line.split()[0] == name and line.endswith(description)
    assert r.err == ""


SHEET = "styles --sheet s.png {photo} --size 32 --steps 1"


def sheet_tiles(p, n_tiles: int, tile=(21, 32)) -> list[np.ndarray]:
    """Cut a contact sheet (pad 8, label 18) into its tiles, checking its size."""
    import math

    cols = math.ceil(math.sqrt(n_tiles))
    rows = math.ceil(n_tiles / cols)
    img = png(p)
    h, w = tile
    assert img.shape == (8 + rows * (h + 18 + 8), cols * (w + 8) + 8, 3)
    return [img[8 + (i // cols) * (h + 26):][:h, 8 + (i % cols) * (w + 8):][:, :w] for i in range(n_tiles)]


@row("styles --sheet --size", SHEET)
def _(t, r):
    tiles = sheet_tiles(t.cwd / "s.png", len(preset_names()) + 1)  # the photo and one tile per preset
    assert psnr_np(tiles[0], target(t, 32)) > 40
    for i, a in enumerate(tiles):
        for b in tiles[i + 1:]:
            assert not np.array_equal(a, b)
    named = [line.split(":")[0] for line in r.err.splitlines() if line.endswith(" strokes")]
    assert named == preset_names() and "wrote s.png" in r.err
    assert r.err.count(PARTIAL) == 1  # said once, not once per style


def _sheet_vs_base(same: bool):
    def check(t, r):
        n = len(preset_names()) + 1
        tiles, base = sheet_tiles(t.cwd / "s.png", n), sheet_tiles(t.ref(SHEET) / "s.png", n)
        assert np.array_equal(tiles[0], base[0])  # the photo
        assert [np.array_equal(a, b) for a, b in zip(tiles[1:], base[1:])] == [same] * (n - 1)

    return check


add("styles --steps", "styles --sheet s.png {photo} --size 32 --steps 0", _sheet_vs_base(False))
add("styles --seed", SHEET + " --seed 1", _sheet_vs_base(False))
add("styles --device cpu", SHEET + " --device cpu", _sheet_vs_base(True), around=fake_cuda)


@row("styles -q", SHEET + " -q")
def _(t, r):
    _sheet_vs_base(True)(t, r)
    assert "strokes" not in r.err and "wrote" not in r.err


@row("styles --weights", "styles --sheet s.png {photo} --size 32 --steps 0 --weights {weights} -q")
def _(t, r):
    assert PARTIAL not in r.err and r.err == ""  # the VGG loss was set up for every preset that has one
    assert PARTIAL not in t.ref("styles --sheet s.png {photo} --size 32 --steps 0 -q").err  # -q: no note
    assert PARTIAL in t.ref(SHEET).err  # without -q: the note, once


add("styles --sheet without PHOTO", "styles --sheet s.png", error(2, "needs a PHOTO"))
add("styles PHOTO without --sheet", "styles {photo}", error(2, "only used with --sheet"))
add("styles --sheet not .png", "styles --sheet s.svg {photo}", error(2, "is a .png"))


@row("styles --from -o", "styles --from {painting} -o mine.toml -q")
def _(t, r):
    from painter.style.presets import read_toml
    from painter.style.styles import style_from_dict

    d = read_toml((t.cwd / "mine.toml").read_text(), "mine.toml")
    assert {"brush", "flow", "palette", "layers", "material"} <= set(d)
    style_from_dict(d)  # an editable preset painter reads back
    assert t.run("paint {photo} --style mine.toml --size 32 --steps 2 -q -o p.png").code == 0
    # the painting stays its style image, named relative to the preset; a preset whose
    # painting went missing says so in one line
    from painter.style.styles import load_style

    assert load_style(str(t.cwd / "mine.toml")).image is not None
    (t.cwd / "moved").mkdir()
    (t.cwd / "moved" / "mine.toml").write_text((t.cwd / "mine.toml").read_text())
    bad = t.run("paint {photo} --style moved/mine.toml --size 32 --steps 2 -q -o q.png")
    assert bad.code == 1 and "exemplar image" in bad.err and len(bad.err.strip().splitlines()) == 1, bad.err
    assert not (t.cwd / "q.png").exists()


@row("styles --from (stdout)", "styles --from {painting}")
def _(t, r):
    assert r.out.startswith("# A painter style preset") and "[palette]" in r.out


add("styles --from -o not .toml", "styles --from {painting} -o mine.png", error(2, ".toml"))
add("styles --from a missing painting", "styles --from nowhere.jpg -o mine.toml", error(1, "no such file"))
add("styles --from with --sheet", "styles --from {painting} --sheet s.png {photo}", error(2, "no PHOTO and no --sheet"))

# batch (tests/test_batch.py has the folders, failures and kills)
@row("batch: every paint option", "batch {photo} -o out --format png,json --style none --strokes 20 --size 32 "
     "--steps 2 --seed 1 --material oil --workers 1 -q")
def _(t, r):
    doc = json.loads((t.cwd / "out" / "photo.json").read_text())
    assert doc["meta"]["seed"] == 1 and doc["meta"]["material"].startswith("oil") and len(doc["strokes"]) == 20
    assert (t.cwd / "out" / "photo.png").is_file() and r.err == ""


add("batch --format bmp", "batch {photo} -o out --format png,bmp", error(2, "not a format"))
add("batch: a missing input", "batch nowhere.jpg -o out", error(1, "no such file"))
add("batch --ray nobody there", "batch {photo} -o out --ray 127.0.0.1:9 -q --steps 1", error(1, "cannot reach"))
add("batch --ray not an address", "batch {photo} -o out --ray head-node -q --steps 1", error(1, "HOST:PORT"))

# studio: a server that runs until stopped, so only the ways it refuses to start
# (tests/test_studio.py and test_studio_browser.py run it)
add("studio --port out of range", "studio --no-open --port 70000", error(2, "--port"))
add("studio --workers 0", "studio --no-open --workers 0", error(2, "--workers"))
add("studio --request-timeout 0", "studio --no-open --request-timeout 0", error(2, "--request-timeout"))
add("studio --max-connections 0", "studio --no-open --max-connections 0", error(2, "--max-connections"))
add("studio --max-streams 0", "studio --no-open --max-streams 0", error(2, "--max-streams"))
add("studio --max-pixels 0", "studio --no-open --max-pixels 0", error(2, "--max-pixels"))
add("studio --worker-memory lots", "studio --no-open --worker-memory lots", error(2, "not an amount of memory"))
add("studio --worker-memory too little", "studio --no-open --worker-memory 100M", error(2, "needs to start"))
add("studio --data is a file", "studio --no-open --data {photo}", error(2, "is a file"))
add("studio --data under a file", "studio --no-open --data {photo}/jobs", error(1, "cannot create the data folder"))
add("studio --host it cannot listen on", "studio --no-open --host 203.0.113.7 --port 8765", error(1, "cannot listen"))
add("studio: every network with an empty --token", "studio --no-open --host 0.0.0.0 --token ''", error(1, "--no-token"))
add("studio --token with --no-token", "studio --no-open --token abc --no-token", error(1, "contradict"))
add("studio --token not URL-safe", "studio --no-open --token 'my secret'", error(2, "letters, digits"))
add("studio --allow-host not a name", "studio --no-open --allow-host http://x/", error(2, "not a host name"))


# ----------------------------------------------------------------------------- the test


@pytest.mark.parametrize("row", [pytest.param(r, id=r.id, marks=r.marks) for r in ROWS])
def test_option(row: Row, t: T):
    if row.setup is not None:
        row.setup(t)
    t.before = listing(t.cwd)
    with row.around(t) if row.around is not None else contextlib.nullcontext():
        r = t.run(row.argv)
    if row.code is not None:
        assert r.code == row.code, (r.code, r.err[-3000:], r.exc)
    row.check(t, r)


def _options_used() -> dict[str, set[str]]:
    used: dict[str, set[str]] = {"": set()}
    for r in ROWS:
        toks = shlex.split(r.argv)
        cmd = next((tok for tok in toks if tok in click_group.commands), "")
        used.setdefault(cmd, set())
        where = ""
        for tok in toks:
            if tok == cmd:
                where = cmd
            elif tok.startswith("-"):
                used[where].add(tok.split("=")[0])
    return used


def test_every_option_is_in_the_table():
    used = _options_used()
    missing = [f"{name} {p.opts}" for name, cmd in click_group.commands.items() for p in cmd.params
               if p.param_type_name == "option" and not set(p.opts + p.secondary_opts) & used.get(name, set())]
    missing += [f"painter {p.opts}" for p in click_group.params if not set(p.opts) & used[""]]
    assert not missing, missing
    assert {"-h", "--version", "--debug"} <= used[""]
