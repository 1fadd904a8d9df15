"""The tracing stage: images into flat vector art with Potrace, then (optionally)
every control point and colour refined through the differentiable renderer.

- ``bw``: one bitmap (dark pixels, Otsu's threshold unless given; ``invert`` swaps
  ink and paper) traced into one black compound path (``evenodd``: holes survive)
  on white.
- ``color``: an optional edge-preserving pre-filter (bilateral), then k-means in
  CIELAB to ``colors`` inks (see :func:`quantize`). Inks are *stacked* dark to
  light: layer ``i`` is the bitmap of ink ``i`` and every lighter one. Each layer
  is traced on its own and drawn over the one below, so every region's outline
  lies on a filled layer underneath: no seams or pinholes between colours; the
  bottom layer, the darkest ink, is the whole canvas.

Potrace is the C library through the ``pypotrace`` binding (``import potrace``),
with Potrace's own parameter names and defaults: ``turdsize`` (speckles of at most
this many pixels are dropped), ``alphamax`` (corner threshold; 0 = polygon, 1.334 =
no corners), ``opticurve``/``opttolerance`` (joining curves), ``turnpolicy``
(ambiguous turns: black, white, left, right, minority, majority, random).

Refinement (``refine=STEPS``) keeps the topology: each curve's start is the end of
the curve before it (so subpaths stay closed), and Adam moves the shared end
points, the inner control points and the colours against the pixel and structure
loss that painting uses.
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Callable

import numpy as np
import torch

from .image.color import srgb_to_lab
from .image.io import load_image, resize_longer
from .primitives.paths import EVENODD, PathSet

TURNPOLICIES = ("black", "white", "left", "right", "minority", "majority", "random")
MODES = ("bw", "color")
DEFAULT_COLORS = 16



def trace(
    image: torch.Tensor | str | Path,
    *,
    mode: str = "color",
    colors: int = DEFAULT_COLORS,
    threshold: float | None = None,
    invert: bool = False,
    prefilter: bool = False,
    size: int | None = None,
    turdsize: int = 2,
    alphamax: float = 1.0,
    opticurve: bool = True,
    opttolerance: float = 0.2,
    turnpolicy: str = "minority",
    refine: int = 0,
    seed: int = 0,
    device: str | torch.device = "auto",
    callback: Callable[[int, PathSet, torch.Tensor], object] | None = None,
    progress: bool = False,
) -> PathSet:
    """Trace ``image`` (a path or a [3,H,W] tensor in [0,1]) into a PathSet.

    ``size``: working size of the longer side in pixels (default: the image's own).
    ``threshold`` (bw): luminance in [0, 1] below which a pixel is ink (default:
    Otsu). ``colors`` (color): number of inks. ``refine``: Adam steps that move every
    control point and colour towards the image (0: Potrace's paths as they are).
    ``callback(step, paths, image)`` runs after every refinement step; returning
    False stops it. ``meta`` of the result records the options, and with ``refine``
    the PSNR before and after.
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
    if turnpolicy not in TURNPOLICIES:
        raise ValueError(f"turnpolicy must be one of {', '.join(TURNPOLICIES)}, not {turnpolicy!r}")
    if not 1 <= colors <= 256:
        raise ValueError("colors must be between 1 and 256")
    if threshold is not None and not 0.0 <= threshold <= 1.0:
        raise ValueError("threshold must be in [0, 1]")
    if turdsize < 0 or alphamax < 0 or opttolerance < 0 or refine < 0:
        raise ValueError("turdsize, alphamax, opttolerance and refine must be >= 0")
    from .engine.run import resolve_device

    img = load_image(image) if isinstance(image, (str, Path)) else image.detach().float().clamp(0, 1).cpu()
    if size is not None:
        img = resize_longer(img, size)
    _, h, w = img.shape
    params = dict(turdsize=turdsize, alphamax=alphamax, opticurve=opticurve, opttolerance=opttolerance,
                  turnpolicy=turnpolicy)
    if mode == "bw":
        ink, level = ink_bitmap(img, threshold, invert)
        layers = [ink]
        inks = torch.zeros(1, 3)
        meta = {"threshold": round(level, 6), "invert": invert}
    else:
        labels, inks = quantize(_prefilter(img) if prefilter else img, colors, seed, fit=img)
        layers, inks = stacked_layers(labels, inks)
        meta = {"colors": int(inks.shape[0]), "prefilter": prefilter}
    # white paper (in colour mode never seen: the bottom layer covers the canvas)
    paths = bitmaps_to_paths(layers, inks, (h, w), params, (1.0, 1.0, 1.0))
    if mode == "color":
        paths = fit_inks(paths, img)
    paths.meta.update({"size": max(h, w), "mode": mode, "seed": seed, **meta, **params, "refine": refine})
    if refine:
        paths = refine_paths(paths, img, refine, device=resolve_device(device), callback=callback,
                             progress=progress)
    return paths


def ink_bitmap(img: torch.Tensor, threshold: float | None = None, invert: bool = False) -> tuple[np.ndarray, float]:
    """Boolean [H,W] of the ink pixels (darker than ``threshold``, Otsu's by default)
    and the threshold used, in [0, 1]."""
    import cv2

    from .image.imageops import luminance

    gray = np.ascontiguousarray((luminance(img)[0].numpy() * 255.0 + 0.5).clip(0, 255).astype(np.uint8))
    if threshold is None:
        level, _ = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
        level = float(level) + 1.0  # Otsu's level belongs to the dark class
    else:
        level = threshold * 255.0
    ink = gray < level
    return (~ink if invert else ink), level / 255.0


def _prefilter(img: torch.Tensor) -> torch.Tensor:
    """Edge-preserving smoothing (bilateral filter) so flat areas quantize without
    speckles while edges stay sharp. Its colour range follows the picture's own
    noise (:func:`noise_level`): differences of a few noise deviations are smoothed
    away, larger ones are edges."""
    import cv2

    a = np.ascontiguousarray(img.permute(1, 2, 0).numpy().astype(np.float32))
    d = 5 if max(a.shape[:2]) >= 64 else 3
    sigma = max(PREFILTER_SIGMA, PREFILTER_NOISE_SIGMAS * noise_level(img))
    out = cv2.bilateralFilter(a, d, sigma, d)
    return torch.from_numpy(out).permute(2, 0, 1).clamp(0, 1)


#: least colour range of the bilateral pre-filter (RGB in [0, 1]): a clean photo's
#: JPEG noise and fine texture are smoothed, its edges are kept (on scikit-image photos
#: at 256 px: 7-38% fewer curves for at most 0.4 dB)
PREFILTER_SIGMA = 0.1
#: the colour range is at least this many times the estimated noise deviation per
#: channel (two pixels of one flat colour differ by about sqrt(6) of it in RGB)
PREFILTER_NOISE_SIGMAS = 2.5


def noise_level(img: torch.Tensor) -> float:
    """Standard deviation of the picture's pixel noise per channel (RGB in [0, 1]), estimated as
    Immerkaer (1996) does: the mean absolute response of a 3x3 mask that cancels
    smooth image structure (second differences), scaled to a Gaussian deviation."""
    h, w = img.shape[1:]
    if h < 3 or w < 3:
        return 0.0
    mask = torch.tensor([[1.0, -2.0, 1.0], [-2.0, 4.0, -2.0], [1.0, -2.0, 1.0]])
    resp = torch.nn.functional.conv2d(img.float()[:, None], mask[None, None])  # each channel on its own
    return float(resp.abs().mean() * math.sqrt(math.pi / 2) / 6)


def quantize(img: torch.Tensor, k: int, seed: int = 0, fit: torch.Tensor | None = None
             ) -> tuple[torch.Tensor, torch.Tensor]:
    """Reduce ``img`` [3,H,W] to at most ``k`` inks: labels [H,W] (int64) and inks
    [k',3] (RGB, k' <= k; unused inks dropped).

    The clusters are found with k-means in CIELAB (perceptually distinct colours get
    their own ink), then polished with Lloyd steps in sRGB, the space the picture
    is judged in (PSNR); both on a sample of the pixels, then every pixel takes its
    nearest ink. Each ink is the mean colour of its pixels in ``fit`` (default
    ``img``; pass the unfiltered photo when ``img`` is pre-filtered).
    """
    import cv2

    rgb = np.ascontiguousarray(img.permute(1, 2, 0).numpy().reshape(-1, 3).astype(np.float32))
    step = max(1, len(rgb) // _KMEANS_SAMPLE)
    sample = np.ascontiguousarray(rgb[::step])
    lab = cv2.cvtColor(sample.reshape(-1, 1, 3), cv2.COLOR_RGB2Lab).reshape(-1, 3)
    k = max(1, min(k, len(sample)))
    cv2.setRNGSeed(seed)
    _, labels, _ = cv2.kmeans(lab, k, None, (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 20, 0.5), 1,
                              cv2.KMEANS_PP_CENTERS)
    _, _, centres = cv2.kmeans(sample, k, labels, (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 30, 1e-4), 1,
                               cv2.KMEANS_USE_INITIAL_LABELS)
    px, c = torch.from_numpy(rgb), torch.from_numpy(centres)
    labels = (px @ (-2.0 * c.t()) + (c * c).sum(1)).argmin(1)  # nearest ink: |p - c|^2 less |p|^2
    src = (img if fit is None else fit).reshape(3, -1).t().double()
    counts = torch.bincount(labels, minlength=k)
    used = counts > 0
    sums = torch.zeros(k, 3, dtype=torch.float64).index_add_(0, labels, src)
    inks = (sums[used] / counts[used, None]).float().clamp(0, 1)
    remap = torch.cumsum(used.long(), 0) - 1
    return remap[labels].reshape(img.shape[1:]), inks


#: pixels sampled to find the inks (every pixel is then assigned to one)
_KMEANS_SAMPLE = 32_768


def stacked_layers(labels: torch.Tensor, inks: torch.Tensor) -> tuple[list[np.ndarray], torch.Tensor]:
    """Stack the inks dark to light: bitmap ``i`` holds ink ``i`` and every lighter
    one, so each layer is drawn over a filled layer (no seams) and each bitmap is a
    lightness level set (smooth shapes, few speckles). Returns the bitmaps (that
    of layer 0, the darkest ink, is the whole canvas) and the inks in stacking
    order."""
    order = torch.argsort(srgb_to_lab(inks)[:, 0], stable=True)
    rank = torch.empty_like(order)
    rank[order] = torch.arange(order.numel())
    r = rank[labels].numpy()
    return [r >= i for i in range(order.numel())], inks[order]


def potrace_subpaths(bitmap: np.ndarray, params: dict) -> list[np.ndarray]:
    """Potrace one bitmap (True = ink): its closed subpaths as [n,4,2] float64 arrays
    of cubic control points in pixel units (x right, y down). Potrace's corners
    become two straight cubics. A bitmap that is all ink is the canvas rectangle."""
    potrace = _potrace()
    if not bitmap.any():
        return []
    h, w = bitmap.shape
    if bitmap.all():
        corners = [(0.0, 0.0), (w, 0.0), (w, h), (0.0, h), (0.0, 0.0)]
        return [np.array([_line(a, b) for a, b in zip(corners, corners[1:])], dtype=np.float64)]
    bm = potrace.Bitmap(np.ascontiguousarray(bitmap, dtype=np.uint8))
    policy = getattr(potrace, f"TURNPOLICY_{params['turnpolicy'].upper()}")
    traced = bm.trace(turdsize=int(params["turdsize"]), turnpolicy=policy, alphamax=float(params["alphamax"]),
                      opticurve=bool(params["opticurve"]), opttolerance=float(params["opttolerance"]))
    out = []
    for curve in traced.curves:
        p = tuple(curve.start_point)
        rows = []
        for seg in curve.segments:
            end = tuple(seg.end_point)
            if seg.is_corner:
                c = tuple(seg.c)
                rows += [_line(p, c), _line(c, end)]
            else:
                rows.append((p, tuple(seg.c1), tuple(seg.c2), end))
            p = end
        if rows:
            out.append(np.array(rows, dtype=np.float64))
    return out


def _potrace():
    try:
        import potrace
    except ImportError as e:
        raise RuntimeError(f"tracing needs the Potrace binding pypotrace ({e}); install it with `make install` "
                           "(Debian: apt-get install libpotrace-dev libagg-dev pkg-config; pip install pypotrace)"
                           ) from None
    return potrace


def _line(a, b) -> tuple:
    """A straight edge from ``a`` to ``b`` (x, y) as a cubic (control points at thirds)."""
    (ax, ay), (bx, by) = a, b
    dx, dy = (bx - ax) / 3.0, (by - ay) / 3.0
    return (ax, ay), (ax + dx, ay + dy), (bx - dx, by - dy), (bx, by)


def bitmaps_to_paths(bitmaps: list[np.ndarray], inks: torch.Tensor, shape: tuple[int, int], params: dict,
                     background: tuple[float, float, float]) -> PathSet:
    """One evenodd compound path per bitmap, coloured ``inks`` in order, over
    ``background``, in canvas units."""
    h, w = shape
    s = float(max(h, w))
    curves, path_of, sub_of = [], [], []
    for i, bm in enumerate(bitmaps):
        for j, sp in enumerate(potrace_subpaths(bm, params)):
            curves.append(sp)
            path_of.append(np.full(len(sp), i))
            sub_of.append(np.full(len(sp), j))
    n = len(bitmaps)
    points = torch.from_numpy(np.concatenate(curves) / s).float() if curves else torch.zeros(0, 4, 2)
    cat = lambda parts: torch.from_numpy(np.concatenate(parts)).long() if parts else torch.zeros(0, dtype=torch.long)  # noqa: E731
    return PathSet(points, cat(path_of), cat(sub_of), inks.float().clone(), torch.ones(n),
                   torch.full((n,), EVENODD), (w / s, h / s), background)


def fit_inks(paths: PathSet, image: torch.Tensor) -> PathSet:
    """The colours that make the traced picture closest to ``image`` ([3,H,W]) for
    the traced shapes: the picture is linear in the colours (each pixel a mix of the
    inks it sees through the anti-aliased edges of opaque layers), so they are the
    least-squares solution of a P x P system."""
    from .render.paths import path_coverage

    _, h, w = image.shape
    n = len(paths)
    with torch.no_grad():
        cover = path_coverage(paths, h, w)
        seen = torch.empty_like(cover)  # how much of each layer shows: its coverage under those above it
        above = torch.ones(h, w)
        for i in range(n - 1, -1, -1):
            seen[i] = cover[i] * above
            above = above * (1.0 - cover[i])
        a = seen.reshape(n, -1).double()
        inks = torch.linalg.lstsq(a @ a.t(), a @ image.reshape(3, -1).t().double()).solution
    return paths._replace(colors=inks.float().clamp(0, 1))


#: Adam learning rates of the refinement: control points (canvas units per step, i.e.
#: 0.8 px at 512 px, at least 0.2 px), colours, background
REFINE_LR = (0.0016, 0.02, 0.01)


def refine_paths(paths: PathSet, image: torch.Tensor, steps: int, *, device: torch.device | str = "cpu",
                 structure_weight: float = 0.01, callback=None, progress: bool = False) -> PathSet:
    """Move every control point and colour of ``paths`` (and the background colour)
    towards ``image`` ([3,H,W] at the working size) with ``steps`` Adam steps through
    the renderer; topology unchanged, subpaths kept closed."""
    from .engine.losses import pixel_loss
    from .engine.optim import Adam
    from .engine.progress import progress as _progress
    from .image.imageops import psnr
    from .render import render

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

