"""Writing art to files: :func:`export` picks the format from each path's extension,
:func:`draw` makes the picture at any size in its material, :func:`load_art` reads
a stroke or path file back."""
from __future__ import annotations

from pathlib import Path

import torch

from ..defaults import DEFAULT_QUALITY, FORMATS, check_output_path  # noqa: F401 (FORMATS: part of the face)
from ..image.io import fit_background, save_image
from ..materials import build, describe, draw as draw_finish, resolve
from ..primitives.paths import PathSet
from ..primitives.strokes import StrokeSet
from ..primitives.tensorset import PREVIEWERS
from ..render import render
from ..render.raster import background_image
from .prints import Layout, PrintSize
from .svg import save_svg
from .svgdoc import default_size, export_size, page_layout, provenance


def load_art(path: str | Path) -> StrokeSet | PathSet:
    """A stroke file (StrokeSet) or a path file (PathSet, from tracing), told apart by
    its ``format`` (which both write first). Raises their file errors."""
    with open(path, "rb") as f:
        head = f.read(256)
    return PathSet.load(path) if b'"painter.paths"' in head else StrokeSet.load(path)


#: the formats whose file is the finished picture
PICTURES = (".png", ".jpg", ".jpeg", ".webp")


def export(strokes: StrokeSet | PathSet, path: str | Path, size: int | PrintSize | None = None,
           image: torch.Tensor | None = None, background=None, material=None, quality: int = DEFAULT_QUALITY) -> None:
    """Write ``strokes`` (a StrokeSet, or a PathSet of traced art) to ``path`` in the
    format its extension names (:data:`FORMATS`). GIF/MP4 of a PathSet show the
    paths one after another.

    ``size``: the longer side in pixels, or a print size
    (:class:`painter.export.prints.PrintSize`, from :func:`painter.export.prints.parse_size`:
    ``a3``, ``30cm`` at a dpi); default: the output size the painting recorded, else
    the size it was painted at.
    ``image``: an already rendered [3,H,W] picture of that size to save (flat).
    ``material``: what the strokes are made of (a name such as ``"oil"``, or a
    :class:`painter.materials.Material`; default: the painting's own, which its style
    gave it, else flat), in every picture, the SVG and PDF and every frame of an
    animation; a stroke file (JSON) records the one given. Traced art is always flat.
    ``quality``: JPEG and WebP, 1 to 100. Every picture, SVG and PDF records what
    made it (:func:`painter.export.svgdoc.provenance`).
    """
    ext = check_output_path(path)
    if ext in PICTURES or ext == ".pdf":
        export_all(strokes, [path], size, image, background, material, quality)
        return
    given, material = material, resolve(material, strokes)
    if ext == ".json":
        if given is not None and isinstance(strokes, StrokeSet):
            strokes = strokes._replace(meta={**strokes.meta, "material": describe(material)})
        strokes.save(path)
    elif ext == ".svg":
        save_svg(strokes, path, size, background, material=material)
    else:
        from .animate import save_gif, save_mp4

        (save_gif if ext == ".gif" else save_mp4)(strokes, path, size=size, background=background,
                                                  material=material)


def export_all(art: StrokeSet | PathSet, paths, size: int | PrintSize | None = None, image: torch.Tensor | None = None,
               background=None, material=None, quality: int = DEFAULT_QUALITY) -> None:
    """:func:`export` of ``art`` to each of ``paths``, with the same options; the
    picture that PNG, JPEG, WebP and a material's PDF hold is drawn once for all."""
    material = resolve(material, art)
    lay = page_layout(art, size)
    flat_given = image is not None and material.name == "flat" and tuple(image.shape[1:]) == (lay.height, lay.width)
    picture = image if flat_given else None
    for path in paths:
        ext = check_output_path(path)
        needs = ext in PICTURES or (ext == ".pdf" and isinstance(art, StrokeSet) and material.name != "flat")
        if needs and picture is None:
            picture = finished(art, lay, background, material)
        if ext == ".pdf":
            from .pdf import save_pdf

            save_pdf(art, path, size, background, material, picture if needs else None)
        elif ext in PICTURES:
            save_image(picture_on_page(picture, lay), path, quality, lay.dpi, provenance(art))
        else:
            export(art, path, size, None, background, material, quality)


def finished(art: StrokeSet | PathSet, lay: Layout, background, material) -> torch.Tensor:
    """The picture of ``art`` at ``lay``'s size in ``material``, on ``background``
    fitted to it: what PNG, JPEG, WebP and a material's PDF hold."""
    return draw(art, lay.height, lay.width, fit_background(background, lay.height, lay.width), material)


def picture_on_page(image: torch.Tensor, lay: Layout) -> torch.Tensor:
    """The picture ``image`` [3,h,w] where ``lay`` puts it: on a white page where it
    has margins, else itself (:func:`painter.export.svgdoc.on_page` does it for SVG)."""
    if not lay.margins:
        return image
    page = torch.ones(3, lay.page_height, lay.page_width, dtype=image.dtype, device=image.device)
    page[:, lay.top:lay.top + lay.height, lay.left:lay.left + lay.width] = image
    return page


#: the longer side of a notebook's picture of a painting (at most its own size)
PREVIEW_SIZE = 512


def preview_png(art: StrokeSet | PathSet, size: int = PREVIEW_SIZE) -> bytes:
    """``art`` drawn in its material as PNG bytes, its longer side ``size`` at most
    (its own output size where smaller): what a notebook shows for a StrokeSet, a
    PathSet or a PaintResult."""
    from ..image.io import png_bytes

    h, w = export_size(art, min(size, default_size(art)))
    return png_bytes(draw(art.to("cpu"), h, w))


PREVIEWERS["png"] = preview_png


def draw(strokes: StrokeSet | PathSet, height: int, width: int, background=None, material=None) -> torch.Tensor:
    """The [3,H,W] picture of ``strokes`` in ``material`` (default: their own, see
    :func:`export`; traced art and flat strokes: :func:`painter.render`)."""
    material = resolve(material, strokes)
    with torch.no_grad():
        if isinstance(strokes, PathSet) or material.name == "flat":
            return render(strokes, height, width, background=background)
        bg = background_image(background, strokes.background, height, width, "cpu", torch.float32)
        return draw_finish(build(strokes, material, height, width), bg)
