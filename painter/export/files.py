"""Writing art to files: :func:`export` picks the format from each path's extension,
:func:`draw` makes the picture at any size in its material, :func:`load_art` reads
a stroke or path file back."""
from __future__ import annotations

from pathlib import Path

import torch

from ..defaults import FORMATS, check_output_path  # noqa: F401 (FORMATS: part of the face)
from ..image.io import fit_background, save_png
from ..materials import build, describe, draw as draw_finish, resolve
from ..primitives.paths import PathSet
from ..primitives.strokes import StrokeSet
from ..render import render
from ..render.raster import background_image
from .svg import export_size, save_svg


def load_art(path: str | Path) -> StrokeSet | PathSet:
    """A stroke file (StrokeSet) or a path file (PathSet, from tracing), told apart by
    its ``format`` (which both write first). Raises their file errors."""
    with open(path, "rb") as f:
        head = f.read(256)
    return PathSet.load(path) if b'"painter.paths"' in head else StrokeSet.load(path)


def export(strokes: StrokeSet | PathSet, path: str | Path, size: int | None = None,
           image: torch.Tensor | None = None, background=None, material=None) -> None:
    """Write ``strokes`` (a StrokeSet, or a PathSet of traced art) to ``path`` in the
    format its extension names. GIF/MP4 of a PathSet show the paths one after another.

    ``size``: longer side in pixels for SVG/PNG (default: the painting's working size).
    ``image``: an already rendered [3,H,W] picture of that size to save as PNG (flat).
    ``material``: what the strokes are made of (a name such as ``"oil"``, or a
    :class:`painter.materials.Material`; default: the painting's own, which its style
    gave it, else flat), in the PNG, the SVG and every frame of an animation; a
    stroke file (JSON) records the one given. Traced art is always flat.
    """
    ext = check_output_path(path)
    given, material = material, resolve(material, strokes)
    if ext == ".json":
        if given is not None and isinstance(strokes, StrokeSet):
            strokes = strokes._replace(meta={**strokes.meta, "material": describe(material)})
        strokes.save(path)
    elif ext == ".svg":
        save_svg(strokes, path, size, background, material=material)
    elif ext in (".gif", ".mp4"):
        from .animate import save_gif, save_mp4

        (save_gif if ext == ".gif" else save_mp4)(strokes, path, size=size, background=background,
                                                  material=material)
    elif ext == ".png":
        if image is None or material.name != "flat":
            h, w = export_size(strokes, size)
            image = draw(strokes, h, w, fit_background(background, h, w), material)
        save_png(image, path)


def draw(strokes: StrokeSet | PathSet, height: int, width: int, background=None, material=None) -> torch.Tensor:
    """The [3,H,W] picture of ``strokes`` in ``material`` (default: their own, see
    :func:`export`; traced art and flat strokes: :func:`painter.render`)."""
    material = resolve(material, strokes)
    with torch.no_grad():
        if isinstance(strokes, PathSet) or material.name == "flat":
            return render(strokes, height, width, background=background)
        bg = background_image(background, strokes.background, height, width, "cpu", torch.float32)
        return draw_finish(build(strokes, material, height, width), bg)
