"""Full-size painting: the main command on a 2048x1365 photo, with its defaults.

`painter paint rocket.png --style van_gogh -o out.png -o out.svg -o out.json` on
scikit-image's rocket resized up to 2048x1365 (the working size is the command's own
choice: a quarter of the output's, see painter.defaults.working_size). One run, as
its own process: wall time and peak RSS (wait4). Checks that the PNG is 2048x1365,
that the SVG's viewBox has the photo's aspect, and that the painting still reads as
the photo: SSIM of the luma, both images resized to 512 px on the longer side, in
the oil it is painted in and as the same strokes drawn flat. Then every other preset
paints the same photo at its defaults (in this process), and each is measured the
same way: a material must never hide the picture.
Bars: wall <= 60 s, peak RSS <= 3 GB, SSIM >= 0.65, and for every preset SSIM in its
material >= 0.92 x the same strokes drawn flat.
Outputs to share and print (issue 28): `painter render out.json -o again.png -o
again.jpg -o again.pdf` at its defaults, as its own process: the render is at the
painting's own size (the PNG's), the JPEG (quality 92) <= 0.3x the PNG's bytes at
>= 36 dB against it, and where Poppler's pdftoppm is installed, the PDF rasterized at
the PNG's size >= 30 dB against it (a material: vectors under one image).
--quick: the photo at 1024x683 and 60 steps, van_gogh only; bars on the sizes, SSIM
>= 0.55 and the material's ratio.
"""
from __future__ import annotations

import re
import tempfile
from pathlib import Path

import numpy as np

from _common import (bar, finish, luma_ssim_at, painter_cmd, parse_args, photo, psnr, read_png, run_benchmark,
                     run_measured, save_png, say)

WALL_MAX, RSS_MAX_MB, SSIM_MIN, SSIM_MIN_QUICK, FLAT_RATIO = 60.0, 3072.0, 0.65, 0.55, 0.92
JPEG_RATIO_MAX, JPEG_PSNR_MIN, PDF_PSNR_MIN = 0.3, 36.0, 30.0
PRESETS = ("monet", "seurat", "hokusai", "pop_art", "watercolor", "sketch", "sumi_e")


def u8(t) -> np.ndarray:
    return (t.clamp(0, 1).permute(1, 2, 0).numpy() * 255 + 0.5).astype(np.uint8)


def flat_ssim(strokes, src: np.ndarray) -> float:
    """Luma SSIM at 512 px of ``strokes`` drawn flat at the photo's size."""
    from painter.export import draw

    h, w = src.shape[:2]
    return luma_ssim_at(u8(draw(strokes, h, w, material="flat")), src)


def preset_ratio(src: np.ndarray, preset: str) -> dict:
    """``src`` painted in ``preset`` as ``painter paint`` does at its defaults: SSIM in
    its material, flat, and their ratio."""
    import torch

    from painter import load_style, paint
    from painter.defaults import run_sizes
    from painter.export import draw

    st = load_style(preset)
    _, size = run_sizes(max(src.shape[:2]), None, st.size)
    r = paint(torch.from_numpy(src).permute(2, 0, 1).float() / 255, style=st, size=size, seed=0)
    h, w = src.shape[:2]
    mat, flat = luma_ssim_at(u8(draw(r.strokes, h, w)), src), flat_ssim(r.strokes, src)
    return {"ssim": round(mat, 4), "flat_ssim": round(flat, 4), "ratio": round(mat / flat, 4)}


def main() -> None:
    from painter.export import load_art

    args = parse_args(__doc__.splitlines()[0])
    longer = 1024 if args.quick else 2048
    extra = ["--steps", "60"] if args.quick else []
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        src = photo("rocket", longer)
        path = save_png(src, d / "rocket.png")
        run = run_measured(painter_cmd() + ["paint", path, "--style", "van_gogh", "-q", *extra,
                                            "-o", d / "out.png", "-o", d / "out.svg", "-o", d / "out.json"], check=True)
        out = read_png(d / "out.png")
        view = re.search(r'viewBox="([^"]+)"', (d / "out.svg").read_text()[:2000]).group(1).split()
        flat = flat_ssim(load_art(d / "out.json"), src)
        shared = outputs(d, out)
    h, w = src.shape[:2]
    svg_aspect = float(view[2]) / float(view[3])
    ssim = luma_ssim_at(out, src)
    say(f"{w}x{h} photo: PNG {out.shape[1]}x{out.shape[0]}, SVG aspect {svg_aspect:.4f} (photo {w / h:.4f}), "
        f"wall {run['wall_s']:.1f} s, peak RSS {run['peak_rss_mb']:.0f} MB, SSIM@512 {ssim:.3f} (flat {flat:.3f})")
    ratios = {"van_gogh": {"ssim": round(ssim, 4), "flat_ssim": round(flat, 4), "ratio": round(ssim / flat, 4)}}
    for preset in () if args.quick else PRESETS:
        ratios[preset] = preset_ratio(src, preset)
        say(f"{preset}: " + ", ".join(f"{k} {v}" for k, v in ratios[preset].items()))
    figures = {"photo": [w, h], "png": [out.shape[1], out.shape[0]], "svg_aspect": svg_aspect,
               "wall_s": run["wall_s"], "peak_rss_mb": run["peak_rss_mb"], "ssim_512": ssim, "presets": ratios,
               **shared}
    bars = {"png_size": bar(float(out.shape[:2] != (h, w)), 0.0),
            "render_default_size": bar(float(shared["render_size"] != [w, h]), 0.0),
            "jpeg_ratio": bar(shared["jpeg_ratio"], JPEG_RATIO_MAX),
            "jpeg_psnr": bar(shared["jpeg_psnr"], JPEG_PSNR_MIN, at_most=False, unit=" dB"),
            "svg_aspect_error": bar(abs(svg_aspect - w / h), 0.01),
            "ssim_512": bar(ssim, SSIM_MIN_QUICK if args.quick else SSIM_MIN, at_most=False),
            "material_over_flat_min": bar(min(r["ratio"] for r in ratios.values()), FLAT_RATIO, at_most=False)}
    if "pdf_psnr" in shared:
        bars["pdf_psnr"] = bar(shared["pdf_psnr"], PDF_PSNR_MIN, at_most=False, unit=" dB")
    if not args.quick:
        bars["wall_s"] = bar(run["wall_s"], WALL_MAX, unit=" s")
        bars["peak_rss_mb"] = bar(run["peak_rss_mb"], RSS_MAX_MB, unit=" MB")
    finish("full_size", args.quick, figures, bars)


def outputs(d: Path, png: np.ndarray) -> dict:
    """``painter render`` of the painting's stroke file in ``d`` as PNG, JPEG and PDF at
    its defaults: the size it draws at, the JPEG's bytes and PSNR against the paint
    command's PNG ``png``, and the PSNR of pdftoppm's picture of the PDF, where present."""
    import shutil
    import subprocess

    from PIL import Image

    run_measured(painter_cmd() + ["render", d / "out.json", "-o", d / "again.png", "-o", d / "again.jpg",
                                  "-o", d / "again.pdf"], check=True)
    again = read_png(d / "again.png")
    jpg = np.asarray(Image.open(d / "again.jpg").convert("RGB"))
    got = {"render_size": [again.shape[1], again.shape[0]],
           "png_bytes": (d / "out.png").stat().st_size, "jpeg_bytes": (d / "again.jpg").stat().st_size,
           "pdf_bytes": (d / "again.pdf").stat().st_size}
    got["jpeg_ratio"] = round(got["jpeg_bytes"] / got["png_bytes"], 4)
    got["jpeg_psnr"] = round(psnr(jpg, png), 2)
    if shutil.which("pdftoppm"):
        h, w = png.shape[:2]
        subprocess.run(["pdftoppm", "-png", "-singlefile", "-scale-to-x", str(w), "-scale-to-y", str(h),
                        d / "again.pdf", d / "pdf"], check=True, capture_output=True, timeout=300)
        got["pdf_psnr"] = round(psnr(read_png(d / "pdf.png"), png), 2)
    say(f"render at its defaults: {got['render_size'][0]}x{got['render_size'][1]}; JPEG {got['jpeg_bytes']} bytes "
        f"({got['jpeg_ratio']:.3f}x the PNG's {got['png_bytes']}), {got['jpeg_psnr']} dB; PDF {got['pdf_bytes']} bytes"
        + (f", pdftoppm {got['pdf_psnr']} dB" if "pdf_psnr" in got else ", no pdftoppm"))
    return got


if __name__ == "__main__":
    run_benchmark("full_size", main)
