"""Print sizes: an output's size said as a paper (``a3``, ``letter``) or a length of its
longer side (``30cm``, ``12in``, ``297mm``) at a resolution in dots per inch, and where
the picture lies on the page.

A length sizes the picture itself. A paper is the whole page: the picture is fitted
into it (turned the paper's way to match the picture: landscape for a wide one),
centred, with white margins, as a photo is printed on paper of another shape. SVG and
PDF then say the size in millimetres, PNG and JPEG record the dpi.

Without torch: the command line parses sizes with it before anything is painted.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

#: dots per inch when a print size is given without one
DEFAULT_DPI = 300.0
#: millimetres per inch
MM_PER_INCH = 25.4
#: papers: (short side, long side) in millimetres
PAPERS = {"a0": (841.0, 1189.0), "a1": (594.0, 841.0), "a2": (420.0, 594.0), "a3": (297.0, 420.0),
          "a4": (210.0, 297.0), "a5": (148.0, 210.0), "a6": (105.0, 148.0),
          "letter": (215.9, 279.4), "legal": (215.9, 355.6), "tabloid": (279.4, 431.8)}
#: units of a length: millimetres in each
UNITS = {"mm": 1.0, "cm": 10.0, "in": MM_PER_INCH}
#: the largest side in pixels any output may have
MAX_PIXELS_SIDE = 16384


@dataclass(frozen=True)
class PrintSize:
    """A physical output size: a ``paper`` (short, long mm) or the picture's
    ``longer_mm``, at ``dpi``; ``text`` as the user wrote it."""

    dpi: float
    longer_mm: float | None = None
    paper: tuple[float, float] | None = None
    text: str = ""

    def page_mm(self, height: float, width: float) -> tuple[float, float]:
        """(width, height) of the page in mm for a picture of that shape."""
        if self.paper is None:
            m = max(height, width)
            return self.longer_mm * width / m, self.longer_mm * height / m
        short, long = self.paper
        return (long, short) if width > height else (short, long)

    def pixels(self, mm: float) -> int:
        """``mm`` at this size's dpi, in whole pixels (at least 1)."""
        return max(1, round(mm / MM_PER_INCH * self.dpi))


@dataclass(frozen=True)
class Layout:
    """Where an output's picture goes: ``height`` x ``width`` px at (``top``, ``left``)
    on a page ``page_height`` x ``page_width`` px; ``dpi`` and ``page_mm`` (width,
    height) where the size is physical, else None."""

    height: int
    width: int
    page_height: int
    page_width: int
    top: int = 0
    left: int = 0
    dpi: float | None = None
    page_mm: tuple[float, float] | None = None

    @property
    def margins(self) -> bool:
        """Whether the page is larger than the picture (a paper size)."""
        return (self.page_height, self.page_width) != (self.height, self.width)


def parse_size(text: str | int, dpi: float | None = None) -> int | PrintSize:
    """An output size as written: pixels (``2048``), or a print size (``a3``, ``30cm``,
    ``12in``, ``297mm``) at ``dpi`` (default :data:`DEFAULT_DPI`). Pixels with a ``dpi``
    are a print size too: that many pixels at that resolution. Raises ValueError with
    a one-line message for anything else."""
    s = str(text).strip().lower().replace(" ", "")
    if dpi is not None and not 1 <= dpi <= 10000:
        raise ValueError(f"dpi {dpi:g} is not between 1 and 10000")
    if re.fullmatch(r"\d+(px)?", s):
        px = int(s.removesuffix("px"))
        if not 1 <= px <= MAX_PIXELS_SIDE:
            raise ValueError(f"{text}: a size in pixels is 1 to {MAX_PIXELS_SIDE}")
        return px if dpi is None else PrintSize(dpi, longer_mm=px / dpi * MM_PER_INCH, text=s)
    size = None
    if s in PAPERS:
        size = PrintSize(dpi or DEFAULT_DPI, paper=PAPERS[s], text=s)
    else:
        m = re.fullmatch(r"(\d+(?:\.\d+)?)(mm|cm|in)", s)
        if m is not None and float(m.group(1)) > 0:
            size = PrintSize(dpi or DEFAULT_DPI, longer_mm=float(m.group(1)) * UNITS[m.group(2)], text=s)
    if size is None:
        raise ValueError(f"{text!r} is not a size: give pixels (2048), a length of the longer side "
                         f"(30cm, 12in, 297mm) or a paper ({', '.join(PAPERS)})")
    w, h = size.page_mm(1.0, 1.0)
    if size.pixels(max(w, h)) > MAX_PIXELS_SIDE:
        raise ValueError(f"{text} at {size.dpi:g} dpi is over {MAX_PIXELS_SIDE} px; ask for fewer dpi")
    return size


def layout(canvas: tuple[float, float], size: int | PrintSize) -> Layout:
    """The :class:`Layout` of a picture whose canvas is ``canvas`` (width, height, any
    unit) at ``size``: a longer side in pixels, or a print size."""
    cw, ch = canvas
    m = max(cw, ch)
    if not isinstance(size, PrintSize):
        h, w = max(1, round(size * ch / m)), max(1, round(size * cw / m))
        return Layout(h, w, h, w)
    pw_mm, ph_mm = size.page_mm(ch, cw)
    pw, ph = size.pixels(pw_mm), size.pixels(ph_mm)
    if size.paper is None:
        return Layout(ph, pw, ph, pw, dpi=size.dpi, page_mm=(pw_mm, ph_mm))
    scale = min(pw / cw, ph / ch)
    w, h = max(1, min(pw, round(cw * scale))), max(1, min(ph, round(ch * scale)))
    return Layout(h, w, ph, pw, (ph - h) // 2, (pw - w) // 2, size.dpi, (pw_mm, ph_mm))


def picture_longer(canvas: tuple[float, float], size: int | PrintSize) -> int:
    """The longer side in pixels of the picture (not the page) at ``size``."""
    lay = layout(canvas, size)
    return max(lay.height, lay.width)
