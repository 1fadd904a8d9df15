"""Brush materials: what the paint is made of, drawn over the strokes as a finish.

The optimizer paints in flat colour; a material is applied when a picture is drawn
(PNG, animation frames) or written (SVG). Each is built from the same three parts,
and each part is drawn by painter and written into the SVG from one description
(:mod:`.filtergraph`), so that painter's PNG and resvg's, Inkscape's or a
browser's drawing of the SVG show the same material:

    paint   the strokes, through a filter: per layer (watercolor: pigment pooled at
            the edges, granulation) or over the whole painting (ink:
            density; graphite: the paper's tooth; print: mottled ink). Ink adds
            dry-brush gaps: lines of paper colour along the end of each stroke.
    relief  oil: a height field of the strokes (each a body of paint, later strokes
            standing higher) with the ridges of its bristles (lines along the
            stroke, see :mod:`.bristles`), lit from one direction. The
            light and shade are laid over the painting.
    paper   the paper's grain, lit the same way, over everything.

Materials and their parameters (defaults in :data:`DEFAULTS`):

    flat        clean strokes, nothing added
    oil         strength (relief), scale (bristle spacing), light (azimuth in
                degrees, SVG's: 225 is from the top left), paper, seed
    watercolor  strength (edge pooling), scale (grain), paper, seed
    ink         strength (dry-brush breakup), scale, paper, seed
    graphite    strength (pressure), scale (tooth), paper, seed
    print       strength (ink mottling), scale, paper, seed

The package: this module (materials by name, their parameters, :func:`build`),
``finish`` (a painting in its material at one size, and how painter draws it),
``recipes`` (each material's SVG filters), ``marks`` (lines along the strokes:
oil's ridges, ink's dry-brush gaps), ``bristles`` (a brush's bristle lines),
``filtergraph`` (one filter description, drawn by painter and written as SVG),
``filters`` (the SVG filter primitives painter draws) and ``noise``
(``feTurbulence``'s noise, as the SVG specification defines it).

Sizes are relative to the picture (``scale`` 1 is as tuned for a 1024 px picture,
and a picture drawn at 4096 px shows the same marks four times as large), so a
painting looks the same at every size. A finish is computed on the CPU whatever
device painted the strokes: the same marks on every machine.

May import: :mod:`painter.render`, :mod:`painter.primitives`, :mod:`painter.image`.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields, replace

import torch

from ..primitives.strokes import StrokeSet
from ..render.geometry import to_pixels
from . import marks, recipes
from .finish import Finish, draw

__all__ = ["DEFAULTS", "NAMES", "Finish", "Material", "MaterialError", "build", "describe", "draw", "material",
           "resolve"]

NAMES = ("flat", "oil", "watercolor", "ink", "graphite", "print")


@dataclass(frozen=True)
class Material:
    name: str = "flat"
    strength: float = 1.0  # the material's main effect (0: none)
    scale: float = 1.0  # size of its marks and grain
    light: float = 225.0  # azimuth of the light in degrees (SVG's feDistantLight: 225 is from the top left)
    paper: float = 0.0  # relief of the paper's grain (0: smooth)
    seed: int = 0


#: each material's defaults
DEFAULTS = {
    "flat": Material("flat"),
    "oil": Material("oil", strength=1.0, scale=1.0, paper=0.0),
    "watercolor": Material("watercolor", strength=1.0, scale=1.0, paper=0.45),
    "ink": Material("ink", strength=1.0, scale=1.0, paper=0.4),
    "graphite": Material("graphite", strength=1.0, scale=1.0, paper=0.35),
    "print": Material("print", strength=1.0, scale=1.0, paper=0.5),
}


class MaterialError(ValueError):
    """A material name or parameter that painter does not know."""


def material(spec: "str | Material | dict | None" = None, **overrides) -> Material:
    """A Material from a name (``"oil"``), a name with parameters (``"oil:strength=0.5,
    light=180"``), a dict (``{"name": "oil", "strength": 0.5}``, as in a style's TOML)
    or a Material; ``overrides`` replace parameters. None is ``flat``."""
    if isinstance(spec, Material):
        base, params = spec, {}
    else:
        if spec is None:
            spec = "flat"
        if isinstance(spec, str):
            name, _, rest = spec.partition(":")
            params = {}
            for item in filter(None, (s.strip() for s in rest.split(","))):
                key, eq, value = item.partition("=")
                if not eq:
                    raise MaterialError(f"material parameter {item!r}: write name=value (e.g. oil:strength=0.5)")
                params[key.strip()] = value.strip()
        else:
            params = dict(spec)
            name = params.pop("name", "flat")
        name = str(name).strip().lower()
        if name not in DEFAULTS:
            raise MaterialError(f"unknown material {name!r}; choose from {', '.join(NAMES)}")
        base = DEFAULTS[name]
    params.update(overrides)
    known = {f.name: f.type for f in fields(Material) if f.name != "name"}
    out = {}
    for key, value in params.items():
        if key not in known:
            raise MaterialError(f"unknown material parameter {key!r}; use {', '.join(known)}")
        try:
            out[key] = int(value) if key == "seed" else float(value)
        except (TypeError, ValueError):
            raise MaterialError(f"material parameter {key}={value!r} is not a number") from None
        if key != "seed" and (not math.isfinite(out[key]) or (key != "light" and out[key] < 0)):
            raise MaterialError(f"material parameter {key}={value!r} must be a finite number >= 0")
    return replace(base, **out)


def resolve(spec=None, strokes=None) -> Material:
    """The material to draw ``strokes`` in: ``spec`` (anything :func:`material`
    takes), or where it is None the strokes' own (``meta["material"]``, which
    :func:`painter.paint` writes from the style), else flat."""
    if spec is None and strokes is not None:
        spec = getattr(strokes, "meta", {}).get("material")
    return material(spec)


def describe(m: Material) -> str:
    """``name:param=value,...`` (the parameters that differ from its defaults)."""
    base = asdict(DEFAULTS[m.name])
    diff = [f"{k}={v:g}" for k, v in asdict(m).items() if k != "name" and v != base[k]]
    return m.name + (":" + ",".join(diff) if diff else "")


def build(strokes: StrokeSet, mat: Material, height: int, width: int) -> Finish:
    """The finish of ``strokes`` in ``mat`` for a ``width`` x ``height`` picture."""
    st = strokes.detach().to("cpu", torch.float32)
    pts, s = to_pixels(st.points, st.canvas, height, width)
    paint = replace(st, points=pts, widths=st.widths * s, canvas=(float(width), float(height)))
    finish = Finish(height, width, paint, torch.arange(len(st)))
    unit = max(height, width) / 1024.0 * mat.scale  # marks and grain scale with the picture
    gen = torch.Generator().manual_seed(mat.seed)
    if mat.name == "oil" and mat.strength > 0:
        finish = marks.oil(finish, mat, unit, max(height, width) / 1024.0, gen)
    elif mat.name == "watercolor":
        finish = replace(finish, paint_filter=recipes.wash(mat, unit), per_layer=True)
    elif mat.name == "ink":
        density = recipes.mask("ink-density", mat, unit, 0.03, 2, recipes.INK_DENSITY)
        finish = replace(marks.dry_brush(finish, mat, unit, gen), paint_filter=density)
    elif mat.name == "graphite":
        finish = replace(finish, paint_filter=recipes.tooth(mat, unit))
    elif mat.name == "print":
        finish = replace(finish, paint_filter=recipes.mask("print-mottle", mat, unit, 0.08, 2, recipes.PRINT_MOTTLE))
    if mat.paper > 0:
        finish = replace(finish, paper=recipes.paper(mat, unit))
    return _one_margin(finish)


def _one_margin(finish: Finish) -> Finish:
    """Every filter of ``finish`` over the widest margin any of them needs: their
    noises are then sampled over the same region, and computed once."""
    names = ("paint_filter", "relief_filter", "paper")
    margin = max((getattr(finish, n).margin for n in names if getattr(finish, n) is not None), default=0)
    return replace(finish, **{n: replace(getattr(finish, n), margin=margin)
                              for n in names if getattr(finish, n) is not None})
