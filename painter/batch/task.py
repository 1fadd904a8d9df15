"""One image of a batch, from bytes to bytes: what a worker process (or a Ray task)
runs. It reads and writes no file the driver sees: the image's bytes come in, the
outputs' bytes go back, and the driver writes them (atomically), so a worker needs no
shared file system and a killed worker leaves nothing half-written."""
from __future__ import annotations

import tempfile
import time
from pathlib import Path

from ..defaults import MAX_ANIMATION_SIZE


class TaskError(Exception):
    """An image that cannot be painted: the message is one line for the user."""


def paint_bytes(data: bytes, name: str, formats: tuple[str, ...], options: dict) -> dict:
    """Paint the image ``data`` (its file's bytes; ``name`` for messages and the
    stroke file's meta) with ``options`` (painter.paint's: style, strokes, size,
    steps, seed; and material) and return ``{"outputs": {fmt: bytes}, "seconds": s,
    "strokes": n}``. A bad image raises TaskError with its one-line reason."""
    from ..defaults import run_sizes
    from ..engine.detail import least_size
    from ..engine.run import paint
    from ..export import export
    from ..image.io import InputError, load_image
    from ..style.presets import StyleError
    from ..style.styles import load_style

    start = time.perf_counter()
    opts = dict(options)
    mat = opts.pop("material", None)
    with tempfile.TemporaryDirectory(prefix="painter-batch-") as tmp:
        src = Path(tmp) / ("input" + Path(name).suffix.lower())
        src.write_bytes(data)
        try:
            image = load_image(src)
        except InputError as e:
            raise TaskError(str(e).replace(f"{src}: ", "").replace(str(src), name)) from None
        try:
            st = load_style(opts.pop("style", "none"))
        except StyleError as e:
            raise TaskError(str(e)) from None
        out_size, size = run_sizes(max(image.shape[1:]), opts.pop("size", None), least_size(image, st.size))
        result = paint(image, style=st, size=size, device="cpu", notice=lambda m: None, **opts)
        result.strokes.meta["input"] = Path(name).name
        result.strokes.meta["output_size"] = out_size
        if mat:
            from ..materials import describe, material

            result.strokes.meta["material"] = describe(material(mat))
        outputs = {}
        for fmt in formats:
            path = Path(tmp) / f"out.{fmt}"
            px = min(out_size, MAX_ANIMATION_SIZE) if fmt in ("gif", "mp4") else out_size
            export(result.strokes, path, size=px)
            outputs[fmt] = path.read_bytes()
    return {"outputs": outputs, "seconds": time.perf_counter() - start, "strokes": len(result.strokes)}
