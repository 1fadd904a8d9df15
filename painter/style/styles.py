"""Style presets: brush, palette, layer schedule, loss weights and an exemplar.

A preset is one TOML file in ``styles/`` (see ``styles/van_gogh.toml`` for every
field, documented). ``load_style`` also takes the path of any image, a painting:
:func:`painter.style.analyze.preset` measures its brush, flow, palette, layers and
material, and the painting itself becomes the style image, whose colour
distribution the photo moves to and whose texture the weight-free texture loss (and,
with VGG weights, the Gram loss) pulls the strokes toward. A preset file may name a
painting as its style image (``[exemplar] image``).

Each preset's exemplar image is made by the project itself: strokes in the preset's
brush and palette, laid along the preset's flow field over patches of its colours,
drawn with our own renderer (:func:`make_exemplar`). It is the Gram target of the
neural style loss and the colour distribution the photo is moved towards.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import torch

from ..image.color import parse_hex, pixels
from ..image.imageops import luminance
from ..materials import Material, material
from .flow import curl_angles, smooth_noise
from .presets import StyleError, find_style, preset_names, read_preset, read_toml

__all__ = ["Brush", "Brushwork", "LayerSpec", "Style", "StyleError", "list_styles", "load_style", "make_exemplar",
           "style_from_dict", "style_from_image"]

#: longer side (pixels) of a painting kept as the style image
STYLE_IMAGE_SIZE = 512
#: a preset's share of strokes in its detail layer, and the weight of its luma SSIM
#: content loss, unless it says (``detail = ...``, ``[loss] ssim = ...``)
PRESET_DETAIL, PRESET_SSIM = 0.15, 0.03


@dataclass(frozen=True)
class Brush:
    aspect: float = 3.0  # length / width
    taper: float = 1.0  # end width / start width
    bend: float = 0.0  # control-point offset across the stroke, fraction of its length
    opacity: tuple[float, float] = (0.0, 1.0)  # allowed range while optimizing
    width_scale: float = 1.0  # multiplies the layer's computed width
    max_width_px: float = 1e9  # hard cap on width at the working size (hairlines: sketch)
    growth: float = math.inf  # widths may grow to this many times their starting width
    bend_slack: float = math.inf  # strokes may curve this much more than ``bend`` (fraction of their length)
    length_spread: float = 0.0  # log-normal deviation of the strokes' lengths (a painting's marks vary)
    detail_length: float = 0.0  # strokes' length where the picture holds detail over where it is flat (0: as widths)


@dataclass(frozen=True)
class Brushwork:
    """The brushwork layer (painter.engine.brushwork): short dashes laid over the
    finished painting where it is flat, along the flow, each a little lighter or
    darker than the paint beneath, so a painting's marks show where its photo holds
    nothing in particular. Sizes are shares of the canvas's longer side."""
    cover: float = 0.0  # how many times the dashes would cover the flat areas (0: no brushwork layer)
    length: float = 0.015  # a dash's length
    width: float = 0.005  # its width
    contrast: float = 0.05  # deviation of a dash's value from the paint beneath (0 to 1)
    opacity: float = 0.85


@dataclass(frozen=True)
class LayerSpec:
    fraction: float  # share of the strokes
    coverage: float  # how many times the layer's strokes would cover the canvas
    steps: float  # share of the optimization steps
    scale: float = 1.0  # resolution scale of the layer's steps
    brush: Brush | None = None  # overrides the style's brush for this layer
    dark: bool = False  # strokes keep the palette's darkest colour (contour lines, hatching)
    flow: str | None = None  # overrides the style's flow for this layer
    hatch_angle: float | None = None  # overrides the style's hatch angle
    detail: bool = False  # fine strokes where the canvas misses the photo's detail (painter.engine.detail)


@dataclass(frozen=True)
class Style:
    name: str
    description: str = ""
    strokes: int = 500  # default stroke count at 256 px (scaled with the working size's longer side)
    size: int = 0  # the least working size (px) by default: fine brushwork needs the pixels (0: painter's default)
    background: tuple[float, float, float] | None = None  # None: the photo's mean colour
    ground: str = "none"  # paint: an opaque first layer covers the canvas | paper: the background shows | none
    brush: Brush = field(default_factory=Brush)
    flow: str = "structure"  # structure | curl | hatch | none
    curl: float = 0.0  # share of curl-noise swirl mixed into the structure field
    hatch_angle: float = 45.0  # degrees, for flow = "hatch"
    palette: tuple[tuple[float, float, float], ...] = ()
    palette_strength: float = 0.0  # 0: the photo's colours ... 1: the style's colours
    palette_snap: float = 0.0  # pull of stroke colours towards the nearest palette colour
    layers: tuple[LayerSpec, ...] = ()
    style_weight: float = 0.0
    content_weight: float = 0.0
    pixel_weight: float = 1.0
    structure_weight: float = 0.02
    blur: float = 0.0  # pixel losses compare both images blurred by this sigma (px at 256 px): optical mixing
    texture_weight: float = 0.0  # weight-free texture loss toward the style image (painter.style.texture)
    ssim_weight: float = 0.0  # luma SSIM against the photo (losses.ssim_loss): content without weights
    coherence_weight: float = 0.0  # pull of the edges' coherence to the style image's (losses.texture_term)
    detail: float = 0.0  # share of the strokes in a detail layer (plan.plan_layers): faces and edges
    exemplar_strokes: int = 700
    image: torch.Tensor | None = None  # the style image (a painting), else the exemplar is made
    material: Material = Material()  # what the paint is made of: drawn over the strokes in every output
    brushwork: Brushwork = Brushwork()  # dashes over the flat areas, unoptimized (painter.engine.brushwork)

    def exemplar(self, size: int = 256) -> torch.Tensor:
        """The style image: the painting given as ``--style PATH``, else the preset's
        own exemplar (made on first use, deterministic)."""
        if self.image is not None:
            return self.image
        return make_exemplar(self, size)

    def colour_set(self, max_colours: int = 16384) -> torch.Tensor:
        """[N,3] colours (a fixed random sample of the style image's pixels) whose
        distribution the painting moves towards."""
        return pixels(self.exemplar(), max_colours, torch.Generator().manual_seed(0))


def _brush(d: dict[str, Any], base: Brush = Brush()) -> Brush:
    kw = {k: d[k] for k in ("aspect", "taper", "bend", "width_scale", "max_width_px", "growth", "bend_slack",
                            "length_spread", "detail_length") if k in d}
    if "opacity" in d:
        kw["opacity"] = tuple(float(v) for v in d["opacity"])
    return replace(base, **{k: (float(v) if not isinstance(v, tuple) else v) for k, v in kw.items()})


def style_from_dict(d: dict[str, Any], name: str = "") -> Style:
    brush = _brush(d.get("brush", {}), Brush(growth=2.5, bend_slack=0.1))  # presets keep their brushes' shapes
    layers = tuple(
        LayerSpec(float(l["fraction"]), float(l["coverage"]), float(l["steps"]), float(l.get("scale", 1.0)),
                  _brush(l["brush"], brush) if "brush" in l else None, bool(l.get("dark", False)),
                  l.get("flow"), float(l["hatch_angle"]) if "hatch_angle" in l else None, bool(l.get("detail", False)))
        for l in d.get("layers", [])
    )
    flow = d.get("flow", {})
    pal = d.get("palette", {})
    loss = d.get("loss", {})
    bg = d.get("background")
    ground = d.get("ground", "paint")
    if ground not in ("paint", "paper"):
        raise ValueError(f"ground must be 'paint' or 'paper', not {ground!r}")
    if ground == "paper" and not isinstance(bg, str):
        raise ValueError("a paper ground needs the paper's colour as background")
    if not 0.0 <= float(d.get("detail", 0.0)) < 0.9:
        raise ValueError("detail must be a share of the strokes from 0 to 0.9")
    return Style(
        name=d.get("name", name),
        description=d.get("description", ""),
        strokes=int(d.get("strokes", 500)),
        size=int(d.get("size", 0)),
        background=parse_hex(bg) if isinstance(bg, str) else None,
        ground=ground,
        brush=brush,
        flow=flow.get("mode", "structure"),
        curl=float(flow.get("curl", 0.0)),
        hatch_angle=float(flow.get("hatch_angle", 45.0)),
        palette=tuple(parse_hex(c) for c in pal.get("colors", [])),
        palette_strength=float(pal.get("strength", 0.0)),
        palette_snap=float(pal.get("snap", 0.0)),
        layers=layers,
        style_weight=float(loss.get("style", 0.0)),
        content_weight=float(loss.get("content", 0.0)),
        pixel_weight=float(loss.get("pixel", 1.0)),
        structure_weight=float(loss.get("structure", 0.02)),
        blur=float(loss.get("blur", 0.0)),
        texture_weight=float(loss.get("texture", 0.0)),
        ssim_weight=float(loss.get("ssim", PRESET_SSIM)),
        coherence_weight=float(loss.get("coherence", 0.0)),
        detail=float(d.get("detail", PRESET_DETAIL)),
        exemplar_strokes=int(d.get("exemplar", {}).get("strokes", 700)),
        material=material(d.get("material", "flat")),
        brushwork=_brushwork(d.get("brushwork", {})),
    )


def _brushwork(d: dict[str, Any]) -> Brushwork:
    """The ``[brushwork]`` table: numbers only; cover at least 0, sizes above 0,
    contrast from 0 to 1, opacity above 0 and at most 1."""
    unknown = set(d) - {"cover", "length", "width", "contrast", "opacity"}
    if unknown:
        raise ValueError(f"brushwork has no {', '.join(sorted(unknown))}")
    bw = replace(Brushwork(), **{k: float(v) for k, v in d.items()})
    if bw.cover < 0 or bw.length <= 0 or bw.width <= 0 or not 0 <= bw.contrast <= 1 or not 0 < bw.opacity <= 1:
        raise ValueError("brushwork needs cover >= 0, length and width > 0, contrast in [0, 1], opacity in (0, 1]")
    return bw


def list_styles() -> list[Style]:
    """The built-in presets, sorted by name."""
    return [load_style(n) for n in preset_names()]


def load_style(name_or_path: str | Path | Style | None) -> Style:
    """A preset by name (``"van_gogh"``), ``"none"``/None (plain strokes), a preset
    TOML file, or any image file (a painting to take the style of)."""
    if isinstance(name_or_path, Style):
        return name_or_path
    kind, what = find_style("none" if name_or_path is None else str(name_or_path))
    if kind == "none":
        return Style(name="none", description="plain strokes against pixel losses")
    if kind == "image":
        return style_from_image(what)
    if kind == "preset":
        d, name = read_preset(what), what
    else:
        try:
            text = Path(what).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise StyleError(f"{what}: cannot read style file ({e})") from None
        d, name = read_toml(text, what), Path(what).stem
    try:
        st = style_from_dict(d, name)
    except (KeyError, TypeError, ValueError) as e:
        raise StyleError(f"{what}: bad style file ({e})") from None
    image = d.get("exemplar", {}).get("image")
    if image is None or kind == "preset":
        return st
    return replace(st, image=_style_image(Path(what).parent / str(image), f"{what}: exemplar image"))


def _style_image(path: Path, what: str, size: int = STYLE_IMAGE_SIZE) -> torch.Tensor:
    """The painting at ``path`` as a style image (longer side ``size``); a StyleError
    naming ``what`` when it cannot be read."""
    from ..image.io import InputError, load_image, resize_longer

    try:
        return resize_longer(load_image(path), size)
    except InputError as e:
        raise StyleError(f"{what} {e}") from None


def style_from_image(path: str | Path, size: int = STYLE_IMAGE_SIZE) -> Style:
    """A style taken from a painting: the preset :func:`painter.style.analyze.preset`
    measures from it (brush, flow, palette, layers, material, a weight-free texture
    loss), with the painting itself (longer side ``size``) as the style image: the
    colours the photo moves towards and the texture the strokes are pulled to (and,
    with VGG weights, the Gram target)."""
    from ..image.io import InputError, load_image, resize_longer
    from .analyze import preset

    try:
        img = load_image(path)
    except InputError as e:
        raise StyleError(f"style {e}") from None
    name = Path(path).stem
    st = style_from_dict(preset(img, name, f"the style of {Path(path).name}"), name)
    return replace(st, image=resize_longer(img, size))


# -- exemplars ------------------------------------------------------------------------------
#: the share of an exemplar's strokes that take another palette colour, and among how
#: many of the palette's colours nearest in value to their own it is drawn
MIX_SHARE, MIX_NEAREST = 0.4, 3


def mix_by_value(colors: torch.Tensor, palette: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    """``colors`` [N,3] with :data:`MIX_SHARE` of them (at random) replaced by one of
    the :data:`MIX_NEAREST` ``palette`` colours nearest to them in value (luma):
    pure hues side by side that the eye mixes, as a painter sets them, of like
    value. Random hues of any value made the exemplar's texture a salt and pepper of
    light and dark that no painting has (its texture distance to Starry Night 0.70;
    0.17 of like value)."""
    mix = torch.rand(len(colors), generator=g) < MIX_SHARE
    k = int(mix.sum())
    value = luminance(torch.cat([colors[mix], palette]).t()[:, :, None])[0, :, 0]
    gap = (value[:k, None] - value[None, k:]).abs()  # [mixed, colours]
    near = gap.topk(min(MIX_NEAREST, len(palette)), largest=False).indices
    out = colors.clone()
    out[mix] = palette[near.gather(1, torch.randint(near.shape[1], (len(near), 1), generator=g))[:, 0]]
    return out


def make_exemplar(style: Style, size: int = 256, seed: int = 0) -> torch.Tensor:
    """Render the preset's exemplar: ``style.exemplar_strokes`` strokes of its brush,
    in its palette, along its flow field, over its background. [3,size,size]."""
    from ..primitives.strokes import StrokeSet, stroke_points
    from ..render import render

    g = torch.Generator().manual_seed(seed)
    pal = torch.tensor(style.palette if style.palette else ((0.5, 0.5, 0.5),), dtype=torch.float32)
    n = style.exemplar_strokes
    # patches of palette colours: argmax of smooth noises, one per colour
    patches = smooth_noise(size, size, size / 10, g, channels=len(pal)).argmax(0)
    field = pal[patches].permute(2, 0, 1)
    if style.flow == "hatch":
        angles = torch.full((size, size), math.radians(style.hatch_angle))
    elif style.flow == "none":
        angles = torch.rand(size, size, generator=g) * math.pi
    else:  # structure fields follow the photo; in the exemplar that is the swirl
        angles = curl_angles(size, size, size / 12, g)
    b = style.brush
    width = min(b.max_width_px, b.width_scale * math.sqrt(1.5 * size * size / (max(b.aspect, 1.0) * n)))
    length = max(width * b.aspect, 1e-3)
    c = torch.rand(n, 2, generator=g) * size
    ci = c.long().clamp(0, size - 1)
    bend = b.bend * length * (torch.rand(n, generator=g) - 0.5) * 2
    pts = stroke_points(c, angles[ci[:, 1], ci[:, 0]], length, bend)
    wid = torch.stack([torch.full((n,), width), torch.full((n,), width * b.taper)], -1)
    jitter = 0.06 * (1 - min(1.0, style.palette_snap)) * torch.randn(n, 3, generator=g)
    colors = (field[:, ci[:, 1], ci[:, 0]].t() + jitter).clamp(0, 1)
    if style.palette_snap >= 1:  # pure hues side by side, mixed by the eye
        colors = mix_by_value(colors, pal, g)
    lo, hi = b.opacity
    opacity = lo + (hi - lo) * torch.rand(n, generator=g) if hi > 0 else torch.ones(n)
    bg = style.background if style.background is not None else tuple(pal.mean(0).tolist())
    s = StrokeSet(pts / size, wid / size, colors, opacity.clamp(0.05, 1), torch.zeros(n, dtype=torch.long),
                  (1.0, 1.0), bg)
    with torch.no_grad():
        return render(s, size, size)
