"""VGG19 weights on this machine: where they are, and fetching them when asked.

``find_weights`` is the one place of the lookup order: ``--weights FILE``, then
``$PAINTER_VGG_WEIGHTS``, then the torch hub cache
(``<torch.hub.get_dir()>/checkpoints/vgg19-dcbb9e9d.pth``; ``TORCH_HOME`` moves it).
Painting never downloads: without weights the neural losses are skipped with one
short line.

``fetch_weights`` (``painter weights fetch``) is the only download: torchvision's file
(548 MB, once) into the torch hub cache, where torchvision and ``load_vgg`` find it.
It is written to a temporary file in that folder, checked against the SHA-256 prefix
its name carries (``vgg19-dcbb9e9d.pth``: the digest starts with ``dcbb9e9d``,
torch.hub's ``check_hash`` rule), and only then renamed into place: the cache holds
the whole checked file or nothing.
"""
from __future__ import annotations

import hashlib
import http.client
import os
import re
import sys
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import unquote, urlparse

__all__ = ["ENV_VAR", "FetchError", "WEIGHTS_URL", "WeightsUnavailable", "fetch_weights", "find_weights",
           "hub_weights_path", "verified", "weights_destination"]

#: environment variable naming a local weights file
ENV_VAR = "PAINTER_VGG_WEIGHTS"
#: torchvision's ``VGG19_Weights.IMAGENET1K_V1.url`` (a test keeps them equal): named
#: here so that finding out there are no weights costs no 2 s import of torchvision
WEIGHTS_URL = "https://download.pytorch.org/models/vgg19-dcbb9e9d.pth"

#: torch.hub's: the hex digits between a dash and a dot in a file name are the start
#: of its SHA-256 (``vgg19-dcbb9e9d.pth``)
HASH_REGEX = re.compile(r"-([a-f0-9]*)\.")
#: what a download really raises: no network, DNS, proxy, HTTP errors and time-outs
#: (urllib's URLError/HTTPError and socket errors are OSErrors), a dropped connection
#: (http.client), a full or read-only disk (OSError); anything else is a bug and surfaces
DOWNLOAD_ERRORS = (OSError, http.client.HTTPException)
TIMEOUT_S = 30.0  # per socket operation, so a stalled server does not hang the fetch
_CHUNK = 1 << 20


class WeightsUnavailable(RuntimeError):
    """No VGG19 weights could be found (or, when asked for, downloaded); the message is
    one line for the user."""


class FetchError(WeightsUnavailable):
    """The weights could not be downloaded or did not check out; the message is one line."""


def find_weights(weights: str | os.PathLike | None = None) -> tuple[Path, str] | None:
    """``(path, how)`` of the VGG19 weights to use, or None when there are none.

    In order: ``weights`` (how: "weights file"), ``$PAINTER_VGG_WEIGHTS`` (how: its
    name), the torch hub cache (how: "torch hub cache"). A file named by the first two
    is returned whether or not it exists: a missing file the user named is an error to
    report, never a fall-through to the next place. Nothing is read or downloaded.
    """
    env = os.environ.get(ENV_VAR, "").strip()
    if weights is not None:
        return Path(weights).expanduser(), "weights file"
    if env:
        return Path(env).expanduser(), ENV_VAR
    hub = hub_weights_path()
    return (hub, "torch hub cache") if hub.is_file() else None


def hub_weights_path() -> Path:
    """Where torchvision keeps the VGG19 weights, and where ``painter weights fetch``
    puts them: the torch hub cache."""
    return weights_destination(WEIGHTS_URL)


def weights_destination(url: str = WEIGHTS_URL) -> Path:
    """Where ``fetch_weights(url)`` puts its file: the torch hub cache's checkpoints
    folder, under the URL's own file name (:func:`hub_weights_path` for ``WEIGHTS_URL``).
    Raises ``FetchError`` for a URL that names no file."""
    import torch

    name = os.path.basename(unquote(urlparse(url).path))
    if not name:
        raise FetchError(f"{url}: the URL names no file")
    return Path(torch.hub.get_dir()) / "checkpoints" / name


def _hash_prefix(name: str) -> str:
    m = HASH_REGEX.search(name)
    if not m or not m[1]:
        raise FetchError(f"{name}: the file name carries no SHA-256 prefix to check (NAME-<hex>.pth)")
    return m[1]


def verified(path: str | os.PathLike) -> bool:
    """Whether ``path`` is a file whose SHA-256 starts with the prefix its name carries."""
    p = Path(path)
    if not p.is_file():
        return False
    h = hashlib.sha256()
    with open(p, "rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest().startswith(_hash_prefix(p.name))


def fetch_weights(url: str = WEIGHTS_URL, progress: bool = False) -> Path:
    """Download ``url`` to :func:`weights_destination` and return that path.

    The file is written to a temporary file next to it, checked (every byte the
    server announced, and the SHA-256 prefix in its name), then renamed into place;
    on any error or interruption the temporary file is removed and an existing file
    is left as it was. ``progress``: a bar on stderr. Raises ``FetchError`` (one line
    naming the URL) for a network, HTTP, disk or checksum failure.
    """
    from tqdm.auto import tqdm

    from ..image.io import atomic_output

    dest = weights_destination(url)
    prefix = _hash_prefix(dest.name)
    try:
        request = urllib.request.Request(url, headers={"User-Agent": "painter"})
    except ValueError as e:
        raise FetchError(f"{url}: not a URL ({e})") from None
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as r, atomic_output(dest) as tmp:
            length = r.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
            got, h = 0, hashlib.sha256()
            with open(tmp, "wb") as f, tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024,
                                             desc=dest.name, file=sys.stderr, disable=not progress) as bar:
                while chunk := r.read(_CHUNK):
                    f.write(chunk)
                    h.update(chunk)
                    got += len(chunk)
                    bar.update(len(chunk))
                f.flush()
                os.fsync(f.fileno())
            if total is not None and got != total:
                raise FetchError(f"{url}: the connection closed after {got} of {total} bytes")
            digest = h.hexdigest()
            if not digest.startswith(prefix):
                raise FetchError(f"{url}: checksum mismatch (SHA-256 {digest[:len(prefix)]}..., "
                                 f"expected {prefix}...)")
    except DOWNLOAD_ERRORS as e:
        raise FetchError(f"{url}: download failed ({_reason(e)})") from None
    return dest


def _reason(e: BaseException) -> str:
    """A download error in a few words: "HTTP 404 Not Found", "[Errno -3] Temporary
    failure in name resolution", "timed out", "RemoteDisconnected"."""
    if isinstance(e, urllib.error.HTTPError):
        text = f"HTTP {e.code} {e.reason}"
    elif isinstance(e, urllib.error.URLError):
        text = str(e.reason)
    else:
        text = str(e)
    return " ".join(text.split())[:200] or type(e).__name__
