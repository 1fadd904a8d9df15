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

import statistics
import tempfile
import threading
import time
import urllib.request

from _common import bar, finish, parse_args, run_benchmark, say
from _studio import AUTH, Studio, p95, png

CLIENTS, REQUESTS, P95_MAX_MS = 4, 3000, 100.0


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
                with urllib.request.urlopen(urllib.request.Request(url + paths[i % len(paths)], headers=AUTH),
                                            timeout=10) as r:
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


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    total = 300 if args.quick else REQUESTS
    with tempfile.TemporaryDirectory() as data:
        studio = Studio(data, "--workers", "2").start()
        try:
            url = studio.url
            done = studio.post(png("chelsea", 512), {"style": "none", "steps": "0", "size": "256"})[1]["id"]
            studio.wait(done)
            idle, idle_failed = _load(url, [f"/api/jobs/{done}"], total, lambda: True)
            ids = [studio.post(png(name, 512), {"style": "none", "steps": "240", "size": "256"})[1]["id"]
                   for name in ("astronaut", "coffee")]
            while not all(studio.job(i)["state"] == "running" and studio.job(i)["step"] > 0 for i in ids):
                time.sleep(0.1)
            paths = [f"/api/jobs/{i}" for i in ids]
            busy, busy_failed = _load(url, paths, total, lambda: studio.job(ids[0])["state"] == "running")
            states = [studio.job(i)["state"] for i in ids]
        finally:
            studio.stop()
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
