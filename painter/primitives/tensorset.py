"""What StrokeSet and PathSet share: a dataclass of tensors (one row per primitive or
per curve) plus ``canvas``, ``background`` and ``meta``, copied field by field, and
saved as a versioned JSON document (painter.primitives.fileformat)."""
from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import torch

from .fileformat import f32, to_json

T = TypeVar("T", bound="TensorSet")
#: how a notebook draws a set: :mod:`painter.export` fills in "png" when it is
#: imported (as painting, loading a file or exporting does), drawing the set in its
#: material; before that a notebook shows the set's text
PREVIEWERS: dict[str, Any] = {}


class TensorSet:
    """Base of the primitive sets. A subclass is a dataclass with the tensor fields
    named in ``FIELDS`` (``FLOAT_FIELDS`` of them floating point, the rest integer),
    then ``canvas``, ``background`` and ``meta``; ``points`` is one of its fields.
    Its file is the JSON document ``FORMAT`` / ``VERSION`` that ``to_dict`` makes."""

    FIELDS: tuple[str, ...] = ()
    FLOAT_FIELDS: tuple[str, ...] = ()
    FORMAT = ""
    VERSION = 1

    def _check(self, shapes: list[tuple[str, tuple[int, ...]]]) -> None:
        """For ``__post_init__``: raise ValueError unless every named tensor has its
        shape; round canvas and background to float32, like the tensors, so that a
        saved file loads back identical."""
        for name, shape in shapes:
            got = tuple(getattr(self, name).shape)
            if got != shape:
                raise ValueError(f"{name} must be {list(shape)}, got {list(got)}")
        self.canvas = (f32(self.canvas[0]), f32(self.canvas[1]))
        self.background = tuple(f32(c) for c in self.background)

    @property
    def device(self) -> torch.device:
        return self.points.device

    def _repr_png_(self) -> bytes | None:
        """The set as a PNG, for Jupyter and IPython's display (see :data:`PREVIEWERS`)."""
        show = PREVIEWERS.get("png")
        return None if show is None else show(self)

    def to(self: T, device: torch.device | str | None = None, dtype: torch.dtype | None = None) -> T:
        """Move to ``device``; ``dtype`` applies to the floating-point tensors."""
        return self._replace(**{f: getattr(self, f).to(device=device, dtype=dtype if f in self.FLOAT_FIELDS else None)
                                for f in self.FIELDS})

    def detach(self: T) -> T:
        return self._replace(**{f: getattr(self, f).detach().clone() for f in self.FIELDS})

    def _replace(self: T, **kw: Any) -> T:
        """A new set with the same fields but those given."""
        d = {f: getattr(self, f) for f in self.FIELDS}
        d.update(canvas=self.canvas, background=self.background, meta=dict(self.meta))
        d.update(kw)
        return type(self)(**d)

    def _document(self, **body: Any) -> dict[str, Any]:
        """The file's JSON document: the header, canvas, background and meta, then ``body``."""
        return {
            "format": self.FORMAT,
            "version": self.VERSION,
            "canvas": [f32(v) for v in self.canvas],
            "background": [f32(v) for v in self.background],
            "meta": self.meta,
            **body,
        }

    def to_json(self) -> str:
        return to_json(self.to_dict())

    def save(self, path: str | Path) -> None:
        """Write the JSON file atomically (a complete file or none)."""
        from ..image.io import atomic_write_bytes

        atomic_write_bytes(path, self.to_json().encode())

    def equal(self, other: TensorSet) -> bool:
        """Same canvas, background and tensors (values and dtypes; ``meta`` is not compared)."""
        return (
            self.canvas == other.canvas
            and self.background == other.background
            and all(torch.equal(getattr(self, f).cpu(), getattr(other, f).cpu()) for f in self.FIELDS)
        )
