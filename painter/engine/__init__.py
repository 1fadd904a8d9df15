"""The neural painter's engine: a photo and a style in, optimized brushstrokes out.

A run is a pipeline of named stages (:mod:`.run`): *plan* (:mod:`.plan`: the working
size, the goal colours, the layers, the detail map of :mod:`.detail`), then for each
layer *place* (:mod:`.place`), *optimize* (Adam of :mod:`.optim` against the loss
terms of :mod:`.losses`, through the differentiable renderer), *freeze*, a
final *polish*, and the style's *brushwork* (:mod:`.brushwork`: unoptimized dashes
over the flat areas). :mod:`.checkpoint` keeps runs resumable bit for bit, and
:mod:`.progress` reports them.

May import: :mod:`painter.style`, :mod:`painter.materials`, :mod:`painter.export`,
:mod:`painter.render`, :mod:`painter.primitives`, :mod:`painter.image`,
:mod:`painter.defaults`.
"""
from __future__ import annotations

from .._lazy import lazy_face

_API = {
    "paint": ".run", "PaintResult": ".run", "resolve_device": ".run",
    "Plan": ".plan", "plan_run": ".plan",
    "find_faces": ".detail", "detail_map": ".detail", "least_size": ".detail",
    "CheckpointError": ".checkpoint", "Interrupted": ".checkpoint",
}
__all__ = sorted(_API)
__getattr__, __dir__ = lazy_face(__name__, _API)
