"""Defaults and output formats shared by the command line and the API.

This module imports nothing heavy (no torch), so that ``painter --help`` can show
every default at once; :mod:`painter.engine.run` and :mod:`painter.export` use the same
values from here.
"""
from __future__ import annotations

from pathlib import Path

#: painter's version (the package's, and what every output records)
__version__ = "0.1.0"

#: strokes of the plain style ('none') at the default working size
DEFAULT_STROKES = 500
#: optimization steps over all layers and the final polish
DEFAULT_STEPS = 240
#: working size: the longer side in pixels that the optimizer sees (the API's default;
#: the command line's follows the output: see working_size)
DEFAULT_SIZE = 256
#: the command line paints at a quarter of the output's longer side, within these
WORK_SIZE_RANGE = (256, 512)

#: default longer side of a painting's outputs: the photo's own, at most this
MAX_OUTPUT_SIZE = 2048
#: ... and of its animations (GIF/MP4 frames), which are drawn once per frame
MAX_ANIMATION_SIZE = 1024
#: JPEG and WebP quality when none is asked for (1 to 100)
DEFAULT_QUALITY = 92

#: seconds a studio client has to send a request's headers (painter studio --request-timeout)
STUDIO_REQUEST_SECONDS = 10.0
#: the studio's open connections and open event streams at once (a browser tab holds at most six)
STUDIO_MAX_CONNECTIONS, STUDIO_MAX_STREAMS = 256, 128
#: the largest photo a studio job takes (pixels)
STUDIO_MAX_PIXELS = 50_000_000

#: extension -> what it writes
FORMATS = {".svg": "SVG vector image", ".pdf": "PDF vector document (print)", ".png": "PNG raster image",
           ".jpg": "JPEG raster image", ".jpeg": "JPEG raster image", ".webp": "WebP raster image",
           ".json": "stroke or path file (JSON)", ".gif": "stroke-by-stroke animation (GIF)",
           ".mp4": "stroke-by-stroke animation (MP4 video)"}


def check_output_path(path: str | Path) -> str:
    """Return the format of ``path`` from its extension, or raise ValueError."""
    ext = Path(path).suffix.lower()
    if ext not in FORMATS:
        known = ", ".join(sorted(FORMATS))
        raise ValueError(f"{path}: unknown output format {ext or '(no extension)'!r}; use one of {known}")
    return ext


def working_size(output_longer: int, least: int = 0) -> int:
    """The working size for an output whose longer side is ``output_longer`` px: a
    quarter of it within :data:`WORK_SIZE_RANGE`, at least ``least`` (a style whose
    brushwork needs the pixels), never more than the output (a 2048 px photo is
    painted at 512 px, its strokes drawn sharp at four times that)."""
    lo, hi = WORK_SIZE_RANGE
    return min(output_longer, max(lo, least, min(hi, output_longer // 4)))


def run_sizes(photo_longer: int, size: int | None = None, style_size: int = 0,
              output_size: int | None = None) -> tuple[int, int]:
    """(output size, working size) of a painting of a photo whose longer side is
    ``photo_longer``: the output the photo's own size, at most :data:`MAX_OUTPUT_SIZE`,
    unless ``output_size`` is given; the working size ``size`` if given, else
    :func:`working_size` of that output, at least the style's ``style_size``. What
    ``painter paint``, the studio and batch runs paint at."""
    out = output_size or min(photo_longer, MAX_OUTPUT_SIZE)
    return out, size or working_size(out, style_size)
