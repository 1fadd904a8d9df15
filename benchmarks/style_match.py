"""Style from a painting (issues 13 and 27): does a photo painted in a painting's style
move toward the painting?

Each photo (astronaut, chelsea, coffee, rocket, 512 px) is painted with `--style
PAINTING` for each shared painting (painter.paint at its defaults: 240 steps at the
style's working size, 256 px or more where its brushwork needs it), and the output
is what a user's PNG holds: the strokes drawn at the photo's size in their material
(painter.export.draw). Photo, output and painting are all measured at 512 px
(painter.style.analyze.MEASURE_SIZE), so that the finest brushwork each can show is the
same. For every pair and every measure the progress is how
much of the photo's distance to the painting the output has covered:
(d(photo, painting) - d(output, painting)) / d(photo, painting), with the distances
of painter.style.analyze.distance (stroke scale as a log ratio, orientation coherence,
palette), the weight-free texture distance (painter.style.texture.texture_loss of the
statistics of the standardized luma, so that neither colour nor contrast counts, at
256 px) and the marks' distance (painter.style.marks.mark_distance: the distributions
of the marks' length, width, spacing and bend, and how length follows detail). Luma SSIM of the output against the photo says whether the photo is
still there. Time: each paint against `--style none` on the same photo at the same
working size, in the same process.
The paintings are split as the issue asks: TUNE (used while tuning) and HELD_OUT.
Bars (issue 27): the median progress of each measure over all pairs >= 0.8, and over
the held-out pairs alone >= 0.7; every pair's SSIM >= 0.5; the median time ratio <= 2.

The presets follow (issue 27, bar 4): van_gogh painted on the four photos against
starry_night, hokusai against wave, each output's texture and marks distances to the
painting (median over the photos) below PRESET_BEFORE, those measured before issue 27
(commit 46e5c78).

--quick: one photo, two paintings, 60 steps, no presets, and bars on what two pairs
can show (SSIM, and palette and texture progress, the measures that move within 60
steps); the other measures and the time are only figures there.

--unguarded: each painting's measured preset with nothing that keeps the photo (no
content or SSIM loss), twice the texture loss, the palette snapped all the way and the
brushwork over everything (UNGUARDED): how far the style can move the picture when
the photo may go, to set against bar 2's SSIM. Its time ratios skip the analysis.
"""
from __future__ import annotations

import os
import statistics
import time
from pathlib import Path

import torch

from _common import ROOT, bar, finish, hwc, luma_ssim, parse_args, photo, run_benchmark, save_png, say

STYLES = Path(os.environ.get("PAINTER_PAINTINGS", ROOT.parent / "shared" / "data" / "styles"))
TUNE, HELD_OUT = ("starry_night", "wave"), ("udnie", "woman_with_hat")
PHOTOS = ("astronaut", "chelsea", "coffee", "rocket")
MEASURES = ("scale", "coherence", "palette", "texture", "marks")
QUICK_MEASURES = ("palette", "texture")  # what moves within --quick's 60 steps
PROGRESS_MIN, HELD_OUT_MIN, SSIM_MIN, TIME_RATIO_MAX = 0.8, 0.7, 0.5, 2.0
QUICK_PROGRESS_MIN = 0.5
#: the presets and the painting each should move toward
PRESETS = {"van_gogh": "starry_night", "hokusai": "wave"}
#: their texture and marks distances (median over the photos) before issue 27: the
#: presets painted by commit 46e5c78, measured by this commit's statistics (texture
#: Grams filter by filter, the marks' detail ratio as a mean of logs)
PRESET_BEFORE = {"van_gogh": {"van_gogh_texture_distance": 0.2817, "van_gogh_marks_distance": 0.7422},
                 "hokusai": {"hokusai_texture_distance": 0.4088, "hokusai_marks_distance": 0.6700}}
#: --unguarded's changes to a measured preset: (table, key) -> value, or "*" factor
UNGUARDED = {("loss", "content"): 0.0, ("loss", "ssim"): 0.0, ("loss", "texture"): "*2",
             ("palette", "snap"): 1.0, ("brushwork", "cover"): 1.0}
#: photos and outputs are drawn at this longer side (the measures' own size)
SIZE = 512


def features(img: torch.Tensor, bank):
    """What the measures see in ``img`` (a photo, an output or a painting): its
    Measures, the texture statistics of its standardized luma at 256 px and its Marks."""
    from painter.image.io import resize_longer
    from painter.style.analyze import _resized, measure
    from painter.style.marks import marks

    return measure(img), bank.statistics(resize_longer(img, 256), texture_only=True), marks(_resized(img, SIZE))


def painting(name: str, bank):
    """The :func:`features` of the shared painting ``name``, measured once per run."""
    from painter.image.io import load_image

    if name not in _PAINTINGS:
        _PAINTINGS[name] = features(load_image(STYLES / f"{name}.jpg"), bank)
    return _PAINTINGS[name]


_PAINTINGS: dict = {}


def distances(seen, goal) -> dict[str, float]:
    """Every measure's distance between two pictures' :func:`features`."""
    from painter.style.analyze import distance
    from painter.style.marks import mark_distance
    from painter.style.texture import texture_loss

    d = distance(seen[0], goal[0])
    d["texture"] = float(texture_loss(seen[1], goal[1]))
    d["marks"] = mark_distance(seen[2], goal[2])
    return {k: d[k] for k in MEASURES}


def main() -> None:
    args = parse_args(__doc__.splitlines()[0], _options)
    from painter.export import draw
    from painter.engine.run import paint
    from painter.style.texture import FilterBank

    steps = 60 if args.quick else 240
    photos = args.photos.split(",") if args.photos else PHOTOS[:1] if args.quick else PHOTOS
    paintings = (args.paintings.split(",") if args.paintings else (TUNE[0], HELD_OUT[0]) if args.quick
                 else TUNE + HELD_OUT)
    bank = FilterBank(seed=0)
    figures: dict = {"size": SIZE, "steps": steps, "tune": list(TUNE), "held_out": list(HELD_OUT), "pairs": {}}
    progress: dict[str, list[float]] = {m: [] for m in MEASURES}
    held: dict[str, list[float]] = {m: [] for m in MEASURES}
    ratios: list[float] = []
    bars: dict = {}
    images = {name: torch.from_numpy(photo(name, SIZE).copy()).permute(2, 0, 1).float() / 255 for name in photos}
    paint(images[photos[0]], size=64, steps=4, notice=lambda m: None)  # imports and first-call costs out of the timing
    plain: dict[tuple[str, int], float] = {}  # --style none's time per photo and working size
    photo_features = {name: features(img, bank) for name, img in images.items()}  # once, for every painting
    for pname in paintings:
        path = STYLES / f"{pname}.jpg"
        style = unguarded(path, args.unguarded) if args.unguarded else str(path)
        goal = painting(pname, bank)
        for name, img in images.items():
            r, seconds = timed(lambda: paint(img, style=style, steps=steps, notice=lambda m: None))
            out = draw(r.strokes, *img.shape[1:])
            if args.save:
                Path(args.save).mkdir(parents=True, exist_ok=True)
                save_png((hwc(out) * 255 + 0.5).clip(0, 255).astype("uint8"), Path(args.save) / f"{name}-{pname}.png")
            before = distances(photo_features[name], goal)
            after = distances(features(out, bank), goal)
            moved = {m: (before[m] - after[m]) / before[m] if before[m] > 1e-9 else 1.0 for m in MEASURES}
            ssim = luma_ssim(hwc(out), hwc(img), 1.0)
            for m in MEASURES:
                progress[m].append(moved[m])
                if pname in HELD_OUT:
                    held[m].append(moved[m])
            work = r.strokes.meta["size"]
            if (name, work) not in plain:
                plain[name, work] = timed(lambda: paint(img, size=work, steps=steps, notice=lambda m: None))[1]
            ratios.append(seconds / plain[name, work])
            key = f"{name}/{pname}"
            figures["pairs"][key] = {"progress": {m: round(v, 3) for m, v in moved.items()}, "ssim": round(ssim, 3),
                                     "working_size": work, "seconds": round(seconds, 2),
                                     "time_ratio": round(ratios[-1], 2),
                                     "group": "tune" if pname in TUNE else "held_out"}
            say(f"{key}: " + "  ".join(f"{m} {moved[m]:+.2f}" for m in MEASURES)
                + f"  SSIM {ssim:.3f}  {seconds:.1f} s at {work} px ({ratios[-1]:.2f}x --style none)")
            bars[f"ssim_{name}_{pname}"] = bar(ssim, SSIM_MIN, at_most=False)
    for m in MEASURES:
        figures[f"median_progress_{m}"] = round(statistics.median(progress[m]), 3)
        if not args.quick or m in QUICK_MEASURES:
            bars[f"median_progress_{m}"] = bar(figures[f"median_progress_{m}"],
                                               QUICK_PROGRESS_MIN if args.quick else PROGRESS_MIN, at_most=False)
        if held[m]:
            figures[f"held_out_progress_{m}"] = round(statistics.median(held[m]), 3)
            if not args.quick:
                bars[f"held_out_progress_{m}"] = bar(figures[f"held_out_progress_{m}"], HELD_OUT_MIN, at_most=False)
    if not args.quick and not args.paintings and not args.photos and not args.unguarded:
        presets(images, bank, figures, bars, args.save)
    figures["style_none_seconds"] = {f"{name}@{work}": round(v, 2) for (name, work), v in plain.items()}
    figures["median_time_ratio"], figures["max_time_ratio"] = round(statistics.median(ratios), 2), round(max(ratios), 2)
    if not args.quick:
        bars["median_time_ratio"] = bar(figures["median_time_ratio"], TIME_RATIO_MAX)
    finish("style_match", args.quick, figures, bars)


def presets(images: dict, bank, figures: dict, bars: dict, save: str | None) -> None:
    """Each of PRESETS painted at its defaults on every photo: the texture and marks
    distances of its output to its painting, median over the photos, against
    PRESET_BEFORE."""
    from painter.engine.run import paint
    from painter.export import draw

    for preset, pname in PRESETS.items():
        goal = painting(pname, bank)
        got: dict[str, list[float]] = {"texture": [], "marks": []}
        for name, img in images.items():
            r = paint(img, style=preset, notice=lambda m: None)
            out = draw(r.strokes, *img.shape[1:])
            if save:
                save_png((hwc(out) * 255 + 0.5).clip(0, 255).astype("uint8"), Path(save) / f"{name}-{preset}.png")
            d = distances(features(out, bank), goal)
            for m in got:
                got[m].append(d[m])
        for m, values in got.items():
            key = f"{preset}_{m}_distance"
            figures[key] = round(statistics.median(values), 4)
            say(f"{preset} against {pname}: {m} distance {figures[key]:.4f} (median over the photos)")
            if key in PRESET_BEFORE.get(preset, {}):
                bars[key] = bar(figures[key], PRESET_BEFORE[preset][key], unit="")


def unguarded(path: Path, folder: str) -> str:
    """The preset file (in ``folder``) of the painting at ``path`` changed by UNGUARDED."""
    from painter.image.io import load_image
    from painter.style.analyze import preset, to_toml

    d = preset(load_image(path), path.stem)
    for (table, key), value in UNGUARDED.items():
        d[table][key] = d[table][key] * float(value[1:]) if isinstance(value, str) else value
    d["exemplar"] = {"image": str(path.resolve())}  # the painting's texture, as --style PAINTING has
    Path(folder).mkdir(parents=True, exist_ok=True)
    out = Path(folder) / f"{path.stem}-unguarded.toml"
    out.write_text(to_toml(d))
    return str(out)


def _options(ap) -> None:
    ap.add_argument("--photos", help="comma-separated photos (default: all four)")
    ap.add_argument("--paintings", help="comma-separated paintings (default: all four)")
    ap.add_argument("--save", metavar="DIR", help="write each output there as PHOTO-PAINTING.png, to look at")
    ap.add_argument("--unguarded", metavar="DIR", help="paint with the presets changed by UNGUARDED, written to DIR")


def timed(fn):
    """(fn(), its wall time in seconds)."""
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


if __name__ == "__main__":
    run_benchmark("style_match", main)
