"""A batch's images on worker processes of this machine.

Each worker is a spawned process that paints one image at a time
(:func:`painter.batch.task.paint_bytes`) on one torch thread (:data:`THREADS`): a
batch's parallelism is its images, and a painting's floating-point sums then come out
the same whatever the number of workers, here or on a Ray cluster (whose one-CPU
tasks run one thread), so a seed gives the same stroke files byte for byte. At most
two images per worker are in flight, so memory stays
bounded however long the batch. A worker that dies (killed, out of memory) takes its
image with it: that image is tried once more in a fresh pool, then reported failed.
"""
from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
from typing import Iterator

from .inputs import Item
from .task import TaskError, paint_bytes

#: times an image whose worker died is tried again
RETRIES = 1
#: torch threads per image (see above)
THREADS = 1


def _start(threads: int) -> None:
    import torch

    torch.set_num_threads(threads)


def _paint(data: bytes, name: str, formats: tuple[str, ...], options: dict) -> dict:
    try:
        return paint_bytes(data, name, formats, options)
    except TaskError as e:
        return {"error": str(e)}
    except Exception as e:  # noqa: BLE001 - one image's failure is that image's, in one line
        return {"error": f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"[:300]}


def run(items: list[Item], formats: tuple[str, ...], options: dict, workers: int = 1) -> Iterator[tuple[Item, dict]]:
    """Yield ``(item, result)`` as images finish (in the order they finish)."""
    workers = max(1, workers)
    queue = list(reversed(items))
    tries = {item.name: 0 for item in items}
    while queue:
        pool = cf.ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                                      initializer=_start, initargs=(THREADS,))
        flying: dict[cf.Future, Item] = {}
        try:
            broken = False
            while (queue or flying) and not broken:
                while queue and len(flying) < 2 * workers:
                    item = queue.pop()
                    flying[pool.submit(_paint, item.source.read_bytes(), item.name, formats, options)] = item
                done, _ = cf.wait(flying, return_when=cf.FIRST_COMPLETED)
                for fut in done:
                    item = flying.pop(fut)
                    try:
                        yield item, fut.result()
                    except cf.process.BrokenProcessPool:
                        broken = True
                        tries[item.name] += 1
                        if tries[item.name] > RETRIES:
                            yield item, {"error": "its worker process died (killed, or out of memory)"}
                        else:
                            queue.append(item)
            for fut, item in flying.items():  # a broken pool: what was in flight goes again
                queue.append(item)
        finally:
            _stop(pool)


def _stop(pool: cf.ProcessPoolExecutor) -> None:
    """Shut the pool down now: queued work cancelled, workers terminated (Ctrl-C must
    not wait for paintings under way; the driver wrote nothing of theirs)."""
    procs = list((pool._processes or {}).values())  # noqa: SLF001 - no public handle on the workers
    pool.shutdown(wait=False, cancel_futures=True)
    for p in procs:
        if p.is_alive():
            p.terminate()
    for p in procs:
        p.join(5)
