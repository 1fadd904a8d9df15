"""Pieces shared by painter's versioned JSON files (``painter.primitives.strokes``, ``painter.primitives.paths``).

Numbers are written as the shortest decimal that reads back to the same float32, so
a file loads back to identical tensors; readers check the ``format`` name and the
``version``, and every problem is one line in a ``ValueError`` subclass of the caller.
"""
from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import numpy as np

if TYPE_CHECKING:
    import torch


def f32(v: float) -> float:
    """The shortest decimal that rounds back to the same float32 (so JSON round-trips exactly)."""
    return float(repr(np.float32(v)).removeprefix("np.float32(").removesuffix(")"))


def f32_rows(t: torch.Tensor) -> list[list[float]]:
    """[N, ...] tensor -> N lists of its values (flattened per row) as :func:`f32` floats."""
    a = t.detach().cpu().float().numpy()
    return [[f32(v) for v in row] for row in a.reshape(len(a), int(np.prod(a.shape[1:])))]  # N = 0 too


def read_document(path: str | Path, error: type[ValueError], what: str,
                  precheck: Callable[[str], None] | None = None) -> Any:
    """Parse the JSON file at ``path``; a file that is not UTF-8 JSON raises ``error``
    (``what`` names the kind of file in the message, e.g. "painter stroke file").
    ``precheck(text)`` runs before parsing (to refuse oversized files cheaply)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise error(f"not a {what} (not UTF-8 text)") from None
    if precheck is not None:
        precheck(text)
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise error(f"invalid JSON ({e.msg} at line {e.lineno})") from None
    except RecursionError:
        raise error("invalid JSON (nested too deeply)") from None


def check_header(doc: Any, fmt: str, version: int, error: type[ValueError], what: str) -> None:
    """Refuse a document of another ``format`` or of a newer ``version`` than ours."""
    if not isinstance(doc, dict) or doc.get("format") != fmt:
        raise error(f"not a {what} (expected \"format\": \"{fmt}\")")
    ver = doc.get("version")
    if not isinstance(ver, int) or ver < 1:
        raise error("missing or invalid \"version\"")
    if ver > version:
        kind = what.removeprefix("painter ")
        raise error(f"{kind} version {ver} is newer than this painter supports ({version}); upgrade painter")


def check_canvas_background(canvas: list[float], background: list[float], error: type[ValueError]) -> None:
    """``canvas``: two positive numbers; ``background``: three numbers in [0, 1]."""
    if len(canvas) != 2 or not all(math.isfinite(v) and v > 0 for v in canvas):
        raise error("\"canvas\" must be two positive numbers")
    if len(background) != 3 or not all(math.isfinite(v) and 0 <= v <= 1 for v in background):
        raise error("\"background\" must be three numbers in [0, 1]")


def to_json(doc: dict[str, Any]) -> str:
    """Compact JSON text of a document (NaN and infinity refused), newline-terminated."""
    return json.dumps(doc, separators=(",", ":"), sort_keys=False, allow_nan=False) + "\n"


def rows_tensor(rows: list, shape: tuple[int, ...], dtype: torch.dtype) -> torch.Tensor:
    """[len(rows), *shape] tensor of nested JSON lists, one row per primitive;
    ValueError for any other nesting (no row may borrow another's numbers)."""
    import torch

    t = torch.tensor(rows, dtype=dtype)
    if rows and tuple(t.shape[1:]) != shape:
        raise ValueError(f"expected items of shape {list(shape)}, got {list(t.shape[1:])}")
    return t.reshape(len(rows), *shape)
