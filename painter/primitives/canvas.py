"""What primitives mean on a picture, without torch: canvas units and pixels, the
flattening of curves and the fill rules' codes, on which the renderer, the SVG
writer and tracing's colour fit agree.

Primitives are in canvas units (the canvas ``(cw, ch)`` has its longer side 1, x to
the right and y down); a picture of ``height`` x ``width`` pixels shows the canvas
at a uniform scale, centred. Curves are drawn as polylines of equal-parameter
pieces, as many as a chord error of ``FLATTEN_TOLERANCE`` px needs (at most
``MAX_SEGMENTS``). A PathSet's ``fill_rule`` holds ``NONZERO`` or ``EVENODD``, the
codes of SVG's ``FILL_RULES``.
"""
from __future__ import annotations

FILL_RULES = ("nonzero", "evenodd")
NONZERO, EVENODD = 0, 1
#: chord tolerance of the Bézier flattening, in pixels
FLATTEN_TOLERANCE = 0.1
#: most pieces one curve is flattened into
MAX_SEGMENTS = 32


def canvas_transform(canvas: tuple[float, float], height: int, width: int) -> tuple[float, float, float]:
    """Scale and offset that map canvas units to pixels (uniform scale, centred)."""
    cw, ch = canvas
    s = min(width / cw, height / ch)
    return s, (width - cw * s) / 2.0, (height - ch * s) / 2.0
