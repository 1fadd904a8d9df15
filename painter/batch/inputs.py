"""What a batch paints: the images named by files, folders and lists, and where each
one's outputs go.

An input is an image file, a folder (searched recursively; an image is recognized by
its content, whatever its name, and a file named as an image that is not one is kept,
to be reported as broken), or a text file listing paths, one per line (blank
lines and lines starting with ``#`` are skipped; relative paths are relative to the
list). Each image's outputs are ``OUT_DIR/<path relative to its input>`` with the
format's extension in place of its own (``photos/trip/a.jpg`` given as ``photos`` ->
``OUT_DIR/trip/a.png``); two images that would share a name (``a.jpg`` and
``a.png``) keep their own extension before the new one (``a.jpg.png``).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

#: a text file listing images is at most this large (a list, not a novel)
MAX_LIST_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class Item:
    source: Path  # the image file
    name: str  # its path relative to its input, as shown and as the outputs' stem (posix)
    outputs: tuple[Path, ...]  # one per format, in the order of the formats


def is_image(path: Path) -> bool:
    """Whether Pillow recognizes ``path`` as an image from its header (its pixels are
    not read: a damaged image still counts, and fails when painted)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path):
            return True
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        return False
    except Image.DecompressionBombError:
        return True  # an image all right, refused when painted


def discover(inputs: list[str | Path], out_dir: Path, formats: tuple[str, ...]) -> list[Item]:
    """The images of ``inputs`` (in order, each once) with their output paths.
    Raises ValueError (one line) for an input that does not exist or is neither an
    image, a folder nor a list of paths."""
    found: list[tuple[Path, str]] = []
    for given in inputs:
        found += _expand(Path(given), out_dir)
    seen, unique = set(), []
    for source, rel in found:
        key = source.resolve()
        if key not in seen:
            seen.add(key)
            unique.append((source, rel))
    stems: dict[str, int] = {}
    for _, rel in unique:
        stem = str(Path(rel).with_suffix(""))
        stems[stem] = stems.get(stem, 0) + 1
    items, taken = [], set()
    for source, rel in unique:
        stem = str(Path(rel).with_suffix("")) if stems[str(Path(rel).with_suffix(""))] == 1 else rel
        base, n = stem, 1
        while stem in taken:  # the same relative path from two inputs
            n += 1
            stem = f"{base}~{n}"
        taken.add(stem)
        items.append(Item(source, rel, tuple(out_dir / f"{stem}.{fmt}" for fmt in formats)))
    return items


def _expand(path: Path, out_dir: Path) -> list[tuple[Path, str]]:
    if not path.exists():
        raise ValueError(f"{path}: no such file or folder")
    if path.is_dir():
        out = out_dir.resolve()
        files = sorted(p for p in path.rglob("*") if p.is_file() and not _hidden(p.relative_to(path)))
        return [(p, p.relative_to(path).as_posix()) for p in files
                if out not in p.resolve().parents and (is_image(p) or _named_image(p))]
    if is_image(path):
        return [(path, path.name)]
    return _listed(path)


def _named_image(path: Path) -> bool:
    """Whether ``path``'s extension is an image format's (Pillow's list)."""
    from PIL import Image

    return path.suffix.lower() in Image.registered_extensions()


def _hidden(rel: Path) -> bool:
    return any(part.startswith(".") for part in rel.parts)


def _listed(path: Path) -> list[tuple[Path, str]]:
    """The paths a text file lists (each must exist; images are checked when painted),
    named as written there (an absolute one by its file name)."""
    if path.stat().st_size > MAX_LIST_BYTES:
        raise ValueError(f"{path}: not an image, and too large to be a list of images")
    try:
        text = path.read_text(encoding="utf-8")
    except (UnicodeDecodeError, OSError):
        raise ValueError(f"{path}: neither an image nor a text file listing images") from None
    paths = []
    for n, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        p = Path(line).expanduser()
        rel = p.name if p.is_absolute() else Path(line).as_posix().lstrip("./") or p.name
        p = p if p.is_absolute() else path.parent / p
        if not p.is_file():
            raise ValueError(f"{path}, line {n}: {line}: no such file")
        paths.append((p, rel.replace("../", "")))
    if not paths:
        raise ValueError(f"{path}: neither an image nor a list of image paths")
    return paths
