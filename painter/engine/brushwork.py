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

It costs one placement and no optimizer steps; it draws from its own generator
(seeded by the run's seed), so a resumed run lays the same dashes.
"""
from __future__ import annotations

import torch

from ..style.flow import flow_angles
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


def brushwork_strokes(plan: Plan, picture: torch.Tensor) -> dict[str, torch.Tensor] | None:
    """The dashes of ``plan.brushwork`` over ``picture`` (the finished painting at
    the working size, [3,H,W]), as pixel-space tensors (those of
    :func:`painter.engine.place.place_strokes`), or None when the style has no
    brushwork or no room for a dash."""
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
    offset = bw.contrast * torch.randn(n, 1, generator=gen).to(picture.device)
    dashes["colors"] = (dashes["colors"] + offset).clamp(0, 1)
    dashes["opacity"] = torch.full_like(dashes["opacity"], bw.opacity)
    return dashes
