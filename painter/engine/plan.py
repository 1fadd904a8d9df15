"""The plan of a painting run: everything fixed before the first stroke.

:func:`plan_run` loads the photo at the working size, moves its colours towards
the style's palette (the *goal* the pixel losses aim at), and splits the strokes
and the steps over the style's layers, giving each layer its brush, stroke width
and length, and the resolution it is optimized at.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import torch

from ..defaults import DEFAULT_SIZE
from ..image.color import recolor_to_palette, srgb_to_lab, transfer_colors
from ..image.imageops import luminance
from ..image.io import load_image, resize_longer
from ..materials import describe
from ..style.styles import Brush, Brushwork, LayerSpec, Style
from .checkpoint import fingerprint
from .detail import detail_map, face_map, find_faces

#: share of the steps spent, at the end, on optimizing all strokes together (the
#: layers before were each optimized alone over the finished ones): measured on the
#: astronaut at 256 px, 500 strokes, 180 layered steps: 24.1 dB alone, 26.4 dB with
#: 40 polish steps, 26.9 dB with 80. Polishing only the fine layers, or at half
#: resolution, loses most of the gain (5000 strokes at 512 px: 34.7 dB all at full
#: resolution, 33.6 the last two layers, 31.8 the last alone, 30.8 at half resolution)
POLISH_SHARE = 0.3
#: runs of at least this many strokes leave their coarsest layer (buried under the
#: others) beneath the polish, cached: 5000 strokes at 512 px, 34.2 dB in 21 s rather
#: than 34.4 dB in 27.5 s; 1600 at 256 px, 32.6 dB in 7.1 s rather than 32.9 in 8.7
#: (astronaut); smaller runs polish it too (500 at 256 px: 26.9 dB, not 26.6)
POLISH_SKIP_FROM = 1500

#: three coarse layers optimized at half resolution, then half of the strokes, small,
#: at full resolution (tuned on scikit-image photos for PSNR per second)
DEFAULT_LAYERS = (
    LayerSpec(0.08, 2.0, 0.15, 0.5),
    LayerSpec(0.14, 1.2, 0.20, 0.5),
    LayerSpec(0.26, 0.8, 0.25, 0.5),
    LayerSpec(0.52, 0.4, 0.40, 1.0),
)


@dataclass(frozen=True)
class LayerPlan:
    index: int  # position in the style's layer schedule (the strokes' layer number)
    spec: LayerSpec
    brush: Brush
    strokes: int
    steps: int
    start: int  # strokes painted before this layer
    width: float  # stroke width at placement, pixels of the working size
    length: float
    scale: float  # resolution of the layer's optimization relative to the working size
    polish: bool = False  # the final joint polish: every stroke, nothing placed
    ground: bool = False  # an opaque grid that covers the canvas (its shapes stay put)
    detail: bool = False  # fine strokes where the canvas still misses the photo's detail (faces, edges)


@dataclass
class Plan:
    """Everything a run needs from its photo and its style, resolved once: the stages
    read this, never the Style (its loss terms are :func:`painter.engine.losses.loss_terms`)."""
    name: str  # the style's
    device: torch.device
    target: torch.Tensor  # [3,H,W] the photo at the working size
    canvas: tuple[float, float]  # width and height, the longer 1: the photo's aspect
    goal: torch.Tensor  # [3,H,W] what the pixel losses aim at: the photo moved towards the palette
    region: torch.Tensor | None  # [1,H,W] in [0,1] where to paint, or None for everywhere
    faces: torch.Tensor  # [1,H,W] in [0,1] the photo's faces (detail.face_map)
    detail: torch.Tensor  # [1,H,W] in [0,1] how much detail each place holds (detail.detail_map)
    background: torch.Tensor  # [3]
    palette: torch.Tensor | None  # [K,3]
    dark: torch.Tensor  # [3] the colour of dark layers (contours, hatching)
    snap: float  # pull of stroke colours to the palette
    grey: bool  # the palette is grey (graphite, ink): strokes are grey too
    structure_weight: float
    flow: str  # the field strokes follow (style.flow): structure | curl | hatch | none
    curl: float  # share of curl noise in the structure field
    hatch_angle: float  # degrees, for flow "hatch"
    material: str  # the style's material, as the stroke file records it
    layers: list[LayerPlan]
    brushwork: Brushwork | None  # the dashes laid over the finished painting (None: none)
    strokes: int
    steps: int
    seed: int
    fingerprint: str

    @property
    def size(self) -> tuple[int, int]:
        return self.target.shape[1], self.target.shape[2]

    @property
    def longer(self) -> float:
        return float(max(self.size))

    @property
    def painted_layers(self) -> int:
        """How many layers place strokes (the polish places none)."""
        return sum(not layer.polish for layer in self.layers)


def plan_run(image, style: Style, *, strokes: int | None, size: int, steps: int, seed: int, device: torch.device,
             layers: tuple[LayerSpec, ...] | None, preserve_color: bool, structure_weight: float | None,
             mask: torch.Tensor | None, options: dict, neural: bool = False) -> Plan:
    """The plan for painting ``image`` (a path or a [3,H,W] tensor) in ``style``
    (``neural``: with its VGG losses, see :func:`goal_colours`); ``options`` are the
    other settings that shape the painting (for the fingerprint)."""
    st = style
    n_total = strokes if strokes is not None else max(1, round(st.strokes * size / DEFAULT_SIZE))
    photo = load_image(image) if isinstance(image, (str, Path)) else image.detach().float().clamp(0, 1)
    h0, w0 = photo.shape[1:]
    canvas = (w0 / max(h0, w0), h0 / max(h0, w0))  # the photo's own aspect, not the working size's rounded one
    target = resize_longer(photo, size).to(device)
    _, H, W = target.shape
    goal = target if preserve_color else goal_colours(target, st, seed, neural)
    faces = face_map(find_faces(photo), H, W, device)
    goal = goal + FACE_KEEP * faces * (target - goal)  # a face keeps more of its own colours and values
    region = None
    if mask is not None:
        region = torch.as_tensor(mask, device=device).float()
        if region.dim() != 2:
            raise ValueError("mask must be [H,W]")
        region = torch.nn.functional.interpolate(region[None, None], size=(H, W), mode="nearest")[0].clamp(0, 1)
    detail = detail_map(target, faces, max(1.0, max(H, W) / DEFAULT_SIZE))
    bg = torch.tensor(st.background, device=device) if st.background is not None else goal.mean((1, 2))
    palette = torch.tensor(st.palette, device=device) if st.palette else None
    dark = palette[srgb_to_lab(palette)[:, 0].argmin()] if palette is not None else torch.full((3,), 0.1, device=device)
    sw = st.structure_weight if structure_weight is None else structure_weight
    specs = layers or st.layers or DEFAULT_LAYERS
    fp = fingerprint(target, strokes=n_total, steps=steps, seed=seed, style=repr(st), layers=repr(specs),
                     neural=neural, preserve_color=preserve_color, structure_weight=sw,
                     mask=None if region is None else fingerprint(region), **options)
    return Plan(st.name, device, target, canvas, goal, region, faces, detail, bg, palette, dark,
                0.0 if preserve_color or palette is None else st.palette_snap,
                bool(st.palette) and not preserve_color and _achromatic(st.palette), sw,
                st.flow, st.curl, st.hatch_angle, describe(st.material),
                plan_layers(specs, st.brush, n_total, steps, H, W, ground=st.ground == "paint",
                            detail=st.detail if layers is None else 0.0),
                st.brushwork if st.brushwork.cover > 0 else None, n_total, steps, seed, fp)


def goal_colours(target: torch.Tensor, st: Style, seed: int, neural: bool) -> torch.Tensor:
    """The photo [3,H,W] moved ``palette_strength`` of the way towards the style's
    colours: a preset painted without VGG weights takes its palette's nearest hues
    and keeps the photo's lights and darks (it reads as the photo; a style on paper
    too, whose exemplar, mostly paper, would wash the photo out); a preset whose
    palette is grey (graphite, ink) takes the photo's values in grey; a painting and
    any style with its Gram loss at work take the exemplar's colour distribution
    (sliced optimal transport), which is what that loss measures."""
    strength = st.palette_strength
    if strength <= 0:
        return target
    if st.image is None and st.palette and _achromatic(st.palette):  # graphite, ink: the photo's values in grey
        return (1 - strength) * target + strength * luminance(target).expand_as(target)
    if st.image is None and st.palette and not neural:
        moved = recolor_to_palette(target, torch.tensor(st.palette, device=target.device))
    else:
        moved = transfer_colors(target.cpu(), st.colour_set(), TRANSFER_ITERATIONS, seed,
                                TRANSFER_LIGHTNESS).to(target.device)
    return (1 - strength) * target + strength * moved


#: sliced optimal transport's steps, and how much it stretches lightness so that colours
#: move tone by tone (the photo's shadows to the style's shadow colours, its lights to its
#: light colours; see PALETTE_STRENGTH in painter.style.analyze for what it did):
#: painter.image.color.transfer_colors
TRANSFER_ITERATIONS, TRANSFER_LIGHTNESS = 32, 2.0
#: the share of the way back from the palette-moved goal to the photo that a face takes
FACE_KEEP = 0.7
#: a palette whose colours all lie within this chroma (CIELAB) is grey: graphite, ink
GREY_CHROMA = 8.0


def _achromatic(palette) -> bool:
    lab = srgb_to_lab(torch.tensor(palette, dtype=torch.float32))
    return bool(lab[:, 1:].norm(dim=1).max() <= GREY_CHROMA)


def plan_layers(specs: tuple[LayerSpec, ...], brush: Brush, strokes: int, steps: int, h: int, w: int,
                ground: bool = False, detail: float = 0.0) -> list[LayerPlan]:
    """Strokes and steps split over the layers (largest remainder); each layer's stroke
    width makes its strokes cover the canvas ``coverage`` times. Empty layers are left
    out. With more than one layer, the last :data:`POLISH_SHARE` of the steps go to a
    final polish of the strokes together (a LayerPlan with ``polish`` set), less the
    ground and, from :data:`POLISH_SKIP_FROM` strokes on, the coarsest layer. With
    ``ground``, the first layer is the ground: an opaque grid covering the canvas.
    ``detail`` (a share of the strokes and of the layered steps) adds a layer after
    the last painted one (and before dark layers that end the schedule, contours
    over everything) on canvases of at least :data:`DETAIL_FROM` px: strokes half as
    wide as the finest layer's (at most :data:`DETAIL_MAX_PX`), placed where the
    canvas still misses the photo's detail (see :mod:`painter.engine.detail`)."""
    numbers = list(range(len(specs)))  # each layer's number in the strokes' ``layer``
    if detail > 0 and len(specs) > 1 and min(h, w) >= DETAIL_FROM and not any(s.detail for s in specs):
        specs, numbers = _with_detail(specs, detail)
    counts = split(strokes, [s.fraction for s in specs])
    polish = round(steps * POLISH_SHARE) if len(specs) > 1 else 0
    step_counts = split(steps - polish, [s.steps for s in specs])
    out, start, finest = [], 0, None
    for k, spec, n, n_steps in zip(numbers, specs, counts, step_counts):
        if n == 0:
            continue
        b = spec.brush or brush
        aspect = max(b.aspect, 1.0)
        if spec.detail and finest is not None:  # the finest painted layer's brush, narrower
            b = spec.brush or finest.brush
            width = min(finest.width * DETAIL_WIDTH, DETAIL_MAX_PX * max(h, w) / DEFAULT_SIZE)
        else:
            width = min(b.max_width_px, b.width_scale * math.sqrt(spec.coverage * h * w / (aspect * n)))
        scale = spec.scale if min(h, w) * spec.scale >= 32 else 1.0
        out.append(LayerPlan(k, spec, b, n, n_steps, start, width, width * b.aspect, scale,
                             ground=ground and not out, detail=spec.detail))
        if not spec.dark and not out[-1].detail:
            finest = out[-1]
        start += n
    if polish and out:  # the ground (its shapes fixed) stays beneath, out of the polish, cached
        last = out[-1]
        skip = (strokes >= POLISH_SKIP_FROM) + out[0].ground
        first = out[min(skip, len(out) - 1)].start
        out.append(LayerPlan(last.index, last.spec, last.brush, start - first, polish, first, last.width,
                             last.length, 1.0, polish=True))
    return out


#: the detail layer: its strokes' width as a share of the finest painted layer's, and
#: the shorter side (px) a canvas needs for one (a thumbnail has no detail to seek)
DETAIL_WIDTH, DETAIL_FROM = 0.5, 96
#: ... and at most this wide (px at 256 px): eyes and mouths are a few pixels there
DETAIL_MAX_PX = 3.0


def _with_detail(specs: tuple[LayerSpec, ...], share: float) -> tuple[tuple[LayerSpec, ...], list[int]]:
    """``specs`` with the detail layer after the last painted (not dark) layer,
    taking ``share`` of the strokes and of the steps, and the layers' numbers: the
    style's own keep theirs, the detail layer comes after them."""
    total_f, total_s = sum(s.fraction for s in specs), sum(s.steps for s in specs)
    last = max((i for i, s in enumerate(specs) if not s.dark), default=len(specs) - 1)
    spec = LayerSpec(total_f * share / (1 - share), 0.0, total_s * share / (1 - share), detail=True)
    numbers = list(range(len(specs)))
    return (*specs[:last + 1], spec, *specs[last + 1:]), [*numbers[:last + 1], len(specs), *numbers[last + 1:]]


def split(total: int, fractions: list[float]) -> list[int]:
    """Integers proportional to ``fractions`` summing to ``total`` (largest remainder)."""
    s = sum(fractions)
    raw = [total * f / s for f in fractions]
    out = [int(math.floor(r)) for r in raw]
    for i in sorted(range(len(raw)), key=lambda i: out[i] - raw[i])[: total - sum(out)]:
        out[i] += 1
    return out
