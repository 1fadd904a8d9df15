"""PathSet: P filled compound paths made of closed cubic Bézier subpaths (traced art).

A path is one fill colour at one opacity with a fill rule (``nonzero`` or
``evenodd``, as in SVG) over one or more closed *subpaths*; holes are subpaths
inside others (wound the opposite way under ``nonzero``, either way under
``evenodd``). A subpath is a closed chain of cubic Bézier curves: every curve
starts where the previous one ends and the last ends where the first starts. A
straight edge is a cubic whose control points lie on the line. Paths are painted
in row order, later on top.

Coordinates are canvas units as in StrokeSet: the canvas ``(cw, ch)`` has its
longer side 1, x to the right and y down.

Shapes (K curves of P paths):
    points        [K, 4, 2]  float  control points p0..p3 of every curve
    curve_path    [K]        int64  path of each curve, non-decreasing
    curve_subpath [K]        int64  subpath of each curve *within its path*:
                                    0, 0, ..., 1, 1, ... (starts at 0, steps of 1)
    colors        [P, 3]     float  RGB in [0, 1]
    opacity       [P]        float  in [0, 1]
    fill_rule     [P]        int64  NONZERO (0) or EVENODD (1); the constructor
                                    also takes "nonzero" / "evenodd" or a list

The curves of a subpath are consecutive rows in drawing order. Closure is checked
by :meth:`PathSet.validate` (and on load) to within ``CLOSE_TOL`` canvas units; the
renderer and the SVG writer join any remaining gap with a straight line, exactly
as SVG draws ``C`` from the current point and ``Z`` back to the start. While
optimizing control points, render ``paths.closed()`` to keep the chains joined.

File format ("painter.paths", version 1), UTF-8 JSON:

    {
      "format": "painter.paths",
      "version": 1,
      "canvas": [1.0, 0.75],
      "background": [1.0, 1.0, 1.0],
      "meta": {"size": 512, "colors": 8},
      "paths": [
        {"color": [0.1, 0.2, 0.3], "opacity": 1.0, "fill_rule": "nonzero",
         "subpaths": [
           [[[0.1, 0.1], [0.2, 0.1], [0.3, 0.1], [0.4, 0.1]],
            [[0.4, 0.1], [0.4, 0.2], [0.4, 0.3], [0.1, 0.1]]]
         ]}
      ]
    }

- ``subpaths``: a list per path of closed subpaths; a subpath is a non-empty list
  of curves, a curve its four control points ``[x, y]``. A path may have no
  subpaths (it draws nothing).
- ``opacity`` defaults to 1, ``fill_rule`` to ``"nonzero"``, ``background`` to white;
  ``meta`` is free-form (how the file was made).
- Numbers are the shortest decimals that read back to the same float32, so a file
  loads back to the identical PathSet. Readers refuse other ``format``s, newer
  ``version``s, NaN/infinity, colours or opacities outside [0, 1], unknown fill
  rules, open subpaths and more than ``max_curves`` curves (default 2,000,000).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import torch

from .canvas import EVENODD, FILL_RULES, NONZERO
from .fileformat import check_canvas_background, check_header, f32_rows, read_document, rows_tensor
from .tensorset import TensorSet

FORMAT = "painter.paths"
VERSION = 1
WHAT = "painter path file"
#: largest gap (canvas units, max-norm) between a curve's end and the next curve's start
CLOSE_TOL = 1e-5
MAX_CURVES = 2_000_000

_FLOAT_FIELDS = ("points", "colors", "opacity")
_FIELDS = ("points", "curve_path", "curve_subpath", "colors", "opacity", "fill_rule")


class PathFileError(ValueError):
    """A path file that cannot be read: malformed, unsupported or with bad values."""


def subpath_index(curve_path: torch.Tensor, curve_subpath: torch.Tensor) -> torch.Tensor:
    """[K] global index of each curve's subpath (0, 1, ... over all paths)."""
    start = torch.ones_like(curve_path, dtype=torch.bool)
    start[1:] = (curve_path[1:] != curve_path[:-1]) | (curve_subpath[1:] != curve_subpath[:-1])
    return torch.cumsum(start, 0) - 1


def next_curves(curve_path: torch.Tensor, curve_subpath: torch.Tensor) -> torch.Tensor:
    """[K] index of the curve that follows each curve in its closed subpath (the
    subpath's first curve after its last)."""
    sub = subpath_index(curve_path, curve_subpath)
    k = sub.shape[0]
    nxt = torch.arange(1, k + 1, device=sub.device)
    if k == 0:
        return nxt
    last = torch.ones_like(sub, dtype=torch.bool)
    last[:-1] = sub[1:] != sub[:-1]
    first = torch.zeros(int(sub[-1]) + 1, dtype=torch.long, device=sub.device)
    first.scatter_reduce_(0, sub, torch.arange(k, device=sub.device), reduce="amin", include_self=False)
    nxt[last] = first[sub[last]]
    return nxt


def _fill_rule_codes(rule: Any, n: int, device) -> torch.Tensor:
    """[n] int64 fill-rule codes from a tensor, a rule name or a list of names."""
    if isinstance(rule, torch.Tensor):
        return rule.to(device=device, dtype=torch.long)
    names = [rule] * n if isinstance(rule, str) else list(rule)
    unknown = [r for r in names if r not in FILL_RULES]
    if unknown:
        raise ValueError(f"unknown fill rule {unknown[0]!r} (use \"nonzero\" or \"evenodd\")")
    return torch.tensor([FILL_RULES.index(r) for r in names], dtype=torch.long, device=device)


@dataclass
class PathSet(TensorSet):
    FIELDS = _FIELDS
    FLOAT_FIELDS = _FLOAT_FIELDS
    FORMAT = FORMAT
    VERSION = VERSION

    points: torch.Tensor
    curve_path: torch.Tensor
    curve_subpath: torch.Tensor
    colors: torch.Tensor
    opacity: torch.Tensor
    fill_rule: Any = "nonzero"
    canvas: tuple[float, float] = (1.0, 1.0)
    background: tuple[float, float, float] = (1.0, 1.0, 1.0)
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        k, p = self.points.shape[0], self.colors.shape[0]
        self.fill_rule = _fill_rule_codes(self.fill_rule, p, self.colors.device)
        self._check([("points", (k, 4, 2)), ("curve_path", (k,)), ("curve_subpath", (k,)), ("colors", (p, 3)),
                     ("opacity", (p,)), ("fill_rule", (p,))])

    # -- basics (to, detach, equal, device: TensorSet) ---------------------------------
    def __len__(self) -> int:
        """Number of paths."""
        return self.colors.shape[0]

    @property
    def num_curves(self) -> int:
        return self.points.shape[0]

    def _path_starts(self) -> torch.Tensor:
        """[P+1] first curve of each path (and K at the end)."""
        return torch.searchsorted(self.curve_path, torch.arange(len(self) + 1, device=self.curve_path.device))

    def __getitem__(self, idx: Any) -> "PathSet":
        """Select paths by index, slice, index list or boolean mask (in the order given)."""
        if isinstance(idx, int):
            idx = slice(idx, idx + 1 if idx != -1 else None)
        dev = self.curve_path.device
        sel = torch.arange(len(self), device=dev)[idx].reshape(-1)
        starts = self._path_starts()
        count = (starts[1:] - starts[:-1])[sel]
        new_path = torch.repeat_interleave(torch.arange(sel.shape[0], device=dev), count)
        offset = torch.arange(new_path.shape[0], device=dev) - (torch.cumsum(count, 0) - count)[new_path]
        curves = starts[:-1][sel][new_path] + offset
        return self._replace(points=self.points[curves], curve_path=new_path, curve_subpath=self.curve_subpath[curves],
                             colors=self.colors[sel], opacity=self.opacity[sel], fill_rule=self.fill_rule[sel])

    @staticmethod
    def empty(canvas: tuple[float, float] = (1.0, 1.0), device: torch.device | str = "cpu") -> "PathSet":
        z = lambda *s: torch.zeros(*s, device=device)  # noqa: E731
        i = torch.zeros(0, dtype=torch.long, device=device)
        return PathSet(z(0, 4, 2), i, i, z(0, 3), z(0), i, canvas)

    @staticmethod
    def cat(sets: list["PathSet"]) -> "PathSet":
        """Concatenate path sets: later sets paint on top. Canvas and background of the first."""
        if not sets:
            raise ValueError("cat needs at least one PathSet")
        offsets, n = [], 0
        for s in sets:
            offsets.append(n)
            n += len(s)
        d = {f: torch.cat([getattr(s, f) for s in sets]) for f in _FIELDS if f != "curve_path"}
        d["curve_path"] = torch.cat([s.curve_path + o for s, o in zip(sets, offsets)])
        return sets[0]._replace(**d)

    @staticmethod
    def from_polygons(
        polygons: Sequence[Sequence[Any]],
        colors: Any,
        opacity: Any = None,
        fill_rule: Any = "nonzero",
        canvas: tuple[float, float] = (1.0, 1.0),
        background: tuple[float, float, float] = (1.0, 1.0, 1.0),
        meta: dict[str, Any] | None = None,
    ) -> "PathSet":
        """Paths from polygons: ``polygons[i]`` is path ``i``'s list of subpaths, each
        an [n, 2] array of vertices (canvas units, n >= 2, closed implicitly; a last
        vertex equal to the first is dropped). Every edge becomes a straight cubic.
        ``colors`` [P, 3]; ``opacity`` [P] (default 1)."""
        pts, cp, cs = [], [], []
        for i, subpaths in enumerate(polygons):
            for j, poly in enumerate(subpaths):
                v = torch.as_tensor(poly, dtype=torch.float32).reshape(-1, 2)
                if len(v) > 2 and torch.equal(v[0], v[-1]):
                    v = v[:-1]
                if len(v) < 2:
                    raise ValueError(f"path {i}, subpath {j}: a polygon needs at least 2 vertices")
                w = v.roll(-1, 0)
                pts.append(torch.stack([v, (2 * v + w) / 3, (v + 2 * w) / 3, w], 1))
                cp.append(torch.full((len(v),), i, dtype=torch.long))
                cs.append(torch.full((len(v),), j, dtype=torch.long))
        col = torch.as_tensor(colors, dtype=torch.float32).reshape(-1, 3)
        opa = torch.ones(len(col)) if opacity is None else torch.as_tensor(opacity, dtype=torch.float32).reshape(-1)
        cat = lambda ts, *shape: torch.cat(ts) if ts else torch.zeros(0, *shape)  # noqa: E731
        return PathSet(cat(pts, 4, 2), cat(cp).long(), cat(cs).long(), col, opa, fill_rule, canvas, background,
                       dict(meta or {}))

    # -- structure --------------------------------------------------------------------
    def subpath_index(self) -> torch.Tensor:
        """[K] global subpath index of each curve."""
        return subpath_index(self.curve_path, self.curve_subpath)

    def next_curve(self) -> torch.Tensor:
        """[K] the curve that follows each curve in its closed subpath."""
        return next_curves(self.curve_path, self.curve_subpath)

    def closed(self) -> "PathSet":
        """Every curve starting exactly where the previous curve of its subpath ends
        (``p0`` := previous ``p3``); differentiable, so an optimizer can move
        ``points`` freely and render ``paths.closed()``."""
        nxt = self.next_curve()
        prev = torch.empty_like(nxt)
        prev[nxt] = torch.arange(nxt.shape[0], device=nxt.device)
        pts = torch.cat([self.points[prev, 3:4], self.points[:, 1:]], 1)
        return self._replace(points=pts)

    def problem(self, tol: float = CLOSE_TOL) -> str | None:
        """A one-line description of the first thing wrong with this set, or None."""
        for name in _FLOAT_FIELDS:
            if not torch.isfinite(getattr(self, name)).all():
                return f"path {name} contain NaN or infinity"
        col, opa = self.colors, self.opacity
        if ((col < 0) | (col > 1)).any() or ((opa < 0) | (opa > 1)).any():
            return "path colors and opacities must be in [0, 1]"
        if ((self.fill_rule != NONZERO) & (self.fill_rule != EVENODD)).any():
            return "fill_rule must be 0 (nonzero) or 1 (evenodd)"
        cp, cs = self.curve_path, self.curve_subpath
        if len(cp) and (int(cp.min()) < 0 or int(cp.max()) >= len(self) or (cp[1:] < cp[:-1]).any()):
            return f"curve_path must be non-decreasing path indices in [0, {len(self)})"
        new_path = torch.ones_like(cp, dtype=torch.bool)
        new_path[1:] = cp[1:] != cp[:-1]
        step = torch.zeros_like(cs)
        step[1:] = cs[1:] - cs[:-1]
        if (cs[new_path] != 0).any() or ((step != 0) & (step != 1) & ~new_path).any():
            return "curve_subpath must number each path's subpaths 0, 1, 2, ... in order"
        gap = (self.points[:, 3] - self.points[self.next_curve(), 0]).abs().amax(-1)
        if len(gap) and float(gap.max()) > tol:
            k = int(gap.argmax())
            return (f"path {int(cp[k])}, subpath {int(cs[k])} is not closed: a curve ends {float(gap[k]):.3g} "
                    f"from where the next one starts (tolerance {tol:g})")
        return None

    def validate(self, tol: float = CLOSE_TOL) -> "PathSet":
        """Raise ValueError (one line) unless the set is well formed: finite, colours
        and opacities in [0, 1], consistent curve numbering, closed subpaths (within
        ``tol`` canvas units). Returns the set."""
        msg = self.problem(tol)
        if msg:
            raise ValueError(msg)
        return self

    # -- file format ----------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """The JSON document (see the module docstring); numbers float32-exact."""
        col = f32_rows(self.colors)
        opa = [r[0] for r in f32_rows(self.opacity[:, None])]
        rules = self.fill_rule.tolist()
        paths = [{"color": col[i], "opacity": opa[i], "fill_rule": FILL_RULES[rules[i]], "subpaths": []}
                 for i in range(len(self))]
        pts = f32_rows(self.points)
        cp, cs = self.curve_path.tolist(), self.curve_subpath.tolist()
        for k, r in enumerate(pts):
            subs = paths[cp[k]]["subpaths"]
            if k == 0 or cp[k] != cp[k - 1] or cs[k] != cs[k - 1]:
                subs.append([])
            subs[-1].append([r[0:2], r[2:4], r[4:6], r[6:8]])
        return self._document(paths=paths)

    @staticmethod
    def from_dict(doc: Any, max_curves: int = MAX_CURVES) -> "PathSet":
        check_header(doc, FORMAT, VERSION, PathFileError, WHAT)
        try:
            canvas = [float(v) for v in doc["canvas"]]
            bg = [float(v) for v in doc.get("background", [1, 1, 1])]
            paths = doc["paths"]
            if not isinstance(paths, list):
                raise TypeError("\"paths\" is not a list")
            if len(paths) > max_curves:
                raise PathFileError(f"{len(paths)} paths is more than the limit of {max_curves}")
            curves, cp, cs = [], [], []
            for i, p in enumerate(paths):
                subs = p["subpaths"]
                if not isinstance(subs, list):
                    raise TypeError(f"path {i}: \"subpaths\" is not a list")
                for j, sub in enumerate(subs):
                    if not isinstance(sub, list) or not sub:
                        raise ValueError(f"path {i}, subpath {j}: not a non-empty list of curves")
                    curves += sub
                    cp += [i] * len(sub)
                    cs += [j] * len(sub)
                if len(curves) > max_curves:
                    raise PathFileError(f"more than the limit of {max_curves} curves")
            pts = rows_tensor(curves, (4, 2), torch.float32)
            col = rows_tensor([p["color"] for p in paths], (3,), torch.float32)
            opa = rows_tensor([p.get("opacity", 1.0) for p in paths], (), torch.float32)
            rules = _fill_rule_codes([p.get("fill_rule", "nonzero") for p in paths], len(paths), "cpu")
        except PathFileError:
            raise
        except (KeyError, TypeError, ValueError, RuntimeError, OverflowError, AttributeError) as e:
            raise PathFileError(f"malformed path data ({type(e).__name__}: {e})".replace("\n", " ")) from None
        check_canvas_background(canvas, bg, PathFileError)
        meta = doc.get("meta", {})
        ps = PathSet(pts, torch.tensor(cp, dtype=torch.long), torch.tensor(cs, dtype=torch.long), col, opa, rules,
                     (canvas[0], canvas[1]), tuple(bg), meta if isinstance(meta, dict) else {})
        msg = ps.problem()
        if msg:
            raise PathFileError(msg)
        return ps

    @staticmethod
    def load(path: str | Path, max_curves: int = MAX_CURVES) -> "PathSet":
        def too_many(text: str) -> None:  # refuse oversized files before parsing builds millions of objects
            n = text.count("[[") - text.count('"subpaths"')  # a lower bound on the curves of a file
            if n > max_curves:
                raise PathFileError(f"{n} curves is more than the limit of {max_curves}")

        return PathSet.from_dict(read_document(path, PathFileError, WHAT, precheck=too_many), max_curves=max_curves)

