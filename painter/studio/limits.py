"""What the studio lets one client, one request and one job take: the numbers a
user sets with ``painter studio --request-timeout/--max-connections/--max-streams/
--max-pixels/--worker-memory``, in one place.

- ``request_seconds``: a connection must send a request's headers within this, then
  its body at 64 KB/s or more (:mod:`painter.studio.protocol`).
- ``max_connections``: open connections at once; the next ones are answered 503.
- ``max_streams``: open event streams (``/api/jobs/{id}/events``) at once; 503 beyond.
- ``max_pixels``: the largest photo (or painting) a job takes, read from its header
  before it is decoded; 413 beyond.
- ``worker_memory``: bytes of data a job's worker process may hold
  (``resource.setrlimit(RLIMIT_DATA)``: the heap and anonymous mappings, which is
  where images and tensors live); a job that needs more fails with a message, and
  the studio and the other jobs go on. Default: three quarters of the machine's
  memory shared among the workers, so that one painting too large cannot push the
  machine into swap.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass

from ..defaults import STUDIO_MAX_CONNECTIONS, STUDIO_MAX_PIXELS, STUDIO_MAX_STREAMS, STUDIO_REQUEST_SECONDS

#: a worker's memory limit is never set under this (a worker that has loaded torch holds ~0.8 GB of data)
LEAST_WORKER_MEMORY = 3 << 29  # 1.5 GB


@dataclass(frozen=True)
class Limits:
    request_seconds: float = STUDIO_REQUEST_SECONDS
    max_connections: int = STUDIO_MAX_CONNECTIONS
    max_streams: int = STUDIO_MAX_STREAMS
    max_pixels: int = STUDIO_MAX_PIXELS
    worker_memory: int | None = None  # bytes; None: no limit


def default_worker_memory(workers: int) -> int:
    """Three quarters of the machine's memory, shared among ``workers``."""
    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return max(LEAST_WORKER_MEMORY, int(total * 0.75) // max(1, workers))


def parse_bytes(text: str) -> int:
    """``"1.5G"``, ``"800M"``, ``"2GB"``, ``"1073741824"`` -> bytes (powers of 1024);
    ValueError with the reason otherwise."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kKmMgGtT]?)(?:i?[bB])?\s*", text or "")
    if not m:
        raise ValueError(f"{text!r} is not an amount of memory (say 2G, 1500M or a number of bytes)")
    scale = 1024 ** " KMGT".index(m.group(2).upper() or " ")
    return int(float(m.group(1)) * scale)


def show_bytes(n: int) -> str:
    """``1610612736`` -> ``"1.5 GB"``."""
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= scale:
            return f"{n / scale:.3g} {unit}"
    return f"{n} bytes"
