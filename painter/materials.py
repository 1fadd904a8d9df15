"""Brush materials: what the paint is made of, drawn over the strokes as a finish.

The optimizer paints in flat colour; a material is applied when a picture is drawn
(PNG, animation frames) or written (SVG). Each is built from the same three parts,
and each part is drawn by painter and written into the SVG from one description
(:mod:`painter.filtergraph`), so that painter's PNG and resvg's, Inkscape's or a
browser's drawing of the SVG show the same material:

    paint   the strokes, through a filter: per layer (watercolor: pigment pooled at
            the edges, soft wet edges, granulation) or over the whole painting (ink:
            density; graphite: the paper's tooth; print: mottled ink). Ink adds
            dry-brush gaps: lines of paper colour along the end of each stroke.
    relief  oil: a height field of the strokes (each a body of paint, later strokes
            standing higher) with the ridges of its bristles (lines along the
            stroke, see :mod:`painter.bristles`), lit from one direction. The
            light and shade are laid over the painting.
    paper   the paper's grain, lit the same way, over everything.

Materials and their parameters (defaults in :data:`DEFAULTS`):

    flat        today's look: clean strokes, nothing added
    oil         strength (relief), scale (bristle spacing), light (azimuth in
                degrees, SVG's: 225 is from the top left), paper, seed
    watercolor  strength (edge pooling), scale (grain), paper, seed
    ink         strength (dry-brush breakup), scale, paper, seed
    graphite    strength (pressure), scale (tooth), paper, seed
    print       strength (ink mottling), scale, paper, seed

Sizes are relative to the picture (``scale`` 1 is as tuned for a 1024 px picture,
and a picture drawn at 4096 px shows the same marks four times as large), so a
painting looks the same at every size. A finish is computed on the CPU whatever
device painted the strokes: the same marks on every machine.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields, replace

import torch

from .bristles import lines_along, spread, to_cubic, to_quadratic
from .filtergraph import Filter, prim
from .render import render_stroke_params, visible_area
from .render.geometry import to_pixels
from .strokes import StrokeSet

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


@dataclass
class Finish:
    """A painting in its material, ready to be drawn or written at one size: every
    set in pixels of that size (canvas = (width, height))."""
    height: int
    width: int
    paint: StrokeSet  # the strokes as drawn (ink: with dry-brush gaps after each stroke)
    paint_owner: torch.Tensor  # [len(paint)] the painting's stroke each row belongs to
    marks: torch.Tensor | None = None  # [len(paint)] rows that are marks (dry-brush gaps), not strokes
    paint_filter: Filter | None = None
    per_layer: bool = False  # the paint filter works on each layer (else on the whole painting)
    bodies: torch.Tensor | None = None  # relief: [N] grey height of each stroke's body (in 1/15ths)
    lines: StrokeSet | None = None  # relief: bristle ridges, quadratics through whole pixels
    lines_owner: torch.Tensor | None = None
    relief_filter: Filter | None = None
    paper: Filter | None = None

    def upto(self, n: int) -> "Finish":
        """The finish of the painting's first ``n`` strokes (an animation frame)."""
        keep = self.paint_owner < n
        lines = None if self.lines is None else self.lines[self.lines_owner < n]
        return replace(self, paint=self.paint[keep], paint_owner=self.paint_owner[keep],
                       marks=None if self.marks is None else self.marks[keep],
                       bodies=None if self.bodies is None else self.bodies[:n], lines=lines,
                       lines_owner=None if lines is None else self.lines_owner[self.lines_owner < n])

    def layer_runs(self) -> list[slice]:
        """Rows of ``paint`` in runs of one layer (the SVG's layer groups)."""
        layer = self.paint.layer.tolist()
        starts = [i for i in range(len(layer)) if i == 0 or layer[i] != layer[i - 1]] + [len(layer)]
        return [slice(a, b) for a, b in zip(starts, starts[1:])]


#: oil: light elevation (degrees), shade and shine strengths, surface scale at 1024 px
OIL_ELEVATION = 35.0
OIL_SHADE, OIL_SHINE = 0.7, 0.35
OIL_SURFACE = 5.0
#: oil: the paint's edges and ridges are rounded by a blur of this many px at 1024
OIL_SOFTEN = 1.0
#: oil: bristle spacing in px at 1024, most lines per stroke, white ridge opacity
BRISTLE_SPACING = 3.0
MAX_BRISTLES = 8
RIDGE_OPACITY = 0.5
#: oil: a stroke of which less than a pixel shows at this size has no ridges
VISIBLE_SIZE = 512


def build(strokes: StrokeSet, mat: Material, height: int, width: int) -> Finish:
    """The finish of ``strokes`` in ``mat`` for a ``width`` x ``height`` picture."""
    st = strokes.detach().to("cpu", torch.float32)
    pts, s = to_pixels(st.points, st.canvas, height, width)
    paint = replace(st, points=pts, widths=st.widths * s, canvas=(float(width), float(height)))
    finish = Finish(height, width, paint, torch.arange(len(st)))
    unit = max(height, width) / 1024.0 * mat.scale  # marks and grain scale with the picture
    gen = torch.Generator().manual_seed(mat.seed)
    if mat.name == "oil" and mat.strength > 0:
        finish = _oil(finish, mat, unit, max(height, width) / 1024.0, gen)
    elif mat.name == "watercolor":
        finish = replace(finish, paint_filter=_wash(mat, unit), per_layer=True)
    elif mat.name == "ink":
        density = _mask_filter("ink-density", mat, unit, 0.02, 2, 0.35)
        finish = replace(_dry_brush(finish, mat, unit, gen), paint_filter=density)
    elif mat.name == "graphite":
        finish = replace(finish, paint_filter=_tooth(mat, unit))
    elif mat.name == "print":
        finish = replace(finish, paint_filter=_mask_filter("print-mottle", mat, unit, 0.08, 2, 0.06))
    if mat.paper > 0:
        finish = replace(finish, paper=_paper(mat, unit))
    return finish


def _soften(source: str, sigma: float, result: str):
    """A blur of about ``sigma`` px: a Gaussian from 2 px on (resvg draws smaller ones
    another way), a 5 x 5 or 3 x 3 binomial kernel below (exact in every renderer)."""
    if sigma >= 2.0:
        return prim("feGaussianBlur", in_=source, stdDeviation=sigma, result=result)
    row = [1, 4, 6, 4, 1] if sigma >= 0.85 else [1, 2, 1]
    kernel = [a * b for a in row for b in row]
    return prim("feConvolveMatrix", in_=source, order=len(row), kernelMatrix=kernel, divisor=sum(kernel),
                edgeMode="none", result=result)


def _lit(height_result: str, mat: Material, surface: float, shade: float, shine: float,
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


def _grain(mat: Material, unit: float, result: str = "grain"):
    """The paper's grain (its tooth: high where the noise's alpha is high)."""
    return prim("feTurbulence", type="fractalNoise", baseFrequency=PAPER_FREQUENCY / unit, numOctaves=PAPER_OCTAVES,
                seed=mat.seed + 1, result=result)


#: fractal noise mostly lies within NOISE_LOW + [0, NOISE_SPAN]
NOISE_LOW, NOISE_SPAN = 0.35, 0.3


def _paper(mat: Material, unit: float) -> Filter:
    return Filter("paper-grain", (_grain(mat, unit), *_lit("grain", mat, PAPER_SURFACE * unit * mat.paper, 0.6, 0.4,
                                                        PAPER_ELEVATION)))


def _mask_filter(ident: str, mat: Material, unit: float, frequency: float, octaves: int, depth: float) -> Filter:
    """The paint seen through a noise: where the noise is high its alpha drops, by up
    to ``depth`` times ``strength`` (a density that varies over the picture)."""
    k = mat.strength * depth / NOISE_SPAN
    return Filter(ident, (
        prim("feTurbulence", type="fractalNoise", baseFrequency=frequency / unit, numOctaves=octaves,
             seed=mat.seed + 2, result="n"),
        prim("feColorMatrix", in_="n", type="matrix", values=[0] * 15 + [0, 0, 0, -k, 1 + k * NOISE_LOW],
             result="density"),
        prim("feComposite", in_="SourceGraphic", in2="density", operator="in"),
    ))


def _tooth(mat: Material, unit: float) -> Filter:
    """Graphite on the paper's tooth: dense on its peaks, thin in its valleys; more
    pressure (strength) fills the valleys."""
    return Filter("graphite-tooth", (
        _grain(mat, unit),
        prim("feColorMatrix", in_="grain", type="matrix", values=[0] * 15 + [0, 0, 0, 2.2, 0.9 * mat.strength - 1.1],
             result="tooth"),
        prim("feComposite", in_="SourceGraphic", in2="tooth", operator="in"),
    ))


#: watercolor: edge blur (px at 1024, at least 2), darkening of pooled pigment, granulation depth
WASH_EDGE, WASH_DARK, WASH_GRAIN = 4.0, 0.5, 0.12


def _wash(mat: Material, unit: float) -> Filter:
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
        _grain(mat, unit),
        prim("feColorMatrix", in_="grain", type="matrix",
             values=[0] * 15 + [0, 0, 0, -g, 1 + g * NOISE_LOW], result="settle"),
        prim("feComposite", in_="SourceGraphic", in2="settle", operator="in", result="wash"),
        prim("feMerge", prim("feMergeNode", in_="wash"), prim("feMergeNode", in_="pool")),
    ))


def _oil(finish: Finish, mat: Material, unit: float, size_unit: float, gen: torch.Generator) -> Finish:
    """Relief: each stroke a body of paint (later layers higher) carrying ridges of
    its bristles. Strokes hidden under later ones (less than a pixel shows at
    :data:`VISIBLE_SIZE`) get no ridges."""
    paint = finish.paint
    n = len(paint)
    rank = torch.unique(paint.layer, return_inverse=True)[1] if n else paint.layer
    bodies = (6 + rank.clamp(max=3) + torch.randint(0, 2, (n,), generator=gen)).clamp(max=15)
    small = VISIBLE_SIZE / max(finish.height, finish.width)
    shown = visible_area(paint, max(1, round(finish.height * small)), max(1, round(finish.width * small))) >= 1.0
    half = paint.widths.mean(1) / 2  # [N] px
    spacing = BRISTLE_SPACING * unit
    count = (2 * half * 0.85 / spacing).round().clamp(2, MAX_BRISTLES).long()  # [N]
    j = torch.arange(MAX_BRISTLES).float()
    jitter = (torch.rand(n, MAX_BRISTLES, generator=gen) * 2 - 1) * 0.35
    across = -0.85 + 1.7 * (j + 0.5 + jitter) / count[:, None]
    t0 = torch.rand(n, MAX_BRISTLES, generator=gen) * 0.2
    t1 = 1.0 - torch.rand(n, MAX_BRISTLES, generator=gen) * 0.35
    keep = (j[None] < count[:, None]) & shown[:, None]
    pts = lines_along(paint.points, paint.widths, across, t0, t1)[keep]  # [L,4,2]
    owner = torch.arange(n)[:, None].expand(-1, MAX_BRISTLES)[keep]
    # written as quadratics in whole pixels (the relief's blur hides finer places): drawn as written
    pts = to_cubic(to_quadratic(pts).round())
    w = ((0.85 * half / count)[:, None].expand(-1, MAX_BRISTLES)[keep] * 10).round().clamp_min(1) / 10
    lines = StrokeSet(pts, torch.stack([w, w], 1), torch.ones(len(pts), 3), torch.full((len(pts),), RIDGE_OPACITY),
                      paint.layer[owner], paint.canvas, paint.background)
    surface = OIL_SURFACE * size_unit * mat.strength
    relief = Filter("oil-relief", (
        prim("feColorMatrix", in_="SourceGraphic", type="matrix", values=[0] * 15 + [1, 0, 0, 0, 0], result="paint"),
        _soften("paint", OIL_SOFTEN * size_unit, "height"),
        *_lit("height", mat, surface, OIL_SHADE, OIL_SHINE, OIL_ELEVATION),
    ))
    return replace(finish, bodies=bodies, lines=lines, lines_owner=owner, relief_filter=relief)


#: ink: dry-brush gaps per stroke, where they begin along it, their width (share of the
#: stroke's), their opacity; strokes narrower than DRY_MIN_WIDTH px at 1024 hold their ink
DRY_LINES, DRY_START, DRY_WIDTH, DRY_OPACITY = 7, (0.5, 1.0), 0.045, 0.6
DRY_MIN_WIDTH = 8.0


def _dry_brush(finish: Finish, mat: Material, unit: float, gen: torch.Generator) -> Finish:
    """Gaps of paper colour that open toward the end of each broad stroke, where the
    brush runs dry: the more ``strength``, the earlier they open. Written like the
    ridges of oil: quadratics through whole pixels, one path per stroke."""
    paint = finish.paint
    n, k = len(paint), DRY_LINES
    if n == 0 or mat.strength <= 0:
        return finish
    small = VISIBLE_SIZE / max(finish.height, finish.width)
    shown = visible_area(paint, max(1, round(finish.height * small)), max(1, round(finish.width * small))) >= 1.0
    broad = shown & (paint.widths.mean(1) >= DRY_MIN_WIDTH * unit)
    across = spread(n, k, 0.75, 0.35, gen)
    lo, hi = DRY_START
    t0 = (lo + (hi - lo) * torch.rand(n, k, generator=gen)) ** (1.0 / mat.strength)
    t1 = torch.full((n, k), 1.0)
    pts = to_cubic(to_quadratic(lines_along(paint.points, paint.widths, across, t0, t1)).round())[broad]
    width = (paint.widths.mean(1) * DRY_WIDTH * min(mat.strength, 2.0) * (0.6 + 0.8 * torch.rand(n, generator=gen)))
    width = (width * 10).round().clamp_min(1) / 10
    owner = torch.arange(n)[broad].repeat_interleave(k)
    w = width[owner]
    paper = torch.tensor(paint.background, dtype=torch.float32)
    gaps = StrokeSet(pts.reshape(-1, 4, 2), torch.stack([w, w], 1), paper.expand(len(w), 3).clone(),
                     torch.full((len(w),), DRY_OPACITY), paint.layer[owner], paint.canvas, paint.background)
    owners = torch.cat([torch.arange(n), owner])
    marks = torch.cat([torch.zeros(n, dtype=torch.bool), torch.ones(len(w), dtype=torch.bool)])
    order = torch.argsort(owners * 2 + marks.long(), stable=True)
    return replace(finish, paint=StrokeSet.cat([paint, gaps])[order], paint_owner=owners[order], marks=marks[order])


def _render(strokes: StrokeSet, background: torch.Tensor, colors: torch.Tensor | None = None) -> torch.Tensor:
    """``strokes`` drawn over ``background`` [C,H,W] in ``colors`` [N,C] (default:
    their own): the renderer composites any number of channels."""
    h, w = background.shape[1:]
    colors = strokes.colors if colors is None else colors
    return render_stroke_params(strokes.points, strokes.widths, colors, strokes.opacity, strokes.canvas,
                                h, w, background)


def _rgba(strokes: StrokeSet, height: int, width: int) -> torch.Tensor:
    """[4,H,W] the strokes drawn over transparency, colour premultiplied."""
    colors = torch.cat([strokes.colors, torch.ones_like(strokes.colors[:, :1])], 1)
    return _render(strokes, torch.zeros(4, height, width), colors)


def _over(rgba: torch.Tensor, img: torch.Tensor) -> torch.Tensor:
    return rgba[:3] + img * (1.0 - rgba[3:])


#: oil paintings whose strokes are all at least this opaque are drawn with their relief
#: in one pass: a ridge then changes the colour under it by at most (1 - this) / 2 of
#: the difference to what the stroke covers (the SVG draws ridges in the relief only)
ONE_PASS_OPACITY = 0.9


def relief_strokes(f: Finish) -> tuple[StrokeSet, torch.Tensor]:
    """The painting with its relief, as strokes in paint order: each stroke, then its
    ridges (in the stroke's own colour, so the painting barely changes), and [N,5]
    colours that draw, besides RGB, the relief group: each stroke's body in its grey,
    its ridges in white, and the group's alpha."""
    body = f.paint[: len(f.bodies)]
    grey = f.bodies.to(torch.float32) / 15.0
    ridge = replace(f.lines, colors=body.colors[f.lines_owner])
    owner = torch.cat([torch.arange(len(body)), f.lines_owner])
    order = torch.argsort(owner * 2 + torch.cat([torch.zeros(len(body)), torch.ones(len(ridge))]).long(), stable=True)
    height = torch.cat([grey, torch.ones(len(ridge))])[:, None]
    colors = torch.cat([torch.cat([body.colors, ridge.colors]), height, torch.ones_like(height)], 1)
    return StrokeSet.cat([body, ridge])[order], colors[order]


def draw(f: Finish, background: torch.Tensor) -> torch.Tensor:
    """The finished picture [3,H,W] over ``background`` [3,H,W] (the paper or ground)."""
    with torch.no_grad():
        img = background.to(torch.float32)
        if f.lines is not None:  # oil: the painting and its relief group
            strokes, colors = relief_strokes(f)
            if bool((f.paint.opacity >= ONE_PASS_OPACITY).all()):  # in one pass
                both = _render(strokes, torch.cat([img, torch.zeros(2, f.height, f.width)]), colors)
                img, relief = both[:3], both[3:]
            else:
                img = _render(f.paint, img)
                relief = _render(strokes, torch.zeros(2, f.height, f.width), colors[:, 3:])
            img = _over(f.relief_filter.apply(torch.cat([relief[:1].expand(3, -1, -1), relief[1:]])), img)
        elif f.paint_filter is None:
            img = _render(f.paint, img)
        else:
            groups = f.layer_runs() if f.per_layer else [slice(None)]
            for g in groups:
                img = _over(f.paint_filter.apply(_rgba(f.paint[g], f.height, f.width)), img)
        if f.paper is not None:
            img = _over(f.paper.apply(torch.zeros(4, f.height, f.width)), img)
        return img.clamp(0.0, 1.0)
