"""Strokes from an image: error-driven placement, orientation from the structure
tensor, colours sampled from the image.

All geometry here is in pixels of the working canvas; paint.py converts to the
StrokeSet's canvas units.
"""
from __future__ import annotations

import torch

from .imageops import gaussian_blur, structure_orientation


def place_strokes(
    target: torch.Tensor,
    current: torch.Tensor,
    n: int,
    width: float,
    length: float,
    generator: torch.Generator,
    exclusion: float = 0.5,
) -> dict[str, torch.Tensor]:
    """``n`` new strokes where ``current`` (the painting so far) differs most from
    ``target`` (both [3,H,W]).

    Centres are drawn without replacement with probability proportional to the
    blurred squared error; each new centre lowers the error around it (radius
    ``exclusion * length``) so that strokes spread over the error instead of piling
    up on its peak. Each stroke is straight, ``length`` long and ``width`` wide,
    lies along the local edge direction, and takes the target's colour (blurred at
    the stroke's width) at its centre.

    Returns pixel-space tensors: ``points`` [n,4,2], ``widths`` [n,2], ``colors``
    [n,3], ``opacity`` [n].
    """
    dev = target.device
    _, h, w = target.shape
    sigma = max(0.5, width / 2)
    err = gaussian_blur(((current - target) ** 2).sum(0, keepdim=True), sigma)[0]
    err = err.double().cpu()
    theta, _ = structure_orientation(target, sigma=max(1.0, width))
    theta = theta.cpu()
    colour_src = gaussian_blur(target, max(0.3, width / 4)).cpu()

    rad2 = (exclusion * length) ** 2
    win = int(3 * exclusion * length) + 1  # the damping is negligible beyond 3 sigma
    off = torch.arange(-win, win + 1, dtype=torch.float64)
    damp = 1 - torch.exp(-(off[:, None] ** 2 + off[None, :] ** 2) / (2 * rad2 + 1e-9))  # [2win+1, 2win+1]
    centres: list[tuple[int, int]] = []
    weights = err.clone()
    # draw in batches: each batch samples ~sqrt(n) centres, then damps the error map
    batch = max(1, int(n**0.5))
    while len(centres) < n:
        k = min(batch, n - len(centres))
        flat = weights.reshape(-1)
        wsum = flat.sum()
        probs = flat / wsum if wsum > 0 else torch.full_like(flat, 1.0 / flat.numel())
        idx = torch.multinomial(probs + 1e-12, k, replacement=False, generator=generator)
        for i in idx.tolist():
            cy, cx = divmod(i, w)
            centres.append((cx, cy))
            y0, y1, x0, x1 = max(0, cy - win), min(h, cy + win + 1), max(0, cx - win), min(w, cx + win + 1)
            weights[y0:y1, x0:x1] *= damp[y0 - cy + win : y1 - cy + win, x0 - cx + win : x1 - cx + win]
    c = torch.tensor(centres, dtype=torch.long)
    cx, cy = c[:, 0], c[:, 1]
    ang = theta[cy, cx].float()
    jitter = (torch.rand(n, 2, generator=generator) - 0.5)
    centre = torch.stack([cx.float(), cy.float()], -1) + 0.5 + jitter
    d = torch.stack([ang.cos(), ang.sin()], -1)
    t = torch.tensor([-0.5, -1 / 6, 1 / 6, 0.5])
    points = centre[:, None] + t[None, :, None] * length * d[:, None]
    widths = torch.full((n, 2), float(width))
    colors = colour_src[:, cy, cx].t().contiguous()
    opacity = torch.ones(n)
    return {k: v.to(dev) for k, v in dict(points=points, widths=widths, colors=colors, opacity=opacity).items()}
