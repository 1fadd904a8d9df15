"""Palette transfer (issue bar): painting the astronaut with --style PAINTING moves the
colour distribution of the output towards the painting's.

Distance: sliced Wasserstein-2 between pixel colour sets in CIELAB. Bar: the output
is at least 50% closer to the painting than the photo is (ratio <= 0.5).
"""
import os
from pathlib import Path

import torch

from _common import ROOT, astronaut, bar, finish, parse_args, run_benchmark, say

#: public-domain paintings shipped beside the checkout (never copied into it)
STYLES = Path(os.environ.get("PAINTER_PAINTINGS", ROOT.parent / "shared" / "data" / "styles"))
RATIO_MAX = 0.5


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    from painter.image.color import pixels, sliced_wasserstein, srgb_to_lab
    from painter.image.io import load_image
    from painter.engine.run import paint

    size, steps = (128, 60) if args.quick else (256, 240)
    photo = torch.from_numpy(astronaut(size).copy()).permute(2, 0, 1).float() / 255
    lab = lambda im: srgb_to_lab(pixels(im))  # noqa: E731
    figures, bars = {"size": size, "steps": steps, "paintings": {}}, {}
    for name in ("starry_night", "wave"):
        path = STYLES / f"{name}.jpg"
        painting = load_image(path, size=size)
        r = paint(photo, style=str(path), size=size, steps=steps, notice=lambda m: None)
        d_photo = sliced_wasserstein(lab(photo), lab(painting))
        d_out = sliced_wasserstein(lab(r.image), lab(painting))
        ratio = d_out / d_photo
        say(f"{name}: SWD(photo, painting) {d_photo:.2f}  SWD(output, painting) {d_out:.2f}  ratio {ratio:.3f}")
        figures["paintings"][name] = {"swd_photo": d_photo, "swd_output": d_out, "ratio": ratio}
        bars[f"ratio_{name}"] = bar(ratio, RATIO_MAX)
    finish("style_palette", args.quick, figures, bars)


if __name__ == "__main__":
    run_benchmark("style_palette", main)
