"""Paint photos in the style of paintings and lay them out: one row per painting, the
painting first, then each photo painted with `--style PAINTING` at its defaults
(out/paintings/sheet.png; each painting as out/paintings/PHOTO-PAINTING.png too).

The paintings are every .jpg/.png in --paintings (default: ../shared/data/styles
beside this checkout, public-domain paintings that are not part of painter); the photos
are scikit-image's astronaut, chelsea, coffee and rocket at --size px.

    .venv/bin/python examples/paintings.py [--paintings DIR] [--size 512] [--steps 240] [--out out/paintings]
"""
import argparse
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from skimage import data

import painter
from painter.defaults import DEFAULT_STEPS
from painter.export import draw
from painter.export.sheet import contact_sheet
from painter.image.io import load_image, resize_longer, save_png

PHOTOS = ("astronaut", "chelsea", "coffee", "rocket")
PAINTINGS = Path(__file__).resolve().parents[2] / "shared" / "data" / "styles"


def photo(name: str, size: int) -> torch.Tensor:
    """A scikit-image photo as [3,H,W] in [0, 1], its longer side ``size`` px."""
    img = Image.fromarray(getattr(data, name)()).convert("RGB")
    return resize_longer(torch.from_numpy(np.asarray(img).copy()).permute(2, 0, 1).float() / 255, size)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--paintings", type=Path, default=PAINTINGS)
    ap.add_argument("--photos", nargs="*", default=PHOTOS)
    ap.add_argument("--size", type=int, default=512, help="longer side of the photos and of each tile")
    ap.add_argument("--steps", type=int, default=DEFAULT_STEPS)
    ap.add_argument("--tile", type=int, default=256, help="longer side of each picture on the sheet")
    ap.add_argument("--out", type=Path, default=Path("out/paintings"))
    a = ap.parse_args()
    paintings = sorted(p for p in a.paintings.glob("*") if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
    if not paintings:
        raise SystemExit(f"no paintings (.jpg, .png) in {a.paintings}")
    a.out.mkdir(parents=True, exist_ok=True)
    photos = {name: photo(name, a.size) for name in a.photos}
    tiles = []
    for path in paintings:
        tiles.append((path.stem, resize_longer(load_image(path), a.tile)))
        for name, img in photos.items():
            r = painter.paint(img, style=str(path), steps=a.steps, seed=0)
            out = draw(r.strokes, *img.shape[1:])  # what a user's PNG holds: the strokes in their material
            save_png(out, a.out / f"{name}-{path.stem}.png")
            tiles.append((f"{name}, {path.stem}", resize_longer(out, a.tile)))
            print(f"{name} in the style of {path.stem}: {len(r.strokes)} strokes at {r.strokes.meta['size']} px")
    sheet = contact_sheet(tiles, columns=1 + len(photos))
    save_png(sheet, a.out / "sheet.png")
    print(f"wrote {a.out / 'sheet.png'}")


if __name__ == "__main__":
    main()
