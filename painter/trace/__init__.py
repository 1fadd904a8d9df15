"""The tracing stage: images into flat vector art with Potrace, then (optionally)
every control point and colour refined through the differentiable renderer.

- ``bw``: one bitmap (dark pixels, Otsu's threshold unless given; ``invert`` swaps
  ink and paper) traced into one black compound path (``evenodd``: holes survive)
  on white.
- ``color``: an optional edge-preserving pre-filter (bilateral), then k-means in
  CIELAB to ``colors`` inks. Inks are *stacked* dark to light: layer ``i`` is the
  bitmap of ink ``i`` and every lighter one. Each layer is traced on its own and
  drawn over the one below, so every region's outline lies on a filled layer
  underneath: no seams or pinholes between colours; the bottom layer, the darkest
  ink, is the whole canvas. The inks' colours are then fitted to the picture
  through the traced shapes (least squares).

Potrace is the C library through the ``pypotrace`` binding (``import potrace``),
with Potrace's own parameter names and defaults: ``turdsize`` (speckles of at most
this many pixels are dropped), ``alphamax`` (corner threshold; 0 = polygon, 1.334 =
no corners), ``opticurve``/``opttolerance`` (joining curves), ``turnpolicy``
(ambiguous turns: black, white, left, right, minority, majority, random).

The stages, each a module:

    bitmaps   picture -> bitmaps (threshold, or quantize and stack)      numpy, OpenCV
    outlines  bitmaps -> closed Béziers (Potrace, on worker processes)   numpy
    libpotrace  Potrace's C library through ctypes (pypotrace where it cannot load)
    inks      the inks' colours fitted through the paths' coverage       numpy
    refine    control points and colours through the renderer           torch
    run       the pipeline: trace_art (no torch), trace (a PathSet)

Without refinement nothing here imports torch: ``painter trace`` writes its SVG
from the numpy arrays of :class:`outlines.Traced`.

May import: :mod:`painter.image`, :mod:`painter.primitives`, :mod:`painter.defaults`;
for refinement only, :mod:`painter.render` and :mod:`painter.engine` (its loss,
optimizer and progress bar).
"""
from __future__ import annotations

from .._lazy import lazy_face

_API = {
    "trace": ".run", "trace_art": ".run", "MODES": ".run", "DEFAULT_COLORS": ".run",
    "Traced": ".outlines", "TURNPOLICIES": ".libpotrace", "potrace_subpaths": ".outlines",
    "ink_bitmap": ".bitmaps", "quantize": ".bitmaps", "stacked_layers": ".bitmaps", "noise_level": ".bitmaps",
    "fit_inks": ".inks", "path_coverage": ".inks",
    "refine_paths": ".refine",
}
__all__ = sorted(_API)
__getattr__, __dir__ = lazy_face(__name__, _API)
