"""The optimizer: paints a target image with brushstrokes, coarse to fine.

For each layer (big strokes first): place the layer's strokes where the painting so
far differs most from the photo (init.place_strokes), then optimize every stroke
painted so far (control points, widths, colours, opacities) with Adam through the
differentiable renderer against pixel losses: mean squared colour error plus an L1
term on image gradients (structure: edges in the right places). Coarse layers are
optimized at a reduced resolution, which the vector strokes make free.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import torch

from .checkpoint import Interrupted, deferred_interrupts, fingerprint, load_checkpoint, save_checkpoint
from .color import srgb_to_lab, transfer_colors
from .defaults import DEFAULT_SIZE, DEFAULT_STEPS, DEFAULT_STROKES
from .imageops import gaussian_blur, luminance, psnr
from .init import flow_angles, place_strokes
from .io import load_image, resize_longer
from .optim import Adam
from .render import render_stroke_params
from .strokes import StrokeSet
from .styles import LayerSpec, Style, load_style


#: three coarse layers optimized at half resolution, then half of the strokes, small,
#: at full resolution (tuned on scikit-image photos for PSNR per second)
DEFAULT_LAYERS = (
    LayerSpec(0.08, 2.0, 0.15, 0.5),
    LayerSpec(0.14, 1.2, 0.20, 0.5),
    LayerSpec(0.26, 0.8, 0.25, 0.5),
    LayerSpec(0.52, 0.4, 0.40, 1.0),
)

#: longer side (pixels) at which the VGG losses look at the painting
PERCEPTUAL_SIZE = 224


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


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    if str(device) == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    dev = torch.device(device)
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError("--device cuda was asked for, but no CUDA device is available")
    return dev


def pixel_loss(img: torch.Tensor, target: torch.Tensor, structure_weight: float = 0.02,
               weight: torch.Tensor | None = None) -> torch.Tensor:
    """Mean squared error plus ``structure_weight`` x the L1 distance of the images'
    finite-difference gradients (edges where the photo has them); ``weight``
    ([1,H,W] in [0,1]) restricts both to a region."""
    diff = img - target if weight is None else (img - target) * weight
    loss = (diff * diff).mean()
    if structure_weight:
        gx = (diff[:, :, 1:] - diff[:, :, :-1]).abs().mean()
        gy = (diff[:, 1:, :] - diff[:, :-1, :]).abs().mean()
        loss = loss + structure_weight * (gx + gy)
    return loss


def paint(
    image: torch.Tensor | str | Path,
    *,
    style: str | Path | Style | None = "none",
    strokes: int | None = None,
    size: int = DEFAULT_SIZE,
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
    progress: bool = False,
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
    working size of the longer side in pixels; ``steps``: optimization steps over all
    layers. ``style_weight``/``content_weight`` override the style's VGG loss
    weights; ``preserve_color`` keeps the photo's colours (texture only);
    ``style_scale`` sizes the style image relative to the canvas; ``weights`` is a
    VGG19 weights file (else ``PAINTER_VGG_WEIGHTS``, the torch hub cache, or
    torchvision's download). Without weights the neural loss is skipped with a
    one-line ``notice`` and the preset still paints. ``callback(step, strokes,
    image)`` runs after every step; returning ``False`` stops the run.

    ``mask`` ([H,W], any resolution, true/1 where to paint) paints one region only:
    strokes are placed and judged there, and the result keeps the strokes whose
    centre lies in it, ready to compose with ``StrokeSet.cat``. ``losses``: extra
    terms ``fn(image, target) -> scalar tensor`` added to the loss every step
    (``image`` is the differentiable render, ``target`` the photo at that size).

    ``checkpoint``: a file to keep the run's state in: written every
    ``checkpoint_every`` steps (0: never) and when SIGINT/SIGTERM arrives, after the
    step under way; then :class:`~painter.checkpoint.Interrupted` is raised.
    ``resume``: a checkpoint of this same run (same image and options) to go on
    from; the result is the one the uninterrupted run gives.
    """
    st = load_style(style)
    if strokes is not None and strokes < 1:
        raise ValueError("strokes must be >= 1")
    if size < 8:
        raise ValueError("size must be >= 8")
    if steps < 0:
        raise ValueError("steps must be >= 0")
    n_total = strokes if strokes is not None else max(1, round(st.strokes * size / DEFAULT_SIZE))
    dev = resolve_device(device)
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    if isinstance(image, (str, Path)):
        target = load_image(image, size=size)
    else:
        target = resize_longer(image.detach().float().clamp(0, 1), size)
    target = target.to(dev)
    _, H, W = target.shape
    S = float(max(H, W))
    canvas = (W / S, H / S)

    # the picture the pixel losses aim at: the photo, moved towards the style's colours
    strength = 0.0 if preserve_color else st.palette_strength
    goal = target
    if strength > 0:
        moved = transfer_colors(target.cpu(), st.colour_set(), seed=seed).to(dev)
        goal = (1 - strength) * target + strength * moved
    region = None
    if mask is not None:
        region = torch.as_tensor(mask, device=dev).float()
        if region.dim() != 2:
            raise ValueError("mask must be [H,W]")
        region = torch.nn.functional.interpolate(region[None, None], size=(H, W), mode="nearest")[0].clamp(0, 1)
    bg = torch.tensor(st.background, device=dev) if st.background is not None else goal.mean((1, 2))
    palette = torch.tensor(st.palette, device=dev) if st.palette else None
    snap = 0.0 if preserve_color or palette is None else st.palette_snap
    sw = st.structure_weight if structure_weight is None else structure_weight
    layers = layers or st.layers or DEFAULT_LAYERS
    counts = _split(n_total, [l.fraction for l in layers])
    step_counts = _split(steps, [l.steps for l in layers])
    fp = fingerprint(target, strokes=n_total, steps=steps, seed=seed, style=repr(st), layers=repr(layers),
                     style_weight=style_weight, content_weight=content_weight, preserve_color=preserve_color,
                     style_scale=style_scale, structure_weight=sw,
                     mask=None if region is None else fingerprint(region))
    state = _fresh_state(dev)
    if resume is not None:
        state = _resume_state(load_checkpoint(resume, fp, dev), gen)
    style_history: list[float] = state["style_history"]
    perceptual = _perceptual(st, target, dev, style_weight, content_weight, preserve_color, style_scale, weights,
                             notice, style_history)
    notices: list[str] = state["notices"]
    bar = _progress(steps, progress, initial=state["step"])
    dark = palette[srgb_to_lab(palette)[:, 0].argmin()] if palette is not None else torch.full((3,), 0.1, device=dev)

    def save(at_layer: int, layer_step: int, opt: Adam) -> None:
        if checkpoint is not None:
            save_checkpoint(checkpoint, {**state, "fingerprint": fp, "layer": at_layer, "layer_step": layer_step,
                                         "adam": opt.state_dict(), "rng": gen.get_state(),
                                         "options": {"strokes": n_total, "steps": steps, "seed": seed,
                                                     "size": int(S), "style": st.name}})

    t = state["tensors"]
    stop = False
    with deferred_interrupts(checkpoint is not None) as interrupted:
        for k, (layer, n_k, steps_k) in enumerate(zip(layers, counts, step_counts)):
            if n_k == 0 or stop or k < state["layer"]:
                continue
            brush = layer.brush or st.brush
            aspect = max(brush.aspect, 1.0)
            width = min(brush.max_width_px, brush.width_scale * math.sqrt(layer.coverage * H * W / (aspect * n_k)))
            length = width * brush.aspect
            if k > state["layer"] or state["layer_step"] < 0:  # the layer's strokes are not placed yet
                with torch.no_grad():
                    current = render_stroke_params(t["pts"] / S, t["wid"] / S, t["col"], t["opa"], canvas, H, W,
                                                   bg.view(3, 1, 1).expand(3, H, W))
                angles = flow_angles(target, layer.flow or st.flow, max(1.0, width), gen, st.curl,
                                     st.hatch_angle if layer.hatch_angle is None else layer.hatch_angle)
                aim = goal if region is None else goal * region + current * (1 - region)  # no error outside
                new = place_strokes(aim, current, n_k, width, max(length, 0.01), gen, angles=angles,
                                    taper=brush.taper, bend=brush.bend, opacity=brush.opacity[1])
                if layer.dark:
                    new["colors"] = dark.expand(n_k, 3).clone()
                w_hi = min(brush.max_width_px, brush.growth * width, 0.5 * S)
                b_k = torch.tensor([min(0.5, w_hi), w_hi, *brush.opacity, brush.growth * length + 1.0], device=dev)
                added = {"pts": new["points"], "wid": new["widths"], "col": new["colors"], "opa": new["opacity"],
                         "lay": torch.full((n_k,), k, dtype=torch.long, device=dev), "bounds": b_k.expand(n_k, 5),
                         "frozen": torch.full((n_k,), layer.dark, device=dev)}
                t.update({key: torch.cat([t[key], v]) for key, v in added.items()})
                state["layer_step"] = 0
            first = state["layer_step"] if k == state["layer"] else 0
            scale = layer.scale if min(H, W) * layer.scale >= 32 else 1.0
            tgt_k = goal if scale == 1.0 else resize_longer(goal, max(1, round(S * scale)))
            h_k, w_k = tgt_k.shape[1:]
            bg_k = bg.view(3, 1, 1).expand(3, h_k, w_k)
            sigma_k = st.blur * max(h_k, w_k) / DEFAULT_SIZE
            if sigma_k > 0:  # optical mixing: the eye sees the painting (and the photo) blurred
                tgt_k = gaussian_blur(tgt_k, sigma_k)
            region_k = None if region is None else torch.nn.functional.interpolate(region[None], size=(h_k, w_k))[0]
            photo_k = target if (h_k, w_k) == (H, W) else resize_longer(target, max(h_k, w_k))
            pts, wid, col, opa = params = [t[key].requires_grad_() for key in ("pts", "wid", "col", "opa")]
            frozen = t["frozen"]
            opt = Adam(params, [0.5 * width / 4 + 0.1, 0.2 * width / 4 + 0.05, 0.05, 0.05])
            if "adam" in state:  # resumed inside this layer
                opt.load_state_dict(state.pop("adam"))
            fixed_col = col.detach()[frozen].clone()
            for j in range(first, steps_k):
                if interrupted:
                    save(k, j, opt)
                    bar.close()
                    raise Interrupted(state["step"], steps, Path(checkpoint), interrupted.signum)
                opt.zero_grad()
                img = render_stroke_params(pts / S, wid / S, col, opa, canvas, h_k, w_k, bg_k)
                seen = gaussian_blur(img, sigma_k) if sigma_k > 0 else img
                loss = st.pixel_weight * pixel_loss(seen, tgt_k, sw, region_k)
                for extra in losses:
                    loss = loss + extra(img, photo_k)
                if snap:
                    loss = loss + snap * torch.cdist(col, palette).min(1).values.pow(2).mean()
                if perceptual is not None:
                    loss = loss + perceptual(img)
                loss.backward()
                if not opt.safe_step(loss):
                    notices.append(f"non-finite loss or gradient at step {state['step'] + 1}: "
                                   "step undone, learning rates halved")
                with torch.no_grad():
                    _project(pts, wid, col, opa, t["bounds"], H, W)
                    col[frozen] = fixed_col
                state["history"].append(float(loss.detach()) if torch.isfinite(loss) else float("nan"))
                state["step"] += 1
                bar.set_description(f"layer {k + 1}/{len(layers)}")
                bar.set_postfix(loss=f"{state['history'][-1]:.4f}", refresh=False)
                bar.update(1)
                if checkpoint_every and state["step"] % checkpoint_every == 0:
                    save(k, j + 1, opt)
                if callback is not None:
                    snap_set = _strokeset(pts, wid, col, opa, t["lay"], S, canvas, bg)
                    if callback(state["step"], snap_set, img.detach()) is False:
                        stop = True
                        break
            for p in params:
                p.requires_grad_(False)
            state["layer"], state["layer_step"] = k + 1, -1
    pts, wid, col, opa, lay = (t[key] for key in ("pts", "wid", "col", "opa", "lay"))
    with torch.no_grad():
        current = render_stroke_params(pts / S, wid / S, col, opa, canvas, H, W, bg.view(3, 1, 1).expand(3, H, W))
    history = state["history"]
    bar.close()
    result = _strokeset(pts, wid, col, opa, lay, S, canvas, bg)
    if region is not None:
        result = result.in_mask(region[0] > 0.5)
        with torch.no_grad():
            current = render_stroke_params(result.points, result.widths, result.colors, result.opacity, canvas, H, W,
                                           bg.view(3, 1, 1).expand(3, H, W))
    result.meta.update({"size": int(S), "seed": seed, "strokes": n_total, "steps": steps, "style": st.name,
                        "neural_style": perceptual is not None})
    if notices:
        result.meta["numerical_notices"] = notices[:20]
    if style_history:
        result.meta["style_loss"] = {"start": round(style_history[0], 6), "end": round(style_history[-1], 6)}
    return PaintResult(result, current.contiguous(), target, history, style_history)


def _fresh_state(dev: torch.device) -> dict:
    """The state of a run before its first stroke (what a checkpoint holds, less the
    optimizer and random generator)."""
    z = lambda *shape, **kw: torch.zeros(*shape, device=dev, **kw)  # noqa: E731
    tensors = {"pts": z(0, 4, 2), "wid": z(0, 2), "col": z(0, 3), "opa": z(0), "lay": z(0, dtype=torch.long),
               # per stroke: width min/max, opacity min/max, max length; colour kept (dark layers)
               "bounds": z(0, 5), "frozen": z(0, dtype=torch.bool)}
    return {"tensors": tensors, "layer": 0, "layer_step": -1, "step": 0, "history": [], "style_history": [],
            "notices": []}


def _resume_state(doc: dict, gen: torch.Generator) -> dict:
    """The run state stored in a checkpoint (see painter.checkpoint); restores ``gen``."""
    gen.set_state(doc["rng"])
    state = {key: doc[key] for key in ("tensors", "layer", "layer_step", "step", "history", "style_history",
                                       "notices")}
    if state["layer_step"] >= 0:
        state["adam"] = doc["adam"]
    return state


def _perceptual(st: Style, target, dev, style_weight, content_weight, preserve_color, style_scale, weights, notice,
                log: list[float]):
    """The VGG loss term for ``st`` as a function of the rendered image, or None when
    its weights are zero or no VGG weights can be had (then ``notice`` says so).
    Each call appends the style loss to ``log``."""
    ws = st.style_weight if style_weight is None else style_weight
    wc = st.content_weight if content_weight is None else content_weight
    if ws <= 0 and wc <= 0:
        return None
    from .perceptual import PerceptualLoss, WeightsFileError, WeightsUnavailable, load_vgg

    try:
        vgg = load_vgg(weights, device=dev)
    except WeightsFileError:
        raise  # a weights file was named but is unusable: that is the user's error to fix
    except WeightsUnavailable as e:
        (notice or _stderr)(f"painter: note: {e}; painting without the neural style loss")
        return None
    style_img = st.exemplar().to(dev)
    content = resize_longer(target, PERCEPTUAL_SIZE)
    if preserve_color:  # texture only: compare luminance
        style_img, content = _gray(style_img), _gray(content)
    loss_fn = PerceptualLoss(vgg, style_image=style_img, content_image=content, style_scale=style_scale)

    def term(img: torch.Tensor) -> torch.Tensor:
        x = resize_longer(img, PERCEPTUAL_SIZE)
        if preserve_color:
            x = _gray(x)
        s_loss, c_loss = loss_fn(x)
        log.append(float(s_loss.detach()))
        return PERCEPTUAL_SCALE * (ws * s_loss + wc * c_loss)

    return term


#: brings the normalized VGG losses (about 1 at the start) to the scale of the pixel
#: losses (about 0.01), so the preset weights trade them off as written
PERCEPTUAL_SCALE = 0.01


def _gray(img: torch.Tensor) -> torch.Tensor:
    return luminance(img).expand(3, -1, -1)


def _stderr(msg: str) -> None:
    import sys

    print(msg, file=sys.stderr, flush=True)


def _split(total: int, fractions: list[float]) -> list[int]:
    """Integers proportional to ``fractions`` summing to ``total`` (largest remainder)."""
    s = sum(fractions)
    raw = [total * f / s for f in fractions]
    out = [int(math.floor(r)) for r in raw]
    for i in sorted(range(len(raw)), key=lambda i: out[i] - raw[i])[: total - sum(out)]:
        out[i] += 1
    return out


def _project(pts, wid, col, opa, bounds, H, W) -> None:
    """Keep parameters valid and inside each stroke's brush limits (in place)."""
    # strokes no longer than their brush allows: every control point (so, by the convex
    # hull property, the whole curve) within half the maximum length of the middle
    mid = 0.5 * (pts[:, 0] + pts[:, 3])
    reach = (pts - mid[:, None]).norm(dim=-1).amax(1)
    shrink = (0.5 * bounds[:, 4] / reach.clamp_min(1e-6)).clamp(max=1.0)
    pts.sub_(mid[:, None]).mul_(shrink[:, None, None]).add_(mid[:, None])
    m = 0.1 * max(H, W)
    pts[..., 0].clamp_(-m, W + m)
    pts[..., 1].clamp_(-m, H + m)
    torch.maximum(torch.minimum(wid, bounds[:, 1:2]), bounds[:, 0:1], out=wid)
    col.clamp_(0.0, 1.0)
    torch.maximum(torch.minimum(opa, bounds[:, 3]), bounds[:, 2], out=opa)


def _strokeset(pts, wid, col, opa, lay, S, canvas, bg) -> StrokeSet:
    return StrokeSet(
        (pts / S).detach().clone(), (wid / S).detach().clone(), col.detach().clone(), opa.detach().clone(),
        lay.clone(), canvas, tuple(float(c) for c in bg),
    )


class _NoBar:
    def set_description(self, *a, **k) -> None: ...
    def set_postfix(self, *a, **k) -> None: ...
    def update(self, *a, **k) -> None: ...
    def close(self) -> None: ...


class _LineLog(_NoBar):
    """Progress for logs (stderr not a terminal): one line per finished stage."""

    def __init__(self, total: int) -> None:
        self.total, self.n, self.desc, self.post = total, 0, "", {}

    def set_description(self, desc: str, *a, **k) -> None:
        if self.desc and desc != self.desc:
            self._line()
        self.desc = desc

    def set_postfix(self, *a, **kw) -> None:
        self.post = {k: v for k, v in kw.items() if k != "refresh"}

    def update(self, n: int = 1) -> None:
        self.n += n

    def close(self) -> None:
        if self.desc:
            self._line()

    def _line(self) -> None:
        import sys

        extra = " ".join(f"{k}={v}" for k, v in self.post.items())
        print(f"{self.desc}: step {self.n}/{self.total} {extra}", file=sys.stderr, flush=True)


def _progress(total: int, enabled: bool, initial: int = 0):
    """A progress bar (stage, step, loss, eta) on a terminal, stage lines in logs."""
    import sys

    if not enabled:
        return _NoBar()
    if not sys.stderr.isatty():
        bar = _LineLog(total)
        bar.n = initial
        return bar
    from tqdm import tqdm

    return tqdm(total=total, initial=initial, unit="step", dynamic_ncols=True, leave=False)
