"""Paint one region in one style and the rest in another, then compose the strokes.

The subject (an ellipse in the middle of the photo, or any mask picture given with
--mask: white = subject) is painted van_gogh, the rest watercolor; the two stroke
sets are concatenated (subject on top) into one painting, saved as SVG/PNG/JSON.

    .venv/bin/python examples/two_styles.py [--photo chelsea] [--mask mask.png] [--out out/two_styles]
"""
import argparse
from pathlib import Path

import torch
from skimage import data

import painter
from painter.defaults import DEFAULT_STEPS


def ellipse_mask(h: int, w: int) -> torch.Tensor:
    yy, xx = torch.meshgrid(torch.linspace(-1, 1, h), torch.linspace(-1, 1, w), indexing="ij")
    return (xx / 0.6) ** 2 + (yy / 0.75) ** 2 <= 1


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--photo", default="chelsea", help="a scikit-image photo name")
    ap.add_argument("--mask", default=None, help="mask picture (white = subject)")
    ap.add_argument("--subject-style", default="van_gogh")
    ap.add_argument("--rest-style", default="watercolor")
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--steps", type=int, default=DEFAULT_STEPS)
    ap.add_argument("--out", default="out/two_styles")
    a = ap.parse_args()
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    photo = torch.from_numpy(getattr(data, a.photo)().copy()).permute(2, 0, 1).float() / 255
    if a.mask:
        mask = painter.load_image(a.mask).mean(0) > 0.5
    else:
        mask = ellipse_mask(*photo.shape[1:])
    quiet = lambda m: None  # noqa: E731 - the offline notice once is enough
    rest = painter.paint(photo, style=a.rest_style, mask=~mask, size=a.size, steps=a.steps, notice=print)
    subject = painter.paint(photo, style=a.subject_style, mask=mask, size=a.size, steps=a.steps, notice=quiet)
    both = painter.StrokeSet.cat([rest.strokes, subject.strokes])
    for ext in (".svg", ".png", ".json"):
        painter.export.export(both, out / f"{a.photo}{ext}")
    print(f"{len(rest.strokes)} {a.rest_style} + {len(subject.strokes)} {a.subject_style} strokes -> {out}")


if __name__ == "__main__":
    main()
