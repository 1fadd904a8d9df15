"""Refinement: `painter trace --refine 200` against the plain trace of the same image.

For astronaut, coffee and chelsea at 512 px (longer side), `painter trace --colors 16`
is run without and with `--refine 200`; both SVGs are drawn by resvg and compared
with the photo. The refined paths have the same curves (topology), moved.
Bar: PSNR gain >= 1.5 dB on every image. --quick: astronaut at 256 px, 50 steps
(the gain is reported, the bar is the same).
"""
from __future__ import annotations

import json
import tempfile
from pathlib import Path

from PIL import Image

from _common import bar, finish, parse_args, photo, psnr, rasterize_svg, read_png, run_benchmark, run_cli, say

GAIN_MIN_DB = 1.5
IMAGES = ("astronaut", "coffee", "chelsea")


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    size, steps = (256, 50) if args.quick else (512, 200)
    images = IMAGES[:1] if args.quick else IMAGES
    figures, bars = {"size": size, "steps": steps}, {}
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        for name in images:
            ph = photo(name, size)
            src = d / f"{name}.png"
            Image.fromarray(ph).save(src)
            run_cli(["trace", src, "--colors", 16, "-o", d / "plain.svg", "-o", d / "plain.json", "--quiet"])
            wall = run_cli(["trace", src, "--colors", 16, "--refine", steps, "-o", d / "refined.svg",
                            "-o", d / "refined.json", "--quiet"])
            plain = psnr(read_png(rasterize_svg((d / "plain.svg").read_text())), ph)
            refined = psnr(read_png(rasterize_svg((d / "refined.svg").read_text())), ph)
            a, b = (json.loads((d / f).read_text())["paths"] for f in ("plain.json", "refined.json"))
            same = [[len(s) for s in p["subpaths"]] for p in a] == [[len(s) for s in p["subpaths"]] for p in b]
            say(f"{name} {ph.shape[1]}x{ph.shape[0]}: plain {plain:.2f} dB, refined ({steps} steps, {wall:.0f} s) "
                f"{refined:.2f} dB, gain {refined - plain:+.2f} dB; same curves: {same}")
            figures[name] = {"plain_db": plain, "refined_db": refined, "refine_wall_s": wall, "same_topology": same}
            bars[f"{name}_gain_db"] = bar(refined - plain if same else 0.0, GAIN_MIN_DB, at_most=False, unit=" dB")
    finish("trace_refine", args.quick, figures, bars)


if __name__ == "__main__":
    run_benchmark("trace_refine", main)
