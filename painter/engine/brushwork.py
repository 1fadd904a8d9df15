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
painter's loaded brush does, and they run together along the flow.

The dashes may not hide the photo: where they would take the painting's luma SSIM
against the photo below :data:`KEEP_SSIM` of what it was without them (a flat sky
under dashes of Starry Night's contrast, the rocket's, fell from 0.69 to 0.44), their
contrast is scaled down until it holds (bisection on the scale: a few renders of the
dashes over the painting), and where even plain dashes would, there are none.

It costs one placement, a few renders and no optimizer steps; it draws from its own
generator (seeded by the run's seed), so a resumed run lays the same dashes.
"""
from __future__ import annotations

import torch

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
    angles = flow_angles(plan.target, plan.flow, max(1.0, width), gen, plan.curl, plan.hatch_angle)
    dashes = place_strokes(picture, None, n, width, length, gen, angles=angles, taper=0.8, weight=weight)
    base = dashes["colors"]
    offset = bw.contrast * torch.randn(n, 1, generator=gen).to(picture.device)
    dashes["opacity"] = torch.full_like(dashes["opacity"], bw.opacity)
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
