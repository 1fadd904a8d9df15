"""painter: photos into art made of real vector brushstrokes.

    import painter
    result = painter.paint("photo.jpg", strokes=500)      # optimize strokes
    result.strokes.save("painting.json")                 # resolution-independent
    img = painter.render(result.strokes, 1024, 1024)     # [3,H,W] tensor, differentiable
    painter.export.export(result.strokes, "painting.svg")
    art = painter.trace("logo.png", colors=8)            # PathSet: Potrace, stacked colours
    painter.export.export(art, "logo.svg")
"""
from . import export
from .io import load_image, save_png
from .paint import PaintResult, paint
from .paths import PathSet
from .render import render
from .strokes import StrokeSet
from .styles import Style, list_styles, load_style
from .trace import trace

__all__ = ["PaintResult", "PathSet", "StrokeSet", "Style", "export", "list_styles", "load_image", "load_style", "paint",
           "render", "save_png", "trace"]
__version__ = "0.1.0"
