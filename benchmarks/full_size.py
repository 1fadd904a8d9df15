"""Full-size painting: the main command on a 2048x1365 photo, with its defaults.

`painter paint rocket.png --style van_gogh -o out.png -o out.svg` on scikit-image's
rocket resized up to 2048x1365 (the working size is the command's own choice: a
quarter of the output's, see painter.defaults.working_size). One run, as its own
process: wall time and peak RSS (wait4). Checks that the PNG is 2048x1365, that the
SVG's viewBox has the photo's aspect, and that the painting still reads as the
photo: SSIM of the luma, both images resized to 512 px on the longer side.
Bars: wall <= 60 s, peak RSS <= 3 GB, SSIM >= 0.5.
--quick: the photo at 1024x683 and 60 steps; bars on the sizes and SSIM >= 0.4 only.
"""
from __future__ import annotations

import re
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

from _common import bar, finish, painter_cmd, parse_args, photo, read_png, run_benchmark, run_measured, save_png, say

WALL_MAX, RSS_MAX_MB, SSIM_MIN, SSIM_MIN_QUICK = 60.0, 3072.0, 0.5, 0.4


def luma_ssim(a: np.ndarray, b: np.ndarray, longer: int = 512) -> float:
    """SSIM of the luma of two RGB pictures, each resized to ``longer`` px (Lanczos)."""
    from skimage.metrics import structural_similarity

    def luma(x: np.ndarray) -> np.ndarray:
        im = Image.fromarray(x)
        s = longer / max(im.size)
        return np.asarray(im.resize((round(im.width * s), round(im.height * s)), Image.LANCZOS).convert("L"))

    return float(structural_similarity(luma(a), luma(b), data_range=255))


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    longer = 1024 if args.quick else 2048
    extra = ["--steps", "60"] if args.quick else []
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        src = photo("rocket", longer)
        path = save_png(src, d / "rocket.png")
        run = run_measured(painter_cmd() + ["paint", path, "--style", "van_gogh", "-q", *extra,
                                            "-o", d / "out.png", "-o", d / "out.svg"], check=True)
        out = read_png(d / "out.png")
        view = re.search(r'viewBox="([^"]+)"', (d / "out.svg").read_text()[:2000]).group(1).split()
    h, w = src.shape[:2]
    svg_aspect = float(view[2]) / float(view[3])
    ssim = luma_ssim(out, src)
    say(f"{w}x{h} photo: PNG {out.shape[1]}x{out.shape[0]}, SVG aspect {svg_aspect:.4f} (photo {w / h:.4f}), "
        f"wall {run['wall_s']:.1f} s, peak RSS {run['peak_rss_mb']:.0f} MB, SSIM@512 {ssim:.3f}")
    figures = {"photo": [w, h], "png": [out.shape[1], out.shape[0]], "svg_aspect": svg_aspect,
               "wall_s": run["wall_s"], "peak_rss_mb": run["peak_rss_mb"], "ssim_512": ssim}
    bars = {"png_size": bar(float(out.shape[:2] != (h, w)), 0.0),
            "svg_aspect_error": bar(abs(svg_aspect - w / h), 0.01),
            "ssim_512": bar(ssim, SSIM_MIN_QUICK if args.quick else SSIM_MIN, at_most=False)}
    if not args.quick:
        bars["wall_s"] = bar(run["wall_s"], WALL_MAX, unit=" s")
        bars["peak_rss_mb"] = bar(run["peak_rss_mb"], RSS_MAX_MB, unit=" MB")
    finish("full_size", args.quick, figures, bars)


if __name__ == "__main__":
    run_benchmark("full_size", main)
