"""Tracing's pipeline: the options checked, then bitmaps -> outlines -> inks
(:func:`trace_art`, numpy only), then the optional refinement (:func:`trace`)."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from ..image.io import load_array, resize_array
from .bitmaps import ink_bitmap, prefilter as smooth, quantize, stacked_layers
from .inks import fit_inks, path_coverage
from .libpotrace import TURNPOLICIES
from .outlines import Traced, assemble, each_bitmap, potrace_subpaths

if TYPE_CHECKING:
    import torch

    from ..primitives.paths import PathSet

MODES = ("bw", "color")
DEFAULT_COLORS = 16
#: the background: white paper (in colour mode never seen: the bottom layer covers the canvas)
PAPER = (1.0, 1.0, 1.0)


def trace(
    image: torch.Tensor | np.ndarray | str | Path,
    *,
    refine: int = 0,
    device: str | torch.device = "auto",
    callback: Callable[[int, PathSet, torch.Tensor], object] | None = None,
    progress: bool = False,
    **options: Any,
) -> PathSet:
    """Trace ``image`` (a path, a [3,H,W] tensor or an [H,W,3] array in [0,1]) into a PathSet.

    ``options`` are :func:`trace_art`'s. ``refine``: Adam steps that move every
    control point and colour towards the image (0: Potrace's paths as they are), on
    ``device``. ``callback(step, paths, image)`` runs after every refinement step;
    returning False stops it. ``meta`` of the result records the options, and with
    ``refine`` the PSNR before and after.
    """
    art, img = _trace(image, refine=refine, **options)
    paths = art.to_paths()
    if refine:
        import torch

        from ..engine.run import resolve_device
        from .refine import refine_paths

        target = torch.from_numpy(np.ascontiguousarray(img)).permute(2, 0, 1).contiguous()
        paths = refine_paths(paths, target, refine, device=resolve_device(device), callback=callback,
                             progress=progress)
    return paths


def trace_art(image: torch.Tensor | np.ndarray | str | Path, **options: Any) -> Traced:
    """:func:`trace` without refinement and without torch: the traced art as numpy
    arrays (:class:`painter.trace.outlines.Traced`; ``.to_paths()`` makes it a
    PathSet), which :func:`painter.export.svgdoc.save_paths_svg` writes as SVG.

    Options: ``mode`` ("color": stacked colour layers; "bw": one black path),
    ``colors`` (number of inks, 1-256), ``threshold`` (bw: luminance in [0, 1] below
    which a pixel is ink; default Otsu's), ``invert`` (bw: swap ink and paper),
    ``prefilter`` (color: edge-preserving smoothing first), ``size`` (working size
    of the longer side in pixels; default the image's own), Potrace's ``turdsize``,
    ``alphamax``, ``opticurve``, ``opttolerance``, ``turnpolicy``, and ``seed``
    (k-means).
    """
    return _trace(image, **options)[0]


def _trace(
    image: torch.Tensor | np.ndarray | str | Path,
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
    seed: int = 0,
    refine: int = 0,
) -> tuple[Traced, np.ndarray]:
    """The traced art (``meta`` recording the options, ``refine`` among them) and
    the picture [H,W,3] it was traced from, at the working size."""
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
    img = picture(image)
    if size is not None:
        img = resize_array(img, size)
    h, w = img.shape[:2]
    params = dict(turdsize=turdsize, alphamax=alphamax, opticurve=opticurve, opttolerance=opttolerance,
                  turnpolicy=turnpolicy)
    if mode == "bw":
        ink, level = ink_bitmap(img, threshold, invert)
        layers, inks = [ink], np.zeros((1, 3), np.float32)
        meta = {"threshold": round(level, 6), "invert": invert}
    else:
        labels, inks = quantize(smooth(img) if prefilter else img, colors, seed, fit=img)
        layers, inks = stacked_layers(labels, inks)
        meta = {"colors": int(inks.shape[0]), "prefilter": prefilter}
    done = each_bitmap(outline_layer, layers, params, mode == "color")
    art = assemble([subpaths for subpaths, _ in done], inks, (h, w), PAPER)
    if mode == "color":
        art = fit_inks(art, img, np.stack([cover for _, cover in done]))
    art.meta.update({"size": max(h, w), "mode": mode, "seed": seed, **meta, **params, "refine": refine})
    return art, img


def outline_layer(bitmap: np.ndarray, params: dict, cover: bool) -> tuple[list[np.ndarray], np.ndarray | None]:
    """One layer's work, done on a worker process: Potrace's subpaths of ``bitmap``
    and, when ``cover``, the coverage [H,W] of the path they make (for the colour fit)."""
    subpaths = potrace_subpaths(bitmap, params)
    if not cover:
        return subpaths, None
    one = assemble([subpaths], np.zeros((1, 3), np.float32), bitmap.shape, PAPER)
    return subpaths, path_coverage(one, *bitmap.shape)[0]


def picture(image: torch.Tensor | np.ndarray | str | Path) -> np.ndarray:
    """[H,W,3] float32 in [0, 1] of an image file, a [3,H,W] tensor or an [H,W,3] array."""
    if isinstance(image, (str, Path)):
        return load_array(image)
    if hasattr(image, "detach"):  # a tensor (torch is loaded already if one was made)
        return image.detach().float().clamp(0, 1).cpu().permute(1, 2, 0).contiguous().numpy()
    a = np.asarray(image, dtype=np.float32)
    if a.ndim != 3 or a.shape[2] != 3:
        raise ValueError(f"an image array must be [H,W,3], not {list(a.shape)}")
    return np.ascontiguousarray(a.clip(0, 1))
