"""Exporters: each output format follows the extension of the path it is written to."""
from __future__ import annotations

from pathlib import Path

import torch

from ..defaults import FORMATS, check_output_path
from ..io import fit_background, save_png
from ..paths import PathSet
from ..render import render
from ..strokes import StrokeSet
from .svg import export_size, save_svg, to_svg

__all__ = ["FORMATS", "check_output_path", "export", "export_size", "save_svg", "to_svg"]


def export(strokes: StrokeSet | PathSet, path: str | Path, size: int | None = None,
           image: torch.Tensor | None = None, background=None) -> None:
    """Write ``strokes`` (a StrokeSet, or a PathSet of traced art) to ``path`` in the
    format its extension names. GIF/MP4 of a PathSet show the paths one after another.

    ``size``: longer side in pixels for SVG/PNG (default: the painting's working size).
    ``image``: an already rendered [3,H,W] picture of that size to save as PNG.
    """
    ext = check_output_path(path)
    if ext == ".json":
        strokes.save(path)
    elif ext == ".svg":
        save_svg(strokes, path, size, background)
    elif ext in (".gif", ".mp4"):
        from .animate import save_gif, save_mp4

        (save_gif if ext == ".gif" else save_mp4)(strokes, path, size=size, background=background)
    elif ext == ".png":
        if image is None:
            h, w = export_size(strokes, size)
            with torch.no_grad():
                image = render(strokes, h, w, background=fit_background(background, h, w))
        save_png(image, path)
