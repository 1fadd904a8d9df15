"""painter: photos into art made of real vector brushstrokes.

    import painter
    result = painter.paint("photo.jpg", strokes=500)      # optimize strokes
    result.strokes.save("painting.json")                 # resolution-independent
    img = painter.render(result.strokes, 1024, 1024)     # [3,H,W] tensor, differentiable
    painter.export.export(result.strokes, "painting.svg")
    art = painter.trace("logo.png", colors=8)            # PathSet: Potrace, stacked colours
    painter.export.export(art, "logo.svg")

``import painter`` is light: the names below are imported on first use (PEP 562), so
torch loads when the API is first touched, not when the package (or the command
line's ``--help``) is imported.
"""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
import types
import warnings
from typing import TYPE_CHECKING, Any

from ._lazy import lazy_face
from .defaults import __version__  # noqa: F401 (the package's version, as painter.__version__)

#: public name -> the package (or module) whose face gives it
_API = {
    "export": ".export",
    "load_image": ".image", "save_png": ".image",
    "PaintResult": ".engine", "paint": ".engine",
    "PathSet": ".primitives", "StrokeSet": ".primitives",
    "render": ".render",
    "Style": ".style", "list_styles": ".style", "load_style": ".style",
    "trace": ".trace",
}

__all__ = ["PaintResult", "PathSet", "StrokeSet", "Style", "export", "list_styles", "load_image", "load_style", "paint",
           "render", "save_png", "trace"]  # the names of _API, written out for tools that read them statically

_face, __dir__ = lazy_face(__name__, {k: v for k, v in _API.items() if k != "export"},
                           also=("__version__", "export", "MOVED"))


def __getattr__(name: str) -> Any:
    if name == "export":  # the module itself: painter.export.export(...)
        return importlib.import_module(".export", __name__)
    return _face(name)


class _Package(types.ModuleType):
    """Keeps ``painter.paint``, ``painter.render`` and ``painter.trace`` the functions
    of the API: importing a module of the same name (``painter.render``, or an old
    path such as ``painter.paint``) sets the package attribute to the module, as it
    did in the eager days, when ``from .paint import paint`` then bound the function
    over it."""

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, types.ModuleType) and name != "export" and name in _API:
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


#: the modules that moved into the subsystem packages (0.1 -> 0.2): old name -> new
MOVED = {
    "io": "image.io", "color": "image.color", "imageops": "image.imageops",
    "strokes": "primitives.strokes", "paths": "primitives.paths", "tensorset": "primitives.tensorset",
    "fileformat": "primitives.fileformat",
    "styles": "style.styles", "presets": "style.presets", "analyze": "style.analyze", "texture": "style.texture",
    "perceptual": "style.perceptual", "flow": "style.flow", "weights": "style.weights",
    "bristles": "materials.bristles", "filtergraph": "materials.filtergraph", "filters": "materials.filters",
    "noise": "materials.noise",
    "paint": "engine.run", "plan": "engine.plan", "init": "engine.place", "losses": "engine.losses",
    "optim": "engine.optim", "checkpoint": "engine.checkpoint", "progress": "engine.progress",
    "detail": "engine.detail",
}


class _MovedModules(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """``import painter.strokes`` (an old path) gives ``painter.primitives.strokes``,
    the same module, with a DeprecationWarning; for one release."""

    def __init__(self):
        self._specs: dict[int, Any] = {}

    def find_spec(self, fullname, path=None, target=None):
        old = fullname.removeprefix(__name__ + ".")
        if old != fullname and old in MOVED:
            return importlib.util.spec_from_loader(fullname, self)
        return None

    def create_module(self, spec):
        new = f"{__name__}.{MOVED[spec.name.removeprefix(__name__ + '.')]}"
        warnings.warn(f"{spec.name} is now {new}; the old name goes in the next release", DeprecationWarning,
                      stacklevel=2)
        module = importlib.import_module(new)
        self._specs[id(module)] = module.__spec__  # the import system writes the old name's spec over it
        return module

    def exec_module(self, module) -> None:
        module.__spec__ = self._specs.pop(id(module))


if not any(isinstance(f, _MovedModules) for f in sys.meta_path):
    sys.meta_path.append(_MovedModules())


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs
    from . import export
    from .engine.run import PaintResult, paint
    from .image.io import load_image, save_png
    from .primitives.paths import PathSet
    from .primitives.strokes import StrokeSet
    from .render import render
    from .style.styles import Style, list_styles, load_style
    from .trace import trace
