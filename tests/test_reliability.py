"""Interrupted runs resume; killed runs never leave partial outputs; odd but valid
inputs paint (issue 6)."""
import json
import os
import random
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from PIL import Image

from painter import StrokeSet
from painter.cli import main

from .conftest import psnr_np, run_cli

RUN = ("--size", "96", "--strokes", "300", "--steps", "240", "--seed", "11")


def _start(*args, cwd):
    return subprocess.Popen([sys.executable, "-m", "painter", *map(str, args)], cwd=cwd, stderr=subprocess.PIPE,
                            stdout=subprocess.DEVNULL, text=True)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_interrupt_saves_checkpoint_and_resume_matches_uninterrupted(photo_file, tmp_path, sig):
    ref = tmp_path / "ref.png"
    assert run_cli("paint", photo_file, *RUN, "-q", "-o", ref).returncode == 0
    out, strokes = tmp_path / "out.png", tmp_path / "out.json"
    proc = _start("paint", photo_file, *RUN, "-o", out, "-o", strokes, cwd=tmp_path)
    lines = []
    for line in proc.stderr:  # stage lines come as the run goes; stop it in its second layer
        lines.append(line)
        if line.startswith("layer 1/"):
            break
    proc.send_signal(sig)
    rest = proc.stderr.read()
    assert proc.wait(timeout=120) == 130, rest
    last = rest.strip().splitlines()[-1]
    assert "checkpoint saved to" in last and "--resume" in last and "Traceback" not in rest
    ckpt = tmp_path / "out.ckpt"
    assert ckpt.is_file() and not out.exists() and not strokes.exists()
    # the printed command resumes the run
    cmd = last.split("resume with: ", 1)[1].split()
    assert cmd[0] == "painter" and cmd[-2:] == ["--resume", str(ckpt)]
    r = subprocess.run([sys.executable, "-m", "painter", *cmd[1:], "-q"], cwd=tmp_path, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert not ckpt.exists()  # removed once the run is complete
    a, b = (np.asarray(Image.open(p).convert("RGB")) for p in (ref, out))
    assert psnr_np(a, b) >= 40
    done = StrokeSet.load(strokes)
    assert len(done) == 300 and done.meta["options"]["seed"] == 11


def test_checkpoint_every_n_steps_and_resume_in_process(tmp_path):
    import torch

    from painter.checkpoint import CheckpointError
    from painter.paint import paint

    from .conftest import photo

    img = torch.tensor(photo("coffee", 64)).permute(2, 0, 1).float() / 255
    kw = dict(strokes=80, size=64, steps=30, seed=2)
    full = paint(img, **kw)
    seen = []
    ck = tmp_path / "run.ckpt"

    def stop_at_13(step, strokes, image):
        seen.append(ck.exists())
        return step < 13  # a callback that stops the run: the last periodic checkpoint is at step 10

    paint(img, checkpoint=ck, checkpoint_every=5, callback=stop_at_13, **kw)
    assert seen[3] is False and seen[4] is True  # first written after step 5
    resumed = paint(img, resume=ck, **kw)
    assert resumed.strokes.equal(full.strokes)
    assert resumed.history == full.history
    with pytest.raises(CheckpointError, match="another image or other options"):
        paint(img, resume=ck, **{**kw, "seed": 3})


def _complete(path):
    """Open an output file fully as its format; raise if it is partial."""
    ext = path.suffix
    if ext == ".png":
        Image.open(path).load()
    elif ext == ".gif":
        im = Image.open(path)
        for i in range(im.n_frames):
            im.seek(i)
            im.load()
    elif ext == ".svg":
        ET.parse(path)
    elif ext == ".json":
        StrokeSet.load(path)


@pytest.mark.slow
def test_sigkill_at_random_moments_never_leaves_partial_outputs(photo_file, tmp_path):
    src = tmp_path / "s.json"
    StrokeSet.random(3000, seed=4).save(src)
    names = ("k.png", "k.svg", "k.json", "k.gif")
    jobs = [
        ["paint", photo_file, "--size", "64", "--strokes", "200", "--steps", "20", "-q"],
        ["render", src, "--size", "1536"],
    ]
    rng = random.Random(6)
    for i in range(12):
        args = jobs[i % 2] + sum((["-o", tmp_path / n] for n in names if not (i % 2 and n.endswith(".gif"))), [])
        for n in names:
            (tmp_path / n).unlink(missing_ok=True)
        proc = subprocess.Popen([sys.executable, "-m", "painter", *map(str, args)], cwd=tmp_path,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(1.5, 7.0))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        for n in names:
            p = tmp_path / n
            if p.exists():
                _complete(p)
        # temporary files are hidden and the next write of the same output clears them
        assert all(f.startswith(".") for f in os.listdir(tmp_path) if f.endswith(".tmp"))
    r = run_cli("render", src, "--size", "64", *sum((["-o", tmp_path / n] for n in names[:3]), []))
    assert r.returncode == 0, r.stderr
    assert not [f for f in os.listdir(tmp_path) if f.endswith(".tmp") and not f.startswith(".k.gif")]


def _odd_image(tmp, kind):
    rng = np.random.default_rng(1)
    rgb = (rng.random((30, 40, 3)) * 255).astype(np.uint8)
    im = Image.fromarray(rgb)
    if kind == "exif":
        exif = Image.Exif()
        exif[0x0112] = 6  # shown rotated 90 degrees clockwise
        im.save(tmp / "in.jpg", exif=exif)
        return tmp / "in.jpg", (40, 30)
    if kind == "gif":
        frames = [im.convert("P"), Image.fromarray(255 - rgb).convert("P")]
        frames[0].save(tmp / "in.gif", save_all=True, append_images=frames[1:])
        return tmp / "in.gif", (30, 40)
    if kind == "1x1":
        Image.new("RGB", (1, 1), (200, 30, 30)).save(tmp / "in.png")
        return tmp / "in.png", (1, 1)
    if kind == "3x500":
        Image.fromarray((rng.random((500, 3, 3)) * 255).astype(np.uint8)).save(tmp / "in.png")
        return tmp / "in.png", (500, 3)
    mode = {"gray": "L", "LA": "LA", "P": "P", "RGBA": "RGBA", "CMYK": "CMYK", "16-bit": "I;16"}[kind]
    conv = im.convert("L").convert("I;16") if mode == "I;16" else im.convert(mode)
    ext = "jpg" if mode == "CMYK" else "png"
    conv.save(tmp / f"in.{ext}")
    return tmp / f"in.{ext}", (30, 40)


@pytest.mark.parametrize("kind", ["gray", "LA", "P", "RGBA", "CMYK", "16-bit", "exif", "gif", "1x1", "3x500"])
def test_valid_but_unusual_images_paint(tmp_path, capsys, kind):
    src, (h, w) = _odd_image(tmp_path, kind)
    out = tmp_path / "o.png"
    try:
        main(["paint", str(src), "--size", "16", "--strokes", "6", "--steps", "3", "-q", "-o", str(out),
              "-o", str(tmp_path / "o.json")])
    except SystemExit as e:
        pytest.fail(f"exit {e.code}: {capsys.readouterr().err}")
    got = Image.open(out).size  # (w, h), longer side 16, orientation upright
    scale = 16 / max(h, w)
    assert got == (max(1, round(w * scale)), max(1, round(h * scale)))
    meta = json.loads((tmp_path / "o.json").read_text())["meta"]
    assert meta["seed"] == 0 and meta["options"]["steps"] == 3
