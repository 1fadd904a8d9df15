"""Batch painting: many images, resumable, on worker processes (or a Ray cluster).

    from painter.batch import batch
    summary = batch(["photos/"], "painted/", formats=("png", "json"), workers=2, style="monet")
    summary.failed     # {name: one-line reason}

Stages: *discover* the images (:mod:`painter.batch.inputs`), *skip* those whose
outputs all exist (outputs are written atomically, so one that exists is complete),
*paint* the rest in worker processes (:mod:`painter.batch.local`), each image a task
from bytes to bytes (:mod:`painter.batch.task`), and *write* each result as it
comes back, atomically, from this process. A broken image is reported by name with
its reason (and in ``OUT_DIR/failures.json``) while the rest go on. Interrupted (Ctrl-C,
or the process killed), the next run goes on where it stopped: nothing is ever
half-written.

May import: every package below the front ends (engine, style, materials, export,
image, defaults); nothing imports it but the command line.
"""
from __future__ import annotations

import json
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .inputs import Item, discover

__all__ = ["FAILURES_FILE", "Summary", "batch", "discover"]

#: where a batch lists the images it could not paint (removed when none failed)
FAILURES_FILE = "failures.json"


@dataclass
class Summary:
    painted: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # name -> reason
    seconds: dict[str, float] = field(default_factory=dict)  # name -> painting time
    wall: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failed

    def line(self) -> str:
        med = f", median {statistics.median(self.seconds.values()):.1f} s per image" if self.seconds else ""
        return (f"{len(self.painted)} painted, {len(self.skipped)} already done, {len(self.failed)} failed "
                f"in {self.wall:.1f} s{med}")


def batch(inputs: list[str | Path], out_dir: str | Path, formats: tuple[str, ...] = ("png",), workers: int = 1,
          ray: str | None = None, progress: bool | Callable[[Summary, int], object] = False,
          **options) -> Summary:
    """Paint every image of ``inputs`` (files, folders, lists of paths) into ``out_dir``
    in each of ``formats`` (png, jpg, webp, svg, pdf, json, gif, mp4), ``workers`` at a time (or on
    the Ray cluster at ``ray``: an address, or ``"auto"`` for a local one).
    ``options`` are painter.paint's (style, strokes, size, steps, seed) and
    ``material``. ``progress``: a bar on stderr, or ``fn(summary, left)`` after
    each image. Raises ValueError (one line) for inputs that name no image."""
    start = time.perf_counter()
    out = Path(out_dir)
    formats = tuple(f.lower().lstrip(".") for f in formats)
    items = discover(list(inputs), out, formats)
    if not items:
        raise ValueError("no images found in " + ", ".join(str(i) for i in inputs))
    summary = Summary()
    todo = []
    for item in items:
        if all(p.is_file() for p in item.outputs):
            summary.skipped.append(item.name)
        else:
            todo.append(item)
    report = _reporter(progress, len(todo))
    try:
        if todo:
            if ray:
                from .cluster import run as run_tasks
            else:
                from .local import run as run_tasks
            kw = {"address": ray} if ray else {"workers": workers}
            for item, result in run_tasks(todo, formats, options, **kw):
                _record(summary, item, result)
                report(summary, len(todo) - len(summary.painted) - len(summary.failed))
    finally:
        summary.wall = time.perf_counter() - start
        _write_failures(out, summary)
        report(summary, -1)
    return summary


def _record(summary: Summary, item: Item, result: dict) -> None:
    """Write one image's outputs (atomically), or note why it failed."""
    from ..image.io import atomic_write_bytes

    if "error" in result:
        summary.failed[item.name] = result["error"]
        return
    for path, fmt in zip(item.outputs, (p.suffix[1:] for p in item.outputs)):
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(path, result["outputs"][fmt])
    summary.painted.append(item.name)
    summary.seconds[item.name] = result["seconds"]


def _write_failures(out: Path, summary: Summary) -> None:
    from ..image.io import atomic_write_bytes

    path = out / FAILURES_FILE
    if summary.failed:
        out.mkdir(parents=True, exist_ok=True)
        doc = {"failed": [{"image": k, "error": v} for k, v in sorted(summary.failed.items())]}
        atomic_write_bytes(path, (json.dumps(doc, indent=1) + "\n").encode())
    else:
        path.unlink(missing_ok=True)


def _reporter(progress, total: int):
    """``fn(summary, left)`` (left -1: the end) from ``progress``."""
    if callable(progress):
        return progress
    if not progress:
        return lambda summary, left: None
    from tqdm.auto import tqdm

    bar = tqdm(total=total, unit="image", dynamic_ncols=True, leave=False)

    def report(summary: Summary, left: int) -> None:
        if left < 0:
            bar.close()
            return
        bar.n = len(summary.painted) + len(summary.failed)
        bar.set_postfix(done=len(summary.painted), failed=len(summary.failed), left=left, refresh=False)
        bar.refresh()

    return report
