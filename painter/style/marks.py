"""A painting's marks, measured: how long, wide, bent and far apart its brush
strokes are, and how their length follows the local detail.

A picture has no stroke list, so its marks are read from its texture: the luma's
high-pass (the picture less its blur at the brushwork's wavelength) and the
local direction of the brushwork (the structure tensor's orientation). At every
pixel the local autocorrelation of the high-pass is taken at a ladder of offsets
along that direction and across it (each product averaged in a window, over the
local variance):

    length    twice the offset where the correlation along the direction falls to
              1/2 (a mark of length L correlates with itself over L)
    width     the same across the direction
    spacing   the offset of the correlation's first peak across the direction past
              its first dip (the next mark beside this one); where there is none,
              the pixel does not count
    bend      how far the direction turns over one mark's length, radians

Each is summarized by its quantiles (:data:`QUANTILES`) over the pixels that hold
brushwork (weighted by edge energy); lengths, widths and spacings as shares of the
picture's longer side. ``detail_ratio`` is the typical length (the weighted mean of
its log) where the picture holds the most detail (its strongest quarter of edge
energy at a coarse scale) over that where it holds the least: painters shorten their
marks in detail, or lengthen them. The mean of the log rather than the median, which
jumps between the steps of :data:`OFFSETS`: the rocket photo's ratio read 4.6, 1.8
and 4.7 at 256, 384 and 512 px by the median, 2.7, 2.5 and 4.6 by the mean (Starry
Night's 1.4 at each by both); pictures are compared at one size all the same.
``flat_contrast`` is the deviation of the high-pass where the picture holds the least
detail (that same quarter): how strongly its marks show where it paints nothing in
particular (Starry Night 0.07, the Great Wave's flat print 0.02). It is what a
painting's brushwork layer takes (painter.engine.brushwork), not a distance.

    stats = marks(img)                         # [3,H,W] in [0, 1], measured at 512 px
    mark_distance(stats, painting_stats)       # 0: the same marks
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F

from ..image.imageops import gaussian_blur, luminance, structure_tensor, tensor_orientation

#: the quantiles each distribution is summarized by
QUANTILES = (0.1, 0.5, 0.9)
#: offsets (px at the measuring size) at which the autocorrelation is sampled
OFFSETS = (1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0, 11.0, 16.0, 22.0, 32.0)
#: the correlation level that defines a mark's half-length and half-width
HALF = 0.5
#: the least and most size (px) of the windows the correlations are averaged in: the
#: brushwork's wavelength, within these
WINDOW = (2.0, 6.0)
#: the scale (px) at which detail is told from flat areas for ``detail_ratio``
DETAIL_SIGMA = 16.0


@dataclass(frozen=True)
class Marks:
    """Quantiles (:data:`QUANTILES`) of each distribution; see the module docstring."""
    length: tuple[float, ...]
    width: tuple[float, ...]
    spacing: tuple[float, ...]
    bend: tuple[float, ...]
    detail_ratio: float
    flat_contrast: float = 0.0

    def table(self) -> dict[str, list[float] | float]:
        """The numbers as a preset's ``[measured]`` table shows them."""
        return {k: (round(v, 4) if isinstance(v, float) else [round(x, 5) for x in v]) for k, v in asdict(self).items()}


def marks(img: torch.Tensor, wavelength: float | None = None) -> Marks:
    """The :class:`Marks` of ``img`` [3,H,W] (measured at its own size; call it at
    :data:`painter.style.analyze.MEASURE_SIZE`). ``wavelength``: the brushwork's
    dominant wavelength in px (default: :func:`painter.style.analyze.texture_scale`)."""
    if wavelength is None:
        from .analyze import texture_scale

        wavelength = texture_scale(img)
    img = img.detach().float()
    longer = max(img.shape[1:])
    y = luminance(img)
    high = y - gaussian_blur(y, max(1.5, wavelength))  # the marks, without the picture's layout
    j = structure_tensor(img, max(1.0, wavelength / 4))
    theta, coh = tensor_orientation(j)
    energy = (j[0] + j[2]) * coh
    along = torch.stack([torch.cos(theta), torch.sin(theta)], -1)
    across = torch.stack([-torch.sin(theta), torch.cos(theta)], -1)
    window = min(WINDOW[1], max(WINDOW[0], wavelength))
    r_along = _correlations(high, along, window)
    r_across = _correlations(high, across, window)
    length = 2 * _half_offset(r_along)
    width = 2 * _half_offset(r_across)
    spacing = _next_peak(r_across)
    bend = _turn_rate(theta) * length
    weight = energy.flatten()
    coarse = gaussian_blur(j[0:1] + j[2:3], DETAIL_SIGMA)[0].flatten()
    lo, hi = torch.quantile(_sample(coarse), torch.tensor([0.25, 0.75]))
    flat, busy = coarse <= lo, coarse >= hi
    lf = length.flatten()
    detail = math.exp(_wmean(lf[busy].log(), weight[busy]) - _wmean(lf[flat].log(), weight[flat]))
    has_space = torch.isfinite(spacing.flatten())
    return Marks(
        length=_quantiles(lf / longer, weight),
        width=_quantiles(width.flatten() / longer, weight),
        spacing=_quantiles(spacing.flatten()[has_space] / longer, weight[has_space]),
        bend=_quantiles(bend.flatten(), weight),
        detail_ratio=float(detail),
        flat_contrast=float(high.flatten()[flat].std()) if int(flat.sum()) > 1 else 0.0,
    )


def mark_distance(a: Marks, b: Marks) -> float:
    """How far the marks ``a`` are from ``b``: the mean over the distributions of the
    mean absolute difference of their quantiles, in log for the sizes (a ratio) and
    in radians for the bend, plus the log ratio of their detail ratios."""
    terms = []
    for name in ("length", "width", "spacing"):
        qa, qb = getattr(a, name), getattr(b, name)
        if qa and qb:
            terms.append(sum(abs(math.log(max(x, 1e-6) / max(z, 1e-6))) for x, z in zip(qa, qb)) / len(qa))
    terms.append(sum(abs(x - z) for x, z in zip(a.bend, b.bend)) / len(a.bend))
    terms.append(abs(math.log(max(a.detail_ratio, 1e-6) / max(b.detail_ratio, 1e-6))))
    return sum(terms) / len(terms)


def _correlations(high: torch.Tensor, direction: torch.Tensor, window: float) -> torch.Tensor:
    """[K,H,W]: the local correlation of ``high`` [1,H,W] with itself shifted by each
    of :data:`OFFSETS` px along ``direction`` [H,W,2] (both ways, averaged), in
    Gaussian windows of ``window`` px."""
    _, h, w = high.shape
    ys, xs = torch.meshgrid(torch.arange(h, dtype=high.dtype), torch.arange(w, dtype=high.dtype), indexing="ij")
    base = torch.stack([xs, ys], -1)
    scale = torch.tensor([2.0 / max(1, w - 1), 2.0 / max(1, h - 1)], dtype=high.dtype)
    var = gaussian_blur(high * high, window).clamp_min(1e-10)
    out = []
    for k in OFFSETS:
        prod = 0
        for sign in (1.0, -1.0):
            grid = ((base + sign * k * direction) * scale - 1.0)[None]
            shifted = F.grid_sample(high[None], grid, mode="bilinear", padding_mode="reflection", align_corners=True)[0]
            prod = prod + high * shifted
        out.append(gaussian_blur(prod / 2, window) / var)
    return torch.cat(out)


def _half_offset(r: torch.Tensor) -> torch.Tensor:
    """[H,W]: the offset (px, interpolated in log between the samples) where the
    correlation ``r`` [K,H,W] first falls below :data:`HALF` (the largest offset
    where it never does)."""
    off = torch.tensor(OFFSETS, dtype=r.dtype)
    first = _first(r < HALF, len(OFFSETS) - 1)
    prev = (first - 1).clamp_min(0)
    r1, r0 = r.gather(0, first[None])[0], r.gather(0, prev[None])[0]
    t = ((r0 - HALF) / (r0 - r1).clamp_min(1e-6)).clamp(0, 1)
    t = torch.where(first == 0, torch.ones_like(t), t)
    lo = torch.where(first == 0, torch.full_like(t, OFFSETS[0] / 2), off[prev])
    return torch.exp(torch.log(lo) + t * (torch.log(off[first]) - torch.log(lo)))


def _next_peak(r: torch.Tensor) -> torch.Tensor:
    """[H,W]: the offset of the first local maximum of ``r`` [K,H,W] that follows a
    dip below zero (the neighbouring mark); infinity where there is none."""
    off = torch.tensor(OFFSETS, dtype=r.dtype)
    dipped = torch.zeros_like(r, dtype=torch.bool)
    dipped[0] = r[0] < 0
    for k in range(1, len(r)):
        dipped[k] = dipped[k - 1] | (r[k] < 0)
    peak = torch.zeros_like(r, dtype=torch.bool)
    peak[1:-1] = (r[1:-1] > r[:-2]) & (r[1:-1] >= r[2:]) & dipped[1:-1] & (r[1:-1] > 0)
    first = _first(peak, len(OFFSETS))
    return torch.where(first < len(OFFSETS), off[first.clamp(max=len(OFFSETS) - 1)], torch.full_like(r[0], math.inf))


def _first(mask: torch.Tensor, none: int) -> torch.Tensor:
    """[H,W]: the index of the first true entry of ``mask`` [K,H,W] along K, ``none``
    where there is none (a loop over K: argmax over a leading axis is slow on CPU)."""
    first = torch.full(mask.shape[1:], none, dtype=torch.int64)
    for k in range(len(mask) - 1, -1, -1):
        first = torch.where(mask[k], k, first)
    return first


def _turn_rate(theta: torch.Tensor) -> torch.Tensor:
    """[H,W]: how fast the orientation field ``theta`` turns along itself, radians per px."""
    field = torch.stack([torch.cos(2 * theta), torch.sin(2 * theta)])
    gy, gx = torch.gradient(field, dim=(1, 2))
    c, s = torch.cos(theta), torch.sin(theta)
    d = gx * c + gy * s  # the doubled-angle field's change along the direction
    return torch.sqrt((d * d).sum(0)) / 2


def _sample(x: torch.Tensor, most: int = 100_000) -> torch.Tensor:
    return x[:: max(1, x.numel() // most)]


def _wquantiles(x: torch.Tensor, w: torch.Tensor, qs) -> tuple[float, ...]:
    """The ``qs`` quantiles of ``x`` weighted by ``w`` (nan when empty), one sort."""
    if x.numel() == 0 or float(w.sum()) <= 0:
        return tuple(float("nan") for _ in qs)
    order = torch.argsort(x)
    cum = torch.cumsum(w[order].double(), 0)
    i = torch.searchsorted(cum, torch.tensor(qs, dtype=cum.dtype) * cum[-1]).clamp(max=len(cum) - 1)
    return tuple(float(v) for v in x[order][i])


def _wmean(x: torch.Tensor, w: torch.Tensor) -> float:
    """The mean of ``x`` weighted by ``w`` (0 when empty)."""
    total = float(w.double().sum())
    return float((x.double() * w.double()).sum()) / total if total > 0 else 0.0


def _quantiles(x: torch.Tensor, w: torch.Tensor) -> tuple[float, ...]:
    if x.numel() == 0:
        return ()
    return _wquantiles(x, w, QUANTILES)
