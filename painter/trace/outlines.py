"""Stage 2 of tracing: bitmaps into closed Bézier outlines with Potrace, in numpy.

Potrace is the C library, called through :mod:`.libpotrace` (ctypes) where its
shared library loads and through the ``pypotrace`` binding otherwise, with Potrace's
own parameter names and defaults (see :mod:`painter.trace`). Its
work is per bitmap, so the bitmaps of a colour trace are traced on worker
processes (forked: nothing to re-import) when there are several cores.

The outlines are gathered in a :class:`Traced`: the fields of a
:class:`painter.primitives.PathSet` as numpy arrays, which the SVG writer takes as
they are, and which become a PathSet (torch) only when one is asked for.
"""
from __future__ import annotations

import multiprocessing
import os
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from ..primitives.canvas import EVENODD
from . import libpotrace
from .libpotrace import CORNER, CURVETO
from ..primitives.fileformat import f32

#: least ink pixels over all bitmaps for which worker processes pay off (forking and
#: sending results back cost some 30 ms)
PARALLEL_PIXELS = 1 << 19


@dataclass
class Traced:
    """Traced art as numpy arrays, field for field a PathSet's (see
    :mod:`painter.primitives.paths`): ``points`` [K,4,2] float32 in canvas units,
    ``curve_path`` and ``curve_subpath`` [K] int64, ``colors`` [P,3] float32,
    ``opacity`` [P] float32, ``fill_rule`` [P] int64, then ``canvas``,
    ``background`` and ``meta``."""

    points: np.ndarray
    curve_path: np.ndarray
    curve_subpath: np.ndarray
    colors: np.ndarray
    opacity: np.ndarray
    fill_rule: np.ndarray
    canvas: tuple[float, float]
    background: tuple[float, float, float]
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:  # canvas and background as a PathSet keeps them (float32, exactly)
        self.canvas = (f32(self.canvas[0]), f32(self.canvas[1]))
        self.background = tuple(f32(c) for c in self.background)

    def __len__(self) -> int:
        """Number of paths."""
        return self.colors.shape[0]

    def subpath_index(self) -> np.ndarray:
        """[K] global index of each curve's subpath (0, 1, ... over all paths)."""
        return subpath_index(self.curve_path, self.curve_subpath)

    def to_paths(self):
        """The same art as a :class:`painter.primitives.PathSet` (imports torch)."""
        import torch

        from ..primitives.paths import PathSet

        t = torch.from_numpy
        return PathSet(t(self.points.copy()), t(self.curve_path.copy()), t(self.curve_subpath.copy()),
                       t(self.colors.copy()), t(self.opacity.copy()), t(self.fill_rule.copy()), self.canvas,
                       self.background, dict(self.meta))


def subpath_index(curve_path: np.ndarray, curve_subpath: np.ndarray) -> np.ndarray:
    """[K] global index of each curve's subpath, as
    :func:`painter.primitives.paths.subpath_index` (numpy)."""
    start = np.ones(curve_path.shape, dtype=bool)
    start[1:] = (curve_path[1:] != curve_path[:-1]) | (curve_subpath[1:] != curve_subpath[:-1])
    return np.cumsum(start) - 1


def assemble(subpaths: list[list[np.ndarray]], inks: np.ndarray, shape: tuple[int, int],
             background: tuple[float, float, float]) -> Traced:
    """Traced art of one evenodd compound path per entry of ``subpaths`` (Potrace's
    subpaths of one bitmap, :func:`potrace_subpaths`), coloured ``inks`` [P,3] in
    order, over ``background``, in the canvas units of an ``shape`` (H, W) picture."""
    h, w = shape
    s = float(max(h, w))
    curves, path_of, sub_of = [], [], []
    for i, subs in enumerate(subpaths):
        for j, sp in enumerate(subs):
            curves.append(sp)
            path_of.append(np.full(len(sp), i, dtype=np.int64))
            sub_of.append(np.full(len(sp), j, dtype=np.int64))
    n = len(subpaths)
    points = (np.concatenate(curves) / s).astype(np.float32) if curves else np.zeros((0, 4, 2), np.float32)
    cat = lambda parts: np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)  # noqa: E731
    return Traced(points, cat(path_of), cat(sub_of), np.array(inks, dtype=np.float32), np.ones(n, np.float32),
                  np.full(n, EVENODD, dtype=np.int64), (w / s, h / s), background)


def each_bitmap(job: Callable[..., Any], bitmaps: list[np.ndarray], *args: Any) -> list[Any]:
    """``[job(bitmap, *args) for bitmap in bitmaps]``, on forked worker processes when
    there are several bitmaps, several cores and enough ink for them to pay off.
    ``job`` is a module-level function (workers find it by name)."""
    if not libpotrace.available():
        _potrace()  # a missing binding is told here, not in a worker
    workers = min(_cores(), len(bitmaps))
    busy = sum(int(np.count_nonzero(bm)) for bm in bitmaps if not bm.all())
    if workers < 2 or busy < PARALLEL_PIXELS or not _can_fork():
        return [job(bm, *args) for bm in bitmaps]
    # the largest jobs first, so that no worker is left with a big one at the end
    order = sorted(range(len(bitmaps)), key=lambda i: -_work(bitmaps[i]))
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        done = pool.starmap(job, [(bitmaps[i], *args) for i in order], chunksize=1)
    out: list[Any] = [None] * len(bitmaps)
    for i, result in zip(order, done):
        out[i] = result
    return out


def _work(bitmap: np.ndarray) -> int:
    """A guess at Potrace's work on ``bitmap``: its boundary pixels (none when full)."""
    return 0 if bitmap.all() else int(np.count_nonzero(bitmap[:, 1:] != bitmap[:, :-1]))


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _can_fork() -> bool:
    """Whether worker processes may be forked from here: a platform with fork, and
    not a daemonic process (a studio or batch worker may have no children)."""
    return "fork" in multiprocessing.get_all_start_methods() and not multiprocessing.current_process().daemon


def potrace_subpaths(bitmap: np.ndarray, params: dict) -> list[np.ndarray]:
    """Potrace one bitmap (True = ink): its closed subpaths as [n,4,2] float64 arrays
    of cubic control points in pixel units (x right, y down). Potrace's corners
    become two straight cubics. A bitmap that is all ink is the canvas rectangle.
    Potrace runs through :mod:`.libpotrace` where the shared library loads, else
    through pypotrace: the same library, the same numbers."""
    if not bitmap.any():
        return []
    h, w = bitmap.shape
    if bitmap.all():
        corners = np.array([(0.0, 0.0), (w, 0.0), (w, h), (0.0, h)])
        return [_lines(corners, np.roll(corners, -1, 0))]
    if libpotrace.available():
        curves = libpotrace.trace_curves(bitmap, params)
    else:
        curves = _pypotrace_curves(bitmap, params)
    return _curve_rows(curves)


def _pypotrace_curves(bitmap: np.ndarray, params: dict) -> list[tuple[np.ndarray, np.ndarray]]:
    """As :func:`libpotrace.trace_curves`, through pypotrace."""
    potrace = _potrace()
    bm = potrace.Bitmap(np.ascontiguousarray(bitmap, dtype=np.uint8))
    policy = getattr(potrace, f"TURNPOLICY_{params['turnpolicy'].upper()}")
    traced = bm.trace(turdsize=int(params["turdsize"]), turnpolicy=policy, alphamax=float(params["alphamax"]),
                      opticurve=bool(params["opticurve"]), opttolerance=float(params["opttolerance"]))
    out = []
    for curve in traced.curves:
        tags = np.array([CORNER if seg.is_corner else CURVETO for seg in curve.segments])
        pts = np.array([((0.0, 0.0), tuple(seg.c), tuple(seg.end_point)) if seg.is_corner
                        else (tuple(seg.c1), tuple(seg.c2), tuple(seg.end_point)) for seg in curve.segments],
                       dtype=np.float64).reshape(-1, 3, 2)
        out.append((tags, pts))
    return out


def _curve_rows(curves: list[tuple[np.ndarray, np.ndarray]]) -> list[np.ndarray]:
    """Potrace's closed curves (each ``tags`` [n]: CURVETO or CORNER, and ``pts``
    [n,3,2]: a Bézier's two control points and end, or a corner's unused point, the
    corner and the end) as [m,4,2] cubics each, every one from the previous end: a
    Bézier is one row, a corner two straight rows (control points at thirds). All
    curves at once: a layer has thousands."""
    curves = [(tags, pts) for tags, pts in curves if len(tags)]
    if not curves:
        return []
    tags = np.concatenate([t for t, _ in curves])
    pts = np.concatenate([p for _, p in curves])
    n = np.array([len(t) for t, _ in curves])
    first = np.cumsum(n) - n
    prev = np.arange(len(tags)) - 1
    prev[first] = first + n - 1  # a curve's first segment starts where its last ends
    start = pts[prev, 2]
    corner = tags == CORNER
    one = np.where(corner[:, None, None], _lines(start, pts[:, 1]),
                   np.stack([start, pts[:, 0], pts[:, 1], pts[:, 2]], 1))
    both = np.stack([one, _lines(pts[:, 1], pts[:, 2])], 1).reshape(-1, 4, 2)
    rows = both[np.stack([np.ones_like(corner), corner], 1).reshape(-1)]
    ends = np.cumsum(n + np.add.reduceat(corner, first))  # rows per curve: one per segment, two per corner
    return np.split(rows, ends[:-1])


def _lines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Straight edges from ``a`` to ``b`` ([n,2]) as cubics [n,4,2] (control points at thirds)."""
    d = (b - a) / 3.0
    return np.stack([a, a + d, b - d, b], 1)


def _potrace():
    try:
        import potrace
    except ImportError as e:
        raise RuntimeError(f"tracing needs the Potrace binding pypotrace ({e}); install it with `make install` "
                           "(Debian: apt-get install libpotrace-dev libagg-dev pkg-config; pip install pypotrace)"
                           ) from None
    return potrace
