"""What a picture is made of: brushstrokes and filled paths, and their files.

- :mod:`.strokes`: ``StrokeSet``, N brushstrokes (a cubic Bezier centre line, start
  and end width, RGB, opacity, layer);
- :mod:`.paths`: ``PathSet``, closed filled Bezier paths (traced art), with fill rules;
- :mod:`.tensorset` and :mod:`.fileformat`: what both share: tensors on one device,
  and the versioned JSON file format (coordinates normalized to the canvas, so a
  file is resolution-independent; floats kept exactly).

May import: :mod:`painter.image` (colours) and :mod:`painter.defaults`.
"""
from __future__ import annotations

from .._lazy import lazy_face

_API = {"StrokeSet": ".strokes", "StrokeFileError": ".strokes", "stroke_points": ".strokes",
        "PathSet": ".paths", "PathFileError": ".paths", "EVENODD": ".paths", "NONZERO": ".paths"}
__all__ = sorted(_API)
__getattr__, __dir__ = lazy_face(__name__, _API)
