"""Studio responsiveness (issue 14, bar 3): while two jobs paint, does the server still
answer GET /api/jobs/{id} in <= 100 ms at the 95th percentile?

Starts `painter studio --workers 2` on a free loopback port over a fresh data folder,
submits two paintings (astronaut and coffee, 512 px, --style none, 240 steps at 256 px),
and, once both run, sends a bounded load of status requests from CLIENTS threads, each
back to back, until REQUESTS are answered or the jobs end. The same load against the
idle studio, before the jobs, is the reference measured in the same run. Bar: p95 of
the loaded latencies <= 100 ms (and every request answered 200). --quick: 100 requests.
"""
from __future__ import annotations

import io
import json
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid

from _common import bar, finish, parse_args, photo, run_benchmark, say

CLIENTS, REQUESTS, P95_MAX_MS = 4, 3000, 100.0


#: the studio's token (every request carries it, as the page's cookie does)
TOKEN = "studio-load-benchmark"
AUTH = {"Authorization": f"token {TOKEN}"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> urllib.request.Request:
    """A GET that carries the studio's token, as a script sends it."""
    return urllib.request.Request(url, headers=AUTH)


def _post_job(url: str, name: str, steps: int = 240) -> str:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(photo(name, 512)).save(buf, format="PNG")
    boundary = uuid.uuid4().hex
    fields = {"style": "none", "steps": str(steps), "size": "256"}
    body = b"".join(f"--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n".encode()
                    for k, v in fields.items())
    body += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"{name}.png\"\r\n"
             "Content-Type: image/png\r\n\r\n").encode() + buf.getvalue() + f"\r\n--{boundary}--\r\n".encode()
    req = urllib.request.Request(url + "/api/jobs", data=body, method="POST",
                                 headers={"Content-Type": f"multipart/form-data; boundary={boundary}", **AUTH})
    return json.loads(urllib.request.urlopen(req, timeout=30).read())["id"]


def _state(url: str, job_id: str) -> dict:
    return json.loads(urllib.request.urlopen(_get(f"{url}/api/jobs/{job_id}"), timeout=10).read())


def _load(url: str, paths: list[str], total: int, keep_going) -> tuple[list[float], int]:
    """Latencies (ms) of ``total`` GETs of ``paths`` from CLIENTS threads, and the failures."""
    times: list[float] = []
    failures = [0]
    lock = threading.Lock()

    def client(k: int) -> None:
        i = k
        while keep_going():
            with lock:
                if len(times) + failures[0] >= total:
                    return
            start = time.perf_counter()
            try:
                with urllib.request.urlopen(_get(url + paths[i % len(paths)]), timeout=10) as r:
                    r.read()
                    ok = r.status == 200
            except OSError:
                ok = False
            with lock:
                if ok:
                    times.append(1000 * (time.perf_counter() - start))
                else:
                    failures[0] += 1
            i += 1

    threads = [threading.Thread(target=client, args=(k,)) for k in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return times, failures[0]


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 20 else max(values)


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    total = 300 if args.quick else REQUESTS
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as data:
        server = subprocess.Popen([sys.executable, "-m", "painter", "studio", "--no-open", "--workers", "2",
                                   "--port", str(port), "--data", data, "--token", TOKEN], stderr=subprocess.DEVNULL)
        try:
            for _ in range(300):
                try:
                    urllib.request.urlopen(_get(url + "/api/styles"), timeout=1).read()
                    break
                except OSError:
                    time.sleep(0.1)
            done = _post_job(url, "chelsea", steps=0)
            while _state(url, done)["state"] != "done":
                time.sleep(0.1)
            idle, idle_failed = _load(url, [f"/api/jobs/{done}"], total, lambda: True)
            ids = [_post_job(url, name) for name in ("astronaut", "coffee")]
            while not all(_state(url, i)["state"] == "running" and _state(url, i)["step"] > 0 for i in ids):
                time.sleep(0.1)
            paths = [f"/api/jobs/{i}" for i in ids]
            busy, busy_failed = _load(url, paths, total,
                                      lambda: any(_state(url, i)["state"] == "running" for i in ids[:1]))
            states = [_state(url, i)["state"] for i in ids]
        finally:
            server.terminate()
            server.wait(60)
    figures = {"clients": CLIENTS, "requests": len(busy), "failed": busy_failed + idle_failed,
               "busy_p95_ms": round(p95(busy), 2), "busy_median_ms": round(statistics.median(busy), 2),
               "idle_p95_ms": round(p95(idle), 2), "idle_median_ms": round(statistics.median(idle), 2),
               "jobs_at_end": states}
    say(f"status requests while two jobs paint: median {figures['busy_median_ms']} ms, p95 {figures['busy_p95_ms']} ms "
        f"over {len(busy)} (idle: median {figures['idle_median_ms']} ms, p95 {figures['idle_p95_ms']} ms)")
    bars = {"busy_p95_ms": bar(figures["busy_p95_ms"], P95_MAX_MS, unit=" ms"),
            "failed_requests": bar(figures["failed"], 0)}
    finish("studio_load", args.quick, figures, bars)


if __name__ == "__main__":
    run_benchmark("studio_load", main)
