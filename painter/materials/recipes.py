"""Each material's filters: SVG filter primitives (see :mod:`painter.materials.filtergraph`),
sized for the picture (``unit``: its longer side over 1024 px, times the material's
``scale``).

    soften  a small blur (rounds oil's paint); reach: the margin a blur needs
    lit     light and shade of a height map, laid over what is below
    grain   the paper's grain (a fractal noise), and paper: it lit
    thin    an alpha that thins where a noise is high
    mask    paint seen through a noise (ink's density, print's mottle)
    tooth   graphite on the paper's tooth
    wash    watercolor on one layer: pooled edges, granulation
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

from .filtergraph import Filter, prim

if TYPE_CHECKING:  # pragma: no cover
    from . import Material


def soften(source: str, sigma: float, result: str):
    """A blur of about ``sigma`` px (at most ``max(2, sigma)``): a Gaussian from 2 px
    on (resvg draws smaller ones another way), a 5 x 5 or 3 x 3 binomial kernel below
    (exact in every renderer)."""
    if sigma >= 2.0:
        return prim("feGaussianBlur", in_=source, stdDeviation=sigma, result=result)
    row = [1, 4, 6, 4, 1] if sigma >= 0.85 else [1, 2, 1]
    kernel = [a * b for a in row for b in row]
    return prim("feConvolveMatrix", in_=source, order=len(row), kernelMatrix=kernel, divisor=sum(kernel),
                edgeMode="none", result=result)


def lit(height_result: str, mat: Material, surface: float, shade: float, shine: float,
         elevation: float) -> list:
    """Light and shade of a height map (the alpha of ``height_result``) lit from
    ``mat.light``: black where it faces away, white where it faces the light,
    transparent where it is flat."""
    flat = math.sin(math.radians(elevation))
    return [
        prim("feDiffuseLighting", prim("feDistantLight", azimuth=mat.light, elevation=elevation),
             in_=height_result, surfaceScale=surface, diffuseConstant=1, lighting_color="white", result="lit"),
        prim("feColorMatrix", in_="lit", type="matrix", values=[0] * 15 + [-shade, 0, 0, 0, shade * flat],
             result="shade"),
        prim("feColorMatrix", in_="lit", type="matrix", values=[0, 0, 0, 0, 1] * 3 + [shine, 0, 0, 0, -shine * flat],
             result="shine"),
        prim("feMerge", prim("feMergeNode", in_="shade"), prim("feMergeNode", in_="shine")),
    ]


#: paper grain: frequency at 1024 px, octaves, light elevation, surface scale at 1024 px
PAPER_FREQUENCY, PAPER_OCTAVES = 0.18, 3
PAPER_ELEVATION, PAPER_SURFACE = 50.0, 1.0
#: ... and the strengths of its shade and light: a grain that reads at 100% and
#: leaves the picture alone
PAPER_SHADE, PAPER_SHINE = 0.35, 0.25


def grain(mat: Material, unit: float, result: str = "grain"):
    """The paper's grain (its tooth: high where the noise's alpha is high)."""
    return prim("feTurbulence", type="fractalNoise", baseFrequency=PAPER_FREQUENCY / unit, numOctaves=PAPER_OCTAVES,
                seed=mat.seed + 1, result=result)


#: fractal noise mostly lies within NOISE_LOW + [0, NOISE_SPAN]
NOISE_LOW, NOISE_SPAN = 0.35, 0.3


def thin(noise: str, k: float, result: str):
    """An alpha that thins where the noise (the alpha of ``noise``) is high: ``1 - k
    (noise - NOISE_LOW)``, clamped; through it (``in``), paint loses up to about
    ``k * NOISE_SPAN`` of its density."""
    return prim("feColorMatrix", in_=noise, type="matrix", values=[0] * 15 + [0, 0, 0, -k, 1 + k * NOISE_LOW],
                result=result)


def reach(sigma: float) -> int:
    """The margin a filter that blurs by ``sigma`` px (and lights the result) needs
    beyond the canvas."""
    return math.ceil(3 * sigma) + 2


def paper(mat: Material, unit: float) -> Filter:
    """The paper's grain lit from ``mat.light``, over the whole picture."""
    return Filter("paper-grain", (grain(mat, unit), *lit("grain", mat, PAPER_SURFACE * unit * mat.paper, PAPER_SHADE,
                                                        PAPER_SHINE, PAPER_ELEVATION)), margin=reach(0))


#: how much ink's density and a print's ink vary over the picture (at strength 1): the
#: optimizer already varies each stroke's opacity, so a little reads as ink
INK_DENSITY, PRINT_MOTTLE = 0.015, 0.02


def mask(ident: str, mat: Material, unit: float, frequency: float, octaves: int, depth: float) -> Filter:
    """The paint seen through a noise: where the noise is high its alpha drops, by up
    to ``depth`` times ``strength`` (a density that varies over the picture)."""
    k = mat.strength * depth / NOISE_SPAN
    return Filter(ident, (
        prim("feTurbulence", type="fractalNoise", baseFrequency=frequency / unit, numOctaves=octaves,
             seed=mat.seed + 2, result="n"),
        thin("n", k, "density"),
        prim("feComposite", in_="SourceGraphic", in2="density", operator="in"),
    ))


#: graphite: how much thinner a faint stroke lies in the paper's valleys than on its
#: peaks, at strength 1 (a dense one fills them: see :func:`tooth`)
TOOTH_DEPTH = 0.25


def tooth(mat: Material, unit: float) -> Filter:
    """Graphite on the paper's tooth: faint graphite catches on its peaks and lies
    up to :data:`TOOTH_DEPTH` thinner in its valleys, dense graphite fills them (the
    thinning is ``depth x valley x (1 - alpha)``), so the drawing's darks stay dark
    and its values stay; more pressure (strength) fills the valleys sooner."""
    k = TOOTH_DEPTH / max(mat.strength, 0.1) / NOISE_SPAN
    return Filter("graphite-tooth", (
        grain(mat, unit),
        prim("feColorMatrix", in_="grain", type="matrix", values=[0] * 15 + [0, 0, 0, -k, k * (NOISE_LOW + NOISE_SPAN)],
             result="valley"),
        prim("feColorMatrix", in_="SourceGraphic", type="matrix", values=[0] * 15 + [0, 0, 0, -1, 1],
             result="open"),
        prim("feComposite", in_="valley", in2="open", operator="arithmetic", k1=1, result="gap"),
        prim("feComposite", in_="SourceGraphic", in2="gap", operator="out"),
    ))


#: watercolor: edge blur (px at 1024, at least 2), darkening of pooled pigment, granulation depth
WASH_EDGE, WASH_DARK, WASH_GRAIN = 4.0, 0.75, 0.06


def wash(mat: Material, unit: float) -> Filter:
    """Watercolor on one layer: pigment pooled along the wash's edges (its colour
    darkened, as opaque as the alpha exceeds its blur there) and granulation:
    thinner on the paper's peaks."""
    k = mat.strength
    g = k * WASH_GRAIN / NOISE_SPAN
    edge = max(2.0, WASH_EDGE * unit)
    return Filter("wash", (
        prim("feGaussianBlur", in_="SourceAlpha", stdDeviation=edge, result="blur"),
        prim("feComposite", in_="SourceAlpha", in2="blur", operator="arithmetic", k2=2 * k, k3=-2 * k,
             result="rim"),
        prim("feColorMatrix", in_="SourceGraphic", type="matrix", result="dark",
             values=[WASH_DARK, 0, 0, 0, 0, 0, WASH_DARK, 0, 0, 0, 0, 0, WASH_DARK, 0, 0, 0, 0, 0, 0, 1]),
        prim("feComposite", in_="dark", in2="rim", operator="in", result="pool"),
        grain(mat, unit),
        thin("grain", g, "settle"),
        prim("feComposite", in_="SourceGraphic", in2="settle", operator="in", result="wash"),
        prim("feMerge", prim("feMergeNode", in_="wash"), prim("feMergeNode", in_="pool")),
    ), margin=reach(edge))
