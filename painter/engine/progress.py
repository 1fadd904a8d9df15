"""Progress of long runs: a tqdm bar (stage, step, loss, eta) on a terminal, one line
per finished stage in logs, a function's calls for front ends (the studio), nothing
when disabled."""
from __future__ import annotations

import sys
from typing import Callable


class NoBar:
    def set_description(self, *a, **k) -> None: ...
    def set_postfix(self, *a, **k) -> None: ...
    def update(self, *a, **k) -> None: ...
    def close(self) -> None: ...


class LineLog(NoBar):
    """Progress for logs (stderr not a terminal): one line per finished stage."""

    def __init__(self, total: int, initial: int = 0) -> None:
        self.total, self.n, self.desc, self.post = total, initial, "", {}

    def set_description(self, desc: str, *a, **k) -> None:
        if self.desc and desc != self.desc:
            self._line()
        self.desc = desc

    def set_postfix(self, *a, **kw) -> None:
        self.post = {k: v for k, v in kw.items() if k != "refresh"}

    def update(self, n: int = 1) -> None:
        self.n += n

    def close(self) -> None:
        if self.desc:
            self._line()

    def _line(self) -> None:
        extra = " ".join(f"{k}={v}" for k, v in self.post.items())
        print(f"{self.desc}: step {self.n}/{self.total} {extra}", file=sys.stderr, flush=True)


class Report(NoBar):
    """Progress for a program: ``report(stage, step, total, loss)`` after every step
    (``loss`` None until the first)."""

    def __init__(self, report: Callable[[str, int, int, float | None], object], total: int, initial: int = 0):
        self.report, self.total, self.n, self.desc, self.loss = report, total, initial, "", None

    def set_description(self, desc: str, *a, **k) -> None:
        self.desc = desc

    def set_postfix(self, *a, loss=None, **k) -> None:
        self.loss = float(loss) if loss is not None else None

    def update(self, n: int = 1) -> None:
        self.n += n
        self.report(self.desc, self.n, self.total, self.loss)


def progress(total: int, enabled: bool | Callable[[str, int, int, float | None], object], initial: int = 0):
    """A progress bar (stage, step, loss, eta) on a terminal, stage lines in logs; a
    function as ``enabled`` is called instead (see :class:`Report`)."""
    if callable(enabled):
        return Report(enabled, total, initial)
    if not enabled:
        return NoBar()
    if not sys.stderr.isatty():
        return LineLog(total, initial)
    from tqdm.auto import tqdm

    return tqdm(total=total, initial=initial, unit="step", dynamic_ncols=True, leave=False)
