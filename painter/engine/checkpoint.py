"""Checkpoints of a painting run, and interrupts that wait for the end of a step.

A checkpoint is everything :func:`painter.paint` needs to go on exactly where it
stopped: the strokes painted so far (with their brush limits), the optimizer's
moments and learning rates, the layer and step, the loss history and the random
generator's state. Resuming gives the same stroke file as a run that was never
interrupted (same seed, CPU). The file is a ``torch.save`` dictionary (read back
with ``weights_only=True``, so loading one never runs code) with ``"format":
"painter.checkpoint"``, ``"version"`` and a ``"fingerprint"`` of the image and the
options, so that a checkpoint is never resumed into a different run.

Ctrl-C (SIGINT) and SIGTERM are deferred while a run holds a checkpoint path: the
step under way finishes, the checkpoint is written, and :class:`Interrupted` is
raised. A second Ctrl-C interrupts at once, without a checkpoint.
"""
from __future__ import annotations

import hashlib
import io
import signal
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import torch

from ..image.io import atomic_write_bytes

FORMAT = "painter.checkpoint"
#: 2: the optimizer state covers the active layer's strokes only; 3: per-stroke bounds
#: gained the bend limit and the minimum length
VERSION = 3


class CheckpointError(ValueError):
    """A checkpoint file that cannot be resumed (one-line message)."""


class Interrupted(Exception):
    """The run was interrupted; its state is in ``checkpoint`` (None if not saved)."""

    def __init__(self, step: int, total: int, checkpoint: Path | None, signum: int = signal.SIGINT) -> None:
        self.step, self.total, self.checkpoint, self.signum = step, total, checkpoint, signum
        where = f"; checkpoint saved to {checkpoint}" if checkpoint else ""
        super().__init__(f"interrupted at step {step}/{total}{where}")


def fingerprint(target: torch.Tensor, **options: Any) -> str:
    """A digest of the working-size image and the options that shape the painting."""
    h = hashlib.sha256()
    h.update(target.detach().cpu().contiguous().float().numpy().tobytes())
    h.update(repr(sorted(options.items())).encode())
    return h.hexdigest()


def save_checkpoint(path: str | Path, state: dict[str, Any]) -> None:
    """Write ``state`` (tensors moved to the CPU) atomically to ``path``."""
    doc = {"format": FORMAT, "version": VERSION, **_to_cpu(state)}
    buf = io.BytesIO()
    torch.save(doc, buf)
    atomic_write_bytes(path, buf.getvalue())


def load_checkpoint(path: str | Path, expected_fingerprint: str, device: torch.device) -> dict[str, Any]:
    """Read a checkpoint for the run with ``expected_fingerprint``, tensors on ``device``."""
    p = Path(path)
    if not p.is_file():
        raise CheckpointError(f"{path}: no such checkpoint file")
    try:
        doc = torch.load(p, map_location=device, weights_only=True)
    except Exception as e:  # noqa: BLE001 - a damaged file of any kind is one line
        raise CheckpointError(f"{path}: not a painter checkpoint ({type(e).__name__})") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise CheckpointError(f"{path}: not a painter checkpoint")
    if doc.get("version", 0) > VERSION:
        raise CheckpointError(f"{path}: checkpoint version {doc['version']} is newer than this painter supports")
    if doc.get("version", 0) < VERSION:
        raise CheckpointError(f"{path}: checkpoint version {doc.get('version', 0)} was made by an older painter "
                              "and cannot be resumed; start the run again")
    if doc.get("fingerprint") != expected_fingerprint:
        raise CheckpointError(f"{path}: this checkpoint was made for another image or other options "
                              "(resume with the same photo and options as the interrupted run)")
    return doc


def _to_cpu(x: Any) -> Any:
    if isinstance(x, torch.Tensor):
        return x.detach().cpu()
    if isinstance(x, dict):
        return {k: _to_cpu(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return type(x)(_to_cpu(v) for v in x)
    return x


class InterruptFlag:
    """Set by a deferred SIGINT/SIGTERM; the run checks it between steps."""

    def __init__(self) -> None:
        self.signum: int | None = None

    def __bool__(self) -> bool:
        return self.signum is not None


@contextmanager
def deferred_interrupts(enabled: bool = True) -> Iterator[InterruptFlag]:
    """Within the block, SIGINT and SIGTERM set the yielded flag instead of stopping
    the process (a second SIGINT raises KeyboardInterrupt at once). A no-op outside
    the main thread or when not ``enabled``."""
    flag = InterruptFlag()
    if not enabled or threading.current_thread() is not threading.main_thread():
        yield flag
        return

    def handler(signum, frame) -> None:  # noqa: ARG001
        if flag and signum == signal.SIGINT:
            raise KeyboardInterrupt
        flag.signum = signum

    old = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield flag
    finally:
        for s, h in old.items():
            signal.signal(s, h)
