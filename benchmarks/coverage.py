"""Bare canvas: how much of a painting's background shows through its strokes.

Each stroke file is rendered over black and over white; a pixel is *bare* where the
two differ by more than 10% (the strokes above it let more than a tenth of the
background through). For the opaque presets (van_gogh, hokusai, pop_art, monet's
underpainting, seurat) on rocket and coffee (scikit-image) at 256 px, defaults:
Bar: bare pixels <= 1% for van_gogh, hokusai and pop_art (the others are reported).
Paper styles (watercolor, sketch, sumi_e) show their paper on purpose; that their
background is the paper's colour is a test (tests/test_paint.py).
--quick: rocket only, van_gogh and pop_art.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

from _common import bar, finish, parse_args, photo, run_benchmark, run_cli, save_png, say

BARRED = ("van_gogh", "hokusai", "pop_art")
REPORTED = ("monet", "seurat")
BARE_MAX = 0.01


def bare_fraction(strokes_file: Path) -> float:
    import torch

    import painter

    s = painter.StrokeSet.load(strokes_file)
    h, w = painter.export.export_size(s, None)
    with torch.no_grad():
        over_black = painter.render(s, h, w, background=(0.0, 0.0, 0.0))
        over_white = painter.render(s, h, w, background=(1.0, 1.0, 1.0))
    return float(((over_white - over_black).amax(0) > 0.1).float().mean())


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    photos = ("rocket",) if args.quick else ("rocket", "coffee")
    styles = ("van_gogh", "pop_art") if args.quick else BARRED + REPORTED
    figures, bars = {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        for name in photos:
            src = save_png(photo(name, 256), d / f"{name}.png")
            for st in styles:
                out = d / f"{name}-{st}.json"
                wall = run_cli(["paint", src, "--style", st, "-q", "-o", out])
                frac = bare_fraction(out)
                say(f"{name} {st}: {100 * frac:.2f}% bare pixels ({wall:.1f} s)")
                figures[f"{name}_{st}"] = {"bare": frac, "wall_s": wall}
                if st in BARRED:
                    bars[f"bare_{name}_{st}"] = bar(frac, BARE_MAX)
    finish("coverage", args.quick, figures, bars)


if __name__ == "__main__":
    run_benchmark("coverage", main)
