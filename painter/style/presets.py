"""Where the built-in style presets live, and reading them without heavy imports.

The presets are written in one place, ``styles/*.toml`` at the top of the
repository. A built wheel carries them as the data package ``painter.builtin_styles``
(``pyproject.toml`` maps that package to ``styles/``), so ``importlib.resources``
finds them in any install: a wheel, an sdist build, an editable install. Running
from a plain checkout (``python cli.py``), with nothing installed, falls back to the
``styles/`` folder beside the package.

Only the standard library is imported here, so ``painter styles`` lists the presets
without loading torch; :mod:`painter.style.styles` turns a preset into a ``Style``.
"""
from __future__ import annotations

import difflib
import sys
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

#: the presets beside the package in a checkout (used when no install provides them)
CHECKOUT_DIR = Path(__file__).resolve().parents[2] / "styles"


class StyleError(ValueError):
    """An unknown style name or an unreadable style file: one line for the user."""


def presets_dir() -> Traversable:
    """The folder of preset TOML files, as installed (or the checkout's ``styles/``)."""
    try:
        d = resources.files("painter.builtin_styles")
    except ModuleNotFoundError:
        return CHECKOUT_DIR
    if any(f.name.endswith(".toml") for f in d.iterdir()):
        return d
    return CHECKOUT_DIR


def preset_names() -> list[str]:
    """The names of the built-in presets, sorted."""
    return sorted(f.name[:-len(".toml")] for f in presets_dir().iterdir() if f.name.endswith(".toml"))


def read_toml(text: str, where: str) -> dict[str, Any]:
    """Parse a preset's TOML text; ``where`` names it in the error."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise StyleError(f"{where}: bad style file ({e})") from None


def read_preset(name: str) -> dict[str, Any]:
    """The parsed TOML of the built-in preset ``name`` (KeyError if there is none)."""
    if name not in preset_names():
        raise KeyError(name)
    f = presets_dir() / f"{name}.toml"
    return read_toml(f.read_text(encoding="utf-8"), f"{name}.toml")


def describe_presets() -> list[tuple[str, str]]:
    """(name, description) of every built-in preset, sorted by name."""
    return [(n, str(read_preset(n).get("description", ""))) for n in preset_names()]


def find_style(name: str) -> tuple[str, str]:
    """What ``--style NAME`` names, decided without reading images or importing torch:
    ``("none", "none")``, ``("preset", name)``, ``("toml", path)`` or ``("image", path)``.
    Anything else raises StyleError with the closest preset names as a hint."""
    if name == "none":
        return "none", name
    names = preset_names()
    if "/" not in name and "\\" not in name and name in names:
        return "preset", name
    p = Path(name)
    if p.exists():
        return ("toml" if p.suffix.lower() == ".toml" else "image"), name
    raise StyleError(f"unknown style {name!r} (not a preset name nor an image file){closest_hint(name)}")


def closest_hint(name: str) -> str:
    """``"; did you mean ..."`` with the presets nearest to the unknown style ``name``,
    or the list of them all when none is near."""
    names = preset_names()
    close = difflib.get_close_matches(name, names, n=3, cutoff=0.5)
    return f"; did you mean {', '.join(close)}?" if close else f"; available: {', '.join(['none', *names])}"
