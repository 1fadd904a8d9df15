"""Strokes from an image: error-driven placement, orientation from the structure
tensor, colours sampled from the image.

All geometry here is in pixels of the working canvas; paint.py converts to the
StrokeSet's canvas units.
"""
from __future__ import annotations

import math

import torch

from ..image.imageops import gaussian_blur, luminance, sobel, structure_orientation
from ..primitives.strokes import stroke_points


def place_strokes(
    target: torch.Tensor,
    current: torch.Tensor | None,
    n: int,
    width: float,
    length: float,
    generator: torch.Generator,
    exclusion: float = 0.5,
    angles: torch.Tensor | None = None,
    taper: float = 1.0,
    bend: float = 0.0,
    opacity: float = 1.0,
    along_edges: bool = False,
    weight: torch.Tensor | None = None,
    size_map: torch.Tensor | None = None,
    length_spread: float = 0.0,
    length_map: torch.Tensor | None = None,
) -> dict[str, torch.Tensor]:
    """``n`` new strokes where ``current`` (the painting so far) differs most from
    ``target`` (both [3,H,W]; ``current`` None: everywhere alike, as ``weight`` says).

    Centres are drawn in batches with probability proportional to the blurred
    squared error (inverse transform sampling of its cumulative sum); each new centre
    lowers the error around it (radius ``exclusion * length``) so that strokes spread
    over the error instead of piling up on its peak. Each stroke is straight,
    ``length`` long and ``width`` wide, lies along ``angles`` ([H,W], default: the
    local edge direction), and takes the target's colour (blurred at the stroke's
    width) at its centre. ``taper`` sets the end width (times ``width``), ``bend`` a
    random curvature (fraction of the length), ``opacity`` the starting opacity.
    ``along_edges``: the error counts in proportion to the squared edge strength of
    ``target`` there (contour lines go to the contours, not into flat dark areas).
    ``weight`` ([H,W] >= 0) multiplies the error map (where strokes may go, and how
    eagerly); ``size_map`` ([H,W] > 0) scales each stroke's width and length by its
    value at the stroke's centre (fine strokes where the picture holds detail);
    ``length_spread`` > 0 draws each stroke's length from a log-normal of that
    deviation around ``length`` (a painting's marks vary in length); ``length_map``
    ([H,W] > 0) scales each length (not its width) by its value at the centre (a
    painting's marks may lengthen or shorten with the detail they paint).

    Returns pixel-space tensors: ``points`` [n,4,2], ``widths`` [n,2], ``colors``
    [n,3], ``opacity`` [n], ``scale`` [n] (the size_map's factor, 1 without one) and
    ``stretch`` [n] (each length's factor from ``length_spread`` and ``length_map``,
    1 without them).
    """
    dev = target.device
    _, h, w = target.shape
    sigma = max(0.5, width / 2)
    if current is None:
        err = torch.ones_like(target[0])
    else:
        err = gaussian_blur(((current - target) ** 2).sum(0, keepdim=True), sigma)[0]
    if along_edges:
        gx, gy = sobel(gaussian_blur(luminance(target), sigma))
        edge = (gx * gx + gy * gy)[0]
        err = err * edge / edge.max().clamp_min(1e-12)
    if weight is not None:
        err = err * weight
    err = err.double().cpu()
    theta = angles if angles is not None else structure_orientation(target, sigma=max(1.0, width))[0]
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
        cdf = torch.cumsum(weights.reshape(-1) + 1e-12, 0)
        u = torch.rand(k, generator=generator, dtype=torch.float64) * cdf[-1]
        idx = torch.searchsorted(cdf, u, right=True).clamp_(max=cdf.numel() - 1)
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
    scale = torch.ones(n) if size_map is None else size_map.float().cpu()[cy, cx]
    stretch = torch.exp(length_spread * torch.randn(n, generator=generator)) if length_spread > 0 else torch.ones(n)
    if length_map is not None:
        stretch = stretch * length_map.float().cpu()[cy, cx]
    off = bend * length * scale * stretch * (2 * torch.rand(n, generator=generator) - 1) if bend else None
    points = stroke_points(centre, ang, length * scale * stretch, off)
    widths = torch.tensor([float(width), float(width) * taper]) * scale[:, None]
    colors = colour_src[:, cy, cx].t().contiguous()
    opa = torch.full((n,), float(opacity))
    out = dict(points=points, widths=widths, colors=colors, opacity=opa, scale=scale, stretch=stretch)
    return {k: v.to(dev) for k, v in out.items()}


#: the ground's strokes are at most this many times longer than wide: short dabs
#: cover the canvas as well as long ones and cost less to draw
GROUND_ASPECT = 2.0


def ground_strokes(target: torch.Tensor, n: int, aspect: float, angles: torch.Tensor, generator: torch.Generator
                   ) -> tuple[dict[str, torch.Tensor], float]:
    """At most ``n`` opaque strokes on a grid that together cover every pixel of the
    canvas: the ground (underpainting) of an opaque style, so no bare canvas shows
    wherever the layers above leave gaps.

    The centres lie on a grid of cells at most ``s`` wide (jittered by at most s/10)
    and each stroke's half-width is ``sqrt(2) * (s/2 + s/10) + 1.5`` px, so the disc at
    its centre alone reaches the farthest point of its cell with full coverage (the
    anti-aliasing ramp and a pixel of margin included); strokes are ``aspect`` (at
    most :data:`GROUND_ASPECT`) times longer than wide, along ``angles`` ([H,W]), in
    the target's colour blurred at their size. Returns the pixel-space tensors (as
    :func:`place_strokes`) and the width.
    """
    dev = target.device
    _, h, w = target.shape
    s = max(1.0, math.sqrt(h * w / max(n, 1)))
    while math.ceil(w / s) * math.ceil(h / s) > max(n, 1):  # at most n strokes
        s *= 1.02
    nx, ny = max(1, math.ceil(w / s)), max(1, math.ceil(h / s))
    sx, sy = w / nx, h / ny
    width = 2 * (math.sqrt(2.0) * (max(sx, sy) / 2 + 0.1 * max(sx, sy)) + 1.5)
    gy, gx = torch.meshgrid(torch.arange(ny, dtype=torch.float32), torch.arange(nx, dtype=torch.float32), indexing="ij")
    centre = torch.stack([(gx.reshape(-1) + 0.5) * sx, (gy.reshape(-1) + 0.5) * sy], -1)
    centre = centre + (torch.rand(centre.shape, generator=generator) - 0.5) * 0.2 * torch.tensor([sx, sy])
    ci = centre.long()
    cx, cy = ci[:, 0].clamp(0, w - 1), ci[:, 1].clamp(0, h - 1)
    m = centre.shape[0]
    points = stroke_points(centre, angles.cpu()[cy, cx].float(), width * min(max(aspect, 1.0), GROUND_ASPECT))
    colors = gaussian_blur(target, max(0.5, width / 4)).cpu()[:, cy, cx].t().contiguous()
    out = dict(points=points, widths=torch.full((m, 2), width), colors=colors, opacity=torch.ones(m))
    return {k: v.to(dev) for k, v in out.items()}, width
