"""The studio's jobs: kept on disk, run a few at a time in worker processes.

A job is a folder ``DATA/jobs/<id>/`` holding ``job.json`` (what was asked and how
far it got), the uploaded ``input`` (and ``style`` image), the run's checkpoint,
the latest ``preview.png`` and, once done, the results. The folder is the truth:
a studio started again over the same data lists every job, and takes up again the
ones that were queued or running when it stopped (a painting resumes from its
checkpoint and ends with the strokes the uninterrupted run gives).

:class:`Runner` keeps a queue and starts each job in its own process (painting is
CPU-heavy work that must not hold up the server), at most ``workers`` at a time.
A worker reports over a pipe; a thread of the server reads the reports and tells
the subscribers (the event streams). Cancelling a running job, or stopping the
studio, sends the worker SIGTERM: it finishes its step, writes its checkpoint and
exits. A worker that dies any other way marks its job failed; nothing else stops.
"""
from __future__ import annotations

import json
import logging
import multiprocessing
import os
import secrets
import re
import signal
import threading
import time
from collections import deque
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

from ..image.io import atomic_write_bytes

#: the states of a job; the last three are final
STATES = ("queued", "running", "done", "failed", "cancelled")
FINAL = ("done", "failed", "cancelled")
#: a job id: what a request may name (nothing else reaches the file system)
ID_PATTERN = re.compile(r"^[0-9a-f]{16}$")
log = logging.getLogger("painter.studio")


@dataclass
class Job:
    id: str
    mode: str  # paint | trace | styles (the presets' thumbnails of a photo: not listed)
    options: dict  # style, strokes, size, steps, seed, material / colors
    name: str = ""  # the uploaded file's name, for the listing
    state: str = "queued"
    stage: str = ""
    step: int = 0
    steps: int = 0
    loss: float | None = None
    eta: float | None = None  # seconds left
    preview: int = 0  # bumped with each new preview.png
    error: str = ""
    created: float = field(default_factory=time.time)
    started: float | None = None
    finished: float | None = None
    resumed: int = 0  # how many times it was taken up again after a stop

    def public(self) -> dict:
        """What the HTTP API shows of the job."""
        d = asdict(self)
        d["results"] = results(self.mode) if self.state == "done" else []
        return d


#: the results of a finished job (result.<ext>), the first three written at once
RESULTS = ["svg", "png", "json", "gif", "mp4", "animated.svg"]


def results(mode: str) -> list[str]:
    """What a finished job of ``mode`` offers: traced paths have no centre lines to
    draw themselves along, so no animated SVG (their GIF and MP4 show one path after
    another); thumbnails are not results."""
    return {"paint": RESULTS, "trace": RESULTS[:-1]}.get(mode, [])


class JobStore:
    """The jobs under ``root`` (``DATA/jobs``), in memory and on disk."""

    def __init__(self, root: Path):
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.jobs: dict[str, Job] = {}
        self.lock = threading.Lock()
        for d in sorted(root.iterdir()):
            job = self._read(d)
            if job is not None:
                self.jobs[job.id] = job

    def _read(self, d: Path) -> Job | None:
        if d.is_symlink() or not d.is_dir():
            return None  # only the studio's own folders are jobs
        try:
            data = json.loads((d / "job.json").read_text(encoding="utf-8"))
            job = Job(**{k: v for k, v in data.items() if k in Job.__dataclass_fields__})
        except (OSError, ValueError, TypeError):
            return None  # not a job folder (or a half-made one): left alone
        return job if ID_PATTERN.match(job.id) and job.id == d.name else None

    def new_id(self) -> str:
        return secrets.token_hex(8)

    def folder(self, job_id: str) -> Path:
        if not ID_PATTERN.match(job_id):
            raise KeyError(job_id)
        return self.root / job_id

    def add(self, job: Job) -> None:
        """List ``job``, whose folder and job.json its maker has written (a new job's
        request, which answers 507 when the disk is full)."""
        with self.lock:
            self.jobs[job.id] = job

    def get(self, job_id: str) -> Job:
        with self.lock:
            return self.jobs[job_id]

    def listing(self) -> list[Job]:
        """Every job, newest first; a done or cancelled job whose folder was removed
        under the studio is forgotten (a failed one stays, to show why it failed)."""
        with self.lock:
            for gone in [j.id for j in self.jobs.values()
                         if j.state in ("done", "cancelled") and not (self.root / j.id).is_dir()]:
                del self.jobs[gone]
            return sorted(self.jobs.values(), key=lambda j: j.created, reverse=True)

    def save(self, job: Job) -> None:
        atomic_write_bytes(self.folder(job.id) / "job.json", json.dumps(asdict(job), indent=1).encode())

    def keep(self, job: Job) -> None:
        """:meth:`save`, for the runner: a disk that is full or a folder that is gone
        leaves the job as it is in memory (and says so in the log), not a dead runner."""
        try:
            self.save(job)
        except OSError as e:
            log.warning("painter studio: could not save job %s (%s)", job.id, e.strerror or e)

    def remove(self, job_id: str) -> None:
        import shutil

        with self.lock:
            self.jobs.pop(job_id, None)
        shutil.rmtree(self.folder(job_id), ignore_errors=True)


class Runner:
    """Runs the store's jobs, at most ``workers`` at once, queue at most ``max_queued``.
    ``notify(job)`` is called (from a thread) whenever a job changes. ``worker_memory``:
    the bytes of data each worker may hold (None: no limit)."""

    def __init__(self, store: JobStore, workers: int = 1, max_queued: int = 16,
                 notify: Callable[[Job], None] = lambda job: None, worker_memory: int | None = None):
        self.store, self.workers, self.max_queued, self.notify = store, max(1, workers), max_queued, notify
        self.worker_memory = worker_memory
        self.queue: deque[str] = deque()
        self.running: dict[str, tuple] = {}  # id -> (process, pipe end)
        self.cancelled: set[str] = set()
        self.stopping = False
        self.wake = threading.Event()
        self.ctx = multiprocessing.get_context("spawn")
        self.thread = threading.Thread(target=self._loop, name="studio-runner", daemon=True)

    def start(self) -> None:
        """Take up again what was queued or running when the studio last stopped."""
        for job in sorted(self.store.listing(), key=lambda j: j.created):
            if job.mode == "styles":  # thumbnails are of the moment: not kept, not resumed
                self.store.remove(job.id)
            elif job.state in ("queued", "running"):
                if job.state == "running":
                    job.resumed += 1
                job.state = "queued"
                self.store.keep(job)
                self.queue.append(job.id)
        self.thread.start()

    def full(self) -> bool:
        return len(self.queue) >= self.max_queued

    def submit(self, job: Job) -> None:
        """Queue ``job``; a painting or a tracing first cancels the thumbnails under way
        (the choice is made: the worker is the painting's)."""
        if job.mode != "styles":
            for other in self.store.listing():
                if other.mode == "styles" and other.state not in FINAL:
                    self.cancel(other.id)
        self.store.add(job)
        self.queue.append(job.id)
        self.notify(job)
        self.wake.set()

    def cancel(self, job_id: str) -> Job:
        job = self.store.get(job_id)
        if job.state in FINAL:
            return job
        if job_id in self.queue:
            self.queue.remove(job_id)
            self._finish(job, "cancelled")
        elif job_id in self.running:
            self.cancelled.add(job_id)
            self.running[job_id][0].terminate()  # SIGTERM: the step under way ends, then it exits
        return job

    def stop(self, timeout: float = 30.0) -> None:
        """Stop every worker (each checkpoints its painting) and leave their jobs
        'running' on disk, to be taken up again at the next start."""
        self.stopping = True
        self.wake.set()
        for proc, _ in list(self.running.values()):
            proc.terminate()
        deadline = time.time() + timeout
        for proc, _ in list(self.running.values()):
            proc.join(max(0.1, deadline - time.time()))
            if proc.is_alive():
                proc.kill()
        self.thread.join(5)

    # -- the thread -------------------------------------------------------------------
    def _loop(self) -> None:
        while True:
            try:
                while not self.stopping and self.queue and len(self.running) < self.workers:
                    job = self.store.jobs.get(self.queue.popleft())
                    if job is not None:
                        self._start(job)
                if self.stopping and not self.running:
                    return
                self._read_reports()
            except Exception:  # noqa: BLE001 - the runner outlives any one job's trouble
                log.exception("painter studio: the job runner hit an error and goes on")
            self.wake.wait(0.1)
            self.wake.clear()

    def _start(self, job: Job) -> None:
        from .worker import run_job

        ours, theirs = self.ctx.Pipe(duplex=False)
        threads = max(1, (os.cpu_count() or 1) // self.workers)
        proc = self.ctx.Process(target=run_job, name=f"painter-job-{job.id}", daemon=True,
                                args=(str(self.store.folder(job.id)), theirs, threads, self.worker_memory))
        job.state, job.started, job.error = "running", job.started or time.time(), ""
        self.store.keep(job)
        self.notify(job)
        proc.start()
        theirs.close()
        self.running[job.id] = (proc, ours)

    def _read_reports(self) -> None:
        for job_id, (proc, pipe) in list(self.running.items()):
            job = self.store.jobs.get(job_id)
            if job is None:  # deleted while its worker was ending
                proc.join(5)
                pipe.close()
                del self.running[job_id]
                continue
            try:
                while pipe.poll():
                    self._apply(job, pipe.recv())
            except (EOFError, OSError):
                pass
            if proc.is_alive():
                continue
            proc.join()
            pipe.close()
            del self.running[job_id]
            if job_id in self.cancelled:
                self.cancelled.discard(job_id)
                self._finish(job, "cancelled")
            elif job.state in FINAL:
                pass  # its worker said so
            elif not self.stopping:
                self._finish(job, "failed", self._died(proc.exitcode))
            else:  # the studio is stopping: the job stays 'running', to resume at the next start
                self.store.keep(job)

    def _apply(self, job: Job, report: dict) -> None:
        state = report.pop("state", None)
        for k, v in report.items():
            if k in Job.__dataclass_fields__:
                setattr(job, k, v)
        if state in FINAL and job.id not in self.cancelled:
            self._finish(job, state, job.error)
        else:
            self.notify(job)

    def _died(self, code: int | None) -> str:
        """Why a job failed whose worker ended without saying (a crash, or a kill)."""
        if code is not None and code < 0:
            name = signal.Signals(-code).name if -code in signal.valid_signals() else f"signal {-code}"
            if -code == signal.SIGKILL:  # what the kernel's out-of-memory killer sends
                return (f"the worker was killed ({name}), most likely for running out of memory; "
                        "paint it smaller (size), or give the studio more --worker-memory")
            return f"the worker stopped unexpectedly ({name})"
        return f"the worker stopped unexpectedly (exit code {code})"

    def _finish(self, job: Job, state: str, error: str = "") -> None:
        job.state, job.error, job.finished, job.eta = state, error, time.time(), None
        if state == "cancelled":
            try:
                (self.store.folder(job.id) / "paint.ckpt").unlink(missing_ok=True)
            except OSError:
                pass  # its folder is gone
        self.store.keep(job)
        self.notify(job)
