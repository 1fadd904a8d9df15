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

from ..image.color import kmeans_palette, pixels, srgb_to_lab
from ..image.imageops import gaussian_blur, luminance, sobel, structure_tensor, tensor_coherence, tensor_orientation
from .marks import marks

#: pictures are measured at this longer side (scale is relative, so the answer holds)
MEASURE_SIZE = 512

#: the most strokes a measured preset asks for at MAX_WORK_SIZE (fine brushwork is many
#: strokes); at smaller working sizes, where a stroke costs less, more in proportion. The
#: last layer's strokes are the painting's median mark wide (marks.Marks.width): from
#: 0.6 of its wavelength, Udnie's and Woman with a Hat's strokes doubled in number, and
#: their outputs' stroke scale, which had been coarser than the photo's, came nearer the
#: painting's (benchmarks/style_match.py: held-out scale progress -0.29 -> 0.05, marks
#: 0.52 -> 0.56; the time ratio 2.05 -> 1.99 with the faster marks)
MAX_STROKES = 2000
#: the finest wavelength (working pixels) strokes paint well: two strokes of 3 px; a
#: measured preset works at a size where the painting's wavelength is at least this
FINEST_WAVELENGTH = 6.0
#: the largest working size a measured preset asks for
MAX_WORK_SIZE = 512
#: a measured preset's weight-free texture loss and coherence pull, and its SSIM content
#: loss that keeps the photo readable under them (tuned on starry_night and wave,
#: benchmarks/style_match.py). While the texture statistics had one number per level
#: (79fa431's bug), texture 6 rather than 3 raised the median texture progress from
#: 0.78 to 0.88 but left the SSIM term at 0.02 without effect (the lowest SSIM fell to
#: 0.57); with SSIM 0.04: texture 0.85, marks 0.54 (from 0.49), the lowest SSIM 0.63
#: (from 0.60), stroke scale 0.55 (from 0.63), coherence 0.47 (from 0.51). With the
#: statistics mended, 3, 6 and 12 on four tuning pairs gave texture 0.61, 0.73 and
#: 0.82, marks 0.48, 0.59 and 0.55, the lowest SSIM 0.54, 0.52 and 0.49: 6 stays
TEXTURE_WEIGHT, COHERENCE_WEIGHT, SSIM_WEIGHT = 6.0, 0.3, 0.04
#: how far a measured preset moves the photo's colours to the painting's: all the way,
#: tone by tone (painter.engine.plan.TRANSFER_LIGHTNESS); faces keep some of their own
#: (painter.engine.plan.FACE_KEEP). From 0.7 with colours moved as one distribution,
#: with texture 6 and SSIM 0.04 (benchmarks/style_match.py): palette progress 0.63 ->
#: 0.77 (held out 0.52 -> 0.71), coherence 0.47 -> 0.59, texture 0.85 -> 0.80, marks
#: 0.54 -> 0.49, the lowest SSIM 0.63 -> 0.53
PALETTE_STRENGTH = 1.0


@dataclass(frozen=True)
class Measures:
    scale: float
    coherence: float
    swirl: float
    contours: float
    variance: float
    palette: tuple[tuple[float, float, float], ...]


def _resized(img: torch.Tensor, size: int) -> torch.Tensor:
    """``img`` with its longer side ``size``, through an antialiased bilinear filter:
    not io.resize_longer, whose area averaging lets fine detail alias near the
    Nyquist limit (starry_night's wavelength read 2.8 px instead of 4.9)."""
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
    j = structure_tensor(img, sigma)  # once: the direction, its coherence and the edge energy
    theta, coh = tensor_orientation(j)
    energy = j[0] + j[2]
    weighted = float(tensor_coherence(j))
    field = torch.stack([torch.cos(2 * theta), torch.sin(2 * theta)])
    dx = field[:, :, 1:] - field[:, :, :-1]
    dy = field[:, 1:] - field[:, :-1]
    turn = torch.sqrt((dx[:, :-1] ** 2).sum(0) + (dy[:, :, :-1] ** 2).sum(0)) / 2  # radians per px (small angles)
    wgt = (coh * energy)[:-1, :-1]
    swirl = float((turn * wgt).sum() / wgt.sum().clamp_min(1e-12)) * 4 * sigma
    return weighted, swirl


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
    coh, swirl = orientation(small, sigma)
    pal = kmeans_palette(pixels(small, 20000, torch.Generator().manual_seed(0)), k=colours, seed=0)
    pal = pal[torch.argsort(luminance(pal.t()[:, :, None])[0, :, 0])]
    return Measures(scale=wavelength / longer, coherence=coh, swirl=swirl, contours=contour_darkness(small),
                    variance=local_variance(small, sigma),
                    palette=tuple(tuple(round(float(c), 4) for c in row) for row in pal))


def distance(a: Measures, b: Measures) -> dict[str, float]:
    """Per measure, how far ``a`` is from ``b`` (scale as a log ratio; palettes as the
    mean CIELAB distance from each colour of ``a`` to the nearest of ``b``)."""
    pa, pb = (srgb_to_lab(torch.tensor(p)) for p in (a.palette, b.palette))
    return {"scale": abs(math.log(a.scale / b.scale)), "coherence": abs(a.coherence - b.coherence),
            "swirl": abs(a.swirl - b.swirl), "contours": abs(a.contours - b.contours),
            "variance": abs(a.variance - b.variance), "palette": float(torch.cdist(pa, pb).min(1).values.mean())}


#: how many times a measured preset's brushwork dashes cover the flat areas: on 4
#: tuning pairs (starry_night, wave), 0.7 raised the marks progress from 0.40 to 0.53 on
#: the coffee in Starry Night's style and the coherence from 0.47 to 0.53 at SSIM 0.58
#: (0.73 without); 1.0, nearer the edges too, took SSIM to 0.50
BRUSHWORK_COVER = 0.7


def preset(img: torch.Tensor, name: str, description: str = "") -> dict:
    """A style preset (the dict of a ``styles/*.toml`` file) for the painting ``img``
    [3,H,W]: its palette, a brush whose finest strokes are its median mark wide,
    shaped by its coherence, a working size that resolves its texture wavelength, a flow that swirls as
    much as it does, dark contours where it has them, opacity from its broken
    colour, strokes that lengthen or shorten with detail as its marks do (the marks'
    ``detail_ratio``), a material, a layer schedule, and a brushwork layer of its
    marks' typical size and its flat areas' contrast (``flat_contrast``)."""
    small = _resized(img.detach().float().cpu(), MEASURE_SIZE)  # once: measure keeps a picture at its size
    m = measure(small)
    mk = marks(small, m.scale * MEASURE_SIZE)
    aspect = 1.5 + 8.0 * max(0.0, m.coherence - 0.5)  # coherent brushwork: long dashes
    width = max(1.5, mk.width[1] * 256)  # px at 256: the painting's median mark
    # fine brushwork needs the pixels to show: the working size where its wavelength is
    # FINEST_WAVELENGTH px (in steps of 64), between painter's default and MAX_WORK_SIZE
    work_size = int(min(MAX_WORK_SIZE, max(256, 64 * math.ceil(FINEST_WAVELENGTH / m.scale / 64))))
    # the last layer's strokes are the painting's own size (their coverage is their
    # share of the strokes): fine brushwork takes many strokes, up to what a run affords
    most = MAX_STROKES * MAX_WORK_SIZE / work_size
    strokes = int(min(most, max(500, 256 * 256 / (aspect * width * width))))
    bend = min(0.3, 0.05 + 0.25 * max(0.0, m.swirl - 0.4))  # swirling brushwork: curved strokes
    broken = m.variance > 0.8
    contours = m.contours > 0.2
    layers = [{"fraction": 0.15, "coverage": 1.6, "steps": 0.25, "scale": 0.5},
              {"fraction": 0.25, "coverage": 1.1, "steps": 0.35, "scale": 0.5},
              {"fraction": 0.55 if contours else 0.6, "coverage": 0.6, "steps": 0.3 if contours else 0.4}]
    if contours:  # long dark lines along the edges, free to fade out where no edge wants them
        layers.append({"fraction": 0.05, "coverage": round(0.06 + 0.4 * (m.contours - 0.2), 3), "steps": 0.1,
                       "dark": True, "brush": {"aspect": 10.0, "taper": 0.5, "bend": 0.1, "width_scale": 0.6,
                                               "opacity": [0.0, 1.0]}})
    material = ({"name": "oil", "strength": round(min(1.0, m.variance - 0.3), 2)} if broken else
                {"name": "print"} if contours else {"name": "oil", "strength": 0.4})
    return {
        "name": name,
        "description": description or "taken from a painting by painter styles --from",
        "strokes": strokes,
        "size": work_size,
        "ground": "paint",
        "brush": {"aspect": round(aspect, 2), "taper": 0.8, "bend": round(bend, 3),
                  "opacity": [0.6, 1.0] if broken else [0.9, 1.0], "width_scale": 1.0, "growth": 1.4,
                  "detail_length": round(mk.detail_ratio, 3)},
        "flow": {"mode": "structure", "curl": round(min(0.8, max(0.0, 2.5 * (m.swirl - 0.45))), 2)},
        "palette": {"colors": ["#%02x%02x%02x" % tuple(round(c * 255) for c in rgb) for rgb in m.palette],
                    "strength": PALETTE_STRENGTH, "snap": 0.5},
        "loss": {"style": 1.0, "content": 0.3, "pixel": 1.0, "structure": 0.05, "blur": 1.0 if broken else 0.5,
                 "texture": TEXTURE_WEIGHT, "coherence": COHERENCE_WEIGHT, "ssim": SSIM_WEIGHT},
        "material": material,
        "brushwork": {"cover": BRUSHWORK_COVER, "length": round(mk.length[1], 5), "width": round(mk.width[1], 5),
                      "contrast": round(mk.flat_contrast, 4)},
        "layers": layers,
        "measured": {"scale": round(m.scale, 5), "coherence": round(m.coherence, 4), "swirl": round(m.swirl, 4),
                     "contours": round(m.contours, 4), "variance": round(m.variance, 4),
                     **{f"mark_{k}": v for k, v in mk.table().items()}},
    }


def _toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(x)}" for k, x in v.items()) + " }"
    return repr(v)


def to_toml(d: dict) -> str:
    """The preset ``d`` as a TOML file in the layout of ``styles/*.toml``."""
    lines = ["# A painter style preset, measured from a painting (painter styles --from); edit freely.",
             "# Every field is documented in styles/van_gogh.toml."]
    lines += [f"{k} = {_toml_value(v)}" for k, v in d.items() if not isinstance(v, (dict, list))]
    for k, v in d.items():
        if isinstance(v, dict):
            comment = "   # what was measured (not read back)" if k == "measured" else ""
            lines += ["", f"[{k}]{comment}"] + [f"{kk} = {_toml_value(vv)}" for kk, vv in v.items()]
    for layer in d.get("layers", []):
        lines += ["", "[[layers]]"] + [f"{kk} = {_toml_value(vv)}" for kk, vv in layer.items()]
    return "\n".join(lines) + "\n"
