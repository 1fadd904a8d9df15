"""Batch throughput (issue 15, bar 3): does `painter batch --workers 2` finish a batch
of 16 images in <= 0.65x the time of `--workers 1` on this machine?

16 photos (the four scikit-image photos, each at four sizes from 320 to 512 px) are
painted with `--style none` at 240 steps into PNG and JSON, once with one worker and
once with two, each into a fresh folder, through the real command (each worker takes
half the machine's cores as torch threads). The stroke files of the two runs must be
byte-identical. Bar: wall(workers 2) / wall(workers 1) <= 0.65. --quick: 4 images, 60 steps.
"""
from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import bar, finish, parse_args, photo, run_benchmark, save_png, say

PHOTOS = ("astronaut", "chelsea", "coffee", "rocket")
SIZES = (320, 384, 448, 512)
RATIO_MAX = 0.65


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    steps = 60 if args.quick else 240
    sizes = SIZES[:1] if args.quick else SIZES
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "photos"
        folder.mkdir()
        for name in PHOTOS:
            for s in sizes:
                save_png(photo(name, s), folder / f"{name}-{s}.png")
        walls = {}
        for workers in (1, 2):
            out = Path(tmp) / f"out{workers}"
            start = time.perf_counter()
            r = subprocess.run([sys.executable, "-m", "painter", "batch", str(folder), "-o", str(out), "-q",
                                "--format", "png,json", "--steps", str(steps), "--workers", str(workers)],
                               capture_output=True, text=True)
            walls[workers] = time.perf_counter() - start
            if r.returncode != 0:
                raise RuntimeError(f"painter batch --workers {workers} failed: {r.stderr[-500:]}")
            say(f"--workers {workers}: {walls[workers]:.1f} s for {len(PHOTOS) * len(sizes)} images")
        ones, twos = (sorted((Path(tmp) / f"out{w}").glob("*.json")) for w in (1, 2))
        same = len(ones) == len(twos) > 0 and all(a.read_bytes() == b.read_bytes() for a, b in zip(ones, twos))
    ratio = walls[2] / walls[1]
    figures = {"images": len(PHOTOS) * len(sizes), "steps": steps, "workers1_s": round(walls[1], 2),
               "workers2_s": round(walls[2], 2), "ratio": round(ratio, 3), "stroke_files_identical": same}
    bars = {"ratio": bar(ratio, RATIO_MAX), "identical_stroke_files": bar(float(same), 1.0, at_most=False)}
    finish("batch_scaling", args.quick, figures, bars)


if __name__ == "__main__":
    run_benchmark("batch_scaling", main)
