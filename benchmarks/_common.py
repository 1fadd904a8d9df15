"""Helpers shared by the benchmark scripts (not a benchmark itself).

Every benchmark prints readable lines while it runs and, as its last line of
stdout, one JSON object: its figures, one {"value", "limit", "pass"} entry per
bar under "bars", and a top-level "pass". It exits 1 when a bar is missed.
"""
from __future__ import annotations

import argparse
import io
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent


def parse_args(description: str, extra: Callable[[argparse.ArgumentParser], None] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--quick", action="store_true", help="reduced run for CI smoke tests (< 60 s)")
    if extra is not None:
        extra(ap)
    return ap.parse_args()


def say(msg: str) -> None:
    print(msg, flush=True)


# -- images -----------------------------------------------------------------------------
def astronaut(size: int = 256) -> np.ndarray:
    """scikit-image's astronaut photo (512x512) resized to size x size, uint8 HxWx3."""
    from skimage import data

    return np.asarray(Image.fromarray(data.astronaut()).resize((size, size), Image.LANCZOS))


def photo(name: str, longer: int) -> np.ndarray:
    """A scikit-image photo (``astronaut``, ``coffee``, ``chelsea``, ...) resized so that
    its longer side is ``longer`` pixels, uint8 HxWx3."""
    from skimage import data

    im = Image.fromarray(getattr(data, name)()).convert("RGB")
    s = longer / max(im.size)
    return np.asarray(im.resize((round(im.width * s), round(im.height * s)), Image.LANCZOS))


def save_png(arr: np.ndarray, path: str | Path) -> Path:
    Image.fromarray(arr).save(path)
    return Path(path)


def read_png(path_or_bytes: str | Path | bytes) -> np.ndarray:
    """An image file (or PNG bytes) as uint8 HxWx3 RGB."""
    src = io.BytesIO(path_or_bytes) if isinstance(path_or_bytes, (bytes, bytearray)) else path_or_bytes
    with Image.open(src) as im:
        return np.asarray(im.convert("RGB"))


def rasterize_svg(svg: str) -> bytes:
    """PNG bytes of ``svg`` drawn by resvg at the size the SVG declares."""
    import resvg_py

    return bytes(resvg_py.svg_to_bytes(svg_string=svg, skip_system_fonts=True))


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    """PSNR in dB of two uint8 images of the same shape (peak 255)."""
    if a.shape != b.shape:
        raise ValueError(f"PSNR of images of different shapes {a.shape} and {b.shape}")
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return math.inf if mse == 0 else 10 * math.log10(255.0**2 / mse)


def luma(img: np.ndarray) -> np.ndarray:
    """Rec. 601 luma of an HxWx3 picture, float64, on the picture's own scale."""
    return img[..., :3].astype(np.float64) @ np.array([0.299, 0.587, 0.114])


def luma_ssim(a: np.ndarray, b: np.ndarray, data_range: float = 255.0) -> float:
    """SSIM of the lumas of two HxWx3 pictures of one size (values up to ``data_range``)."""
    from skimage.metrics import structural_similarity

    return float(structural_similarity(luma(a), luma(b), data_range=data_range))


def luma_ssim_at(a: np.ndarray, b: np.ndarray, longer: int = 512) -> float:
    """SSIM of the lumas of two uint8 HxWx3 pictures, each resized (Lanczos) so that
    its longer side is ``longer`` px: how well a painting of any size reads as its photo."""
    def at(x: np.ndarray) -> np.ndarray:
        im = Image.fromarray(x)
        s = longer / max(im.size)
        return np.asarray(im.resize((round(im.width * s), round(im.height * s)), Image.LANCZOS))

    return luma_ssim(at(a), at(b))


#: the LBP frontal-face cascade's search, as scikit-image's own example runs it
FACE_SEARCH = dict(scale_factor=1.2, step_ratio=1, min_size=(60, 60), max_size=(123, 123))


def faces(img: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Frontal faces in a uint8 HxWx3 picture as (x, y, width, height) boxes:
    scikit-image's LBP cascade (the model it ships), searched as :data:`FACE_SEARCH`."""
    from skimage import data
    from skimage.feature import Cascade

    found = Cascade(data.lbp_frontal_face_cascade_filename()).detect_multi_scale(img=img, **FACE_SEARCH)
    return [(d["c"], d["r"], d["width"], d["height"]) for d in found]


def box_iou(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    """Intersection over union of two (x, y, width, height) boxes."""
    w = max(0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    h = max(0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    inter = w * h
    return inter / (a[2] * a[3] + b[2] * b[3] - inter)


def texture(img: np.ndarray) -> float:
    """Mean absolute Laplacian of the luma of an HxWx3 picture (on its own scale):
    how much fine texture it shows."""
    y = luma(img)
    return float(np.abs(4 * y[1:-1, 1:-1] - y[:-2, 1:-1] - y[2:, 1:-1] - y[1:-1, :-2] - y[1:-1, 2:]).mean())


def hwc(img) -> np.ndarray:
    """A [3,H,W] tensor as an HxWx3 numpy array (values kept)."""
    return img.detach().cpu().permute(1, 2, 0).numpy()


# -- timing and processes ---------------------------------------------------------------------
def median_time(fn: Callable[[], object], repeats: int, warmup: int = 1) -> float:
    """Median wall time in seconds of ``repeats`` calls of ``fn`` (after ``warmup`` calls)."""
    if repeats < 5:
        raise ValueError("quote medians of at least 5 runs")
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def painter_cmd() -> list[str]:
    """The ``painter`` command of this interpreter's environment."""
    exe = Path(sys.executable).parent / "painter"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "painter.cli"]


def run_cli(args: list[str], cwd: str | Path | None = None) -> float:
    """Run ``painter ARGS``; return its wall time in seconds. Fails loudly on error."""
    cmd = painter_cmd() + [str(a) for a in args]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=1800)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise RuntimeError(f"`{' '.join(cmd)}` exited with status {proc.returncode}: "
                           + " ".join(proc.stderr.split())[-300:])
    return wall


#: runs argv[1:] once and prints "wall_s maxrss_kb exit" of that child alone: a forked
#: child's peak RSS starts from its parent's size, so the parent is a bare interpreter
#: (python -I -S), not the benchmark with numpy loaded; stderr passes through
LAUNCHER = """
import os, sys, time
t0 = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.dup2(os.open(os.devnull, os.O_RDWR), 0)
    os.dup2(os.open(os.devnull, os.O_RDWR), 1)
    os.execv(sys.argv[1], sys.argv[1:])
_, status, usage = os.wait4(pid, 0)
print(time.perf_counter() - t0, usage.ru_maxrss, os.waitstatus_to_exitcode(status))
"""


def run_measured(cmd: list[str], timeout: float = 1800, check: bool = False) -> dict:
    """Run ``cmd`` once as its own process: wall seconds, peak RSS in MB (that child's
    ru_maxrss, from wait4), exit status and stderr; with ``check``, a non-zero exit
    raises RuntimeError with the end of stderr."""
    r = subprocess.run([sys.executable, "-I", "-S", "-c", LAUNCHER, *[str(c) for c in cmd]], capture_output=True,
                       check=False, text=True, timeout=timeout)
    wall, kb, code = r.stdout.split()
    if check and int(code) != 0:
        raise RuntimeError(f"`{' '.join(str(c) for c in cmd)}` exited with {code}: {r.stderr[-300:]}")
    return {"wall_s": float(wall), "peak_rss_mb": int(kb) / 1024, "exit": int(code), "stderr": r.stderr}


def measure_runs(cmd: list[str], repeats: int, timeout: float = 300, check: bool = False) -> dict:
    """``cmd`` run ``repeats`` times as its own process (:func:`run_measured`), after
    one warm-up run (page cache, .pyc files): the median wall seconds, the largest
    peak RSS (MB), the exit statuses and the last stderr; with ``check``, a failed
    run raises."""
    walls, rss, codes, err = [], [], set(), ""
    for i in range(repeats + 1):
        r = run_measured(cmd, timeout=timeout, check=check)
        err = r["stderr"]
        if i == 0:
            continue
        walls.append(r["wall_s"])
        rss.append(r["peak_rss_mb"])
        codes.add(r["exit"])
    return {"median_wall_s": round(statistics.median(walls), 4), "peak_rss_mb": round(max(rss), 1),
            "exit": sorted(codes), "stderr": err.strip()}


def machine() -> dict:
    """What ran the benchmark. Timings on a small shared machine are only as good as its
    idleness: a busy neighbour (see loadavg_1m) can slow torch's threads several-fold."""
    import torch

    return {"python": platform.python_version(), "torch": torch.__version__, "threads": torch.get_num_threads(),
            "cpus": os.cpu_count(), "cuda": torch.cuda.is_available(), "loadavg_1m": os.getloadavg()[0]}


# -- bars and the final JSON line --------------------------------------------------------------
def bar(value: float, limit: float, at_most: bool = True, unit: str = "") -> dict:
    ok = value <= limit if at_most else value >= limit
    return {"value": round(value, 4), "limit": limit, "op": "<=" if at_most else ">=", "unit": unit, "pass": ok}


def finish(name: str, quick: bool, figures: dict, bars: dict[str, dict]) -> None:
    """Print the bars, then the JSON line (last line of stdout); exit 1 if a bar is missed."""
    for key, b in bars.items():
        say(f"bar {key}: {b['value']:.4g}{b['unit']} {b['op']} {b['limit']}{b['unit']} -> "
            f"{'PASS' if b['pass'] else 'FAIL'}")
    ok = all(b["pass"] for b in bars.values())
    print(json.dumps({"benchmark": name, "quick": quick, "machine": machine(), **figures,
                      "bars": bars, "pass": ok}), flush=True)
    sys.exit(0 if ok else 1)


def run_benchmark(name: str, main: Callable[[], None]) -> None:
    """Run ``main``; should it fail, still end stdout with a JSON line (pass: false), exit 2."""
    try:
        main()
    except Exception as e:  # noqa: BLE001 - the JSON line must come out whatever broke
        import traceback

        traceback.print_exc()
        print(json.dumps({"benchmark": name, "quick": "--quick" in sys.argv, "error": f"{type(e).__name__}: {e}",
                          "bars": {}, "pass": False}), flush=True)
        sys.exit(2)
