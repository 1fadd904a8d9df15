"""A painting's style, measured: the numbers a preset is made from.

:func:`measure` looks at a picture (a painting, or a painting painter made) and
returns :class:`Measures`:

    scale       the dominant texture wavelength (the luma's power spectrum, weighted
                by frequency, its median), as a share of the picture's longer side:
                how large the brushwork is
    coherence   how strongly the brushwork runs one way locally (the structure
                tensor's coherence, weighted by edge energy), 0 to 1
    swirl       how fast that direction turns along the picture (the doubled-angle
                orientation field's rotation, radians per wavelength)
    contours    how dark the picture's edges are against its mean lightness (dark
                outlines: positive)
    variance    the median local colour variance at the brushwork's scale (broken
                colour and layering: high; flat areas: low)
    palette     its main colours (k-means in CIELAB), darkest first

The same numbers measure how far a painting made in a painting's style moved toward
it (``benchmarks/style_match.py``).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from .color import kmeans_palette, pixels, srgb_to_lab
from .imageops import gaussian_blur, luminance, sobel, structure_orientation

#: pictures are measured at this longer side (scale is relative, so the answer holds)
MEASURE_SIZE = 512


@dataclass(frozen=True)
class Measures:
    scale: float
    coherence: float
    swirl: float
    contours: float
    variance: float
    palette: tuple[tuple[float, float, float], ...]


def _resized(img: torch.Tensor, size: int) -> torch.Tensor:
    h, w = img.shape[1:]
    s = size / max(h, w)
    if abs(s - 1) < 1e-6:
        return img
    return torch.nn.functional.interpolate(img[None], size=(max(1, round(h * s)), max(1, round(w * s))),
                                           mode="bilinear", align_corners=False, antialias=True)[0].clamp(0, 1)


def texture_scale(img: torch.Tensor) -> float:
    """The dominant wavelength of ``img``'s luma [3,H,W] in pixels: the frequency that
    splits the power spectrum's energy (times frequency, which weighs fine detail as
    the eye does) in half, turned into a period."""
    y = luminance(img)[0]
    y = y - y.mean()
    h, w = y.shape
    window = torch.hann_window(h, periodic=False)[:, None] * torch.hann_window(w, periodic=False)[None]
    power = torch.fft.rfft2(y * window).abs() ** 2
    fy = torch.fft.fftfreq(h)[:, None]
    fx = torch.fft.rfftfreq(w)[None]
    f = torch.sqrt(fy**2 + fx**2)
    keep = f > 2.0 / max(h, w)  # not the picture's layout: its texture
    weight = (power * f)[keep]
    order = torch.argsort(f[keep])
    cum = torch.cumsum(weight[order], 0)
    median = f[keep][order][int(torch.searchsorted(cum, cum[-1] / 2).clamp(max=len(cum) - 1))]
    return float(1.0 / median)


def orientation(img: torch.Tensor, sigma: float) -> tuple[float, float]:
    """(coherence, swirl) of the brushwork of ``img`` [3,H,W] at the scale ``sigma``
    px: the structure tensor's coherence weighted by edge energy, and how fast the
    doubled-angle orientation field turns, in radians per ``4 sigma`` px, where the
    field is coherent."""
    theta, coh = structure_orientation(img, sigma)
    gx, gy = sobel(luminance(img))
    energy = gaussian_blur(gx * gx + gy * gy, sigma)[0]
    coherence = float((coh * energy).sum() / energy.sum().clamp_min(1e-12))
    field = torch.stack([torch.cos(2 * theta), torch.sin(2 * theta)])
    dx = field[:, :, 1:] - field[:, :, :-1]
    dy = field[:, 1:] - field[:, :-1]
    turn = torch.sqrt((dx[:, :-1] ** 2).sum(0) + (dy[:, :, :-1] ** 2).sum(0)) / 2  # radians per px (small angles)
    wgt = (coh * energy)[:-1, :-1]
    swirl = float((turn * wgt).sum() / wgt.sum().clamp_min(1e-12)) * 4 * sigma
    return coherence, swirl


def contour_darkness(img: torch.Tensor) -> float:
    """How much darker than the picture's mean lightness the dark side of its edges
    is (each pixel's 3x3 minimum of luma, weighted by gradient energy): dark
    outlines give 0.2 or more, a picture without them about 0 or less."""
    y = luminance(img)
    gx, gy = sobel(y)
    energy = (gx * gx + gy * gy)[0]
    dark = -torch.nn.functional.max_pool2d(-y[None], 3, stride=1, padding=1)[0, 0]
    return float(((y.mean() - dark) * energy).sum() / energy.sum().clamp_min(1e-12))


def local_variance(img: torch.Tensor, sigma: float) -> float:
    """The median over pixels of the local colour variance (CIELAB, at the scale
    ``sigma`` px) over 100: flat areas 0, broken colour 1 or more (the median, so
    that the boundaries between areas do not count)."""
    lab = srgb_to_lab(img.permute(1, 2, 0)).permute(2, 0, 1)
    mean = gaussian_blur(lab, sigma)
    var = (gaussian_blur(lab * lab, sigma) - mean * mean).clamp_min(0).sum(0)
    return float(var.flatten()[:: max(1, var.numel() // 200_000)].median() / 100.0)


def measure(img: torch.Tensor, colours: int = 8) -> Measures:
    """The :class:`Measures` of ``img`` [3,H,W] in [0, 1]."""
    small = _resized(img.detach().float().cpu(), MEASURE_SIZE)
    longer = max(small.shape[1:])
    wavelength = texture_scale(small)
    sigma = max(1.0, wavelength / 4)
    coherence, swirl = orientation(small, sigma)
    pal = kmeans_palette(pixels(small, 20000, torch.Generator().manual_seed(0)), k=colours, seed=0)
    pal = pal[torch.argsort(luminance(pal.t()[:, :, None])[0, :, 0])]
    return Measures(scale=wavelength / longer, coherence=coherence, swirl=swirl, contours=contour_darkness(small),
                    variance=local_variance(small, sigma),
                    palette=tuple(tuple(round(float(c), 4) for c in row) for row in pal))


def distance(a: Measures, b: Measures) -> dict[str, float]:
    """Per measure, how far ``a`` is from ``b`` (scale as a log ratio; palettes as the
    mean CIELAB distance from each colour of ``a`` to the nearest of ``b``)."""
    pa, pb = (srgb_to_lab(torch.tensor(p)) for p in (a.palette, b.palette))
    return {"scale": abs(math.log(a.scale / b.scale)), "coherence": abs(a.coherence - b.coherence),
            "swirl": abs(a.swirl - b.swirl), "contours": abs(a.contours - b.contours),
            "variance": abs(a.variance - b.variance), "palette": float(torch.cdist(pa, pb).min(1).values.mean())}
