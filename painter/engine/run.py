"""The optimizer: paints a target image with brushstrokes, coarse to fine.

A run is a short loop over named stages, each a function of its own:

- *plan* (:func:`painter.engine.plan.plan_run`): the photo at the working size, the goal
  the pixel losses aim at (the photo moved towards the style's palette), strokes and
  steps split over the layers;
- for each layer, big strokes first:
  - *place* (:func:`place_layer`): the layer's strokes go where the painting so far
    differs most from the goal (init.place_strokes), along the flow field;
  - *optimize* (:func:`optimize_layer`): Adam moves the layer's strokes (control
    points, widths, colours, opacities) through the differentiable renderer against
    pixel losses (mean squared colour error plus an L1 term on image gradients), the
    style's weight-free texture and SSIM content losses where it has them (styles
    taken from paintings) and, with VGG weights, the neural style and content
    losses. Only the active layer's strokes are optimized and rendered: the
    finished layers beneath are a cached picture, the background the active
    strokes are drawn over ("over" is associative), so a step costs what the
    active layer costs. Coarse layers are optimized at a reduced resolution, which
    the vector strokes make free;
  - *freeze* (:func:`freeze_layer`): the layer is composited once into the cache;
- *polish*: the last share of the steps optimizes the strokes together (the
  optimize stage on all of them but the ground's and, in large runs, the coarsest
  layer's, which stay beneath in the cache), which lets the strokes settle under
  the fine ones (see :data:`painter.engine.plan.POLISH_SHARE`, ``POLISH_SKIP_FROM``).
  Layers larger than :data:`WINDOW_PIXELS` are optimized window by window;
- *brushwork* (:func:`add_brushwork`, :mod:`painter.engine.brushwork`): a style's
  dashes over the finished painting's flat areas, a layer of their own, unoptimized
  (only once every layer is done).

Checkpoints hold the strokes, the active layer's optimizer state, the step and the
random generator; a resumed run rebuilds the cache layer by layer exactly as the
uninterrupted run built it, so it ends with the same strokes, bit for bit (CPU).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import torch

from ..defaults import DEFAULT_SIZE, DEFAULT_STEPS
from ..image.imageops import gaussian_blur, luminance, psnr
from ..image.io import resize_longer
from ..primitives.strokes import StrokeSet
from ..render import render_stroke_params
from ..style.flow import flow_angles
from ..style.styles import LayerSpec, Style, load_style
from .brushwork import brushwork
from .checkpoint import Interrupted, deferred_interrupts, load_checkpoint, save_checkpoint
from .detail import edge_map
from .losses import SSIM_SIGMA, Terms, load_perceptual, loss_terms, palette_pull, pixel_loss, ssim_loss
from .optim import Adam
from .place import GROUND_ASPECT, ground_strokes, place_strokes
from .plan import LayerPlan, Plan, plan_run
from .progress import progress as progress_bar

#: a face's pixels count this many times as much as others in the losses
FACE_WEIGHT = 8.0
#: layers larger than this many pixels are optimized window by window (see _backward)
WINDOW_PIXELS = 1 << 20
#: edge of those windows in pixels
WINDOW = 512
#: chord tolerance (px) of the strokes' flattening while optimizing: coarser than the
#: exports' (render.geometry.FLATTEN_TOLERANCE), a third fewer segments for 0.1 dB
WORK_TOLERANCE = 0.3

__all__ = ["PaintResult", "freeze_layer", "optimize_layer", "paint", "place_layer", "resolve_device"]


@dataclass
class PaintResult:
    strokes: StrokeSet
    image: torch.Tensor  # [3,H,W] final render at the working size
    target: torch.Tensor  # [3,H,W] the photo at the working size
    history: list[float] = field(default_factory=list)  # loss per step
    style_history: list[float] = field(default_factory=list)  # VGG style loss per step (when used)

    @property
    def psnr(self) -> float:
        return psnr(self.image, self.target)

    def _repr_png_(self) -> bytes:
        """The painting as a PNG, for Jupyter and IPython's display."""
        from ..export.files import preview_png

        return preview_png(self.strokes)


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    if str(device) == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    dev = torch.device(device)
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError("--device cuda was asked for, but no CUDA device is available")
    return dev


def paint(
    image: torch.Tensor | str | Path,
    *,
    style: str | Path | Style | None = "none",
    strokes: int | None = None,
    size: int | None = None,
    steps: int = DEFAULT_STEPS,
    seed: int = 0,
    device: str | torch.device = "auto",
    layers: tuple[LayerSpec, ...] | None = None,
    style_weight: float | None = None,
    content_weight: float | None = None,
    preserve_color: bool = False,
    style_scale: float = 1.0,
    weights: str | Path | None = None,
    structure_weight: float | None = None,
    callback: Callable[[int, StrokeSet, torch.Tensor], object] | None = None,
    progress: bool | Callable[[str, int, int, float | None], object] = False,
    notice: Callable[[str], None] | None = None,
    mask: torch.Tensor | None = None,
    losses: Sequence[Callable[[torch.Tensor, torch.Tensor], torch.Tensor]] = (),
    checkpoint: str | Path | None = None,
    checkpoint_every: int = 0,
    resume: str | Path | None = None,
) -> PaintResult:
    """Paint ``image`` (a path or a [3,H,W] tensor in [0,1]) with brushstrokes.

    ``style``: a preset name (see ``painter styles``), ``"none"`` (plain strokes
    against pixel losses), a Style, or the path of a painting to take the style of.
    ``strokes``: stroke count (default: the style's, scaled with ``size``); ``size``:
    working size of the longer side in pixels (default: 256, or the style's ``size``
    where its brushwork needs more); ``steps``: optimization steps over all
    layers. ``style_weight``/``content_weight`` override the style's VGG loss
    weights; ``preserve_color`` keeps the photo's colours (texture only);
    ``style_scale`` sizes the style image relative to the canvas; ``weights`` is a
    VGG19 weights file (else ``PAINTER_VGG_WEIGHTS`` or the torch hub cache; never
    downloaded: ``painter weights fetch`` does that). Without weights the neural loss
    is skipped with a one-line ``notice`` (default: stderr) and the preset still
    paints. ``callback(step, strokes, image)`` runs after every step; returning
    ``False`` stops the run.
    ``progress``: a bar on stderr (True), or a function ``(stage, step, steps,
    loss)`` called after every step (a front end's progress).

    ``mask`` ([H,W], any resolution, true/1 where to paint) paints one region only:
    strokes are placed and judged there, and the result keeps the strokes whose
    centre lies in it, ready to compose with ``StrokeSet.cat``. ``losses``: extra
    terms ``fn(image, target) -> scalar tensor`` added to the loss every step
    (``image`` is the differentiable render, ``target`` the photo at that size).

    ``checkpoint``: a file to keep the run's state in: written every
    ``checkpoint_every`` steps (0: never) and when SIGINT/SIGTERM arrives, after the
    step under way; then :class:`~painter.engine.checkpoint.Interrupted` is raised.
    ``resume``: a checkpoint of this same run (same image and options) to go on
    from; the result is the one the uninterrupted run gives.
    """
    st = load_style(style)
    size = max(DEFAULT_SIZE, st.size) if size is None else size
    if strokes is not None and strokes < 1:
        raise ValueError("strokes must be >= 1")
    if size < 8:
        raise ValueError("size must be >= 8")
    if steps < 0:
        raise ValueError("steps must be >= 0")
    if style_scale <= 0:
        raise ValueError("style_scale must be > 0")
    dev = resolve_device(device)
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    vgg = load_perceptual(st, style_weight, content_weight, weights, dev, notice)
    plan = plan_run(image, st, strokes=strokes, size=size, steps=steps, seed=seed, device=dev, layers=layers,
                    preserve_color=preserve_color, structure_weight=structure_weight, mask=mask, neural=vgg is not None,
                    options=dict(style_weight=style_weight, content_weight=content_weight, style_scale=style_scale))
    state = _fresh_state(dev) if resume is None else _resume_state(load_checkpoint(resume, plan.fingerprint, dev), gen)
    terms = loss_terms(st, plan.target, dev, vgg, style_weight=style_weight, content_weight=content_weight,
                       preserve_color=preserve_color, style_scale=style_scale, log=state["style_history"])
    bar = progress_bar(steps, progress, initial=state["step"])
    below = _background(plan)  # the finished layers, composited: what the active layer is drawn over
    run = _Run(plan, state, gen, bar, terms, tuple(losses), callback, checkpoint, checkpoint_every)
    stopped = False
    with deferred_interrupts(checkpoint is not None) as interrupted:
        run.interrupted = interrupted
        for i, layer in enumerate(plan.layers):
            if layer.polish:  # the polished strokes together, over the layers beneath them
                below = _background(plan)
                for under in plan.layers:
                    if under.start >= layer.start:
                        break
                    below = freeze_layer(plan, state, under, below)
            if i < state["layer"]:  # finished before an interruption: composite it again
                below = freeze_layer(plan, state, layer, below)
                continue
            if state["layer_step"] < 0:
                if not layer.polish:
                    place_layer(plan, state, layer, below, gen)
                state["layer_step"] = 0
            stopped = optimize_layer(run, i, layer, below)
            below = freeze_layer(plan, state, layer, below)
            state["layer"], state["layer_step"] = i + 1, -1
            if stopped:
                break
    bar.close()
    if not stopped:
        below = add_brushwork(plan, state, below)
    return _result(plan, state, below, terms.perceptual is not None)


# -- stages ------------------------------------------------------------------------------------
def place_layer(plan: Plan, state: dict, layer: LayerPlan, below: torch.Tensor, gen: torch.Generator) -> None:
    """Place ``layer``'s strokes where ``below`` (the painting so far, [3,H,W]) differs
    most from the goal, and append them to the run's strokes."""
    dev, brush = plan.device, layer.brush
    angles = flow_angles(plan.target, layer.spec.flow or plan.flow, max(1.0, layer.width), gen, plan.curl,
                         plan.hatch_angle if layer.spec.hatch_angle is None else layer.spec.hatch_angle)
    aim = plan.goal if plan.region is None else plan.goal * plan.region + below * (1 - plan.region)  # no error outside
    n = layer.strokes
    growth = min(brush.growth, DETAIL_GROWTH) if layer.detail else brush.growth  # fine strokes stay fine
    w_hi = min(brush.max_width_px, growth * layer.width, 0.5 * plan.longer)
    w_lo = min(max(0.5, layer.width / growth), w_hi)  # a brush's strokes keep its size both ways
    bounds = torch.tensor([w_lo, w_hi, *brush.opacity, growth * layer.length + 1.0,
                           brush.bend + brush.bend_slack, layer.length / growth], device=dev)
    parts = []
    if layer.ground:  # an opaque grid under everything: its shapes never move, so no pixel is ever bare
        g, width = ground_strokes(aim, n, brush.aspect, angles, gen)
        m = g["points"].shape[0]
        g_bounds = torch.tensor([width, width, 1.0, 1.0, 2 * width * GROUND_ASPECT, 0.0, 0.0], device=dev)
        parts.append((g, g_bounds.expand(m, 7), True))
        n -= m
    if n > 0:
        weight, size_map = _placement(plan, layer)
        new = place_strokes(aim, below, n, layer.width, max(layer.length, 0.01), gen, angles=angles,
                            taper=brush.taper, bend=brush.bend, opacity=brush.opacity[1],
                            along_edges=_contour(plan, layer), weight=weight, size_map=size_map,
                            length_spread=brush.length_spread, length_map=_length_map(plan, brush, size_map))
        b = bounds.expand(n, 7).clone()
        b[:, [0, 1, 4, 6]] *= new.pop("scale")[:, None]  # a stroke's limits follow its size ...
        b[:, [4, 6]] *= new.pop("stretch")[:, None]  # ... and its length's draw
        b[:, :2].clamp_(max=brush.max_width_px)  # ... within its brush's
        new["widths"].clamp_(max=brush.max_width_px)
        if _contour(plan, layer):
            b[:, 2] = 0.0  # a contour the picture does not want may fade away
        parts.append((new, b, False))
    for new, b, pinned in parts:
        if layer.spec.dark:
            new["colors"] = plan.dark.expand(new["points"].shape[0], 3).clone()
        _append(state, new, layer.index, b, frozen=layer.spec.dark, pinned=pinned)


def _append(state: dict, new: dict, layer: int, bounds: torch.Tensor, frozen: bool, pinned: bool) -> None:
    """Strokes ``new`` (pixel-space tensors, as place_strokes gives them) appended to
    the run's, in ``layer``, with their ``bounds`` [k,7]; ``frozen``: their colour
    is kept, ``pinned``: their shape."""
    t, k = state["tensors"], new["points"].shape[0]
    dev = t["pts"].device
    added = {"pts": new["points"], "wid": new["widths"], "col": new["colors"], "opa": new["opacity"],
             "lay": torch.full((k,), layer, dtype=torch.long, device=dev), "bounds": bounds,
             "frozen": torch.full((k,), frozen, device=dev), "pinned": torch.full((k,), pinned, device=dev)}
    t.update({key: torch.cat([t[key], v]) for key, v in added.items()})


def add_brushwork(plan: Plan, state: dict, below: torch.Tensor) -> torch.Tensor:
    """The style's brushwork dashes (painter.engine.brushwork) over the finished
    painting ``below``: appended to the run's strokes as a layer of their own (never
    optimized), and ``below`` with them drawn over it."""
    laid = brushwork(plan, below)
    if laid is None:
        return below
    dashes, picture = laid
    lay, k = state["tensors"]["lay"], dashes["points"].shape[0]
    layer = int(lay.max()) + 1 if len(lay) else 0
    _append(state, dashes, layer, torch.zeros(k, 7, device=plan.device), frozen=True, pinned=True)
    return picture


#: the detail layer's strokes grow at most this much wider or longer than placed
DETAIL_GROWTH = 1.5
#: strokes are placed this many times more eagerly in faces than elsewhere
FACE_PLACE = 5.0
#: a stroke's size at placement: SIZE_FLAT times the layer's where the picture is
#: flat, SIZE_DETAIL times where it holds the most detail (painter.engine.detail)
SIZE_FLAT, SIZE_DETAIL = 1.3, 0.55
#: ... on canvases whose shorter side has at least this many pixels
SIZE_FROM = 96
#: dark contour strokes go where the edge map (detail.edge_map) exceeds this, and in a
#: face only along its strongest edges (eyes, brows, the mouth), never across it
CONTOUR_EDGE, CONTOUR_FACE = 0.5, 0.9


def _placement(plan: Plan, layer: LayerPlan) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Where ``layer``'s strokes may go ([H,W] weight of the error map) and how large
    they are there ([H,W] factor of the layer's size, or None): dark contours only
    on strong edges, and in a face only along its strongest (never across it); the
    detail layer where the photo holds detail; the other layers more eagerly in
    faces; the strokes of every layer but the first finer where the picture holds
    detail, broader where it is flat (hatching too: it is tone, placed where the
    painting is too light)."""
    faces, detail = plan.faces[0], plan.detail[0]
    size_map = None  # the first layer covers the canvas evenly; a tiny canvas has no detail to follow
    if layer.start > 0 and min(plan.size) >= SIZE_FROM:
        size_map = SIZE_FLAT + (SIZE_DETAIL - SIZE_FLAT) * detail
    if _contour(plan, layer):
        edges = edge_map(plan.target, max(1.0, layer.width / 2))[0]
        strong = ((edges - CONTOUR_EDGE) / (1 - CONTOUR_EDGE)).clamp(0, 1)
        features = ((edges - CONTOUR_FACE) / (1 - CONTOUR_FACE)).clamp(0, 1)  # eyes, brows, mouth: the strongest
        return strong * (1 - faces) + features * faces, None
    if layer.detail:
        return 0.02 + detail * detail + FACE_PLACE * faces, size_map
    return 1 + FACE_PLACE * faces, size_map


def _length_map(plan: Plan, brush, size_map: torch.Tensor | None) -> torch.Tensor | None:
    """[H,W]: the factor on the lengths of ``brush``'s strokes, beyond their size map,
    where they land, when the brush says how length follows detail (``detail_length``:
    the length where the picture holds the most detail over that where it is flat, a
    painting's measured ``mark_detail_ratio``), else None. The lengths run
    geometrically from flat to detail, about the size map's mean."""
    if not brush.detail_length or size_map is None:
        return None
    detail = plan.detail[0]
    mean = math.log(SIZE_FLAT * SIZE_DETAIL) / 2
    spread = math.log(brush.detail_length)
    return torch.exp(mean + spread * (detail - 0.5)) / size_map


def _contour(plan: Plan, layer: LayerPlan) -> bool:
    """Whether ``layer`` draws dark contour lines: dark strokes that follow the
    photo's structure (dark strokes at a fixed angle are hatching, which is tone)."""
    return layer.spec.dark and (layer.spec.flow or plan.flow) == "structure"


def optimize_layer(run: "_Run", i: int, layer: LayerPlan, below: torch.Tensor) -> bool:
    """Adam on ``layer``'s strokes over the cached picture ``below`` ([3,H,W]) from the
    step the run is at; True when the callback stopped the run."""
    plan, state = run.plan, run.state
    view = _view(plan, layer, below, run.terms.blur)
    t, a, b = state["tensors"], layer.start, layer.start + layer.strokes
    pts, wid, col, opa = params = [t[key][a:b].clone().requires_grad_() for key in ("pts", "wid", "col", "opa")]
    bounds, keep, pin = t["bounds"][a:b], t["frozen"][a:b], t["pinned"][a:b]
    fixed_col = col.detach()[keep].clone()
    fixed_shape = [p.detach()[pin].clone() for p in (pts, wid, opa)]  # the ground's strokes stay put
    opt = Adam(params, [0.5 * layer.width / 4 + 0.1, 0.2 * layer.width / 4 + 0.05, 0.05, 0.05])
    if "adam" in state:  # resumed inside this layer
        opt.load_state_dict(state.pop("adam"))

    def write_back() -> None:
        for key, p in zip(("pts", "wid", "col", "opa"), params):
            t[key][a:b] = p.detach()

    for j in range(state["layer_step"], layer.steps):
        if run.interrupted:
            write_back()
            run.save(i, j, opt)
            run.bar.close()
            raise Interrupted(state["step"], plan.steps, Path(run.checkpoint), run.interrupted.signum)
        opt.zero_grad()
        loss, img = _backward(run, view, pts, wid, col, opa)
        if not opt.safe_step(loss):
            state["notices"].append(f"non-finite loss or gradient at step {state['step'] + 1}: "
                                    "step undone, learning rates halved")
        with torch.no_grad():
            _project(pts, wid, col, opa, bounds, plan.size[0], plan.size[1])
            col[keep] = fixed_col
            if plan.grey:  # graphite and ink are grey: no tint, whatever the steps
                col.copy_(luminance(col.t()[:, :, None])[0].expand(-1, 3))
            for p, fixed in zip((pts, wid, opa), fixed_shape):
                p[pin] = fixed
        state["history"].append(float(loss) if torch.isfinite(loss) else float("nan"))
        state["step"] += 1
        run.bar.set_description("polish" if layer.polish else f"layer {i + 1}/{plan.painted_layers}")
        run.bar.set_postfix(loss=f"{state['history'][-1]:.4f}", refresh=False)
        run.bar.update(1)
        if run.checkpoint_every and state["step"] % run.checkpoint_every == 0:
            write_back()
            run.save(i, j + 1, opt)
        if run.callback is not None:
            write_back()
            if run.callback(state["step"], _strokeset(plan, t, b), img) is False:
                return True
    write_back()
    return False


@dataclass
class _View:
    """What the optimize stage compares a layer's strokes with, at the layer's size."""
    size: tuple[int, int]
    below: torch.Tensor  # [3,h,w] the finished layers
    goal: torch.Tensor  # [3,h,w] what the pixel losses aim at (blurred by sigma)
    photo: torch.Tensor  # [3,h,w] the photo (for extra losses)
    weight: torch.Tensor  # [1,h,w] how much each pixel counts: the region, faces FACE_WEIGHT times more
    sigma: float  # blur of the pixel losses (optical mixing)


def _view(plan: Plan, layer: LayerPlan, below: torch.Tensor, blur: float) -> _View:
    """The view of ``layer`` over ``below``, its pixel losses seeing through ``blur``
    (px at 256)."""
    size = _layer_size(plan, layer)
    at = (lambda x: x) if size == plan.size else (lambda x: resize_longer(x, max(size)))  # noqa: E731
    sigma = blur * max(size) / DEFAULT_SIZE
    goal = at(plan.goal)
    if sigma > 0:  # optical mixing: the eye sees the painting (and the photo) blurred
        goal = gaussian_blur(goal, sigma)
    region = None if plan.region is None else torch.nn.functional.interpolate(plan.region[None], size=size)[0]
    weight = 1 + (FACE_WEIGHT - 1) * torch.nn.functional.interpolate(plan.faces[None], size=size, mode="area")[0]
    if region is not None:
        weight = weight * region
    return _View(size, at(below), goal, at(plan.target), weight, sigma)


def _backward(run: "_Run", view: _View, pts, wid, col, opa) -> tuple[torch.Tensor, torch.Tensor]:
    """One step's loss (detached) and picture ([3,h,w], detached), its gradients added
    into the strokes' ``.grad``. A layer larger than :data:`WINDOW_PIXELS` with pixel
    losses only is rendered window by window, each window's loss backpropagated
    before the next is drawn, so memory stays that of one window however large the
    canvas (the image-gradient term leaves out the pairs of pixels across window
    edges, a 1/512 share); the VGG, texture and extra losses need the whole picture
    at once."""
    plan, terms = run.plan, run.terms
    h, w = view.size
    whole = h * w <= WINDOW_PIXELS or terms.perceptual is not None or terms.texture is not None or bool(run.losses)
    reach = max(view.sigma, SSIM_SIGMA if terms.ssim else 0.0)
    margin = 0 if whole else int(math.ceil(3 * reach)) + 1  # the blurs' reach
    picture = torch.empty_like(view.below, memory_format=torch.contiguous_format)
    total = torch.zeros((), device=view.below.device)
    for y0, y1, x0, x1 in [(0, h, 0, w)] if whole else _windows(h, w, WINDOW):
        ya, yb, xa, xb = max(0, y0 - margin), min(h, y1 + margin), max(0, x0 - margin), min(w, x1 + margin)
        img = render_stroke_params(pts / plan.longer, wid / plan.longer, col, opa, plan.canvas, h, w,
                                   view.below[:, ya:yb, xa:xb], origin=(xa, ya), tolerance=WORK_TOLERANCE)
        seen = gaussian_blur(img, view.sigma) if view.sigma > 0 else img
        inner = (slice(None), slice(y0 - ya, y1 - ya), slice(x0 - xa, x1 - xa))
        win = (slice(None), slice(y0, y1), slice(x0, x1))
        share = (y1 - y0) * (x1 - x0) / (h * w)  # the window's part of the canvas
        weight = view.weight[win]
        loss = share * terms.pixel * pixel_loss(seen[inner], view.goal[win], plan.structure_weight,
                                                            weight.sqrt())
        if terms.ssim:  # on the window with its margin (SSIM's blur), counted inside it only
            inside = torch.zeros_like(img[:1])
            inside[inner] = weight
            reach_share = (yb - ya) * (xb - xa) / (h * w)
            loss = loss + reach_share * terms.ssim * ssim_loss(img, view.photo[:, ya:yb, xa:xb], SSIM_SIGMA,
                                                               inside, grey=terms.texture is not None)
        for extra in run.losses:
            loss = loss + extra(img, view.photo)
        if terms.perceptual is not None:
            loss = loss + terms.perceptual(img)
        if terms.texture is not None:
            loss = loss + terms.texture(img)
        loss.backward()
        total += loss.detach()
        picture[win] = img[inner].detach()
    if plan.snap:
        snap = plan.snap * palette_pull(col, plan.palette)
        snap.backward()
        total += snap.detach()
    return total, picture


def _windows(h: int, w: int, size: int) -> list[tuple[int, int, int, int]]:
    """(y0, y1, x0, x1) of the ``size`` x ``size`` windows tiling an h x w canvas."""
    return [(y, min(h, y + size), x, min(w, x + size)) for y in range(0, h, size) for x in range(0, w, size)]


def freeze_layer(plan: Plan, state: dict, layer: LayerPlan, below: torch.Tensor) -> torch.Tensor:
    """``below`` with ``layer``'s strokes composited over it, at the working size."""
    t, a, b = state["tensors"], layer.start, layer.start + layer.strokes
    h, w = plan.size
    S = plan.longer
    with torch.no_grad():
        return render_stroke_params(t["pts"][a:b] / S, t["wid"][a:b] / S, t["col"][a:b], t["opa"][a:b],
                                    plan.canvas, h, w, below)


# -- the run's state -------------------------------------------------------------------------
@dataclass
class _Run:
    """What the optimize stage needs besides the plan: the mutable state and the hooks."""
    plan: Plan
    state: dict
    gen: torch.Generator
    bar: object
    terms: Terms  # the style's losses
    losses: tuple  # the caller's own
    callback: Callable | None
    checkpoint: str | Path | None
    checkpoint_every: int
    interrupted: object = None

    def save(self, at_layer: int, layer_step: int, opt: Adam) -> None:
        if self.checkpoint is None:
            return
        p = self.plan
        save_checkpoint(self.checkpoint, {**self.state, "fingerprint": p.fingerprint, "layer": at_layer,
                                          "layer_step": layer_step, "adam": opt.state_dict(),
                                          "rng": self.gen.get_state(),
                                          "options": {"strokes": p.strokes, "steps": p.steps, "seed": p.seed,
                                                      "size": int(p.longer), "style": p.name}})


def _layer_size(plan: Plan, layer: LayerPlan) -> tuple[int, int]:
    """(height, width) at which ``layer`` is optimized."""
    if layer.scale == 1.0:
        return plan.size
    h, w = plan.size
    s = max(1, round(plan.longer * layer.scale)) / plan.longer
    return max(1, round(h * s)), max(1, round(w * s))


def _background(plan: Plan) -> torch.Tensor:
    h, w = plan.size
    return plan.background.view(3, 1, 1).expand(3, h, w).contiguous()


def _result(plan: Plan, state: dict, image: torch.Tensor, neural: bool) -> PaintResult:
    t = state["tensors"]
    result = _strokeset(plan, t, t["pts"].shape[0])
    if plan.region is not None:
        result = result.in_mask(plan.region[0] > 0.5)
        h, w = plan.size
        with torch.no_grad():
            image = render_stroke_params(result.points, result.widths, result.colors, result.opacity, plan.canvas,
                                         h, w, _background(plan))
    result.meta.update({"size": int(plan.longer), "seed": plan.seed, "strokes": plan.strokes, "steps": plan.steps,
                        "style": plan.name, "neural_style": neural, "material": plan.material})
    if state["notices"]:
        result.meta["numerical_notices"] = state["notices"][:20]
    if state["style_history"]:
        sh = state["style_history"]
        result.meta["style_loss"] = {"start": round(sh[0], 6), "end": round(sh[-1], 6)}
    return PaintResult(result, image.contiguous(), plan.target, state["history"], state["style_history"])


def _fresh_state(dev: torch.device) -> dict:
    """The state of a run before its first stroke (what a checkpoint holds, less the
    optimizer and random generator)."""
    z = lambda *shape, **kw: torch.zeros(*shape, device=dev, **kw)  # noqa: E731
    tensors = {"pts": z(0, 4, 2), "wid": z(0, 2), "col": z(0, 3), "opa": z(0), "lay": z(0, dtype=torch.long),
               # per stroke: width min/max, opacity min/max, max length, max bend, min length; colour
               # kept (dark layers); shape kept (the ground)
               "bounds": z(0, 7), "frozen": z(0, dtype=torch.bool), "pinned": z(0, dtype=torch.bool)}
    return {"tensors": tensors, "layer": 0, "layer_step": -1, "step": 0, "history": [], "style_history": [],
            "notices": []}


def _resume_state(doc: dict, gen: torch.Generator) -> dict:
    """The run state stored in a checkpoint (see painter.engine.checkpoint); restores ``gen``."""
    gen.set_state(doc["rng"])
    state = {key: doc[key] for key in ("tensors", "layer", "layer_step", "step", "history", "style_history",
                                       "notices")}
    if state["layer_step"] >= 0:
        state["adam"] = doc["adam"]
    return state


def _project(pts, wid, col, opa, bounds, H, W) -> None:
    """Keep parameters valid and inside each stroke's brush limits (in place)."""
    # strokes no longer than their brush allows: every control point (so, by the convex
    # hull property, the whole curve) within half the maximum length of the middle
    mid = 0.5 * (pts[:, 0] + pts[:, 3])
    reach = (pts - mid[:, None]).norm(dim=-1).amax(1)
    shrink = (0.5 * bounds[:, 4] / reach.clamp_min(1e-6)).clamp(max=1.0)
    # ... and no shorter (end to end) than it allows either: dashes stay dashes, not dots
    chord = (pts[:, 3] - pts[:, 0]).norm(dim=-1)
    grow = torch.where(chord > 1e-6, bounds[:, 6] / chord.clamp_min(1e-6), 1.0).clamp(min=1.0)
    scale = torch.minimum(shrink * grow, 0.5 * bounds[:, 4] / reach.clamp_min(1e-6))
    pts.sub_(mid[:, None]).mul_(scale[:, None, None]).add_(mid[:, None])
    _limit_bend(pts, bounds[:, 5])
    m = 0.1 * max(H, W)
    pts[..., 0].clamp_(-m, W + m)
    pts[..., 1].clamp_(-m, H + m)
    torch.maximum(torch.minimum(wid, bounds[:, 1:2]), bounds[:, 0:1], out=wid)
    col.clamp_(0.0, 1.0)
    torch.maximum(torch.minimum(opa, bounds[:, 3]), bounds[:, 2], out=opa)


def _limit_bend(pts: torch.Tensor, bend: torch.Tensor) -> None:
    """Keep each stroke's inner control points between its ends along the chord and
    within ``bend`` times the chord's length across it (in place): strokes stay
    dashes and arcs, never hooks or loops."""
    p0 = pts[:, 0]
    chord = pts[:, 3] - p0
    length = chord.norm(dim=-1, keepdim=True).clamp_min(1e-6)
    along = chord / length
    across = torch.stack([-along[:, 1], along[:, 0]], -1)
    rel = (pts[:, 1:3] - p0[:, None]) / length[:, None]
    u = (rel * along[:, None]).sum(-1).clamp(0.0, 1.0)
    v = (rel * across[:, None]).sum(-1)
    v = torch.maximum(torch.minimum(v, bend[:, None]), -bend[:, None])
    pts[:, 1:3] = p0[:, None] + length[:, None] * (u[..., None] * along[:, None] + v[..., None] * across[:, None])


def _strokeset(plan: Plan, t: dict, n: int) -> StrokeSet:
    """The first ``n`` strokes of the run's tensors ``t`` as a StrokeSet (canvas units)."""
    S = plan.longer
    return StrokeSet(
        (t["pts"][:n] / S).detach().clone(), (t["wid"][:n] / S).detach().clone(), t["col"][:n].detach().clone(),
        t["opa"][:n].detach().clone(), t["lay"][:n].clone(), plan.canvas, tuple(float(c) for c in plan.background),
    )
