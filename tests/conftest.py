import io
import queue
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (for servers the tests start)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


#: the token the tests' studios are started with
STUDIO_TOKEN = "test-token-0123456789"


def start_studio(data: Path, *args: str, token: str | None = STUDIO_TOKEN):
    """``painter studio --no-open`` over ``data`` on a free loopback port (``args``:
    more options; ``token``: --token, None for none given), as (process, url), once
    it answers. Its output is kept in the process's stdout pipe."""
    port = free_port()
    cmd = [sys.executable, "-m", "painter", "studio", "--no-open", "--port", str(port), "--data", str(data), *args]
    if token is not None:
        cmd += ["--token", token]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(urllib.request.Request(url + "/api/styles",
                                                          headers={"Authorization": f"token {token}"}), timeout=1)
            return proc, url
        except urllib.error.HTTPError:
            return proc, url  # it answers
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.1)
    proc.kill()
    raise AssertionError("the studio did not start: " + proc.stdout.read().decode()[-2000:])


def psnr_np(a: np.ndarray, b: np.ndarray) -> float:
    mse = ((a.astype(np.float64) - b.astype(np.float64)) ** 2).mean() / 255.0**2
    return float("inf") if mse == 0 else 10 * np.log10(1 / mse)


def resvg_render(svg: str, mode: str = "RGB") -> np.ndarray:
    """Rasterize an SVG string with resvg (independent renderer) -> uint8 [H,W,3]
    (``mode="RGBA"``: [H,W,4], alpha not premultiplied)."""
    import resvg_py

    png = bytes(resvg_py.svg_to_bytes(svg_string=svg, skip_system_fonts=True))
    return np.asarray(Image.open(io.BytesIO(png)).convert(mode))


def pdf_facts(path) -> dict:
    """What a PDF holds, read from its bytes: ``page`` (width, height) in points from
    the first MediaBox, ``images`` (how many image XObjects), and ``ops``: how often
    each path operator (m l c re h f f* B b S) appears in its (Flate) content streams."""
    import re
    import zlib

    data = Path(path).read_bytes()
    box = re.search(rb"/MediaBox\s*\[\s*([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s*\]", data)
    x0, y0, x1, y1 = (float(v) for v in box.groups())
    ops: dict[str, int] = {}
    for m in re.finditer(rb"<<(.*?)>>\s*stream\r?\n(.*?)endstream", data, re.S):
        if b"/Subtype /Image" in m.group(1) or b"/FlateDecode" not in m.group(1):
            continue
        try:
            text = zlib.decompress(m.group(2))
        except zlib.error:
            continue
        for op in re.findall(rb"(?<=\s)(m|l|c|re|h|f\*?|B|b|S)(?=\s)", b" " + text + b" "):
            ops[op.decode()] = ops.get(op.decode(), 0) + 1
    return {"page": (x1 - x0, y1 - y0), "images": len(re.findall(rb"/Subtype\s*/Image", data)), "ops": ops}


def pdftoppm(path, width: int, height: int, tool: str = "pdftoppm") -> np.ndarray:
    """Poppler's rasterization of a PDF's first page at ``width`` x ``height`` px,
    uint8 [H,W,3] (skips the test where poppler-utils is not installed, except on CI).
    ``tool``: pdftoppm (Poppler's own Splash rasterizer, which resamples an image even
    at its own size) or pdftocairo (through cairo)."""
    import os
    import shutil

    if shutil.which(tool) is None:
        if os.environ.get("CI"):
            raise RuntimeError("pdftoppm is missing (make testdeps installs poppler-utils)")
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    out = Path(path).with_suffix(".ppm-out")
    subprocess.run([tool, "-png", "-singlefile", "-scale-to-x", str(width), "-scale-to-y", str(height),
                    str(path), str(out)], check=True, capture_output=True, timeout=120)
    return np.asarray(Image.open(str(out) + ".png").convert("RGB"))


def photo(name: str = "astronaut", size: int = 64) -> np.ndarray:
    from skimage import data

    im = Image.fromarray(getattr(data, name)()).convert("RGB")
    return np.array(im.resize((size, size), Image.BOX))


def four_colours(size: int) -> np.ndarray:
    """[size,size,3] float in [0,1]: four flat colours with a curved boundary."""
    y, x = np.mgrid[:size, :size] + 0.5
    img = np.zeros((size, size, 3))
    img[...] = (0.9, 0.85, 0.2)
    img[x < size / 2] = (0.1, 0.2, 0.7)
    img[np.hypot(x - size * 0.6, y - size * 0.5) < size * 0.25] = (0.8, 0.1, 0.1)
    img[y > size * 0.8] = (0.1, 0.5, 0.2)
    return img


@pytest.fixture
def photo_file(tmp_path) -> Path:
    p = tmp_path / "photo.png"
    Image.fromarray(photo("astronaut", 96)).save(p)
    return p


class Lines:
    """The lines a running process writes to a pipe, read by a thread so that every wait
    has a deadline: a hung process fails the test (and is killed) instead of hanging it."""

    def __init__(self, proc: subprocess.Popen, stream):
        self.proc, self.seen = proc, []
        self._queue: queue.Queue = queue.Queue()
        threading.Thread(target=self._pump, args=(stream,), daemon=True).start()

    def _pump(self, stream) -> None:
        for line in stream:
            self._queue.put(line)
        self._queue.put(None)  # end of stream

    def _next(self, deadline: float, what: str) -> str | None:
        """The next line (None at the end of the stream); kills the process and fails
        when none comes before ``deadline``."""
        try:
            return self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            self.proc.kill()
            raise AssertionError(f"{what} within the time allowed; got {self.seen[-5:]}") from None

    def wait_for(self, prefix: str, timeout: float = 120) -> str:
        """The first line starting with ``prefix``; fails after ``timeout`` s or at the end of the stream."""
        deadline = time.monotonic() + timeout
        while True:
            line = self._next(deadline, f"no line {prefix!r}")
            if line is None:
                raise AssertionError(f"the process ended without a line {prefix!r}; got {self.seen[-5:]}")
            self.seen.append(line)
            if line.startswith(prefix):
                return line

    def rest(self, timeout: float = 120) -> str:
        """Everything until the end of the stream (at most ``timeout`` s)."""
        out, deadline = [], time.monotonic() + timeout
        while (line := self._next(deadline, "the stream did not end")) is not None:
            out.append(line)
        return "".join(out)


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "painter", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, timeout=300)


@pytest.fixture
def offline(monkeypatch, tmp_path):
    """No argument, no env var, an empty torch hub cache, and a network that fails like
    an offline machine's (at the urlopen of painter.style.weights.fetch_weights and of
    torch.hub, below torchvision's get_state_dict); returns the list of attempts."""
    calls = []

    def no_network(*args, **kwargs):
        calls.append(args)
        raise urllib.error.URLError(OSError(-3, "Temporary failure in name resolution"))

    monkeypatch.setattr(torch.hub, "urlopen", no_network)
    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    empty_hub_cache(monkeypatch, tmp_path / "torch_home")
    return calls


def empty_hub_cache(monkeypatch, torch_home: Path) -> Path:
    """No weights named (``PAINTER_VGG_WEIGHTS`` unset) and the torch hub cache in
    ``torch_home``; returns its checkpoints folder."""
    monkeypatch.delenv("PAINTER_VGG_WEIGHTS", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("TORCH_HOME", str(torch_home))
    monkeypatch.setattr(torch.hub, "_hub_dir", None)  # a set_dir() elsewhere would win over TORCH_HOME
    return torch_home / "hub" / "checkpoints"


def run_main(capsys, argv) -> tuple[int | None, str, str, Exception | None]:
    """``painter ARGV`` in this process: its exit status (None when it raised), stdout,
    stderr, and the exception it raised (only ``--debug`` lets one through)."""
    from painter.cli import main

    capsys.readouterr()
    code, exc = 0, None
    try:
        main([str(a) for a in argv])
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    except Exception as e:  # noqa: BLE001 - handed back to the caller
        code, exc = None, e
    out, err = capsys.readouterr()
    return code, out, err, exc


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)
