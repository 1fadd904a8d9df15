"""An SVG ``<filter>`` that painter both writes and draws, from one description.

A :class:`Filter` is a list of filter primitives with their SVG attributes, written
as text exactly as they go into the file. :meth:`Filter.element` writes them into an
SVG; :meth:`Filter.apply` computes the same primitives in torch (through
:mod:`painter.materials.filters` and :mod:`painter.materials.noise`), reading the numbers back from that
text, so the PNG and the SVG cannot drift apart. Only what painter's materials use
is supported:

    feTurbulence        feGaussianBlur (stdDeviation >= 2)   feDiffuseLighting
    feColorMatrix       feComposite (over, in, out, arithmetic)
    feComponentTransfer feMerge   feConvolveMatrix (square, edgeMode="none")

Every filter covers the whole canvas and a margin around it, in user space (pixels
of the exported picture), and works in sRGB (``color-interpolation-filters="sRGB"``). Images are [4,H,W]
tensors with premultiplied colour, as filters keep them.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from functools import lru_cache

import torch

from . import filters
from .noise import turbulence

#: the user-space point where the noise of the picture's top-left pixel is sampled:
#: (0, 0) as resvg and Inkscape do; Chromium samples at (1, 1) (see painter.materials.noise)
NOISE_ORIGIN = (0.0, 0.0)


def fmt(v) -> str:
    """A number as written into a filter: at most 4 decimals, no trailing zeros."""
    if isinstance(v, str):
        return v
    if isinstance(v, (list, tuple)):
        return " ".join(fmt(x) for x in v)
    s = f"{float(v):.4f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


@dataclass(frozen=True)
class Primitive:
    """One filter primitive: its tag, its attributes (as written) and its children
    (feDistantLight, feFuncA, feMergeNode)."""
    tag: str
    attrs: tuple[tuple[str, str], ...]
    children: tuple["Primitive", ...] = ()

    def get(self, name: str, default: str | None = None) -> str | None:
        return dict(self.attrs).get(name, default)

    def numbers(self, name: str, default: str = "0") -> list[float]:
        return [float(x) for x in self.get(name, default).replace(",", " ").split()]

    def number(self, name: str, default: float = 0.0) -> float:
        v = self.get(name)
        return default if v is None else float(v)

    def inputs(self) -> list[str | None]:
        """The results it reads (None: the previous primitive's)."""
        if self.tag == "feMerge":
            return [c.get("in") for c in self.children]
        return [self.get("in")] + ([self.get("in2")] if self.get("in2") is not None else [])


def prim(tag: str, *children: Primitive, **attrs) -> Primitive:
    """A primitive; attribute names as in SVG, with ``in_`` for ``in`` and ``_`` for
    ``-``; values formatted by :func:`fmt`. None values are left out."""
    items = tuple(((k.rstrip("_").replace("_", "-")), fmt(v)) for k, v in attrs.items() if v is not None)
    return Primitive(tag, items, children)


class _Element:
    """An ElementTree element that svgwrite can hold as a child."""

    def __init__(self, xml: ET.Element):
        self.xml = xml
        self.elementname = xml.tag

    def get_xml(self) -> ET.Element:
        return self.xml


@dataclass(frozen=True)
class Filter:
    """Filter primitives over a canvas and ``margin`` pixels around it: strokes run
    past the canvas's edges, and a blur or a relief near an edge must see them
    (renderers disagree about what lies beyond a filter's region)."""
    id: str
    primitives: tuple[Primitive, ...]
    margin: int = 0

    def element(self, width: int, height: int) -> _Element:
        """The ``<filter>`` element (for svgwrite's ``defs.add``) over a canvas of
        ``width`` x ``height`` user units and the margin around it."""
        m = self.margin
        root = ET.Element("filter", {"id": self.id, "x": str(-m), "y": str(-m), "width": str(width + 2 * m),
                                     "height": str(height + 2 * m), "filterUnits": "userSpaceOnUse",
                                     "color-interpolation-filters": "sRGB"})

        def add(parent: ET.Element, p: Primitive) -> None:
            el = ET.SubElement(parent, p.tag, dict(p.attrs))
            for c in p.children:
                add(el, c)

        for p in self.primitives:
            add(root, p)
        return _Element(root)

    def apply(self, source: torch.Tensor) -> torch.Tensor:
        """The filter's result for the premultiplied [4,H+2m,W+2m] ``source`` (the
        group's own picture over transparency, the margin ``m`` around the canvas
        included), of the same size."""
        results = {"SourceGraphic": source, "SourceAlpha": torch.cat([torch.zeros_like(source[:3]), source[3:]])}
        prev = "SourceGraphic"
        origin = (NOISE_ORIGIN[0] - self.margin, NOISE_ORIGIN[1] - self.margin)
        for i, p in enumerate(self.primitives):
            def get(name: str | None) -> torch.Tensor:
                return results[prev if name is None else name]

            out = _evaluate(p, get, source, _alpha_only(self.primitives, i), origin)
            prev = p.get("result") or f"_{i}"
            results[prev] = out
        return results[prev]


def _evaluate(p: Primitive, get, source: torch.Tensor, alpha_only: bool, origin: tuple[float, float]) -> torch.Tensor:
    """One primitive in torch; ``get(name)`` returns an input by name; ``origin``:
    the user-space point where the noise of the top-left pixel is sampled."""
    _, h, w = source.shape
    if p.tag == "feTurbulence":
        fx, *fy = p.numbers("baseFrequency")
        channels = (3,) if alpha_only else (0, 1, 2, 3)
        noise = _noise(h, w, (fx, fy[0] if fy else fx), int(p.number("numOctaves", 1)), int(p.number("seed")),
                       p.get("type") == "fractalNoise", str(source.device), channels, origin).to(source.dtype)
        if alpha_only:
            return torch.cat([torch.zeros_like(noise).expand(3, h, w), noise])
        return torch.cat([noise[:3] * noise[3:], noise[3:]])
    ins = [get(n) for n in p.inputs()]
    if p.tag == "feGaussianBlur":
        sx, *sy = p.numbers("stdDeviation")
        if min([sx, *sy]) < 2:
            raise ValueError("feGaussianBlur: painter draws stdDeviation >= 2 only (resvg's box blur)")
        img = ins[0]
        if not img[:3].any():  # an alpha alone (a height map): one channel, not four
            return torch.cat([img[:3], filters.box_blur(img[3:], sx, sy[0] if sy else sx)])
        return filters.box_blur(img, sx, sy[0] if sy else sx)
    if p.tag == "feConvolveMatrix":
        order = int(p.number("order"))
        if p.get("edgeMode") != "none" or order % 2 == 0:
            raise ValueError('feConvolveMatrix: painter draws odd square kernels with edgeMode="none" only')
        kernel = torch.tensor(p.numbers("kernelMatrix")).view(order, order)
        divisor = p.number("divisor", 0.0) or None
        return filters.convolve(ins[0], kernel, divisor)
    if p.tag == "feDiffuseLighting":
        light = p.children[0]
        rgb = filters.diffuse_lighting(ins[0][3], p.number("surfaceScale", 1), p.number("diffuseConstant", 1),
                                       light.number("azimuth"), light.number("elevation"))
        return torch.cat([rgb, torch.ones_like(rgb[:1])])
    if p.tag == "feColorMatrix":
        return filters.color_matrix(ins[0], p.numbers("values"))
    if p.tag == "feComposite":
        op = p.get("operator", "over")
        if op == "arithmetic":
            return filters.arithmetic(ins[0], ins[1], *(p.number(k) for k in ("k1", "k2", "k3", "k4")))
        return filters.composite(ins[0], ins[1], op)
    if p.tag == "feMerge":
        out = torch.zeros_like(source)
        for img in ins:
            out = filters.composite(img, out, "over")
        return out
    if p.tag == "feComponentTransfer":
        funcs = {c.tag[-1].lower(): _transfer_function(c) for c in p.children}
        return filters.component_transfer(ins[0], **funcs)
    raise ValueError(f"painter does not draw the filter primitive {p.tag}")


@lru_cache(maxsize=2)
def _noise(h: int, w: int, frequency: tuple[float, float], octaves: int, seed: int, fractal: bool, device: str,
           channels: tuple[int, ...], origin: tuple[float, float]) -> torch.Tensor:
    """:func:`turbulence`, kept for the next filter that asks for the same noise (the
    paper's grain serves both a material's paint and its paper, and every frame of
    an animation)."""
    return turbulence(h, w, frequency, octaves, seed, fractal=fractal, device=device, channels=channels,
                      origin=origin)


def clear_cache() -> None:
    """Forget the noises kept for reuse (their memory; cold timings)."""
    _noise.cache_clear()


def _transfer_function(c: Primitive) -> tuple:
    kind = c.get("type")
    if kind in ("table", "discrete"):
        return (kind, c.numbers("tableValues", ""))
    if kind == "linear":
        return (kind, c.number("slope", 1), c.number("intercept", 0))
    if kind == "gamma":
        return (kind, c.number("amplitude", 1), c.number("exponent", 1), c.number("offset", 0))
    return None


def _alpha_only(prims: tuple[Primitive, ...], i: int) -> bool:
    """Whether every reader of primitive ``i``'s result uses its alpha alone (a
    noise then costs one channel, not four)."""
    name = prims[i].get("result")
    readers = []
    for j in range(i + 1, len(prims)):
        for k, n in enumerate(prims[j].inputs()):
            if (n == name and name is not None) or (n is None and j == i + 1):
                readers.append((prims[j], k))
    if not readers or i == len(prims) - 1:
        return False
    for p, k in readers:
        if p.tag == "feDiffuseLighting" or (p.tag == "feComposite" and k == 1 and p.get("operator") in ("in", "out")):
            continue
        values = p.numbers("values") if p.tag == "feColorMatrix" else []
        if values and all(abs(v) < 1e-12 for r in range(4) for v in values[5 * r:5 * r + 3]):
            continue
        return False
    return True
