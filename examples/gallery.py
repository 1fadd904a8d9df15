"""Build the README gallery: paint a few public-domain photos from scikit-image and
save each painting and a side-by-side sheet (photo | painting) under out/gallery/,
then the astronaut in every built-in style (out/gallery/styles.png), each style drawn
three times larger without and with its material, with 100% crops
(out/gallery/materials.png, and each as SVG), then the photos traced into flat vector
art (out/gallery/traced.png: photo | 16 colours | refined | black and white).

    .venv/bin/python examples/gallery.py [--strokes 500] [--size 256] [--refine 100] [--out out/gallery]
"""
import argparse
from pathlib import Path

import torch
from skimage import data

import painter
from painter.defaults import DEFAULT_STEPS
from painter.export import draw, export_size
from painter.export.sheet import contact_sheet
from painter.image.io import resize_longer, save_png
from painter.materials import describe, resolve

PHOTOS = ("astronaut", "chelsea", "coffee")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--strokes", type=int, default=500)
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--steps", type=int, default=DEFAULT_STEPS)
    ap.add_argument("--out", default="out/gallery")
    ap.add_argument("--photos", nargs="*", default=PHOTOS)
    ap.add_argument("--refine", type=int, default=100, help="refinement steps of the traced art")
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
    paintings = []
    for st in painter.list_styles():
        r = painter.paint(photo, style=st, size=a.size, steps=a.steps, seed=0, notice=lambda m: None)
        tiles.append((st.name, r.image))
        paintings.append((st.name, r.strokes))
        print(f"{st.name}: {len(r.strokes)} strokes")
    save_png(contact_sheet(tiles), out / "styles.png")
    print(f"wrote {out / 'styles.png'}")
    save_png(contact_sheet(material_tiles(paintings, 3 * a.size, a.size, out), columns=4), out / "materials.png")
    print(f"wrote {out / 'materials.png'}")

    tiles = []
    for name in a.photos:
        photo = resize_longer(torch.from_numpy(getattr(data, name)().copy()).permute(2, 0, 1).float() / 255, a.size)
        h, w = photo.shape[1:]
        flat = painter.trace(photo, colors=16)
        refined = painter.trace(photo, colors=16, refine=a.refine)
        bw = painter.trace(photo, mode="bw")
        for tag, art in (("traced", flat), ("refined", refined), ("bw", bw)):
            painter.export.export(art, out / f"{name}-{tag}.svg")
        tiles += [(name, photo), ("16 colours", painter.render(flat, h, w)),
                  (f"refined {a.refine}", painter.render(refined, h, w)), ("bw", painter.render(bw, h, w))]
        print(f"{name}: traced {flat.points.shape[0]} curves; refined PSNR {refined.meta['psnr_traced']:.2f} -> "
              f"{refined.meta['psnr_refined']:.2f} dB")
    save_png(contact_sheet(tiles, columns=4), out / "traced.png")
    print(f"wrote {out / 'traced.png'}")


def material_tiles(paintings, size: int, crop: int, out: Path) -> list:
    """Per painting: flat and in its style's material, drawn at ``size`` and shown
    scaled to ``crop``, then a ``crop`` x ``crop`` piece of each at 100% (from the
    middle of the face's side of the picture); each material also written as SVG."""
    tiles = []
    for name, strokes in paintings:
        material = resolve(None, strokes)
        h, w = export_size(strokes, size)
        flat, finished = draw(strokes, h, w, material="flat"), draw(strokes, h, w)
        y, x = h // 4, w // 3
        piece = (slice(None), slice(y, y + crop), slice(x, x + crop))
        tiles += [(f"{name}: flat", resize_longer(flat, crop)), (describe(material), resize_longer(finished, crop)),
                  ("flat, 100%", flat[piece]), (f"{material.name}, 100%", finished[piece])]
        painter.export.export(strokes, out / f"astronaut-{name}.svg", size=size)
    return tiles


if __name__ == "__main__":
    main()
