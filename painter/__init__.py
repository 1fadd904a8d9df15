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
import sys
import types
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

#: public name -> module that defines it
_API = {
    "export": ".export",
    "load_image": ".io", "save_png": ".io",
    "PaintResult": ".paint", "paint": ".paint",
    "PathSet": ".paths",
    "render": ".render",
    "StrokeSet": ".strokes",
    "Style": ".styles", "list_styles": ".styles", "load_style": ".styles",
    "trace": ".trace",
}

__all__ = ["PaintResult", "PathSet", "StrokeSet", "Style", "export", "list_styles", "load_image", "load_style", "paint",
           "render", "save_png", "trace"]  # the names of _API, written out for tools that read them statically


def __getattr__(name: str) -> Any:
    if name not in _API:
        raise AttributeError(f"module 'painter' has no attribute {name!r}")
    module = importlib.import_module(_API[name], __name__)
    value = module if name == "export" else getattr(module, name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return [*__all__, "__version__"]


class _Package(types.ModuleType):
    """Keeps ``painter.paint``, ``painter.render`` and ``painter.trace`` the functions
    of the API: importing a submodule of the same name (which any module of the
    package may do first) sets the package attribute to the module, as it did in the
    eager days, when ``from .paint import paint`` then bound the function over it."""

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, types.ModuleType) and name != "export" and _API.get(name) == f".{name}":
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs
    from . import export
    from .io import load_image, save_png
    from .paint import PaintResult, paint
    from .paths import PathSet
    from .render import render
    from .strokes import StrokeSet
    from .styles import Style, list_styles, load_style
    from .trace import trace
