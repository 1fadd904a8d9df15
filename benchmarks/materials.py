"""Brush materials on full-size paintings: the finish's cost, the SVG's size, and the
material as resvg draws it.

Paints scikit-image's rocket resized to 2048x1365 (`painter paint`, defaults, stroke
file only) in van_gogh, watercolor, sumi_e, sketch and hokusai. Then, in this
process, draws each painting at 2048x1365 flat and in its style's material (oil,
watercolor, ink, graphite, print): median of 5 after a warm-up each, the material's
noise computed afresh each time. The finish's
cost is the material's median less the flat one's. Each SVG (flat and material) is
written and its size compared.

The issue's first bar, on the van_gogh strokes rendered with --material oil and with
--material watercolor: resvg's drawing of the SVG against painter's PNG (PSNR), no
raster image in the SVG, and the texture the material adds: the mean absolute
Laplacian of the luma over that of the flat render. Every preset's own material is
also compared with resvg.
Bars: finish <= 3 s, SVG <= 1.25x flat, PSNR >= 30 dB, texture >= 1.5x.
--quick: 1024x683, 60 steps; the cost bar is then left out, and the SVG size ratio is a
gate at GATE_SIZE_RATIO.
"""
from __future__ import annotations

import tempfile
import time
from pathlib import Path


from _common import bar, finish, median_time, painter_cmd, parse_args, photo, psnr, read_png, rasterize_svg, \
    run_benchmark, run_measured, save_png, say, texture

FINISH_MAX_S, SIZE_RATIO_MAX, PSNR_MIN, TEXTURE_MIN = 3.0, 1.25, 30.0, 1.5
#: --quick's gate on the SVG size ratio (CI): van_gogh's oil SVG at 1024 px after
#: 5c8aeaa (the texture pull moves values, not hues) measured 1.2516, over the full
#: run's 1.25 by a hair; the gate catches large drops, the full run holds the bar
GATE_SIZE_RATIO = 1.3
PRESETS = {"van_gogh": "oil", "watercolor": "watercolor", "sumi_e": "ink", "sketch": "graphite", "hokusai": "print"}



def cold_draw(strokes, height: int, width: int, material: str):
    """A material's draw with nothing kept from the last one (its noise is cached for
    the frames of an animation)."""
    from painter.export import draw
    from painter.materials.filtergraph import clear_cache

    clear_cache()
    return draw(strokes, height, width, material=material)


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    from painter.export import draw, to_svg
    from painter.image.io import to_uint8
    from painter.primitives.strokes import StrokeSet

    longer = 1024 if args.quick else 2048
    extra = ["--steps", "60"] if args.quick else []
    figures: dict = {"size": None, "presets": {}}
    bars: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        src = photo("rocket", longer)
        h, w = src.shape[:2]
        figures["size"] = [w, h]
        path = save_png(src, d / "rocket.png")
        paintings = {}
        for style in PRESETS:
            say(f"painting {style} ...")
            run_measured(painter_cmd() + ["paint", path, "--style", style, "-q", *extra, "-o", d / f"{style}.json"],
                         check=True)
            paintings[style] = StrokeSet.load(d / f"{style}.json")
        for style, material in PRESETS.items():
            s = paintings[style]
            flat_s = median_time(lambda: draw(s, h, w, material="flat"), 5)
            mat_s = median_time(lambda: cold_draw(s, h, w, material), 5)
            t0 = time.perf_counter()
            svg = to_svg(s, h, w, material=material)
            svg_s = time.perf_counter() - t0
            flat_svg = to_svg(s, h, w, material="flat")
            ours = to_uint8(draw(s, h, w, material=material))
            theirs = read_png(rasterize_svg(svg))
            fig = {"material": material, "strokes": len(s), "flat_s": round(flat_s, 3), "material_s": round(mat_s, 3),
                   "finish_s": round(mat_s - flat_s, 3), "svg_write_s": round(svg_s, 3),
                   "svg_bytes": len(svg), "flat_svg_bytes": len(flat_svg),
                   "svg_ratio": round(len(svg) / len(flat_svg), 4), "psnr_resvg_db": round(psnr(ours, theirs), 2)}
            figures["presets"][style] = fig
            say(f"{style} ({material}): {fig}")
            if not args.quick:
                bars[f"finish_s_{style}"] = bar(fig["finish_s"], FINISH_MAX_S, unit=" s")
            bars[f"svg_ratio_{style}"] = bar(fig["svg_ratio"], GATE_SIZE_RATIO if args.quick else SIZE_RATIO_MAX)
            bars[f"psnr_{style}"] = bar(fig["psnr_resvg_db"], PSNR_MIN, at_most=False, unit=" dB")
        s = paintings["van_gogh"]
        flat_tex = texture(to_uint8(draw(s, h, w, material="flat")))
        for material in ("oil", "watercolor"):
            svg = to_svg(s, h, w, material=material)
            ours = to_uint8(draw(s, h, w, material=material))
            pure = "<filter" in svg and "<image" not in svg
            fig = {"psnr_resvg_db": round(psnr(ours, read_png(rasterize_svg(svg))), 2),
                   "texture_ratio": round(texture(ours) / flat_tex, 3), "pure_vector_with_filters": pure}
            figures[f"van_gogh_{material}"] = fig
            say(f"van_gogh strokes, --material {material}: {fig}")
            bars[f"van_gogh_{material}_psnr"] = bar(fig["psnr_resvg_db"], PSNR_MIN, at_most=False, unit=" dB")
            bars[f"van_gogh_{material}_texture"] = bar(fig["texture_ratio"], TEXTURE_MIN, at_most=False)
            bars[f"van_gogh_{material}_pure_vector"] = bar(float(pure), 1.0, at_most=False)
    finish("materials", args.quick, figures, bars)


if __name__ == "__main__":
    run_benchmark("materials", main)
