"""Export fidelity: the SVG that `painter paint` writes, drawn by resvg, against its PNG.

Paints the astronaut photo with the CLI at a working size of 256 px, writing out.svg
and out.png at the default output size (the photo's own), rasterizes out.svg with
resvg and reports the PSNR between the two pictures; once for the photo at 256x256
(outputs at the working size) and once at 512x512 (outputs at twice the working
size, drawn from the vectors). Bar: PSNR >= 38 dB for each. --quick paints fewer
strokes with fewer steps.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

from _common import (
    astronaut, bar, finish, parse_args, psnr, rasterize_svg, read_png, run_benchmark, run_cli,
    save_png, say,
)

PSNR_MIN = 38.0
PHOTO_SIZES = (256, 512)


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    strokes, steps = (200, 30) if args.quick else (500, 240)
    figures, bars = {"strokes": strokes, "steps": steps, "size": 256}, {}
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        for px in PHOTO_SIZES:
            photo = save_png(astronaut(px), d / "photo.png")
            say(f"painting {photo.name} ({px}x{px}) at 256 px: {strokes} strokes, {steps} steps ...")
            wall = run_cli(["paint", photo, "--style", "none", "--strokes", strokes, "--size", 256, "--steps", steps,
                            "--seed", 0, "-o", d / "out.svg", "-o", d / "out.png", "--quiet"])
            svg = (d / "out.svg").read_text()
            ours, theirs = read_png(d / "out.png"), read_png(rasterize_svg(svg))
            db = psnr(theirs, ours)
            diff = abs(ours.astype(int) - theirs.astype(int))
            say(f"painted in {wall:.1f} s; SVG {len(svg) / 1024:.0f} KB; resvg vs out.png "
                f"({ours.shape[1]}x{ours.shape[0]}): PSNR {db:.2f} dB, max |diff| {diff.max()}/255, "
                f"{100 * (diff.max(2) > 8).mean():.2f}% pixels off by > 8")
            figures[f"photo_{px}"] = {"output": list(ours.shape[:2]), "paint_wall_s": wall, "psnr_db": db,
                                      "max_abs_diff": int(diff.max()),
                                      "pct_pixels_diff_gt8": float(100 * (diff.max(2) > 8).mean())}
            bars[f"psnr_db_{px}"] = bar(db, PSNR_MIN, at_most=False, unit=" dB")
    finish("fidelity", args.quick, figures, bars)


if __name__ == "__main__":
    run_benchmark("fidelity", main)
