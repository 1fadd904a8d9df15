"""Stroke-by-stroke animation: the painting appears in paint order, layer by layer
(a PathSet of traced art: path by path, ``render(paths[:k])``).

Frame 0 is the empty canvas (the background), the last frame the finished painting,
held for ``hold`` seconds. GIFs share one palette taken from the finished painting
(no dithering, so unchanged pixels stay identical between frames); in every frame
after the first, unchanged pixels are transparent, so a frame costs about what its
new strokes cost.
"""
from __future__ import annotations

import io
import math
from pathlib import Path
from typing import Iterator

import numpy as np
import torch
from PIL import Image

from ..defaults import MAX_ANIMATION_SIZE
from ..image.io import atomic_output, atomic_write_bytes, fit_background, to_uint8
from ..materials import build, resolve
from ..materials.finish import draw_growing
from ..primitives.paths import PathSet
from ..primitives.strokes import StrokeSet
from ..render import render
from ..render.raster import background_image
from .svgdoc import default_size, export_size

DEFAULT_FPS = 12
DEFAULT_SECONDS = 4.0
DEFAULT_HOLD = 1.5
TRANSPARENT = 255  # palette index of "unchanged since the previous frame" (254 colours + background use 0..254)


def frame_counts(n_strokes: int, frames: int | None = None, strokes_per_frame: int | None = None) -> list[int]:
    """How many strokes each frame shows: 0 first, ``n_strokes`` last, increasing.

    Give either the number of ``frames`` or ``strokes_per_frame``.
    """
    if strokes_per_frame is not None:
        if strokes_per_frame < 1:
            raise ValueError("strokes per frame must be >= 1")
        counts = list(range(0, n_strokes, strokes_per_frame)) + [n_strokes]
    else:
        frames = max(2, int(frames if frames is not None else DEFAULT_FPS * DEFAULT_SECONDS))
        counts = [round(n_strokes * i / (frames - 1)) for i in range(frames)]
    out = [0]
    for c in counts[1:]:
        if c > out[-1]:
            out.append(c)
    if out[-1] != n_strokes:
        out.append(n_strokes)
    return out


def frame_size(strokes: StrokeSet | PathSet, size: int | None) -> tuple[int, int]:
    """(height, width) of an animation's frames: ``size`` as the longer side where
    given, else the painting's own output size (:func:`painter.export.svgdoc.default_size`)
    at most :data:`painter.defaults.MAX_ANIMATION_SIZE`, as every frame is drawn."""
    return export_size(strokes, size if size is not None else min(MAX_ANIMATION_SIZE, default_size(strokes)))


def frames(strokes: StrokeSet | PathSet, counts: list[int], size: int | None = None,
           background=None, material=None) -> Iterator[torch.Tensor]:
    """The frames ([3,H,W] tensors) showing the first ``c`` strokes for each ``c``,
    in ``material`` (default: the painting's own; see :mod:`painter.materials`: each
    frame carries the material of the strokes painted so far), at :func:`frame_size`."""
    h, w = frame_size(strokes, size)
    background = fit_background(background, h, w)
    material = resolve(material, strokes)
    with torch.no_grad():
        if isinstance(strokes, PathSet) or material.name == "flat":
            for c in counts:
                yield render(strokes[:c], h, w, background=background)
            return
        finish = build(strokes, material, h, w)
        bg = background_image(background, strokes.background, h, w, "cpu", torch.float32)
        yield from draw_growing(finish, bg, counts)


def _schedule(n_strokes: int, fps: float, seconds: float | None, strokes_per_frame: int | None) -> list[int]:
    """Strokes per frame for ``seconds`` of painting at ``fps`` (or ``strokes_per_frame``)."""
    if fps <= 0:
        raise ValueError("fps must be > 0")
    n_frames = None if strokes_per_frame is not None else max(2, math.ceil(fps * (seconds or DEFAULT_SECONDS)) + 1)
    return frame_counts(n_strokes, n_frames, strokes_per_frame)


def gif_bytes(strokes: StrokeSet | PathSet, *, size: int | None = None, fps: float = DEFAULT_FPS,
              seconds: float | None = DEFAULT_SECONDS, strokes_per_frame: int | None = None,
              hold: float = DEFAULT_HOLD, loop: int = 0, background=None, material=None) -> bytes:
    """An animated GIF of ``strokes`` being painted (see module docstring)."""
    counts = _schedule(len(strokes), fps, seconds, strokes_per_frame)
    rgb = [to_uint8(f) for f in frames(strokes, counts, size, background, material)]
    # one palette for all frames: the finished painting's colours plus the exact background
    final = Image.fromarray(rgb[-1]).quantize(colors=254, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    colours = np.asarray(final.getpalette()[: 3 * 254], dtype=np.uint8).reshape(-1, 3)
    colours = np.concatenate([colours, rgb[0][:1, 0]])
    pal = torch.from_numpy(colours).float()
    flat_palette = colours.reshape(-1).tolist() + [0] * (768 - colours.size)
    pal_frames, prev, prev_rgb = [], None, None
    for arr in rgb:  # exact nearest palette colour (Pillow's own mapping is approximate) ...
        pixels = torch.from_numpy(arr).reshape(-1, 3)
        if prev is None:
            idx = torch.cdist(pixels.float(), pal).argmin(1).to(torch.uint8)
        else:  # ... of the pixels whose colour changed (the others keep theirs)
            changed = (pixels != prev_rgb).any(1)
            idx = prev.clone()
            idx[changed] = torch.cdist(pixels[changed].float(), pal).argmin(1).to(torch.uint8)
        current, prev_rgb = idx.clone(), pixels
        if prev is not None:  # pixels that did not change are transparent: they keep the last frame's
            idx[idx == prev] = TRANSPARENT
        prev = current
        im = Image.frombytes("P", (arr.shape[1], arr.shape[0]), idx.numpy().tobytes())
        im.putpalette(flat_palette)
        pal_frames.append(im)
    step_ms = max(20, round(1000 / fps))
    durations = [step_ms] * (len(pal_frames) - 1) + [max(step_ms, round(1000 * hold))]
    buf = io.BytesIO()
    pal_frames[0].save(buf, format="GIF", save_all=True, append_images=pal_frames[1:], duration=durations,
                       loop=loop, disposal=1, optimize=False, transparency=TRANSPARENT)
    return buf.getvalue()


def save_gif(strokes: StrokeSet | PathSet, path: str | Path, **kw) -> None:
    """Write :func:`gif_bytes` to ``path`` atomically."""
    atomic_write_bytes(path, gif_bytes(strokes, **kw))


def save_mp4(strokes: StrokeSet | PathSet, path: str | Path, *, size: int | None = None, fps: float = DEFAULT_FPS,
             seconds: float | None = DEFAULT_SECONDS, strokes_per_frame: int | None = None,
             hold: float = DEFAULT_HOLD, background=None, material=None) -> None:
    """An H.264 MP4 of ``strokes`` being painted, through imageio-ffmpeg (its wheel
    ships ffmpeg); written atomically like every output."""
    import imageio_ffmpeg

    counts = _schedule(len(strokes), fps, seconds, strokes_per_frame)
    counts += [counts[-1]] * max(0, round(hold * fps) - 1)  # hold the finished painting
    h, w = frame_size(strokes, size)
    he, we = h + h % 2, w + w % 2  # H.264 with yuv420p needs even sides
    with atomic_output(path) as tmp:
        writer = imageio_ffmpeg.write_frames(tmp, (we, he), fps=fps, codec="libx264", pix_fmt_out="yuv420p",
                                             macro_block_size=1, quality=8, ffmpeg_log_level="error",
                                             output_params=["-f", "mp4"])
        writer.send(None)
        for f in frames(strokes, counts, size, background, material):
            arr = to_uint8(f)
            if (he, we) != (h, w):
                arr = np.pad(arr, ((0, he - h), (0, we - w), (0, 0)), mode="edge")
            writer.send(np.ascontiguousarray(arr))
        writer.close()


def gif_frames(path: str | Path) -> list[np.ndarray]:
    """The frames of a GIF as RGB arrays (for tests and tools)."""
    out = []
    with Image.open(path) as im:
        for i in range(getattr(im, "n_frames", 1)):
            im.seek(i)
            out.append(np.asarray(im.convert("RGB")))
    return out
