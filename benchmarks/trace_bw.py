"""Black-and-white tracing: fidelity to the bitmap and Potrace's own curve count.

Traces scikit-image's horse silhouette (400x328, black on white) with `painter trace
--mode bw`, draws the SVG with resvg and compares its ink with the input bitmap
(IoU). Debian's `potrace` command traces the same bitmap (PBM) with the same
(default) parameters; the number of curve segments of the two SVGs is compared.
Bars: IoU >= 0.99; curve count within 10% of potrace's. --quick: the same (it is fast).
"""
from __future__ import annotations

import io
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

from _common import bar, finish, parse_args, rasterize_svg, run_benchmark, run_cli, say

IOU_MIN = 0.99
CURVES_TOL = 0.10


def segment_count(d: str) -> int:
    """Drawing segments in SVG path data: one per cubic (6 numbers of c/C), per line
    (2 numbers of l/L, or a pair after the first of m/M); h/v count one each."""
    n = 0
    for cmd, args in re.findall(r"([MmLlCcHhVvZz])([^MmLlCcHhVvZz]*)", d):
        nums = len(re.findall(r"-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?", args))
        c = cmd.lower()
        n += {"c": nums // 6, "l": nums // 2, "m": max(0, nums // 2 - 1), "h": nums, "v": nums}.get(c, 0)
    return n


def svg_segments(svg: str) -> int:
    return sum(segment_count(d) for d in re.findall(r'\sd="([^"]*)"', svg))


def _iou(svg: str, ink: np.ndarray) -> float:
    with Image.open(io.BytesIO(rasterize_svg(svg))) as im:  # potrace's SVG has no background: white under it
        rgba = np.asarray(im.convert("RGBA")).astype(np.float64)
    drawn = (rgba[..., :3].mean(2) * rgba[..., 3] / 255 + 255 - rgba[..., 3]) < 128
    if drawn.shape != ink.shape:
        raise RuntimeError(f"SVG drawn at {drawn.shape}, bitmap is {ink.shape}")
    return float((drawn & ink).sum() / (drawn | ink).sum())


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    from skimage import data

    potrace = shutil.which("potrace")
    if potrace is None:
        raise RuntimeError("Debian's potrace command is needed: apt-get install potrace")
    ink = ~data.horse()  # True where the horse is
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        Image.fromarray(np.where(ink, 0, 255).astype(np.uint8)).save(d / "horse.png")
        Image.fromarray(np.where(ink, 0, 255).astype(np.uint8)).convert("1").save(d / "horse.pbm")
        wall = run_cli(["trace", d / "horse.png", "--mode", "bw", "-o", d / "ours.svg", "--quiet"])
        subprocess.run([potrace, "-b", "svg", str(d / "horse.pbm"), "-o", str(d / "potrace.svg")], check=True,
                       timeout=120)
        ours_svg, ref_svg = (d / "ours.svg").read_text(), (d / "potrace.svg").read_text()
    iou = _iou(ours_svg, ink)
    ref_iou = _iou(ref_svg.replace('width="400.000000pt" height="328.000000pt"', 'width="400" height="328"'), ink)
    ours_n, ref_n = svg_segments(ours_svg), svg_segments(ref_svg)
    ratio = ours_n / ref_n
    say(f"horse {ink.shape[1]}x{ink.shape[0]}: traced in {wall:.2f} s (CLI); IoU {iou:.4f} "
        f"(potrace's SVG: {ref_iou:.4f}); "
        f"curve segments: ours {ours_n}, potrace {ref_n} (ratio {ratio:.3f}); SVG {len(ours_svg) / 1024:.1f} KB "
        f"vs potrace's {len(ref_svg) / 1024:.1f} KB")
    figures = {"iou": iou, "potrace_iou": ref_iou, "segments": ours_n, "potrace_segments": ref_n, "wall_s": wall,
               "svg_kb": len(ours_svg) / 1024, "potrace_svg_kb": len(ref_svg) / 1024}
    finish("trace_bw", args.quick, figures, {"iou": bar(iou, IOU_MIN, at_most=False),
                                             "curve_ratio_dev": bar(abs(ratio - 1), CURVES_TOL)})


if __name__ == "__main__":
    run_benchmark("trace_bw", main)
