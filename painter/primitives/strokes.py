"""StrokeSet: N brushstrokes held as tensors.

A stroke is a cubic Bézier centre line (4 control points) swept by a round brush
whose width changes linearly from ``widths[:, 0]`` at the start to ``widths[:, 1]``
at the end, filled with one RGB colour at one opacity.

Coordinates are resolution-independent: the canvas is ``canvas = (cw, ch)`` with
its longer side equal to 1 (a 640x480 photo gives ``(1.0, 0.75)``), x to the right
and y down, as in SVG. Widths are full widths in the same units. Rendering at any
pixel size scales everything by the same factor, so a stroke file re-renders
sharply at any resolution.

Shapes (N strokes):
    points  [N, 4, 2]  float  control points p0..p3 (x, y)
    widths  [N, 2]     float  start / end width (>= 0)
    colors  [N, 3]     float  RGB in [0, 1]
    opacity [N]        float  in [0, 1]
    layer   [N]        int64  layer index (0 = coarsest); paint order is the row order
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from .fileformat import check_canvas_background, check_header, f32_rows, read_document, rows_tensor
from .tensorset import TensorSet

FORMAT = "painter.strokes"
VERSION = 1
WHAT = "painter stroke file"

_FIELDS = ("points", "widths", "colors", "opacity", "layer")


class StrokeFileError(ValueError):
    """A stroke file that cannot be read: malformed, unsupported or with bad values."""


def stroke_points(centre: torch.Tensor, angle: torch.Tensor, length: float | torch.Tensor,
                  bend: torch.Tensor | None = None) -> torch.Tensor:
    """[n,4,2] control points of strokes ``length`` (a number, or [n]) long through
    ``centre`` [n,2] at ``angle`` [n]; ``bend`` [n] moves the two inner control points
    across the stroke by that much (a gentle arc)."""
    d = torch.stack([angle.cos(), angle.sin()], -1)
    t = torch.tensor([-0.5, -1 / 6, 1 / 6, 0.5], dtype=centre.dtype)
    length = torch.as_tensor(length, dtype=centre.dtype).reshape(-1, 1, 1)
    points = centre[:, None] + t[None, :, None] * length * d[:, None]
    if bend is not None:
        nrm = torch.stack([-d[:, 1], d[:, 0]], -1)
        points[:, 1:3] += bend[:, None, None] * nrm[:, None]
    return points


@dataclass
class StrokeSet(TensorSet):
    FIELDS = _FIELDS
    FLOAT_FIELDS = ("points", "widths", "colors", "opacity")
    FORMAT = FORMAT
    VERSION = VERSION

    points: torch.Tensor
    widths: torch.Tensor
    colors: torch.Tensor
    opacity: torch.Tensor
    layer: torch.Tensor
    canvas: tuple[float, float] = (1.0, 1.0)
    background: tuple[float, float, float] = (1.0, 1.0, 1.0)
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        n = self.points.shape[0]
        self._check([("points", (n, 4, 2)), ("widths", (n, 2)), ("colors", (n, 3)), ("opacity", (n,)),
                     ("layer", (n,))])

    # -- basics (to, detach, equal, device: TensorSet) ---------------------------------
    def __len__(self) -> int:
        return self.points.shape[0]

    def __getitem__(self, idx: Any) -> "StrokeSet":
        """Select strokes by index, slice or boolean mask (paint order is kept)."""
        if isinstance(idx, int):
            idx = slice(idx, idx + 1 if idx != -1 else None)
        return self._replace(**{f: getattr(self, f)[idx] for f in _FIELDS})

    @property
    def num_layers(self) -> int:
        return int(self.layer.max().item()) + 1 if len(self) else 0

    @staticmethod
    def empty(canvas: tuple[float, float] = (1.0, 1.0), device: torch.device | str = "cpu") -> "StrokeSet":
        z = lambda *s: torch.zeros(*s, device=device)  # noqa: E731
        return StrokeSet(z(0, 4, 2), z(0, 2), z(0, 3), z(0), torch.zeros(0, dtype=torch.long, device=device), canvas)

    @staticmethod
    def cat(sets: list["StrokeSet"]) -> "StrokeSet":
        """Concatenate stroke sets: later sets paint on top. Canvas and background of the first."""
        if not sets:
            raise ValueError("cat needs at least one StrokeSet")
        return sets[0]._replace(**{f: torch.cat([getattr(s, f) for s in sets]) for f in _FIELDS})

    # -- scripting: every operation returns a new StrokeSet ---------------------------------
    def centres(self) -> torch.Tensor:
        """[N,2] the point halfway along each stroke's Bézier (t = 1/2), canvas units."""
        p = self.points
        return 0.125 * (p[:, 0] + 3 * p[:, 1] + 3 * p[:, 2] + p[:, 3])

    def _centre_pixels(self, h: int, w: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Column and row of each stroke's centre in an h x w raster covering the canvas."""
        c = self.centres()
        x = (c[:, 0] / self.canvas[0] * w).long().clamp(0, w - 1)
        y = (c[:, 1] / self.canvas[1] * h).long().clamp(0, h - 1)
        return x, y

    def select_layers(self, layers) -> "StrokeSet":
        """The strokes of the given layer indices (an int or an iterable), in paint order."""
        wanted = torch.as_tensor([layers] if isinstance(layers, int) else list(layers), device=self.layer.device)
        return self[torch.isin(self.layer, wanted)]

    def in_mask(self, mask: torch.Tensor) -> "StrokeSet":
        """The strokes whose centre lies where ``mask`` ([H,W] bool or 0/1, covering the
        canvas) is true."""
        m = torch.as_tensor(mask, device=self.device).bool()
        x, y = self._centre_pixels(*m.shape)
        return self[m[y, x]]

    def by_size(self, min_width: float = 0.0, max_width: float = math.inf) -> "StrokeSet":
        """The strokes whose mean width (canvas units) is within [min_width, max_width]."""
        w = self.widths.mean(1)
        return self[(w >= min_width) & (w <= max_width)]

    def by_color(self, color, tolerance: float = 20.0) -> "StrokeSet":
        """The strokes within ``tolerance`` (CIELAB Delta E) of ``color`` (RGB in [0,1])."""
        from ..image.color import srgb_to_lab

        ref = srgb_to_lab(torch.as_tensor(color, dtype=torch.float32, device=self.device))
        return self[(srgb_to_lab(self.colors) - ref).norm(dim=-1) <= tolerance]

    def transform(self, matrix) -> "StrokeSet":
        """Apply a 2x3 affine ``[[a, b, tx], [c, d, ty]]`` (canvas units) to the strokes;
        widths scale by sqrt(|ad - bc|)."""
        m = torch.as_tensor(matrix, dtype=self.points.dtype, device=self.device)
        if m.shape != (2, 3):
            raise ValueError("the affine matrix must be 2x3")
        pts = self.points @ m[:, :2].t() + m[:, 2]
        k = float(torch.det(m[:, :2]).abs().sqrt())
        return self._replace(points=pts, widths=self.widths * k)

    def translate(self, dx: float, dy: float) -> "StrokeSet":
        return self.transform([[1.0, 0.0, dx], [0.0, 1.0, dy]])

    def scale(self, factor: float, about: tuple[float, float] | None = None) -> "StrokeSet":
        """Scale about a point (default: the canvas centre)."""
        cx, cy = about if about is not None else (self.canvas[0] / 2, self.canvas[1] / 2)
        return self.transform([[factor, 0.0, cx * (1 - factor)], [0.0, factor, cy * (1 - factor)]])

    def rotate(self, degrees: float, about: tuple[float, float] | None = None) -> "StrokeSet":
        """Rotate clockwise on screen (y down) about a point (default: the canvas centre)."""
        cx, cy = about if about is not None else (self.canvas[0] / 2, self.canvas[1] / 2)
        c, s = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
        return self.transform([[c, -s, cx - c * cx + s * cy], [s, c, cy - s * cx - c * cy]])

    def recolor(self, palette) -> "StrokeSet":
        """Every stroke takes the nearest (CIELAB) colour of ``palette`` ([K,3] RGB or
        '#rrggbb' strings)."""
        from ..image.color import parse_hex, srgb_to_lab

        pal = torch.tensor([parse_hex(c) if isinstance(c, str) else tuple(c) for c in palette],
                           dtype=torch.float32, device=self.device)
        idx = torch.cdist(srgb_to_lab(self.colors), srgb_to_lab(pal)).argmin(1)
        return self._replace(colors=pal[idx])

    def shift_hue(self, degrees: float) -> "StrokeSet":
        """Rotate every colour's hue (CIELAB hue angle), keeping lightness and chroma."""
        from ..image.color import lab_to_srgb, srgb_to_lab

        lab = srgb_to_lab(self.colors)
        c, s = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
        a, b = lab[:, 1] * c - lab[:, 2] * s, lab[:, 1] * s + lab[:, 2] * c
        return self._replace(colors=lab_to_srgb(torch.stack([lab[:, 0], a, b], -1)))

    def colors_from(self, image: torch.Tensor) -> "StrokeSet":
        """Every stroke takes the colour of ``image`` ([3,H,W] in [0,1], covering the
        canvas) under its centre."""
        img = torch.as_tensor(image, device=self.device)
        x, y = self._centre_pixels(*img.shape[1:])
        return self._replace(colors=img[:, y, x].t().to(self.colors.dtype).clamp(0, 1))

    def jitter(self, position: float = 0.0, color: float = 0.0, seed: int = 0) -> "StrokeSet":
        """Random offsets: whole strokes moved by up to ``position`` (canvas units, normal
        sigma) and colours by ``color`` (sigma, RGB); deterministic for a ``seed``."""
        g = torch.Generator().manual_seed(seed)
        n = len(self)
        move = (torch.randn(n, 1, 2, generator=g) * position).to(self.points)
        dc = (torch.randn(n, 3, generator=g) * color).to(self.colors)
        return self._replace(points=self.points + move, colors=(self.colors + dc).clamp(0, 1))

    # -- random strokes (tests and benchmarks) -------------------------------------------
    @staticmethod
    def random(
        n: int,
        canvas: tuple[float, float] = (1.0, 1.0),
        *,
        seed: int = 0,
        coverage: float = 3.0,
        taper: bool = True,
        device: torch.device | str = "cpu",
    ) -> "StrokeSet":
        """``n`` random curved strokes, sized like the strokes of an ``n``-stroke painting.

        Stroke length and width scale with ``1/sqrt(n)`` so that the strokes together
        cover the canvas about ``coverage`` times over, as a painting's strokes do.
        """
        g = torch.Generator().manual_seed(seed)
        cw, ch = canvas
        area = cw * ch
        # mean stroke area (length * width, aspect ~4:1) = coverage * area / n
        mean_w = math.sqrt(coverage * area / max(n, 1) / 4.0)
        length = mean_w * 4.0 * (0.5 + torch.rand(n, generator=g))
        centre = torch.rand(n, 2, generator=g) * torch.tensor([cw, ch])
        angle = torch.rand(n, generator=g) * 2 * math.pi
        d = torch.stack([angle.cos(), angle.sin()], -1)
        nrm = torch.stack([-d[:, 1], d[:, 0]], -1)
        t = torch.tensor([-0.5, -1 / 6, 1 / 6, 0.5])
        bend = (torch.rand(n, 2, generator=g) - 0.5) * 0.6 * length[:, None]
        pts = centre[:, None] + t[None, :, None] * length[:, None, None] * d[:, None]
        pts[:, 1:3] += bend[:, :, None] * nrm[:, None]
        w = mean_w * (0.5 + torch.rand(n, 2 if taper else 1, generator=g)).expand(n, 2).clone()
        colors = torch.rand(n, 3, generator=g)
        opacity = 0.5 + 0.5 * torch.rand(n, generator=g)
        layer = torch.zeros(n, dtype=torch.long)
        s = StrokeSet(pts, w, colors, opacity, layer, canvas)
        return s.to(device)

    # -- file format ----------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """The JSON document (see README, "Stroke file format").

        Numbers are written as the shortest decimal that reads back to the same
        float32, so ``StrokeSet.load(path)`` gives back exactly the saved tensors.
        """
        pts, wid, col = f32_rows(self.points), f32_rows(self.widths), f32_rows(self.colors)
        opa = [r[0] for r in f32_rows(self.opacity[:, None])]
        lay = self.layer.detach().cpu().tolist()
        strokes = [
            {
                "points": [pts[i][k : k + 2] for k in range(0, 8, 2)],
                "width": wid[i],
                "color": col[i],
                "opacity": opa[i],
                "layer": int(lay[i]),
            }
            for i in range(len(self))
        ]
        return self._document(strokes=strokes)

    @staticmethod
    def from_dict(doc: Any, max_strokes: int = 2_000_000) -> "StrokeSet":
        check_header(doc, FORMAT, VERSION, StrokeFileError, WHAT)
        try:
            canvas = [float(v) for v in doc["canvas"]]
            bg = [float(v) for v in doc.get("background", [1, 1, 1])]
            strokes = doc["strokes"]
            if not isinstance(strokes, list):
                raise TypeError
            if len(strokes) > max_strokes:
                raise StrokeFileError(f"{len(strokes)} strokes is more than the limit of {max_strokes}")
            pts = rows_tensor([s["points"] for s in strokes], (4, 2), torch.float32)
            wid = rows_tensor([s["width"] for s in strokes], (2,), torch.float32)
            col = rows_tensor([s["color"] for s in strokes], (3,), torch.float32)
            opa = rows_tensor([s.get("opacity", 1.0) for s in strokes], (), torch.float32)
            lay = rows_tensor([int(s.get("layer", 0)) for s in strokes], (), torch.long)
        except StrokeFileError:
            raise
        except (KeyError, TypeError, ValueError, RuntimeError, OverflowError) as e:
            raise StrokeFileError(f"malformed stroke data ({type(e).__name__}: {e})") from None
        check_canvas_background(canvas, bg, StrokeFileError)
        for name, t in (("points", pts), ("width", wid), ("color", col), ("opacity", opa)):
            if not torch.isfinite(t).all():
                raise StrokeFileError(f"stroke {name} contains NaN or infinity")
        if (wid < 0).any():
            raise StrokeFileError("stroke widths must be >= 0")
        if ((col < 0) | (col > 1)).any() or ((opa < 0) | (opa > 1)).any():
            raise StrokeFileError("stroke colors and opacities must be in [0, 1]")
        if (lay < 0).any():
            raise StrokeFileError("stroke layers must be >= 0")
        meta = doc.get("meta", {})
        return StrokeSet(pts, wid, col, opa, lay, (canvas[0], canvas[1]), tuple(bg), meta if isinstance(meta, dict) else {})

    @staticmethod
    def load(path: str | Path, max_strokes: int = 2_000_000) -> "StrokeSet":
        def too_many(text: str) -> None:  # refuse oversized files before parsing builds millions of objects
            n = text.count('"points"')
            if n > max_strokes:
                raise StrokeFileError(f"{n} strokes is more than the limit of {max_strokes}")

        doc = read_document(path, StrokeFileError, WHAT, precheck=too_many)
        return StrokeSet.from_dict(doc, max_strokes=max_strokes)
