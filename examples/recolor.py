"""Recolour a painting without repainting it: map its strokes to a palette, rotate
their hues, or take their colours from another picture.

    .venv/bin/python examples/recolor.py [--strokes-file painting.json] [--out out/recolor]
(without --strokes-file it paints scikit-image's coffee photo first)
"""
import argparse
from pathlib import Path

import torch
from skimage import data

import painter
from painter.defaults import DEFAULT_STEPS
from painter.export.sheet import contact_sheet
from painter.image.io import save_png


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--strokes-file", default=None)
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--strokes", type=int, default=500)
    ap.add_argument("--steps", type=int, default=DEFAULT_STEPS)
    ap.add_argument("--out", default="out/recolor")
    a = ap.parse_args()
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    if a.strokes_file:
        s = painter.StrokeSet.load(a.strokes_file)
    else:
        photo = torch.from_numpy(data.coffee().copy()).permute(2, 0, 1).float() / 255
        s = painter.paint(photo, strokes=a.strokes, size=a.size, steps=a.steps).strokes
    size = int(s.meta.get("size", a.size))
    versions = {
        "original": s,
        "five inks": s.recolor(["#264653", "#2a9d8f", "#e9c46a", "#f4a261", "#e76f51"]),
        "hue +120": s.shift_hue(120),
        "astronaut's colours": s.colors_from(torch.from_numpy(data.astronaut().copy()).permute(2, 0, 1).float() / 255),
    }
    tiles = []
    for name, v in versions.items():
        stem = name.replace(" ", "_").replace("'", "")
        painter.export.export(v, out / f"{stem}.svg")
        tiles.append((name, painter.render(v, *painter.export.export_size(v, size))))
    save_png(contact_sheet(tiles, columns=len(tiles)), out / "recolor.png")
    print(f"wrote {out / 'recolor.png'}")


if __name__ == "__main__":
    main()
