"""An independent reference renderer for the tests: plain numpy, float64, slow.

It shares no code with ``painter`` (it only reads the tensors of a StrokeSet or a
PathSet) and is written from the documented semantics, not from the renderer:

* Canvas -> pixels: the canvas ``(cw, ch)`` is scaled uniformly by
  ``s = min(W / cw, H / ch)`` and centred in the ``H x W`` picture; pixel (row ``i``,
  column ``j``) is sampled at its centre ``(j + 1/2, i + 1/2)``.
* Stroke: the union of the discs of radius ``w(t) / 2`` centred on the cubic Bézier
  ``B(t)``, ``w(t) = w0 + (w1 - w0) t``. A pixel's coverage is the overlap of a
  one-pixel box filter with the band ``[d - r, d + r]`` across the stroke (``d`` the
  distance of the pixel centre to a disc's centre, ``r`` its radius), maximised over
  the discs, i.e. ``1/2 - (d - r)`` clamped to [0, 1] on the edge of a wide stroke.
  The Bézier is sampled densely in ``t`` (see ``STROKE_SPACING``) instead of being
  flattened to segments, so the shape is exact up to that sampling.
* Path: the winding number of its closed subpaths (densely flattened polygons,
  gaps between curves joined by straight lines, as SVG does) at the pixel centre
  decides inside (``nonzero``: != 0, ``evenodd``: odd); within half a pixel of the
  boundary the coverage is ``1/2 + d`` inside and ``1/2 - d`` outside, ``d`` the
  distance to the boundary.
* Compositing: "over" in order (later on top) onto the background, with
  ``alpha = coverage * opacity``.
"""
from __future__ import annotations

import numpy as np

#: spacing in pixels (upper bound, along the control polygon) of the samples of a
#: stroke's centre line: the nearest-sample distance errs by < spacing^2 / (8 d)
STROKE_SPACING = 0.05
#: spacing in pixels of the vertices of a flattened path boundary: the polygon errs
#: by < spacing^2 / (8 radius of curvature)
PATH_SPACING = 0.25
#: pixels x samples evaluated at once (bounds the memory)
_CHUNK = 1 << 21


def _np(x) -> np.ndarray:
    """A torch tensor (any device / dtype) or array-like -> float64 numpy array."""
    if hasattr(x, "detach"):
        x = x.detach().cpu().double().numpy()
    return np.asarray(x, dtype=np.float64)


def pixel_centres(h: int, w: int) -> np.ndarray:
    """[H*W, 2] the (x, y) pixel-space centres of an H x W picture, row-major."""
    y, x = np.mgrid[0:h, 0:w]
    return np.stack([x.ravel() + 0.5, y.ravel() + 0.5], -1).astype(np.float64)


def canvas_to_pixels(points: np.ndarray, canvas, h: int, w: int) -> tuple[np.ndarray, float]:
    """Canvas units [..., 2] -> pixels (uniform scale, canvas centred); and the scale."""
    cw, ch = float(canvas[0]), float(canvas[1])
    s = min(w / cw, h / ch)
    offset = np.array([(w - cw * s) / 2, (h - ch * s) / 2])
    return points * s + offset, s


def bezier(ctrl: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Points of one cubic Bézier: ``ctrl`` [4, 2], ``t`` [M] -> [M, 2] (Bernstein form)."""
    t = t[:, None]
    u = 1.0 - t
    return u**3 * ctrl[0] + 3 * u**2 * t * ctrl[1] + 3 * u * t**2 * ctrl[2] + t**3 * ctrl[3]


def bezier_derivative(ctrl: np.ndarray, t: np.ndarray) -> np.ndarray:
    """dB/dt of one cubic Bézier: ``ctrl`` [4, 2], ``t`` [M] -> [M, 2]."""
    t = t[:, None]
    u = 1.0 - t
    d = np.diff(ctrl, axis=0)
    return 3 * (u**2 * d[0] + 2 * u * t * d[1] + t**2 * d[2])


def split_curves(points: np.ndarray, pieces: int) -> np.ndarray:
    """Cubics [K, 4, 2] -> [K * pieces, 4, 2]: each cut into ``pieces`` equal-parameter
    cubics that trace exactly the same curve (Hermite form of each piece)."""
    t = np.linspace(0.0, 1.0, pieces + 1)
    out = []
    for ctrl in points:
        p, v = bezier(ctrl, t), bezier_derivative(ctrl, t) / (3 * pieces)
        out.append(np.stack([p[:-1], p[:-1] + v[:-1], p[1:] - v[1:], p[1:]], 1))
    return np.concatenate(out).reshape(-1, 4, 2)


def _samples(ctrl: np.ndarray, spacing: float) -> np.ndarray:
    """[M] values of t, 0 to 1 inclusive, so that consecutive points of the Bézier are
    at most about ``spacing`` apart (the control polygon bounds the arc length)."""
    length = np.linalg.norm(np.diff(ctrl, axis=0), axis=1).sum()
    return np.linspace(0.0, 1.0, max(16, int(np.ceil(length / spacing)) + 1))


def box_coverage(d: np.ndarray, r: np.ndarray) -> np.ndarray:
    """Length of the overlap of ``[d - r, d + r]`` (a band of half-width ``r`` at
    distance ``d``) with the one-pixel box ``[-1/2, 1/2]``: in [0, 1]."""
    return np.clip(np.minimum(d + r, 0.5) - np.maximum(d - r, -0.5), 0.0, 1.0)


def stroke_coverage(ctrl_px: np.ndarray, w0: float, w1: float, h: int, w: int) -> np.ndarray:
    """[H, W] coverage of one tapered stroke (``ctrl_px`` [4, 2] pixels, full widths
    ``w0 -> w1`` in pixels): max over samples ``t`` of box_coverage(|p - B(t)|, w(t)/2).
    Only the pixels near the stroke's bounding box are evaluated."""
    t = _samples(ctrl_px, STROKE_SPACING)
    centre = bezier(ctrl_px, t)  # [M, 2]
    radius = 0.5 * (w0 + (w1 - w0) * t)  # [M]
    cov = np.zeros((h, w))
    reach = radius.max() + 1.0
    x0, y0 = np.floor(centre.min(0) - reach).astype(int).clip(0, [w, h])
    x1, y1 = np.ceil(centre.max(0) + reach).astype(int).clip(0, [w, h])
    if x1 <= x0 or y1 <= y0:
        return cov
    p = pixel_centres(y1 - y0, x1 - x0) + [x0, y0]  # [P, 2]
    best = np.zeros(p.shape[0])
    step = max(1, _CHUNK // p.shape[0])
    for k in range(0, t.shape[0], step):
        d = np.linalg.norm(p[:, None, :] - centre[None, k:k + step], axis=-1)  # [P, m]
        best = np.maximum(best, box_coverage(d, radius[None, k:k + step]).max(1))
    cov[y0:y1, x0:x1] = best.reshape(y1 - y0, x1 - x0)
    return cov


def composite(background, layers, h: int, w: int) -> np.ndarray:
    """"Over" in order: ``layers`` yields (coverage [H, W], rgb [3], opacity) from the
    bottom up; ``background`` is an RGB colour [3] or an image [3, H, W]. -> [3, H, W]."""
    bg = _np(background)
    out = np.broadcast_to(bg.reshape(3, 1, 1) if bg.ndim == 1 else bg, (3, h, w)).copy()
    for cov, rgb, opacity in layers:
        alpha = cov[None] * opacity
        out = out * (1.0 - alpha) + alpha * np.asarray(rgb).reshape(3, 1, 1)
    return out


def stroke_coverages(strokes, h: int, w: int) -> np.ndarray:
    """[N, H, W] the coverage of each stroke of a StrokeSet, alone."""
    pts, s = canvas_to_pixels(_np(strokes.points), strokes.canvas, h, w)
    wid = _np(strokes.widths) * s
    return np.stack([stroke_coverage(pts[i], wid[i, 0], wid[i, 1], h, w) for i in range(pts.shape[0])]
                    or [np.zeros((0, h, w))]).reshape(-1, h, w)


def render_strokes(strokes, h: int, w: int, background) -> np.ndarray:
    """[3, H, W] a StrokeSet painted over ``background`` (colour [3] or image [3,H,W])."""
    cov = stroke_coverages(strokes, h, w)
    colors, opacity = _np(strokes.colors), _np(strokes.opacity)
    return composite(background, ((cov[i], colors[i], opacity[i]) for i in range(cov.shape[0])), h, w)


# -- filled paths ----------------------------------------------------------------------
def subpath_polygons(curves_px: np.ndarray, subpath: np.ndarray) -> list[np.ndarray]:
    """The closed polygons [M, 2] of one path: ``curves_px`` [K, 4, 2] its curves in
    order, ``subpath`` [K] the subpath of each (consecutive runs). Each curve is
    sampled densely from t = 0 to 1; a gap between a curve's end and the next curve's
    start (and the closing edge back to the first point) is a straight edge."""
    polys = []
    for sp in dict.fromkeys(subpath.tolist()):
        chain = [bezier(c, _samples(c, PATH_SPACING)) for c in curves_px[subpath == sp]]
        polys.append(np.concatenate(chain))
    return polys


def _edges(polys: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """All edges of closed polygons: start and end points, two [E, 2] arrays."""
    return np.concatenate(polys), np.concatenate([np.roll(q, -1, axis=0) for q in polys])


def winding_number(polys: list[np.ndarray], p: np.ndarray) -> np.ndarray:
    """[P] winding number of the closed polygons around points ``p`` [P, 2]: signed
    count of edges crossing the ray from ``p`` to +x (upward +1, downward -1; an edge
    holds its lower-y end and not its upper-y end, so shared vertices count once)."""
    a, b = _edges(polys)
    total = np.zeros(p.shape[0], dtype=np.int64)
    step = max(1, _CHUNK // max(1, p.shape[0]))
    for k in range(0, a.shape[0], step):
        ax, ay, bx, by = (v[None, k:k + step] for v in (a[:, 0], a[:, 1], b[:, 0], b[:, 1]))
        px, py = p[:, :1], p[:, 1:]
        up = (ay <= py) & (py < by)
        down = (by <= py) & (py < ay)
        # the sign of (crossing x - px) * (by - ay): which side of the edge's line p is on
        side = (bx - ax) * (py - ay) - (px - ax) * (by - ay)
        total += (up & (side > 0)).sum(1) - (down & (side < 0)).sum(1)
    return total


def boundary_distance(polys: list[np.ndarray], p: np.ndarray) -> np.ndarray:
    """[P] distance from points ``p`` [P, 2] to the nearest edge of the polygons."""
    a, b = _edges(polys)
    best = np.full(p.shape[0], np.inf)
    step = max(1, _CHUNK // max(1, p.shape[0]))
    for k in range(0, a.shape[0], step):
        ak, ab = a[k:k + step], b[k:k + step] - a[k:k + step]  # [m, 2]
        ap = p[:, None, :] - ak[None]  # [P, m, 2]
        h = np.clip((ap * ab).sum(-1) / np.maximum((ab * ab).sum(-1), 1e-300), 0.0, 1.0)
        best = np.minimum(best, np.linalg.norm(ap - h[..., None] * ab, axis=-1).min(1))
    return best


def path_coverage(polys: list[np.ndarray], evenodd: bool, h: int, w: int) -> np.ndarray:
    """[H, W] anti-aliased coverage of one filled path (its closed polygons in pixels)."""
    if not polys:
        return np.zeros((h, w))
    p = pixel_centres(h, w)
    wn = winding_number(polys, p)
    inside = (wn % 2 == 1) if evenodd else (wn != 0)
    d = boundary_distance(polys, p)
    return np.where(inside, np.minimum(0.5 + d, 1.0), np.maximum(0.5 - d, 0.0)).reshape(h, w)


def path_coverages(paths, h: int, w: int) -> np.ndarray:
    """[P, H, W] the coverage of each path of a PathSet, alone."""
    pts, _ = canvas_to_pixels(_np(paths.points), paths.canvas, h, w)
    owner = paths.curve_path.cpu().numpy()
    sub = paths.curve_subpath.cpu().numpy()
    rule = paths.fill_rule.cpu().numpy()  # 0 nonzero, 1 evenodd
    return np.stack([path_coverage(subpath_polygons(pts[owner == i], sub[owner == i]), rule[i] == 1, h, w)
                     for i in range(len(rule))] or [np.zeros((0, h, w))]).reshape(-1, h, w)


def render_paths(paths, h: int, w: int, background) -> np.ndarray:
    """[3, H, W] a PathSet filled over ``background`` (colour [3] or image [3,H,W])."""
    cov = path_coverages(paths, h, w)
    colors, opacity = _np(paths.colors), _np(paths.opacity)
    return composite(background, ((cov[i], colors[i], opacity[i]) for i in range(cov.shape[0])), h, w)
