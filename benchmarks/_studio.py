"""Helpers for the benchmarks that drive a real ``painter studio`` process (not a
benchmark itself): start and stop it, send it requests with its token, post jobs."""
from __future__ import annotations

import io
import json
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

from _common import photo

#: the studio's token (every request carries it, as the page's cookie does)
TOKEN = "studio-benchmark"
AUTH = {"Authorization": f"token {TOKEN}"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Studio:
    """``painter studio`` over ``data`` on a free loopback port, with ``args``."""

    def __init__(self, data: str | Path, *args: str):
        self.data, self.args = Path(data), args
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self) -> "Studio":
        self.proc = subprocess.Popen([sys.executable, "-m", "painter", "studio", "--no-open", "--port", str(self.port),
                                      "--data", str(self.data), "--token", TOKEN, *self.args],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(600):
            try:
                self.get("/api/styles", timeout=1)
                return self
            except OSError:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"the studio exited with {self.proc.returncode}") from None
                time.sleep(0.1)
        raise RuntimeError("the studio did not answer within 60 s")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def restart(self) -> "Studio":
        self.stop()
        return self.start()

    def get(self, path: str, timeout: float = 10) -> tuple[int, bytes]:
        """(status, body) of GET ``path``; an HTTP error is a status, not an exception."""
        try:
            with urllib.request.urlopen(urllib.request.Request(self.url + path, headers=AUTH), timeout=timeout) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def job(self, job_id: str) -> dict:
        return json.loads(self.get(f"/api/jobs/{job_id}")[1])

    def delete(self, job_id: str) -> int:
        req = urllib.request.Request(f"{self.url}/api/jobs/{job_id}", method="DELETE", headers=AUTH)
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status
        except urllib.error.HTTPError as e:
            return e.code

    def post(self, image: bytes, fields: dict) -> tuple[int, dict]:
        """POST a job: ``image`` (PNG bytes) and ``fields``, as the page does."""
        boundary = uuid.uuid4().hex
        body = b"".join(f"--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n".encode()
                        for k, v in fields.items())
        body += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"photo.png\"\r\n"
                 "Content-Type: image/png\r\n\r\n").encode() + image + f"\r\n--{boundary}--\r\n".encode()
        req = urllib.request.Request(self.url + "/api/jobs", data=body, method="POST", headers={
            "Content-Type": f"multipart/form-data; boundary={boundary}", **AUTH})
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    def wait(self, job_id: str, states=("done", "failed", "cancelled"), timeout: float = 300) -> dict:
        end = time.time() + timeout
        while time.time() < end:
            job = self.job(job_id)
            if job["state"] in states:
                return job
            time.sleep(0.2)
        raise RuntimeError(f"job {job_id} still {job['state']} after {timeout:.0f} s")


def png(name: str, longer: int) -> bytes:
    """A scikit-image photo as PNG bytes, its longer side ``longer`` pixels."""
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(photo(name, longer)).save(buf, format="PNG")
    return buf.getvalue()


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 20 else max(values)
