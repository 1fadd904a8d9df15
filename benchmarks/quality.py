"""Painting quality and speed: `painter paint` on the astronaut photo, 500 strokes.

Runs the CLI as a subprocess on the photo resized to 256x256 (default steps),
timing the whole process (start-up and export included), and scores out.png by
PSNR against that 256x256 photo. Medians of 3 runs (--quick: 1).
Bars: PSNR >= 24.5 dB, median wall time <= 15 s.
"""
from __future__ import annotations

import statistics
import tempfile
from pathlib import Path

from _common import (
    astronaut, bar, finish, parse_args, psnr, read_png, run_benchmark, run_cli, save_png, say,
)

STROKES, PSNR_MIN, WALL_MAX = 500, 24.5, 15.0
PRIMITIVE = "fogleman/primitive: 21.5 dB with 500 triangles in 31 s on this machine"


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    runs = 1 if args.quick else 3
    photo_arr = astronaut(256)
    walls, dbs = [], []
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        photo = save_png(photo_arr, d / "photo.png")
        for i in range(runs):
            wall = run_cli(["paint", photo, "--style", "none", "--strokes", STROKES,
                            "-o", d / "out.png", "-o", d / "out.json", "--quiet"])
            db = psnr(read_png(d / "out.png"), photo_arr)
            walls.append(wall)
            dbs.append(db)
            say(f"run {i + 1}/{runs}: {STROKES} strokes, PSNR {db:.2f} dB, wall {wall:.2f} s")
    wall, db = statistics.median(walls), statistics.median(dbs)
    say(f"median: PSNR {db:.2f} dB, wall {wall:.2f} s   (for scale, {PRIMITIVE})")
    figures = {"strokes": STROKES, "size": 256, "runs": runs, "psnr_db": db, "wall_s": wall,
               "psnr_runs": dbs, "wall_runs": walls, "reference": PRIMITIVE}
    finish("quality", args.quick, figures, {"psnr_db": bar(db, PSNR_MIN, at_most=False, unit=" dB"),
                                            "wall_s": bar(wall, WALL_MAX, unit=" s")})


if __name__ == "__main__":
    run_benchmark("quality", main)
