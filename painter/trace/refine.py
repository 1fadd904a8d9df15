"""Stage 4 of tracing (optional, ``refine=STEPS``): every control point and colour
moved towards the picture through the differentiable renderer (torch).

The topology stays: each curve's start is the end of the curve before it (so
subpaths stay closed), and Adam moves the shared end points, the inner control
points and the colours against the pixel and structure loss that painting uses.
"""
from __future__ import annotations

import torch

from ..primitives.paths import PathSet


#: Adam learning rates of the refinement: control points (canvas units per step, i.e.
#: 0.8 px at 512 px, at least 0.2 px), colours, background
REFINE_LR = (0.0016, 0.02, 0.01)


def refine_paths(paths: PathSet, image: torch.Tensor, steps: int, *, device: torch.device | str = "cpu",
                 structure_weight: float = 0.01, callback=None, progress: bool = False) -> PathSet:
    """Move every control point and colour of ``paths`` (and the background colour)
    towards ``image`` ([3,H,W] at the working size) with ``steps`` Adam steps through
    the renderer; topology unchanged, subpaths kept closed."""
    from ..engine.losses import pixel_loss
    from ..engine.optim import Adam
    from ..engine.progress import progress as _progress
    from ..image.imageops import psnr
    from ..render import render

    dev = torch.device(device)
    target = image.to(dev)
    _, h, w = target.shape
    s = float(max(h, w))
    base = paths.closed().to(dev)
    nxt = base.next_curve()
    # free variables, in pixels: each curve's start (shared with the previous curve's end)
    # and its two inner control points
    free = (base.points[:, :3] * s).clone().requires_grad_()
    col = base.colors.clone().requires_grad_()
    bg = torch.tensor(base.background, device=dev).requires_grad_()
    opt = Adam([free, col, bg], [max(0.2, REFINE_LR[0] * s), *REFINE_LR[1:]])

    def build() -> PathSet:
        pts = torch.cat([free, free[nxt, :1]], 1) / s
        return base._replace(points=pts, colors=col)

    bar = _progress(steps, progress)
    for step in range(1, steps + 1):
        opt.zero_grad()
        img = render(build(), h, w, background=bg)
        if step == 1:  # the traced picture, before any step
            psnr0 = psnr(img.detach(), target)
        loss = pixel_loss(img, target, structure_weight)
        loss.backward()
        opt.safe_step(loss)
        with torch.no_grad():
            col.clamp_(0, 1)
            bg.clamp_(0, 1)
        bar.set_description("refine")
        bar.set_postfix(loss=f"{float(loss.detach()):.5f}", refresh=False)
        bar.update(1)
        if callback is not None and callback(step, build().detach(), img.detach()) is False:
            break
    bar.close()
    out = build().detach()
    out = out._replace(background=tuple(float(c) for c in bg.detach()))
    with torch.no_grad():
        psnr1 = psnr(render(out, h, w), target)
    out.meta = {**paths.meta, "psnr_traced": round(psnr0, 3), "psnr_refined": round(psnr1, 3)}
    return out.to("cpu")

