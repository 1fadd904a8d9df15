"""One studio job, in its own process: paint (or trace) the job folder's ``input``
and write its results there, reporting progress over a pipe.

Reports are dicts of :class:`painter.studio.jobs.Job` fields (``stage``, ``step``,
``steps``, ``loss``, ``eta``, ``preview``), and a last one with ``state`` done or
failed. SIGTERM (a cancel, or the studio stopping) ends the step under way, saves
the checkpoint and exits without a final report; so does the studio process dying
under the worker, noticed at the next step. The next run of the job resumes from
the checkpoint.
"""
from __future__ import annotations

import errno
import json
import os
import signal
import time
from pathlib import Path

#: a preview of the canvas at most this often (seconds), and a checkpoint every this many steps
PREVIEW_EVERY, CHECKPOINT_EVERY = 0.5, 20
#: a progress report at most this often (seconds): every open page gets each one
PROGRESS_EVERY = 0.1


def run_job(folder: str, pipe, threads: int = 1, memory: int | None = None) -> None:
    """The worker process's entry point. ``memory``: the bytes of data it may hold
    (RLIMIT_DATA; None: no limit)."""
    if hasattr(os, "nice"):
        os.nice(5)  # the server, in the parent, answers first (it has to stay quick while jobs paint)
    if memory:
        import resource  # POSIX

        resource.setrlimit(resource.RLIMIT_DATA, (memory, memory))
    import torch

    torch.set_num_threads(threads)
    d = Path(folder)
    send = _sender(pipe)
    try:
        job = json.loads((d / "job.json").read_text(encoding="utf-8"))
        if job["mode"] == "trace":
            _trace(d, job["options"], send)
        elif job["mode"] == "styles":
            _thumbnails(d, send)
        else:
            _paint(d, job["options"], send)
    except _Stopped:
        return  # checkpointed: the studio decides what the job is now
    except Exception as e:  # noqa: BLE001 - any failure of this job is this job's, in one line
        for partial in d.glob("result.*"):  # no half-written result is left to be listed
            partial.unlink(missing_ok=True)
        send({"state": "failed", "error": failure(e, d, memory)})
        return
    send({"state": "done", "stage": "done", "eta": 0.0})


#: how torch, OpenCV and the C library say that an allocation failed
OUT_OF_MEMORY = ("can't allocate memory", "Insufficient memory", "not enough memory", "Cannot allocate memory")


def failure(e: BaseException, folder: Path, memory: int | None) -> str:
    """The one line a failed job shows: what went wrong, in the user's terms."""
    from .limits import show_bytes

    text = str(e).splitlines()[0] if str(e) else type(e).__name__
    if not folder.is_dir():
        return "the job's folder was removed while it ran (was the studio's data folder deleted?)"
    if any(isinstance(c, OSError) and c.errno in (errno.ENOSPC, errno.EDQUOT) for c in _chain(e)):
        return "the disk is full: no room left in the studio's data folder to write this job's files"
    if any(isinstance(c, MemoryError) or any(w in str(c) for w in OUT_OF_MEMORY) for c in _chain(e)):
        limit = f"the worker's limit of {show_bytes(memory)}" if memory else "the memory this machine has"
        return (f"out of memory: this painting needs more than {limit}; paint it smaller (size), or start "
                "the studio with more --worker-memory")
    return text[:300]


def _chain(e: BaseException | None):
    """``e`` and the exceptions it was raised from or during."""
    seen = set()
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        yield e
        e = e.__cause__ or e.__context__


class _Stopped(Exception):
    pass


def _sender(pipe):
    def send(report: dict) -> None:
        try:
            pipe.send(report)
        except (BrokenPipeError, OSError):
            pass  # the studio is gone; the checkpoint will tell the next one

    return send


def _paint(d: Path, opts: dict, send) -> None:
    from ..defaults import run_sizes
    from ..engine.checkpoint import Interrupted
    from ..engine.detail import least_size
    from ..engine.run import paint
    from ..export import export
    from ..image.io import load_image, save_png
    from ..materials import describe, material
    from ..style.styles import load_style

    image = load_image(d / "input")
    st = load_style(str(d / "style") if opts.get("style") == "@image" else opts.get("style", "none"))
    out_size, size = run_sizes(max(image.shape[1:]), opts.get("size"), least_size(image, st.size))
    steps = int(opts.get("steps", 240))
    ckpt = d / "paint.ckpt"
    parent, start, last = os.getppid(), time.time(), [0.0, None, 0.0, ""]  # preview, first step, report, stage

    def progress(stage: str, step: int, total: int, loss: float | None) -> None:
        if last[1] is None:
            last[1] = step - 1  # a resumed run starts past 0
        if os.getppid() != parent:  # the studio died: checkpoint at the end of this step, then stop
            os.kill(os.getpid(), signal.SIGTERM)
        now = time.time()
        if now - last[2] < PROGRESS_EVERY and stage == last[3] and step < total:
            return
        last[2], last[3] = now, stage
        eta = (now - start) / (step - last[1]) * (total - step)
        send({"stage": stage, "step": step, "steps": total, "loss": loss, "eta": eta})

    def preview(step: int, strokes, img) -> None:
        now = time.time()
        if now - last[0] >= PREVIEW_EVERY or step == steps:
            save_png(img, d / "preview.png")
            last[0] = now
            send({"preview": step})

    send({"stage": "starting", "steps": steps})
    try:
        result = paint(image, style=st, strokes=opts.get("strokes"), size=size, steps=steps,
                       seed=int(opts.get("seed", 0)), progress=progress, callback=preview, checkpoint=ckpt,
                       checkpoint_every=CHECKPOINT_EVERY, resume=ckpt if ckpt.is_file() else None,
                       notice=lambda m: None)
    except Interrupted:
        raise _Stopped from None
    save_png(result.image, d / "preview.png")
    result.strokes.meta["input"] = opts.get("name", "input")
    result.strokes.meta["output_size"] = out_size
    if opts.get("material"):  # what the paint is made of, in every result (the style's own otherwise)
        result.strokes.meta["material"] = describe(material(opts["material"]))
    send({"stage": "writing the results", "preview": steps + 1})
    export(result.strokes, d / "result.json")
    export(result.strokes, d / "result.svg", size=out_size)
    export(result.strokes, d / "result.png", size=out_size)
    ckpt.unlink(missing_ok=True)


def _trace(d: Path, opts: dict, send) -> None:
    from ..export import export
    from ..trace import trace

    send({"stage": "tracing", "steps": 1, "step": 0})
    art = trace(str(d / "input"), colors=int(opts.get("colors", 16)))
    export(art, d / "result.json")
    export(art, d / "result.svg")
    export(art, d / "result.png")
    send({"step": 1, "preview": 1})
    import shutil

    shutil.copyfile(d / "result.png", d / "preview.png")


#: the presets' thumbnails of the photo: longer side (px) and steps
THUMB_SIZE, THUMB_STEPS = 112, 60


def _thumbnails(d: Path, send) -> None:
    """The photo painted small in every preset, one ``thumb-<name>.png`` after another."""
    from ..engine.run import paint
    from ..export import draw
    from ..image.io import load_image, resize_longer, save_png
    from ..style.presets import preset_names

    photo = resize_longer(load_image(d / "input"), THUMB_SIZE)
    names = ["none", *preset_names()]
    for k, name in enumerate(names):
        send({"stage": name, "step": k, "steps": len(names)})
        r = paint(photo, style=name, size=THUMB_SIZE, steps=THUMB_STEPS, notice=lambda m: None)
        save_png(draw(r.strokes, *photo.shape[1:]), d / f"thumb-{name}.png")
        send({"step": k + 1, "preview": k + 1})


def make_result(folder: Path, kind: str) -> Path:
    """``result.<kind>`` of a finished job, made from its stroke file when first asked
    for (the animations: GIF, MP4 and the self-drawing SVG)."""
    from ..defaults import MAX_ANIMATION_SIZE
    from ..export import export, load_art
    from ..export.animate import frame_size
    from ..export.svg import save_svg

    path = folder / f"result.{kind}"
    if path.is_file():
        return path
    art = load_art(folder / "result.json")
    if kind == "animated.svg":
        save_svg(art, path, size=max(frame_size(art, None)), animate=4.0)
    else:
        export(art, path, size=min(MAX_ANIMATION_SIZE, int(getattr(art, "meta", {}).get("output_size", 1024))))
    return path
