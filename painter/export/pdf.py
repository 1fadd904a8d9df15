"""PDF export: the painting as vector paths, through cairo (CairoSVG draws painter's
own SVG onto a PDF surface).

Chosen by measurement, on the main job's painting (van_gogh, rocket at 2048 px, drawn
flat; Poppler's pdftoppm against painter's PNG): CairoSVG 2.1 s, 3.8 MB, 46.4 dB;
svglib and ReportLab 3.8 s, 4.5 MB, 29.0 dB. pycairo would draw through the same
cairo, but from a second copy of the SVG writer's geometry.

- Flat strokes and traced paths are vector paths only: the SVG's outlines and
  Béziers become PDF path operators, sharp at any print size, editable in Inkscape
  or Illustrator.
- A material's look comes from SVG filters (relief light, bristle noise, paper),
  which cairo does not draw. Its picture, drawn by painter at the output's
  resolution, goes in as one image above the vector strokes, which stay beneath it
  for editing and cutting: the PDF then prints what the PNG shows.
- A print size (``a3``, ``30cm`` at a dpi) gives the page in millimetres (a paper's
  margins white); a size in pixels gives a page of that many CSS pixels (96 per inch).
"""
from __future__ import annotations

import io
from pathlib import Path

import torch

from ..image.io import atomic_write_bytes
from ..materials import resolve
from ..primitives.paths import PathSet
from ..primitives.strokes import StrokeSet
from .prints import Layout, PrintSize
from .svg import to_svg
from .svgdoc import on_page, page_layout, png_href, provenance


def save_pdf(art: StrokeSet | PathSet, path: str | Path, size: int | PrintSize | None = None, background=None,
             material=None, picture: torch.Tensor | None = None) -> None:
    """Write ``art`` to ``path`` as a PDF, atomically (see the module's description)."""
    atomic_write_bytes(path, to_pdf(art, size, background, material, picture))


def to_pdf(art: StrokeSet | PathSet, size: int | PrintSize | None = None, background=None, material=None,
           picture: torch.Tensor | None = None) -> bytes:
    """The PDF of ``art`` at ``size`` (a longer side in pixels or a print size;
    default: its own output size) in ``material`` (default: its own), its title,
    subject and creator saying what made it. ``picture``: the material's picture at
    that size where it is drawn already (:func:`painter.export.draw`)."""
    lay = page_layout(art, size)
    material = resolve(material, art)
    svg = to_svg(art, lay.height, lay.width, background, material="flat")
    if isinstance(art, StrokeSet) and material.name != "flat":
        if picture is None:
            from .files import finished

            picture = finished(art, lay, background, material)
        svg = svg[:svg.rindex("</svg>")] + _image_element(picture, lay) + "</svg>"
    return _cairo_pdf(on_page(svg, lay), provenance(art))


def _cairo_pdf(svg: str, info: dict[str, str]) -> bytes:
    """The PDF CairoSVG draws of ``svg``, with ``info``'s title, description and
    software as the document's title, subject and creator."""
    import cairocffi
    from cairosvg.parser import Tree
    from cairosvg.surface import PDFSurface

    out = io.BytesIO()
    surface = PDFSurface(Tree(bytestring=svg.encode("utf-8")), out, 96)
    for key, field in ((cairocffi.PDF_METADATA_TITLE, "title"), (cairocffi.PDF_METADATA_SUBJECT, "description"),
                       (cairocffi.PDF_METADATA_CREATOR, "software")):
        surface.cairo.set_metadata(key, info[field])
    surface.finish()
    return out.getvalue()


def _image_element(picture: torch.Tensor, lay: Layout) -> str:
    """An SVG ``<image>`` of ``picture`` (PNG) over the picture's area."""
    href = png_href(picture)
    return (f'<image id="material" x="0" y="0" width="{lay.width}" height="{lay.height}" '
            f'preserveAspectRatio="none" xlink:href="{href}" href="{href}"/>')
