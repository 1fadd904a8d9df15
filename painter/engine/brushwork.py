"""The brushwork stage: a painting's marks where the photo holds nothing in particular.

The optimizer paints a flat area with a few broad strokes of one colour: nothing
there asks for more, and a texture loss that asks for marks makes a few isolated,
high-contrast ones (confetti), because that is the cheapest way to add edge energy.
A painter's flat sky is full of marks all the same. This stage lays them over the
finished painting, unoptimized: short dashes of the style's mark size
(:class:`painter.style.styles.Brushwork`, measured from a painting by ``styles
--from``), spread evenly over the flat areas (away from edges, faces and detail:
:func:`painter.engine.detail.detail_map`), along the style's flow, each in the colour
of the paint beneath it made a little lighter or darker (a grey offset drawn with
the style's ``contrast`` as its deviation). Neighbouring dashes differ in value as a
painter's loaded brush does, and they run together along the flow: in chains of
:data:`CHAIN`, each chain traced along the flow's streamline from a point drawn as
the other stages draw theirs (:func:`painter.engine.place.place_strokes`), so that
the marks form streams and, where the style swirls, swirls. Where the photo holds no
direction (a flat area), the style's swirl takes the flow over entirely (curl 1).

The dashes may not hide the photo: where they would take the painting's luma SSIM
against the photo below :data:`KEEP_SSIM` of what it was without them (a flat sky
under dashes of Starry Night's contrast, the rocket's, fell from 0.69 to 0.44), their
contrast is scaled down until it holds (bisection on the scale: a few renders of the
dashes over the painting), and where even plain dashes would, there are none.

It costs one placement, a few renders and no optimizer steps; it draws from its own
generator (seeded by the run's seed), so a resumed run lays the same dashes.
"""
from __future__ import annotations

import math

import torch

from ..image.imageops import gaussian_blur
from ..render import render_stroke_params
from ..style.flow import flow_angles
from .losses import ssim_loss
from .place import place_strokes
from .plan import Plan

#: how the dashes keep away from detail: the placement weight is (1 - detail) to this
#: power (painter.engine.detail.detail_map); at 1 the dashes reached edges and faint
#: features and took the coffee in Starry Night's style from SSIM 0.58 to 0.50
FLAT_POWER = 3.0
#: the least size (px at the working size) of a dash: thinner ones vanish in anti-aliasing
MIN_WIDTH, MIN_LENGTH = 1.5, 3.0
#: the generator's seed is the run's plus this: the dashes do not shift the run's own draws
SEED_OFFSET = 7919
#: the share of the painting's luma SSIM against the photo that its dashes must keep
KEEP_SSIM = 0.9
#: bisection steps on the contrast's scale when the dashes would not keep it
SCALE_STEPS = 4
#: dashes run in chains of this many along the flow's streamlines, GAP of their length
#: apart. Laid one by one, Starry Night's dashes over the astronaut's background and the
#: rocket's sky lay every which way; in chains they form streams and swirls
#: (benchmarks/style_match.py)
CHAIN, GAP = 3, 0.35


def brushwork(plan: Plan, picture: torch.Tensor) -> tuple[dict[str, torch.Tensor], torch.Tensor] | None:
    """The dashes of ``plan.brushwork`` over ``picture`` (the finished painting at
    the working size, [3,H,W]), as pixel-space tensors (those of
    :func:`painter.engine.place.place_strokes`), and the picture with them drawn
    over it; None when the style has no brushwork, there is no room for a dash, or
    no dash keeps the photo (:data:`KEEP_SSIM`)."""
    bw = plan.brushwork
    if bw is None:
        return None
    h, w = plan.size
    length = max(MIN_LENGTH, bw.length * plan.longer)
    width = max(MIN_WIDTH, bw.width * plan.longer)
    weight = (1 - plan.detail[0]).clamp(0, 1) ** FLAT_POWER * (1 - plan.faces[0])
    if plan.region is not None:
        weight = weight * plan.region[0]
    n = int(bw.cover * float(weight.mean()) * h * w / (length * width))
    if n < 1:
        return None
    gen = torch.Generator().manual_seed(plan.seed + SEED_OFFSET)
    angles = flow_angles(plan.target, plan.flow, max(1.0, width), gen, 1.0 if plan.curl > 0 else 0.0,
                         plan.hatch_angle)
    dashes = chains(picture, n, width, length, gen, angles, weight, opacity=bw.opacity)
    if dashes is None:
        return None
    base = dashes["colors"]
    offset = bw.contrast * torch.randn(base.shape[0], 1, generator=gen).to(picture.device)
    floor = KEEP_SSIM * (1 - float(ssim_loss(picture, plan.target)))

    def drawn(scale: float) -> tuple[torch.Tensor, torch.Tensor] | None:
        """(colours, picture) with the offsets at ``scale``, or None if they lose the photo."""
        colours = (base + scale * offset).clamp(0, 1)
        with torch.no_grad():
            out = render_stroke_params(dashes["points"] / plan.longer, dashes["widths"] / plan.longer, colours,
                                       dashes["opacity"], plan.canvas, h, w, picture)
        return (colours, out) if 1 - float(ssim_loss(out, plan.target)) >= floor else None

    best = drawn(1.0)
    if best is None:
        lo, hi, best = 0.0, 1.0, drawn(0.0)
        if best is None:
            return None
        for _ in range(SCALE_STEPS):
            mid = (lo + hi) / 2
            got = drawn(mid)
            lo, hi, best = (mid, hi, got) if got is not None else (lo, mid, best)
    dashes["colors"], out = best
    return dashes, out


def chains(picture: torch.Tensor, n: int, width: float, length: float, gen: torch.Generator,
           angles: torch.Tensor, weight: torch.Tensor, taper: float = 0.8,
           opacity: float = 1.0) -> dict[str, torch.Tensor] | None:
    """About ``n`` dashes ``length`` x ``width`` px over ``picture`` [3,H,W], in chains
    of :data:`CHAIN` along the streamlines of ``angles`` [H,W]: each chain's middle
    is drawn where ``weight`` [H,W] in [0, 1] says (place_strokes' spread), its
    streamline traced both ways a pixel at a step, and each dash is the cubic through
    four points of its stretch. A dash whose middle falls off the canvas or where the
    weight is low (under a random half) is left out. Pixel-space tensors as
    place_strokes gives them (each dash ``opacity`` opaque), or None when no dash
    is left."""
    h, w = picture.shape[1:]
    period = length * (1 + GAP)
    seeds = place_strokes(picture, None, max(1, math.ceil(n / CHAIN)), width, period * CHAIN / 2, gen,
                          angles=angles, weight=weight)["points"].cpu()
    middle = (seeds[:, 0] + seeds[:, 3]) / 2
    half = math.ceil(CHAIN * period / 2)
    theta = angles.cpu()
    path = torch.cat([_trace(theta, middle, half, -1.0).flip(0), middle[None], _trace(theta, middle, half, 1.0)])
    span, stretches = int(round(length)), []
    for k in range(CHAIN):
        s = int(round(half - CHAIN * period / 2 + k * period))
        q = path[[s, s + span // 3, s + 2 * span // 3, s + span]].transpose(0, 1)  # [m,4,2]
        stretches.append(_through(q))
    points = torch.cat(stretches)
    mid = (points[:, 0] + points[:, 3]) / 2
    inside = (mid[:, 0] >= 0) & (mid[:, 0] < w) & (mid[:, 1] >= 0) & (mid[:, 1] < h)
    keep = inside & (0.5 * torch.rand(len(mid), generator=gen) < _at(weight.cpu(), mid))
    points, mid = points[keep], mid[keep]
    if not len(points):
        return None
    colours = _at(gaussian_blur(picture, max(0.3, width / 4)).cpu(), mid).t().contiguous()
    k, dev = len(points), picture.device
    return {"points": points.to(dev), "widths": torch.tensor([[width, width * taper]]).expand(k, 2).clone().to(dev),
            "colors": colours.to(dev), "opacity": torch.full((k,), float(opacity), device=dev)}


def _trace(theta: torch.Tensor, start: torch.Tensor, steps: int, sign: float) -> torch.Tensor:
    """[steps,m,2]: the streamlines of the orientations ``theta`` [H,W] from ``start``
    [m,2] (px), a pixel at a step, ``sign`` the way along the first orientation;
    each step keeps the way of the last (an orientation has no sign)."""
    pos, way, out = start.clone(), None, []
    for _ in range(steps):
        a = _at(theta, pos)
        d = torch.stack([torch.cos(a), torch.sin(a)], -1)
        d = d * sign if way is None else torch.where((d * way).sum(-1, keepdim=True) < 0, -d, d)
        pos, way = pos + d, d
        out.append(pos)
    return torch.stack(out)


def _through(q: torch.Tensor) -> torch.Tensor:
    """[m,4,2]: the control points of the cubic Béziers through the points ``q``
    [m,4,2] at t = 0, 1/3, 2/3 and 1."""
    p1 = (-5 * q[:, 0] + 18 * q[:, 1] - 9 * q[:, 2] + 2 * q[:, 3]) / 6
    p2 = (2 * q[:, 0] - 9 * q[:, 1] + 18 * q[:, 2] - 5 * q[:, 3]) / 6
    return torch.stack([q[:, 0], p1, p2, q[:, 3]], 1)


def _at(field: torch.Tensor, pos: torch.Tensor) -> torch.Tensor:
    """``field`` [...,H,W] at the pixels nearest ``pos`` [m,2] (x, y in px), clamped to
    the canvas: [...,m]."""
    h, w = field.shape[-2:]
    x = pos[:, 0].round().long().clamp(0, w - 1)
    y = pos[:, 1].round().long().clamp(0, h - 1)
    return field[..., y, x]
