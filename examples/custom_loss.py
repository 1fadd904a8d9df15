"""Add your own loss term and watch the run through a callback.

The extra loss asks for more saturated colour than the photo has; the callback saves
a frame every --every steps and stops the run early once the loss stops improving.

    .venv/bin/python examples/custom_loss.py [--out out/custom_loss]
"""
import argparse
from pathlib import Path

import torch
from skimage import data

import painter
from painter.defaults import DEFAULT_STEPS
from painter.image.io import save_png


def saturation_boost(image: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Lower when the painting's colours are further from grey than the photo's."""
    grey = image.mean(0, keepdim=True)
    return 0.02 * torch.relu(1.3 * (target - target.mean(0, keepdim=True)).abs().mean()
                             - (image - grey).abs().mean())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--strokes", type=int, default=500)
    ap.add_argument("--steps", type=int, default=DEFAULT_STEPS)
    ap.add_argument("--every", type=int, default=30)
    ap.add_argument("--patience", type=int, default=40, help="stop after this many steps without progress")
    ap.add_argument("--out", default="out/custom_loss")
    a = ap.parse_args()
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    best = {"loss": float("inf"), "since": 0}

    def watch(step: int, strokes: painter.StrokeSet, image: torch.Tensor):
        if step % a.every == 0:
            save_png(image, out / f"step{step:04d}.png")
        loss = float(((image - torch.nn.functional.interpolate(photo[None], size=image.shape[1:],
                                                                 mode="area")[0]) ** 2).mean())
        best["since"] = 0 if loss < best["loss"] - 1e-5 else best["since"] + 1
        best["loss"] = min(best["loss"], loss)
        if best["since"] >= a.patience:
            print(f"stopping at step {step}: no progress for {a.patience} steps")
            return False
        return None

    photo = torch.from_numpy(data.astronaut().copy()).permute(2, 0, 1).float() / 255
    r = painter.paint(photo, strokes=a.strokes, size=a.size, steps=a.steps, losses=[saturation_boost], callback=watch)
    painter.export.export(r.strokes, out / "painting.svg")
    save_png(r.image, out / "painting.png")
    print(f"PSNR {r.psnr:.2f} dB, frames and painting in {out}")


if __name__ == "__main__":
    main()
