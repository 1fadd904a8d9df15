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
from typing import Callable

import torch

from .imageops import psnr
from .init import place_strokes
from .io import load_image, resize_longer
from .optim import Adam
from .render import render_stroke_params
from .strokes import StrokeSet


@dataclass
class Layer:
    """One pass of the schedule: ``fraction`` of the strokes, their size relative to
    the canvas, the optimization steps after placing them, and the resolution scale
    of those steps."""

    fraction: float
    coverage: float  # how many times this layer's strokes would cover the canvas
    steps: float  # share of the total steps
    scale: float = 1.0
    aspect: float = 3.0  # length / width


#: three coarse layers optimized at half resolution, then half of the strokes, small,
#: at full resolution (tuned on scikit-image photos for PSNR per second)
DEFAULT_LAYERS = (
    Layer(0.08, 2.0, 0.15, 0.5),
    Layer(0.14, 1.2, 0.20, 0.5),
    Layer(0.26, 0.8, 0.25, 0.5),
    Layer(0.52, 0.4, 0.40, 1.0),
)


DEFAULT_STROKES = 500
DEFAULT_STEPS = 180
DEFAULT_SIZE = 256


@dataclass
class PaintResult:
    strokes: StrokeSet
    image: torch.Tensor  # [3,H,W] final render at the working size
    target: torch.Tensor  # [3,H,W] the photo at the working size
    history: list[float] = field(default_factory=list)  # loss per step

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


def pixel_loss(img: torch.Tensor, target: torch.Tensor, structure_weight: float = 0.1) -> torch.Tensor:
    """Mean squared error plus ``structure_weight`` x the L1 distance of the images'
    finite-difference gradients (edges where the photo has them)."""
    diff = img - target
    loss = (diff * diff).mean()
    if structure_weight:
        gx = (diff[:, :, 1:] - diff[:, :, :-1]).abs().mean()
        gy = (diff[:, 1:, :] - diff[:, :-1, :]).abs().mean()
        loss = loss + structure_weight * (gx + gy)
    return loss


def paint(
    image: torch.Tensor | str | Path,
    *,
    style: str | None = "none",
    strokes: int = DEFAULT_STROKES,
    size: int = DEFAULT_SIZE,
    steps: int = DEFAULT_STEPS,
    seed: int = 0,
    device: str | torch.device = "auto",
    layers: tuple[Layer, ...] = DEFAULT_LAYERS,
    structure_weight: float = 0.02,
    callback: Callable[[int, StrokeSet, torch.Tensor], object] | None = None,
    progress: bool = False,
) -> PaintResult:
    """Paint ``image`` (a path or a [3,H,W] tensor in [0,1]) with ``strokes`` strokes.

    ``size``: working size of the longer side in pixels; ``steps``: optimization
    steps over all layers. ``callback(step, strokes, image)`` is called after every
    step; returning ``False`` stops the run. Returns a :class:`PaintResult`.
    """
    if style not in (None, "none"):
        raise ValueError(f"unknown style {style!r}: only 'none' is available in this version")
    if strokes < 1:
        raise ValueError("strokes must be >= 1")
    if size < 8:
        raise ValueError("size must be >= 8")
    if steps < 0:
        raise ValueError("steps must be >= 0")
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
    bg = target.mean((1, 2))

    counts = _split(strokes, [l.fraction for l in layers])
    step_counts = _split(steps, [l.steps for l in layers])
    pts = torch.zeros(0, 4, 2, device=dev)
    wid = torch.zeros(0, 2, device=dev)
    col = torch.zeros(0, 3, device=dev)
    opa = torch.zeros(0, device=dev)
    lay = torch.zeros(0, dtype=torch.long, device=dev)
    history: list[float] = []
    bar = _progress(steps, progress)
    current = bg.view(3, 1, 1).expand(3, H, W)
    step = 0
    stop = False
    for k, (layer, n_k, steps_k) in enumerate(zip(layers, counts, step_counts)):
        if n_k == 0 or stop:
            continue
        width = math.sqrt(layer.coverage * H * W / (layer.aspect * n_k))
        new = place_strokes(target, current, n_k, width, width * layer.aspect, gen)
        pts = torch.cat([pts, new["points"]])
        wid = torch.cat([wid, new["widths"]])
        col = torch.cat([col, new["colors"]])
        opa = torch.cat([opa, new["opacity"]])
        lay = torch.cat([lay, torch.full((n_k,), k, dtype=torch.long, device=dev)])
        scale = layer.scale if min(H, W) * layer.scale >= 32 else 1.0
        h_k, w_k = max(1, round(H * scale)), max(1, round(W * scale))
        tgt_k = target if scale == 1.0 else resize_longer(target, max(h_k, w_k))
        h_k, w_k = tgt_k.shape[1:]
        bg_k = bg.view(3, 1, 1).expand(3, h_k, w_k)
        params = [p.requires_grad_() for p in (pts, wid, col, opa)]
        opt = Adam(params, [0.5 * width / 4 + 0.1, 0.2 * width / 4 + 0.05, 0.05, 0.05])
        for i in range(steps_k):
            opt.zero_grad()
            img = render_stroke_params(pts / S, wid / S, col, opa, canvas, h_k, w_k, bg_k)
            loss = pixel_loss(img, tgt_k, structure_weight)
            loss.backward()
            opt.step()
            with torch.no_grad():
                _project(pts, wid, col, opa, H, W)
            history.append(float(loss.detach()))
            step += 1
            bar.set_description(f"layer {k + 1}/{len(layers)}")
            bar.set_postfix(loss=f"{history[-1]:.4f}", refresh=False)
            bar.update(1)
            if callback is not None:
                snap = _strokeset(pts, wid, col, opa, lay, S, canvas, bg)
                if callback(step, snap, img.detach()) is False:
                    stop = True
                    break
        for p in (pts, wid, col, opa):
            p.requires_grad_(False)
        with torch.no_grad():
            current = render_stroke_params(pts / S, wid / S, col, opa, canvas, H, W, bg.view(3, 1, 1).expand(3, H, W))
    bar.close()
    result = _strokeset(pts, wid, col, opa, lay, S, canvas, bg)
    result.meta.update({"size": int(S), "seed": seed, "strokes": strokes, "steps": steps, "style": style or "none"})
    return PaintResult(result, current.contiguous(), target, history)


def _split(total: int, fractions: list[float]) -> list[int]:
    """Integers proportional to ``fractions`` summing to ``total`` (largest remainder)."""
    s = sum(fractions)
    raw = [total * f / s for f in fractions]
    out = [int(math.floor(r)) for r in raw]
    for i in sorted(range(len(raw)), key=lambda i: out[i] - raw[i])[: total - sum(out)]:
        out[i] += 1
    return out


def _project(pts, wid, col, opa, H, W) -> None:
    """Keep parameters valid after an optimizer step (in place)."""
    m = 0.1 * max(H, W)
    pts[..., 0].clamp_(-m, W + m)
    pts[..., 1].clamp_(-m, H + m)
    wid.clamp_(0.5, 0.5 * max(H, W))
    col.clamp_(0.0, 1.0)
    opa.clamp_(0.0, 1.0)


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


def _progress(total: int, enabled: bool):
    """A progress bar (stage, step, loss, eta) on a terminal, stage lines in logs."""
    import sys

    if not enabled:
        return _NoBar()
    if not sys.stderr.isatty():
        return _LineLog(total)
    from tqdm import tqdm

    return tqdm(total=total, unit="step", dynamic_ncols=True, leave=False)
