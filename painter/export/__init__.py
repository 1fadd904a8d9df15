"""Exporters: each output format follows the extension of the path it is written to.

- :mod:`.files`: :func:`export` (strokes or paths to ``.svg``, ``.pdf``, ``.png``,
  ``.jpg``, ``.webp``, ``.json``, ``.gif``, ``.mp4``; :func:`export_all` to several
  files, the picture drawn once), :func:`draw` (a picture at any
  size, in its material), the notebook's picture of a set (``_repr_png_``);
- :mod:`.svg`: the SVG writer, with each material's filters;
- :mod:`.pdf`: the PDF writer (CairoSVG: vector paths, a material as one image above);
- :mod:`.prints`: print sizes (``a3``, ``30cm`` at a dpi) and where a picture lies on
  its page;
- :mod:`.svgdoc`: what every SVG shares (numbers, colours, the document and its
  background) and the writer of traced paths, without torch (``painter trace``
  writes its SVG from numpy arrays);
- :mod:`.animate`: stroke-by-stroke GIF, MP4 and self-drawing SVG;
- :mod:`.sheet`: pictures side by side (``painter styles --sheet``).

May import (torch only outside :mod:`.svgdoc` and :mod:`.prints`): :mod:`painter.materials`, :mod:`painter.render`,
:mod:`painter.primitives`, :mod:`painter.image`, :mod:`painter.defaults`.
"""
from __future__ import annotations

from .._lazy import lazy_face

_API = {"FORMATS": ".files", "check_output_path": ".files", "draw": ".files", "export": ".files",
        "export_all": ".files",
        "load_art": ".files", "export_size": ".svgdoc", "save_svg": ".svg", "to_svg": ".svg"}
__all__ = sorted(_API)
__getattr__, __dir__ = lazy_face(__name__, _API)
