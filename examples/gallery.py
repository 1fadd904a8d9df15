"""Build the README gallery: paint a few public-domain photos from scikit-image and
save each painting and a side-by-side sheet (photo | painting) under out/gallery/,
then the astronaut in every built-in style (out/gallery/styles.png).

    .venv/bin/python examples/gallery.py [--strokes 500] [--size 256] [--out out/gallery]
"""
import argparse
from pathlib import Path

import torch
from skimage import data

import painter
from painter.export.sheet import contact_sheet
from painter.io import resize_longer, save_png

PHOTOS = ("astronaut", "chelsea", "coffee")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--strokes", type=int, default=500)
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--steps", type=int, default=180)
    ap.add_argument("--out", default="out/gallery")
    ap.add_argument("--photos", nargs="*", default=PHOTOS)
    a = ap.parse_args()
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for name in a.photos:
        photo = torch.from_numpy(getattr(data, name)().copy()).permute(2, 0, 1).float() / 255
        r = painter.paint(photo, strokes=a.strokes, size=a.size, steps=a.steps, seed=0)
        for ext in (".png", ".svg", ".json"):
            painter.export.export(r.strokes, out / f"{name}{ext}", image=r.image)
        print(f"{name}: {len(r.strokes)} strokes, PSNR {r.psnr:.2f} dB")
        rows.append(torch.cat([r.target, r.image], 2))
    width = max(x.shape[2] for x in rows)
    sheet = torch.cat([torch.nn.functional.pad(x, (0, width - x.shape[2]), value=1.0) for x in rows], 1)
    save_png(sheet, out / "sheet.png")
    print(f"wrote {out / 'sheet.png'}")

    photo = torch.from_numpy(data.astronaut().copy()).permute(2, 0, 1).float() / 255
    tiles = [("photo", resize_longer(photo, a.size))]
    for st in painter.list_styles():
        r = painter.paint(photo, style=st, size=a.size, steps=a.steps, seed=0, notice=lambda m: None)
        tiles.append((st.name, r.image))
        print(f"{st.name}: {len(r.strokes)} strokes")
    save_png(contact_sheet(tiles), out / "styles.png")
    print(f"wrote {out / 'styles.png'}")


if __name__ == "__main__":
    main()
