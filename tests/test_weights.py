"""VGG19 weights come only when asked for (issue 25): painting never downloads, and
`painter weights fetch` downloads atomically and checked.

Every test runs with an empty torch hub cache (``TORCH_HOME`` in a temporary folder)
and without ``PAINTER_VGG_WEIGHTS``. Fetches go to a small stand-in file served by an
http.server on 127.0.0.1, never to the real weights or the network.
"""
from __future__ import annotations

import hashlib
import os
import random
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from painter.engine.losses import NO_WEIGHTS_NOTE
from painter.style import weights as W

from .conftest import empty_hub_cache, free_port, run_main


@pytest.fixture(autouse=True)
def no_weights(monkeypatch, tmp_path) -> Path:
    """An empty torch hub cache and no weights named; returns the checkpoints folder."""
    return empty_hub_cache(monkeypatch, tmp_path / "torch_home")


def run(capsys, *argv: str) -> tuple[int, str, str]:
    """``painter ARGV`` in this process: (exit status, stdout, stderr); an exception
    the command line lets through fails the test."""
    code, out, err, exc = run_main(capsys, argv)
    if exc is not None:
        raise exc
    return code, out, err


def listing(folder: Path) -> list[str]:
    """The names in ``folder``, hidden ones included; [] when it does not exist."""
    return sorted(os.listdir(folder)) if folder.exists() else []


# ----------------------------------------------------------------------------- painting never downloads


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to resolve a name or connect fails the test loudly."""

    def boom(*a, **k):
        raise AssertionError(f"a network connection was attempted: {a!r}")

    monkeypatch.setattr(socket.socket, "connect", boom)
    monkeypatch.setattr(socket.socket, "connect_ex", boom)
    monkeypatch.setattr(socket, "create_connection", boom)
    monkeypatch.setattr(socket, "getaddrinfo", boom)


@pytest.mark.parametrize("quiet", [False, True])
def test_paint_without_weights_never_downloads(capsys, tmp_path, photo_file, no_weights, no_network, quiet):
    out = tmp_path / "out.json"
    argv = ["paint", photo_file, "--style", "van_gogh", "--size", "32", "--strokes", "12", "--steps", "2",
            "-o", out] + (["-q"] if quiet else [])
    code, stdout, err = run(capsys, *argv)
    assert code == 0, err
    assert out.is_file()
    assert listing(no_weights) == []  # nothing was put in the hub cache
    notes = [line for line in err.splitlines() if "VGG19" in line]
    if quiet:
        assert notes == [] and err == ""
    else:
        assert notes == [NO_WEIGHTS_NOTE]
        assert len(notes[0]) <= 100 and "painter weights fetch" in notes[0]


def test_the_note_is_short():
    assert len(NO_WEIGHTS_NOTE) <= 100 and "\n" not in NO_WEIGHTS_NOTE
    assert "painter weights fetch" in NO_WEIGHTS_NOTE


def test_a_missing_weights_file_is_still_an_error(capsys, tmp_path, photo_file, no_network):
    code, _, err = run(capsys, "paint", photo_file, "--style", "van_gogh", "--weights", tmp_path / "nowhere.pth",
                       "-o", tmp_path / "out.json")
    assert code == 1
    assert err.strip().splitlines() == [f"painter: error: {tmp_path / 'nowhere.pth'}: no such weights file"]


def test_a_bad_weights_file_is_still_an_error(capsys, tmp_path, photo_file, no_network):
    bad = tmp_path / "bad.pth"
    bad.write_bytes(b"not a torch file")
    code, _, err = run(capsys, "paint", photo_file, "--style", "van_gogh", "--size", "32", "--strokes", "8",
                       "--steps", "1", "--weights", bad, "-o", tmp_path / "out.json")
    lines = err.strip().splitlines()
    assert code == 1 and len(lines) == 1 and lines[0].startswith(f"painter: error: {bad}")
    assert not (tmp_path / "out.json").exists()


# ----------------------------------------------------------------------------- a local server


class Server:
    """An http.server on 127.0.0.1 in a thread. ``files``: path -> (body, bytes sent,
    announced Content-Length); sending fewer bytes than announced and closing is a
    connection dropped mid-body. ``requests`` counts the GETs."""

    def __init__(self) -> None:
        self.files: dict[str, tuple[bytes, int, int]] = {}
        self.requests = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                outer.requests += 1
                if self.path not in outer.files:
                    self.send_error(404)
                    return
                body, sent, announced = outer.files[self.path]
                self.send_response(200)
                self.send_header("Content-Length", str(announced))
                self.end_headers()
                self.wfile.write(body[:sent])
                self.wfile.flush()
                self.close_connection = True

            def log_message(self, *a) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def serve(self, name: str, body: bytes, sent: int | None = None, announced: int | None = None) -> str:
        """Serve ``body`` as /``name``; returns its URL."""
        n = len(body)
        self.files[f"/{name}"] = (body, n if sent is None else sent, n if announced is None else announced)
        return f"http://127.0.0.1:{self.port}/{name}"


@pytest.fixture
def server():
    s = Server()
    yield s
    s.httpd.shutdown()
    s.httpd.server_close()


def stand_in(seed: int = 0, size: int = 200_000) -> tuple[str, bytes]:
    """(file name carrying its SHA-256 prefix, bytes): a small random stand-in for the weights."""
    body = random.Random(seed).randbytes(size)
    return f"stand-{hashlib.sha256(body).hexdigest()[:8]}.pth", body


# ----------------------------------------------------------------------------- painter weights fetch


def test_fetch_downloads_checks_and_stores(capsys, server, no_weights):
    name, body = stand_in()
    code, out, err = run(capsys, "weights", "fetch", "--url", server.serve(name, body))
    assert code == 0, err
    assert listing(no_weights) == [name]  # the file and nothing else: no temporary file
    assert (no_weights / name).read_bytes() == body
    assert "B/s" in err or "%" in err  # tqdm's progress, on stderr
    assert f"fetched {no_weights / name}" in err and out == ""

    code, _, err = run(capsys, "weights", "fetch", "--url", server.serve(name, body))  # already there: kept
    assert code == 0 and "already there" in err and server.requests == 1
    code, _, err = run(capsys, "weights", "fetch", "--url", server.serve(name, body), "--force", "-q")
    assert code == 0 and err == "" and server.requests == 2
    assert listing(no_weights) == [name] and (no_weights / name).read_bytes() == body


def one_line_error(code: int, err: str, *words: str) -> None:
    """Exit status 1 and one line on stderr (runs with -q: no progress bar) naming ``words``."""
    lines = err.strip().splitlines()
    assert code == 1, err
    assert len(lines) == 1 and lines[0].startswith("painter: error:"), err
    assert "Traceback" not in err
    for w in words:
        assert w in lines[0], lines[0]


def test_a_checksum_mismatch_leaves_nothing(capsys, server, no_weights):
    name, _ = stand_in(0)
    _, other = stand_in(1)  # bytes whose SHA-256 does not start with the name's prefix
    url = server.serve(name, other)
    code, _, err = run(capsys, "weights", "fetch", "--url", url, "-q")
    one_line_error(code, err, url, "checksum")
    assert listing(no_weights) == []
    code, _, err = run(capsys, "weights", "fetch", "--url", url)  # with the progress bar: the error ends it
    assert code == 1 and err.splitlines()[-1].startswith("painter: error:") and "Traceback" not in err
    assert listing(no_weights) == []


def test_a_dropped_connection_leaves_nothing(capsys, server, no_weights):
    name, body = stand_in()
    url = server.serve(name, body, sent=len(body) // 2)  # Content-Length says all of it, half comes
    code, _, err = run(capsys, "weights", "fetch", "--url", url, "-q")
    one_line_error(code, err, url, f"after {len(body) // 2} of {len(body)} bytes")
    assert listing(no_weights) == []


def test_a_failed_fetch_keeps_the_good_file(capsys, server, no_weights):
    name, body = stand_in()
    url = server.serve(name, body)
    assert run(capsys, "weights", "fetch", "--url", url, "-q")[0] == 0
    server.serve(name, stand_in(1)[1])  # the server now sends wrong bytes
    code, _, err = run(capsys, "weights", "fetch", "--url", url, "--force", "-q")
    one_line_error(code, err, "checksum")
    assert listing(no_weights) == [name] and (no_weights / name).read_bytes() == body


def test_the_rename_is_the_last_step(capsys, server, no_weights, monkeypatch):
    """The file appears under its name only once complete and checked: by one
    os.replace of a temporary file in the same folder."""
    name, body = stand_in()
    real, seen = os.replace, []

    def spy(src, dst):
        seen.append((Path(src), Path(dst), Path(src).read_bytes() == body, Path(dst).exists()))
        real(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    code, _, err = run(capsys, "weights", "fetch", "--url", server.serve(name, body), "-q")
    assert code == 0, err
    assert len(seen) == 1
    src, dst, complete, existed = seen[0]
    assert dst == no_weights / name and src.parent == no_weights and src.name.startswith(f".{name}.")
    assert complete and not existed


def test_network_and_url_errors_are_one_line(capsys, server, no_weights):
    url = f"http://127.0.0.1:{free_port()}/stand-0123abcd.pth"  # nothing listens there
    code, _, err = run(capsys, "weights", "fetch", "--url", url, "-q")
    one_line_error(code, err, url, "download failed")
    missing = f"http://127.0.0.1:{server.port}/stand-0123abcd.pth"
    code, _, err = run(capsys, "weights", "fetch", "--url", missing, "-q")
    one_line_error(code, err, missing, "HTTP 404")
    code, _, err = run(capsys, "weights", "fetch", "--url", f"http://127.0.0.1:{server.port}/weights.pth", "-q")
    one_line_error(code, err, "SHA-256")  # a name without a hash prefix cannot be checked: refused
    code, _, err = run(capsys, "weights", "fetch", "--url", f"http://127.0.0.1:{server.port}/", "-q")
    one_line_error(code, err, "names no file")
    assert server.requests == 1  # only the 404: the refused URLs were never asked
    assert listing(no_weights) == []


# ----------------------------------------------------------------------------- painter weights


def test_status_says_where_they_are_or_would_go(capsys, server, no_weights, monkeypatch, tmp_path):
    for argv in (["weights"], ["weights", "status"]):
        code, out, _ = run(capsys, *argv)
        assert code == 0 and "not found" in out and str(no_weights / "vgg19-dcbb9e9d.pth") in out

    # fetch to the default place (WEIGHTS_URL pointed at the local stand-in), then it is found there
    name, body = stand_in()
    monkeypatch.setattr(W, "WEIGHTS_URL", server.serve(name, body))
    code, out, _ = run(capsys, "weights")
    assert "not found" in out and str(no_weights / name) in out
    assert run(capsys, "weights", "fetch", "-q")[0] == 0
    code, out, _ = run(capsys, "weights")
    assert code == 0 and out.strip() == f"VGG19 weights: {no_weights / name} (torch hub cache)"

    mine = tmp_path / "mine.pth"
    mine.write_bytes(b"x")
    monkeypatch.setenv(W.ENV_VAR, str(mine))
    code, out, _ = run(capsys, "weights")
    assert code == 0 and out.strip() == f"VGG19 weights: {mine} ({W.ENV_VAR})"
    monkeypatch.setenv(W.ENV_VAR, str(tmp_path / "nowhere.pth"))
    code, _, err = run(capsys, "weights")
    one_line_error(code, err, "nowhere.pth", W.ENV_VAR)
