"""A batch's images as Ray tasks (``painter batch --ray ADDRESS|auto``).

Each image is one task with retries (a lost worker or node means the task runs again
elsewhere): its bytes travel to the task through Ray and its outputs' bytes come back
to the driver, which writes them, so the cluster needs no shared file system. Ray
schedules; painter only submits, at most a few tasks per CPU of the cluster in flight
so memory stays bounded. Ray is optional: ``pip install painter[cluster]``.
"""
from __future__ import annotations

import logging
import socket
from typing import Iterator

from .inputs import Item

#: times Ray runs an image's task again after its worker or node was lost
RETRIES = 3
#: tasks in flight per CPU of the cluster
IN_FLIGHT_PER_CPU = 2


class RayMissing(ValueError):
    pass


def _ray():
    try:
        import ray
    except ImportError:
        raise RayMissing("--ray needs Ray, which is not installed: pip install 'painter[cluster]'") from None
    return ray


def _check_reachable(address: str, timeout: float = 5.0) -> None:
    """Fail in one line when nothing listens at a ``host:port`` address: Ray itself
    would retry for minutes. (``auto`` and ``ray://`` client addresses pass as they are.)"""
    if address == "auto" or "://" in address:
        return
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit():
        raise ValueError(f"--ray {address}: give the head node as HOST:PORT (or auto)")
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout).close()
    except OSError as e:
        raise ValueError(f"--ray {address}: cannot reach a Ray cluster there ({e.strerror or e})") from None


def _paint_one_thread(data: bytes, name: str, formats: tuple[str, ...], options: dict) -> dict:
    """An image's task, on one torch thread as local workers paint (the same sums)."""
    from .local import THREADS, _paint, _start

    _start(THREADS)
    return _paint(data, name, formats, options)


def run(items: list[Item], formats: tuple[str, ...], options: dict, address: str = "auto"
        ) -> Iterator[tuple[Item, dict]]:
    """Yield ``(item, result)`` as the cluster finishes images."""
    ray = _ray()
    _check_reachable(address)
    started_here = not ray.is_initialized()
    if started_here:
        ray.init(address=None if address == "auto" else address, ignore_reinit_error=True,
                 log_to_driver=False, include_dashboard=False, logging_level=logging.WARNING)
    task = ray.remote(num_cpus=1, max_retries=RETRIES, retry_exceptions=False)(_paint_one_thread)
    limit = max(1, int(ray.cluster_resources().get("CPU", 1)) * IN_FLIGHT_PER_CPU)
    queue = list(reversed(items))
    flying: dict = {}
    try:
        while queue or flying:
            while queue and len(flying) < limit:
                item = queue.pop()
                flying[task.remote(item.source.read_bytes(), item.name, formats, options)] = item
            done, _ = ray.wait(list(flying), num_returns=1)
            for ref in done:
                item = flying.pop(ref)
                try:
                    result = ray.get(ref)
                except Exception as e:  # noqa: BLE001 - retries spent: this image failed, the rest go on
                    result = {"error": f"its Ray task failed after {RETRIES} retries ({type(e).__name__})"}
                yield item, result
    finally:
        for ref in flying:
            ray.cancel(ref, force=True)
        if started_here:
            ray.shutdown()
