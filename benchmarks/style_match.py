"""Style from a painting (issue 13, bar 2): does a photo painted in a painting's style
move toward the painting?

Each photo (astronaut, chelsea, coffee, rocket) is painted with `--style PAINTING`
for each shared painting (painter.paint, defaults, 256 px). For every pair and every
measure the progress is how much of the photo's distance to the painting the output
has covered: (d(photo, painting) - d(output, painting)) / d(photo, painting), with
the distances of painter.analyze.distance (stroke scale as a log ratio, orientation
coherence, palette) and the weight-free texture distance
(painter.texture.texture_loss of the statistics of the standardized luma, so that
neither colour nor contrast counts, both pictures at 256 px). Luma SSIM of the output
against the photo says whether the photo is still there.
The paintings are split as the issue asks: TUNE (used while tuning) and HELD_OUT.
Bars: the median progress of each measure over all pairs >= 0.5; every pair's SSIM
>= 0.5. --quick: one photo, two paintings, 128 px, 60 steps.
"""
from __future__ import annotations

import os
import statistics
from pathlib import Path

import torch

from _common import ROOT, bar, finish, hwc, luma_ssim, parse_args, photo, run_benchmark, say

STYLES = Path(os.environ.get("PAINTER_PAINTINGS", ROOT.parent / "shared" / "data" / "styles"))
TUNE, HELD_OUT = ("starry_night", "wave"), ("udnie", "woman_with_hat")
PHOTOS = ("astronaut", "chelsea", "coffee", "rocket")
MEASURES = ("scale", "coherence", "palette", "texture")
PROGRESS_MIN, SSIM_MIN = 0.5, 0.5


def distances(img: torch.Tensor, painting, bank, painting_stats) -> dict[str, float]:
    """Every measure's distance from ``img`` to the painting (its Measures and its
    texture statistics given)."""
    from painter.analyze import distance, measure
    from painter.io import resize_longer
    from painter.texture import texture_loss

    d = distance(measure(img), painting)
    d["texture"] = float(texture_loss(bank.statistics(resize_longer(img, 256), texture_only=True), painting_stats))
    return {k: d[k] for k in MEASURES}


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    from painter.analyze import measure
    from painter.io import load_image, resize_longer
    from painter.paint import paint
    from painter.texture import FilterBank

    size, steps = (128, 60) if args.quick else (256, 240)
    photos = PHOTOS[:1] if args.quick else PHOTOS
    paintings = (TUNE[0], HELD_OUT[0]) if args.quick else TUNE + HELD_OUT
    bank = FilterBank(seed=0)
    figures: dict = {"size": size, "steps": steps, "tune": list(TUNE), "held_out": list(HELD_OUT), "pairs": {}}
    progress: dict[str, list[float]] = {m: [] for m in MEASURES}
    bars: dict = {}
    for pname in paintings:
        path = STYLES / f"{pname}.jpg"
        art = load_image(path)
        art_measures, art_stats = measure(art), bank.statistics(resize_longer(art, 256), texture_only=True)
        for name in photos:
            img = torch.from_numpy(photo(name, size).copy()).permute(2, 0, 1).float() / 255
            r = paint(img, style=str(path), size=size, steps=steps, notice=lambda m: None)
            before = distances(img, art_measures, bank, art_stats)
            after = distances(r.image, art_measures, bank, art_stats)
            moved = {m: (before[m] - after[m]) / before[m] if before[m] > 1e-9 else 1.0 for m in MEASURES}
            ssim = luma_ssim(hwc(r.image), hwc(resize_longer(img, max(r.image.shape[1:]))), 1.0)
            for m in MEASURES:
                progress[m].append(moved[m])
            key = f"{name}/{pname}"
            figures["pairs"][key] = {"progress": {m: round(v, 3) for m, v in moved.items()}, "ssim": round(ssim, 3),
                                     "group": "tune" if pname in TUNE else "held_out"}
            say(f"{key}: " + "  ".join(f"{m} {moved[m]:+.2f}" for m in MEASURES) + f"  SSIM {ssim:.3f}")
            bars[f"ssim_{name}_{pname}"] = bar(ssim, SSIM_MIN, at_most=False)
    for m in MEASURES:
        figures[f"median_progress_{m}"] = round(statistics.median(progress[m]), 3)
        bars[f"median_progress_{m}"] = bar(figures[f"median_progress_{m}"], PROGRESS_MIN, at_most=False)
    finish("style_match", args.quick, figures, bars)


if __name__ == "__main__":
    run_benchmark("style_match", main)
