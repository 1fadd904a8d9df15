"""Export fidelity: the SVG that `painter paint` writes, drawn by resvg, against its PNG.

Paints the astronaut photo (256x256) with the CLI, writing out.svg and out.png,
rasterizes out.svg with resvg and reports the PSNR between the two pictures.
Bar: PSNR >= 38 dB. --quick paints fewer strokes with fewer steps.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

from _common import (
    astronaut, bar, finish, parse_args, psnr, rasterize_svg, read_png, run_benchmark, run_cli,
    save_png, say,
)

PSNR_MIN = 38.0


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    strokes, steps = (200, 30) if args.quick else (500, 240)
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        photo = save_png(astronaut(256), d / "photo.png")
        say(f"painting {photo.name} (256x256): {strokes} strokes, {steps} steps ...")
        wall = run_cli(["paint", photo, "--style", "none", "--strokes", strokes, "--size", 256, "--steps", steps,
                        "--seed", 0, "-o", d / "out.svg", "-o", d / "out.png", "--quiet"])
        svg = (d / "out.svg").read_text()
        ours, theirs = read_png(d / "out.png"), read_png(rasterize_svg(svg))
    db = psnr(theirs, ours)
    diff = abs(ours.astype(int) - theirs.astype(int))
    say(f"painted in {wall:.1f} s; SVG {len(svg) / 1024:.0f} KB; resvg vs out.png ({ours.shape[1]}x{ours.shape[0]}): "
        f"PSNR {db:.2f} dB, max |diff| {diff.max()}/255, {100 * (diff.max(2) > 8).mean():.2f}% pixels off by > 8")
    figures = {"strokes": strokes, "steps": steps, "size": 256, "paint_wall_s": wall, "psnr_db": db,
               "max_abs_diff": int(diff.max()), "pct_pixels_diff_gt8": float(100 * (diff.max(2) > 8).mean())}
    finish("fidelity", args.quick, figures, {"psnr_db": bar(db, PSNR_MIN, at_most=False, unit=" dB")})


if __name__ == "__main__":
    run_benchmark("fidelity", main)
