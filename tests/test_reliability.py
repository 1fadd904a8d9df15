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

from .conftest import Lines, psnr_np, run_cli

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
    lines = Lines(proc, proc.stderr)
    lines.wait_for("layer 1/")  # stage lines come as the run goes; stop it in its second layer
    proc.send_signal(sig)
    rest = lines.rest()
    assert proc.wait(timeout=120) == 130, rest
    last = rest.strip().splitlines()[-1]
    assert "checkpoint saved to" in last and "--resume" in last and "Traceback" not in rest
    ckpt = tmp_path / "out.ckpt"
    assert ckpt.is_file() and not out.exists() and not strokes.exists()
    # the printed command resumes the run
    cmd = last.split("resume with: ", 1)[1].split()
    assert cmd[0] == "painter" and cmd[-2:] == ["--resume", str(ckpt)]
    r = subprocess.run([sys.executable, "-m", "painter", *cmd[1:], "-q"], cwd=tmp_path, capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr
    assert not ckpt.exists()  # removed once the run is complete
    a, b = (np.asarray(Image.open(p).convert("RGB")) for p in (ref, out))
    assert psnr_np(a, b) >= 40
    done = StrokeSet.load(strokes)
    assert len(done) == 300 and done.meta["options"]["seed"] == 11


def test_checkpoint_every_n_steps_and_resume_in_process(tmp_path):
    import torch

    from painter.engine.checkpoint import CheckpointError
    from painter.engine.run import paint

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


def _busy_outputs(folder, names, pid: int) -> list[str]:
    """The outputs that process ``pid`` has finished or is writing (its hidden
    ``.NAME.PID.*.tmp`` files; those of processes killed before are left out)."""
    return [f for f in os.listdir(folder)
            if f in names or any(f.startswith(f".{n}.{pid}.") and f.endswith(".tmp") for n in names)]


def _kill_at(proc, phase: str, lines, folder, names, rng) -> str:
    """SIGKILL ``proc`` in ``phase``: "painting" (after a progress line, before any output
    is begun) or "export" (while an output is being written: the k-th one, k random).
    Returns what was under way at the kill; fails if the process had already ended."""
    if phase == "painting":
        lines.wait_for("layer 1/")  # torch imported, photo loaded, the optimizer under way
        time.sleep(rng.uniform(0.0, 0.4))
    else:
        k = rng.randrange(len(names))  # wait until the k-th output (in writing order) is begun
        deadline = time.monotonic() + 240
        while len(_busy_outputs(folder, names, proc.pid)) <= k and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.002)
        if k < len(names) - 1:
            time.sleep(rng.uniform(0.0, 0.03))
    under_way = "export" if _busy_outputs(folder, names, proc.pid) else "painting"
    assert proc.poll() is None, f"the run ended before the kill meant for {phase}"
    proc.send_signal(signal.SIGKILL)
    assert proc.wait(timeout=60) == -signal.SIGKILL
    return under_way


@pytest.mark.slow
def test_sigkill_at_random_moments_never_leaves_partial_outputs(photo_file, tmp_path):
    src = tmp_path / "s.json"
    StrokeSet.random(3000, seed=4).save(src)
    names = ("k.png", "k.svg", "k.json", "k.gif")
    jobs = [  # (arguments, outputs in the order they are written, where to kill)
        (["paint", photo_file, "--size", "64", "--strokes", "200", "--steps", "60"], names, "painting"),
        (["paint", photo_file, "--size", "64", "--strokes", "200", "--steps", "60"], names, "export"),
        (["render", src, "--size", "1536"], names[:3], "export"),
    ]
    rng = random.Random(6)
    landed = []
    for i in range(12):
        args, outs, phase = jobs[i % 3]
        for n in names:
            (tmp_path / n).unlink(missing_ok=True)
        proc = subprocess.Popen([sys.executable, "-m", "painter", *map(str, args),
                                 *sum((["-o", tmp_path / n] for n in outs), [])],
                                cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        landed.append((phase, _kill_at(proc, phase, Lines(proc, proc.stderr), tmp_path, outs, rng)))
        for n in outs:
            p = tmp_path / n
            if p.exists():
                _complete(p)
        # temporary files are hidden and the next write of the same output clears them
        assert all(f.startswith(".") for f in os.listdir(tmp_path) if f.endswith(".tmp"))
    assert all(meant == got for meant, got in landed), landed
    r = run_cli("render", src, "--size", "64", *sum((["-o", tmp_path / n] for n in names[:3]), []))
    assert r.returncode == 0, r.stderr
    assert not [f for f in os.listdir(tmp_path) if f.endswith(".tmp") and not f.startswith(".k.gif")]


def _odd_image(tmp, kind):
    """A file of the given kind and the RGB picture (uint8 [H,W,3]) it must load as:
    a warm left half, a cool right half, a gradient across, so every channel, every
    orientation and a wrong frame or scaling shows."""
    y, x = np.mgrid[0:30, 0:40]
    rgb = np.where((x < 20)[..., None], [200, 60, 40], [30, 90, 210]) + (y * 1.5)[..., None]
    rgb = rgb.clip(0, 255).astype(np.uint8)
    im = Image.fromarray(rgb)
    if kind == "exif":
        exif = Image.Exif()
        exif[0x0112] = 6  # shown rotated 90 degrees clockwise
        im.save(tmp / "in.jpg", exif=exif, quality=95)
        return tmp / "in.jpg", np.rot90(rgb, -1)
    if kind == "gif":
        frames = [im.convert("P"), Image.fromarray(255 - rgb).convert("P")]
        frames[0].save(tmp / "in.gif", save_all=True, append_images=frames[1:])
        return tmp / "in.gif", np.asarray(frames[0].convert("RGB"))  # the first frame
    if kind == "1x1":
        Image.new("RGB", (1, 1), (200, 30, 30)).save(tmp / "in.png")
        return tmp / "in.png", np.array([[[200, 30, 30]]], np.uint8)
    if kind == "3x500":
        tall = np.repeat(np.linspace(0, 255, 500)[:, None, None], 3, 1).repeat(3, 2).astype(np.uint8)
        tall[..., 2] = 255 - tall[..., 2]
        Image.fromarray(tall).save(tmp / "in.png")
        return tmp / "in.png", tall
    if kind == "16-bit":  # a real 16-bit file: luma * 257, so 65535 is white
        luma = np.asarray(im.convert("L"))
        Image.fromarray(luma.astype(np.uint16) * 257).save(tmp / "in.png")
        return tmp / "in.png", np.repeat(luma[..., None], 3, 2)
    if kind in ("LA", "RGBA"):  # the right half transparent: white shows there
        alpha = np.where(x < 20, 255, 0).astype(np.uint8)
        base = np.asarray(im.convert("L"))[..., None] if kind == "LA" else rgb
        Image.fromarray(np.dstack([base, alpha]), kind).save(tmp / "in.png")
        want = np.where((x < 20)[..., None], np.broadcast_to(base, rgb.shape), 255)
        return tmp / "in.png", want.astype(np.uint8)
    mode = {"gray": "L", "P": "P", "CMYK": "CMYK"}[kind]
    conv = im.convert(mode)
    ext = "jpg" if mode == "CMYK" else "png"
    conv.save(tmp / f"in.{ext}", **({"quality": 95} if ext == "jpg" else {}))
    return tmp / f"in.{ext}", np.asarray(conv.convert("RGB"))


@pytest.mark.parametrize("kind", ["gray", "LA", "P", "RGBA", "CMYK", "16-bit", "exif", "gif", "1x1", "3x500"])
def test_valid_but_unusual_images_paint(tmp_path, capsys, kind):
    from painter.image.io import load_image

    src, want = _odd_image(tmp_path, kind)
    h, w = want.shape[:2]
    lossy = src.suffix == ".jpg"
    got = np.asarray(load_image(src).permute(1, 2, 0)) * 255
    assert got.shape == want.shape
    assert np.abs(got - want).mean() < (4 if lossy else 0.51), "the file loaded as other pixels"

    out = tmp_path / "o.png"
    try:
        main(["paint", str(src), "--size", "16", "--output-size", "16", "--strokes", "30", "--steps", "12", "-q",
              "-o", str(out), "-o", str(tmp_path / "o.json")])
    except SystemExit as e:
        pytest.fail(f"exit {e.code}: {capsys.readouterr().err}")
    painted = Image.open(out).convert("RGB")  # (w, h), longer side 16, orientation upright
    scale = 16 / max(h, w)
    assert painted.size == (max(1, round(w * scale)), max(1, round(h * scale)))
    small = np.asarray(Image.fromarray(want).resize(painted.size, Image.BOX))
    assert psnr_np(np.asarray(painted), small) > 24, "the painting does not show the picture"  # 29-37 dB here
    meta = json.loads((tmp_path / "o.json").read_text())["meta"]
    assert meta["seed"] == 0 and meta["options"]["steps"] == 12
