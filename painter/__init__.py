"""painter: photos into art made of real vector brushstrokes."""
from .render import render
from .strokes import StrokeSet

__all__ = ["StrokeSet", "render"]
__version__ = "0.1.0"
