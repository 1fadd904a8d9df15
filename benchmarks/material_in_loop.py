"""Should the optimizer see the material? A measurement on watercolor, where the
material moves the picture most (pigment pooled at the edges, granulation).

Paints the astronaut in `watercolor` at 256 px (defaults), then goes on for 120 more
Adam steps on the strokes' colours and opacities two ways, from the same start:
*finish*: against the flat render, the material added afterwards (what painter
does); *in the loop*: against the finished picture (the watercolor filter computed
differentiably, each layer drawn over transparency and filtered). Both finished
pictures are compared with the painting's target (the photo moved toward the
style's palette): PSNR, luma SSIM, and the texture the material shows (mean absolute
Laplacian of the luma over that of the flat render of the same strokes).
The material stays a finish unless the loop wins by a clear margin.
Bars: none (a measurement); --quick: 64 px, 20 + 10 steps.
"""
from __future__ import annotations

import numpy as np
import torch

from _common import finish, hwc, luma_ssim, parse_args, run_benchmark, say, texture

EXTRA_STEPS, LR = 120, 0.01


def finished(colors, opacity, finish_, background) -> torch.Tensor:
    """The watercolor finish, differentiable in ``colors`` and ``opacity``."""
    from dataclasses import replace

    from painter.materials.finish import filtered, over

    img = background
    p = replace(finish_.paint, colors=colors, opacity=opacity)
    for g in finish_.layer_runs():
        img = over(filtered(finish_.paint_filter, finish_.height, finish_.width, p[g]), img)
    return img


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    import painter
    import painter.materials.filters as filters
    from painter.materials import build, draw, material
    from painter.render import render_stroke_params
    from skimage import data

    box = filters.box_blur
    filters.box_blur = lambda img, sx, sy=None, levels=255: box(img, sx, sy, None)  # rounding has no gradient
    size, steps, extra = (64, 20, 10) if args.quick else (256, 240, EXTRA_STEPS)
    photo = torch.from_numpy(data.astronaut().copy()).permute(2, 0, 1).float() / 255
    r = painter.paint(photo, style="watercolor", size=size, steps=steps, seed=0, notice=lambda m: None)
    h, w = r.image.shape[1:]
    mat = material("watercolor")
    f = build(r.strokes, mat, h, w)
    bg = torch.tensor(r.strokes.background).view(3, 1, 1).expand(3, h, w)
    figures = {}
    for way in ("finish", "in_loop"):
        colors = f.paint.colors.clone().requires_grad_()
        logit = torch.logit(f.paint.opacity.clamp(1e-4, 1 - 1e-4)).clone().requires_grad_()
        opt = torch.optim.Adam([colors, logit], lr=LR)
        for _ in range(extra):
            opt.zero_grad()
            op = torch.sigmoid(logit)
            if way == "finish":
                p = f.paint
                img = render_stroke_params(p.points, p.widths, colors, op, p.canvas, h, w, bg)
            else:
                img = finished(colors, op, f, bg)
            loss = torch.nn.functional.mse_loss(img, r.target)
            loss.backward()
            opt.step()
            with torch.no_grad():
                colors.clamp_(0, 1)
        s = r.strokes.detach()
        s.colors, s.opacity = colors.detach(), torch.sigmoid(logit).detach()
        pic = draw(build(s, mat, h, w), bg)
        flat = draw(build(s, material("flat"), h, w), bg)
        mse = float(torch.mean((pic - r.target) ** 2))
        figures[way] = {"psnr_db": round(10 * np.log10(1 / mse), 2),
                        "ssim_luma": round(luma_ssim(hwc(pic), hwc(r.target), 1.0), 4),
                        "texture_ratio": round(texture(hwc(pic)) / texture(hwc(flat)), 3)}
        say(f"{way}: {figures[way]}")
    finish("material_in_loop", args.quick, figures, {})


if __name__ == "__main__":
    run_benchmark("material_in_loop", main)
