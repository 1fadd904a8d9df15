"""Package faces whose names are imported on first use (PEP 562).

A package's ``__init__`` lists its public names and the module of each; ``import
painter.style`` (or ``painter --help``, which imports a light module of it) then
costs nothing, and torch loads when a name is first touched. Imports nothing of
painter.
"""
from __future__ import annotations

import importlib
from typing import Any, Callable


def lazy_face(package: str, api: dict[str, str], also: tuple[str, ...] = ()
              ) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for ``package`` whose public names are ``api``:
    name -> module relative to the package (``".styles"``); ``dir()`` lists them and
    the names in ``also``, not the face's own imports."""
    namespace = importlib.import_module(package).__dict__

    def __getattr__(name: str) -> Any:
        if name not in api:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(api[name], package), name)
        namespace[name] = value  # later look-ups skip this function
        return value

    def __dir__() -> list[str]:
        return sorted({*api, *also})

    return __getattr__, __dir__
