"""Where a picture needs detail: faces, and the edges of its shapes.

Hertzmann's painterly rendering (SIGGRAPH 1998) paints each finer brush only where
the canvas still misses the photo: flat areas keep broad strokes, and edges, eyes
and mouths get fine ones. A painting run asks this module two things, both maps
over the working canvas:

- :func:`find_faces` / :func:`face_map`: frontal faces, found by scikit-image's LBP
  cascade (the model ships with scikit-image; OpenCV 5 ships no cascades). Faces
  weigh more in the losses, draw more fine strokes, and keep dark contour
  strokes off them.
- :func:`detail_map`: how much structure each place holds, in [0, 1]: the edge
  energy of the photo's luma at a fine scale, relative to the picture's own
  strong edges, and the faces. Strokes placed where it is high are narrower and
  shorter, where it is low broader and longer.
"""
from __future__ import annotations

import math

import torch

from ..image.imageops import gaussian_blur, luminance, sobel

#: faces are searched on the photo at this longer side at most (px), from FACE_MIN px up
FACE_SEARCH_SIZE, FACE_MIN = 1024, 24
#: the cascade's scan: scale step between window sizes and the stride in window steps
FACE_SCALE_FACTOR, FACE_STEP_RATIO = 1.25, 1.5
#: a face's ellipse is its detector box grown by this (the box holds eyes to mouth;
#: the ellipse takes in the brow, chin and cheeks)
FACE_GROW = 1.3
#: the share of edge energy that counts as a strong edge: the edge map is relative to
#: this quantile of the picture's own edge energy
EDGE_QUANTILE = 0.95

__all__ = ["detail_map", "edge_map", "face_map", "face_size", "find_faces", "least_size"]


#: a face gets at least this many working pixels across (painter paint raises its
#: working size for it, within defaults.WORK_SIZE_RANGE: see :func:`face_size`)
FACE_WORK_PX = 80

_found: dict[tuple, list] = {}  # the last photo's faces: the command line asks twice (size, then plan)


def find_faces(photo: torch.Tensor) -> list[tuple[float, float, float, float]]:
    """Frontal faces in ``photo`` ([3,H,W] in [0,1]) as boxes ``(x, y, w, h)`` in
    shares of the photo's width and height. Empty where scikit-image is not
    installed (faces are then painted as any other detail)."""
    key = (tuple(photo.shape), float(photo.float().sum()), float((photo.float() ** 2).sum()))
    if key not in _found:
        _found.clear()
        _found[key] = _detect(photo)
    return list(_found[key])


def face_size(photo: torch.Tensor, most: int) -> int:
    """The working size (longer side, px) at which the largest face in ``photo``
    ([3,H,W]) is :data:`FACE_WORK_PX` wide, at most ``most``; 0 without faces."""
    faces = find_faces(photo)
    if not faces:
        return 0
    height, width = photo.shape[1:]
    share = max(max(w * width, h * height) for _, _, w, h in faces) / max(height, width)  # of the longer side
    return min(most, math.ceil(FACE_WORK_PX / share))


def least_size(photo: torch.Tensor, style_size: int) -> int:
    """The least working size a front end paints ``photo`` at (defaults.run_sizes'
    ``style_size``): the style's own, or more where a face asks for it
    (:func:`face_size`, within defaults.WORK_SIZE_RANGE)."""
    from ..defaults import WORK_SIZE_RANGE

    return max(style_size, face_size(photo, WORK_SIZE_RANGE[1]))


def _detect(photo: torch.Tensor) -> list[tuple[float, float, float, float]]:
    """:func:`find_faces` without the memory."""
    try:
        from skimage import data
        from skimage.feature import Cascade
    except ImportError:  # pragma: no cover - scikit-image is a dependency; a trimmed install still paints
        return []
    import numpy as np

    _, h, w = photo.shape
    s = min(1.0, FACE_SEARCH_SIZE / max(h, w))
    gray = luminance(photo.detach().float().cpu())
    if s < 1.0:
        gray = torch.nn.functional.interpolate(gray[None], scale_factor=s, mode="area", recompute_scale_factor=False)[0]
    img = np.ascontiguousarray((gray[0].clamp(0, 1) * 255).round().to(torch.uint8).numpy())
    gh, gw = img.shape
    if min(gh, gw) < FACE_MIN:
        return []
    found = Cascade(data.lbp_frontal_face_cascade_filename()).detect_multi_scale(
        img=img, scale_factor=FACE_SCALE_FACTOR, step_ratio=FACE_STEP_RATIO, min_size=(FACE_MIN, FACE_MIN),
        max_size=(gh, gw))
    return [(d["c"] / gw, d["r"] / gh, d["width"] / gw, d["height"] / gh) for d in found]


def face_map(faces: list[tuple[float, float, float, float]], height: int, width: int,
             device: torch.device | str = "cpu") -> torch.Tensor:
    """[1,H,W] in [0,1]: 1 inside each face's ellipse (its box grown by
    :data:`FACE_GROW`), falling smoothly to 0 over a tenth of its size outside."""
    out = torch.zeros(1, height, width, device=device)
    if not faces:
        return out
    ys = (torch.arange(height, device=device, dtype=torch.float32) + 0.5)[:, None] / height
    xs = (torch.arange(width, device=device, dtype=torch.float32) + 0.5)[None, :] / width
    for x, y, w, h in faces:
        rx, ry = FACE_GROW * w / 2, FACE_GROW * h / 2
        r = (((xs - x - w / 2) / rx) ** 2 + ((ys - y - h / 2) / ry) ** 2).sqrt()
        out[0] = torch.maximum(out[0], ((1.1 - r) / 0.1).clamp(0, 1))
    return out


def edge_map(target: torch.Tensor, sigma: float) -> torch.Tensor:
    """[1,H,W] in [0,1]: the edge energy of ``target``'s luma ([3,H,W]) blurred by
    ``sigma`` px, over the picture's :data:`EDGE_QUANTILE` quantile of it (its own
    strong edges are 1, whatever the photo's contrast)."""
    gx, gy = sobel(gaussian_blur(luminance(target), max(0.5, sigma)))
    energy = (gx * gx + gy * gy).sqrt()
    flat = energy.flatten()
    if flat.numel() > 1 << 18:  # the quantile of a sample: torch.quantile refuses very large inputs
        flat = flat[:: flat.numel() // (1 << 18) + 1]
    top = torch.quantile(flat, EDGE_QUANTILE).clamp_min(1e-4)
    return (energy / top).clamp(0, 1)


def detail_map(target: torch.Tensor, faces: torch.Tensor, sigma: float = 1.0) -> torch.Tensor:
    """[1,H,W] in [0,1]: how much detail each place of ``target`` ([3,H,W]) holds:
    its edges (:func:`edge_map` at ``sigma`` px, spread over a few times that so a
    stroke's neighbourhood counts) and its ``faces`` ([1,H,W], :func:`face_map`)."""
    edges = gaussian_blur(edge_map(target, sigma), 2.0 * sigma)
    return torch.maximum(edges / edges.amax().clamp_min(1e-6), faces)
