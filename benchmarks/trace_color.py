"""Colour tracing against vtracer, and seams.

For astronaut, coffee and chelsea (scikit-image) resized to 512 px on the longer
side: `painter.trace(path, colors=16)` + SVG export, and vtracer's defaults
(`vtracer.convert_image_to_svg_py`, pip `vtracer<1`), both in this process, from
the PNG file to the SVG file. Both SVGs are drawn by resvg; PSNR against the photo.
Seams: our SVG is written with a magenta background (`to_svg(..., background=magenta)`,
a colour that differs from every ink) and drawn by resvg; the share of pixels that
show it (where the photo has no such colour) must stay below 0.1%: every pixel must
be covered by the traced layers themselves.
Bars per image: PSNR >= vtracer's + 2 dB, SVG no larger than vtracer's, wall time
<= 3x vtracer's (medians of 5 runs). --quick: astronaut only, one run each, no
timing bar.
"""
from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

from _common import bar, finish, median_time, parse_args, psnr, rasterize_svg, read_png, run_benchmark, say
from _common import photo as load_photo

PSNR_MARGIN_DB = 2.0
TIME_RATIO = 3.0
SEAM_MAX = 0.001
IMAGES = ("astronaut", "coffee", "chelsea")


def seam_fraction(paths, photo: np.ndarray) -> float:
    """Share of pixels where a magenta background, written into the SVG in place of the
    paper, shows through the traced layers (over the photo's pixels that are not
    magenta-like themselves)."""
    from painter.export import to_svg

    h, w = photo.shape[:2]
    shown = read_png(rasterize_svg(to_svg(paths, h, w, (1.0, 0.0, 1.0)))).astype(np.float64)
    magenta = lambda img: (np.abs(img - np.array([255.0, 0.0, 255.0])) < 48).all(-1)  # noqa: E731
    candidates = ~magenta(photo.astype(np.float64))
    return float((magenta(shown) & candidates).sum() / candidates.sum())


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    import vtracer

    from painter.export import export
    from painter.trace import trace

    runs = 1 if args.quick else 5
    images = IMAGES[:1] if args.quick else IMAGES
    figures, bars = {"runs": runs}, {}
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        for name in images:
            photo = load_photo(name, 512)
            src = d / f"{name}.png"
            Image.fromarray(photo).save(src)

            traced = {}

            def ours() -> None:
                traced["paths"] = trace(src, colors=16)
                export(traced["paths"], d / "ours.svg")

            def theirs() -> None:
                vtracer.convert_image_to_svg_py(str(src), str(d / "vtracer.svg"))

            # medians of 5 (full) or one run each (--quick); the files of the last run are judged
            t_ours, t_vt = (_once(f) if args.quick else median_time(f, runs) for f in (ours, theirs))
            ours_svg, vt_svg = (d / "ours.svg").read_text(), (d / "vtracer.svg").read_text()
            p_ours = psnr(read_png(rasterize_svg(ours_svg)), photo)
            p_vt = psnr(read_png(rasterize_svg(vt_svg)), photo)
            kb_ours, kb_vt = len(ours_svg.encode()) / 1024, len(vt_svg.encode()) / 1024
            seams = seam_fraction(traced["paths"], photo)
            say(f"{name} {photo.shape[1]}x{photo.shape[0]}: painter {p_ours:.2f} dB, {kb_ours:.0f} KB, {t_ours:.2f} s | "
                f"vtracer {p_vt:.2f} dB, {kb_vt:.0f} KB, {t_vt:.2f} s | seams {100 * seams:.4f}%")
            figures[name] = {"psnr_db": p_ours, "vtracer_psnr_db": p_vt, "svg_kb": kb_ours, "vtracer_svg_kb": kb_vt,
                             "wall_s": t_ours, "vtracer_wall_s": t_vt, "seam_fraction": seams}
            bars[f"{name}_psnr_gain_db"] = bar(p_ours - p_vt, PSNR_MARGIN_DB, at_most=False, unit=" dB")
            bars[f"{name}_svg_size_ratio"] = bar(kb_ours / kb_vt, 1.0)
            bars[f"{name}_seams"] = bar(seams, SEAM_MAX)
            if not args.quick:
                bars[f"wall_s_{name}_ratio"] = bar(t_ours / t_vt, TIME_RATIO)
    finish("trace_color", args.quick, figures, bars)


def _once(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


if __name__ == "__main__":
    run_benchmark("trace_color", main)
