"""Colour tracing against vtracer, and seams.

For astronaut, coffee and chelsea (scikit-image) resized to 512 px on the longer
side: `painter.trace(path, colors=16)` + SVG export, and vtracer's defaults
(`vtracer.convert_image_to_svg_py`, pip `vtracer<1`), both in this process, from
the PNG file to the SVG file. Both SVGs are drawn by resvg; PSNR against the photo.
Seams: our SVG is drawn over a magenta background; the share of pixels that show
it (where the photo has no such colour) must stay below 0.1%.
Bars per image: PSNR >= vtracer's + 2 dB, SVG no larger than vtracer's, wall time
<= 3x vtracer's (medians of 5 runs; --quick: astronaut only, no timing bar).
"""
from __future__ import annotations

import io
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

from _common import bar, finish, median_time, parse_args, psnr, rasterize_svg, read_png, run_benchmark, say
from _common import photo as load_photo

PSNR_MARGIN_DB = 2.0
TIME_RATIO = 3.0
SEAM_MAX = 0.001
IMAGES = ("astronaut", "coffee", "chelsea")


def seam_fraction(svg: str, photo: np.ndarray) -> float:
    """Pixels showing a magenta background slipped under the SVG, over the photo's
    pixels that are not magenta-like themselves."""
    rgba = np.asarray(Image.open(io.BytesIO(rasterize_svg(svg))).convert("RGBA")).astype(np.float64)
    a = rgba[..., 3:] / 255.0
    shown = rgba[..., :3] * a + np.array([255.0, 0.0, 255.0]) * (1 - a)
    magenta = lambda img: (np.abs(img - np.array([255.0, 0.0, 255.0])) < 48).all(-1)  # noqa: E731
    candidates = ~magenta(photo.astype(np.float64))
    return float((magenta(shown) & candidates).sum() / candidates.sum())


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    import vtracer

    from painter.export import export
    from painter.trace import trace

    runs = 5
    images = IMAGES[:1] if args.quick else IMAGES
    figures, bars = {"runs": runs}, {}
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        for name in images:
            photo = load_photo(name, 512)
            src = d / f"{name}.png"
            Image.fromarray(photo).save(src)

            def ours() -> None:
                export(trace(src, colors=16), d / "ours.svg")

            def theirs() -> None:
                vtracer.convert_image_to_svg_py(str(src), str(d / "vtracer.svg"))

            t_ours, t_vt = median_time(ours, runs), median_time(theirs, runs)  # leave the files to judge
            ours_svg, vt_svg = (d / "ours.svg").read_text(), (d / "vtracer.svg").read_text()
            p_ours = psnr(read_png(rasterize_svg(ours_svg)), photo)
            p_vt = psnr(read_png(rasterize_svg(vt_svg)), photo)
            kb_ours, kb_vt = len(ours_svg.encode()) / 1024, len(vt_svg.encode()) / 1024
            seams = seam_fraction(ours_svg, photo)
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


if __name__ == "__main__":
    run_benchmark("trace_color", main)
