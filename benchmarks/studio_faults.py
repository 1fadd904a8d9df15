"""The studio under load and faults (issue 29): a real `painter studio` process on
loopback, put through seven scenarios, each bounded in time and count.

1. slowloris: 20 connections sending their request a byte every 5 s; each must be
   closed within --request-timeout (10 s) + 1 s while normal requests get 200.
2. chunked upload: 100 MB sent with Transfer-Encoding: chunked (no Content-Length);
   it must get 413 while the server's memory grows by at most 2x the 32 MB limit.
3. 50 clients: each holds an event stream and polls its job's status twice a second
   while two jobs paint (5000 steps at 256 px, cancelled after); no request may fail
   (a pass), and the status p95 must stay within 10x the p95 of the same clients polling
   the idle studio, measured first in the same run (a bar of its own: a timing).
4. a worker past its memory limit (--worker-memory 1.5G, a 49 MP photo painted at
   1024 px): its job fails with "out of memory", a small job beside it finishes.
5. a running job's folder deleted: the job fails with a one-line reason.
6. a full disk: a 16 MB tmpfs as the data folder (mounted and unmounted here; needs
   root, skipped otherwise), filled while a job paints: the job fails with "the disk
   is full", a new job gets 507, nothing half-written is left.
7. the whole data folder deleted under a running job: the job fails, and the next
   job makes the folder again.

After every fault the server must answer GET /api/styles with 200, and a restart must
list every job that was complete before the fault with its results intact (SHA-256 of
result.svg, .png and .json). Figures: one JSON line with a pass for each scenario.
--quick: 2 s request timeout with a byte a second, 6 s of load.
"""
from __future__ import annotations

import asyncio
import hashlib
import io
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from _common import bar, finish, parse_args, run_benchmark, say
from _studio import TOKEN, Studio, p95, png

#: the server's upload limit (painter.studio.app.MAX_UPLOAD_BYTES) and what the client sends
UPLOAD_LIMIT, UPLOAD_SENT = 32 << 20, 100 << 20
CLIENTS, POLL_SECONDS, SLOW_CONNECTIONS = 50, 0.5, 20
#: a painting that runs for minutes unless a fault ends it
LONG = {"style": "none", "steps": "5000", "size": "96", "strokes": "60"}
KINDS = ("svg", "png", "json")


# -- what every scenario checks afterwards --------------------------------------------------
def hashes(studio: Studio, job_id: str) -> dict[str, str]:
    return {k: hashlib.sha256(studio.get(f"/api/jobs/{job_id}/result.{k}")[1]).hexdigest() for k in KINDS}


def finish_jobs(studio: Studio, complete: dict[str, dict], *fields: dict) -> None:
    """Paint small jobs to the end and remember their results' hashes in ``complete``."""
    for f in fields:
        job_id = studio.post(png("chelsea", 96), f)[1]["id"]
        if studio.wait(job_id)["state"] != "done":
            raise RuntimeError(f"a small {f.get('mode', 'paint')} job failed: {studio.job(job_id)['error']}")
        complete[job_id] = hashes(studio, job_id)


def survived(studio: Studio, complete: dict[str, dict]) -> tuple[bool, str]:
    """GET /api/styles answers 200; then, restarted, the studio lists every complete
    job, done, with the same results."""
    answered = studio.get("/api/styles")[0] == 200
    studio.restart()
    listed = {j["id"]: j["state"] for j in json.loads(studio.get("/api/jobs")[1])["jobs"]}
    intact = [i for i, h in complete.items() if listed.get(i) == "done" and hashes(studio, i) == h]
    ok = answered and len(intact) == len(complete)
    return ok, (f"/api/styles {'200' if answered else 'not 200'}; after a restart {len(intact)} of "
                f"{len(complete)} complete jobs listed with the same results")


def running(studio: Studio, job_id: str) -> None:
    end = time.time() + 120
    while studio.job(job_id)["step"] < 2:
        if time.time() > end:
            raise RuntimeError(f"job {job_id} did not start painting")
        time.sleep(0.2)


# -- 1. slowloris ------------------------------------------------------------------------------
def slowloris(studio: Studio, timeout: float, every: float) -> dict:
    request = f"GET /api/styles HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: token {TOKEN}\r\n\r\n".encode()
    closed_after: list[float] = []

    def client() -> None:
        start = time.monotonic()
        with socket.create_connection(("127.0.0.1", studio.port)) as s:
            s.settimeout(every)
            for byte in request:
                try:
                    s.sendall(bytes([byte]))
                    if s.recv(1024) == b"":
                        break
                except socket.timeout:
                    continue  # still open: the next byte
                except OSError:
                    break
                if time.monotonic() - start > 4 * timeout:
                    return  # never closed
            closed_after.append(time.monotonic() - start)

    threads = [threading.Thread(target=client) for _ in range(SLOW_CONNECTIONS)]
    for t in threads:
        t.start()
    normal = []
    while any(t.is_alive() for t in threads):
        normal.append(studio.get("/api/styles", timeout=5)[0])
        time.sleep(0.25)
    worst = max(closed_after, default=float("inf"))
    ok = len(closed_after) == SLOW_CONNECTIONS and worst <= timeout + 1 and set(normal) == {200}
    return {"pass": ok, "closed": len(closed_after), "slowest_close_s": round(worst, 2),
            "normal_requests": len(normal), "normal_failed": sum(s != 200 for s in normal),
            "what": f"{len(closed_after)} of {SLOW_CONNECTIONS} slow connections closed, the last after {worst:.1f} s "
                    f"(timeout {timeout:g} s); {sum(s == 200 for s in normal)} of {len(normal)} normal requests 200"}


# -- 2. a chunked upload over the limit ------------------------------------------------------
def rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def chunked_upload(studio: Studio) -> dict:
    pid, peak, sampling = studio.proc.pid, [0], [True]

    def sample() -> None:
        while sampling[0]:
            peak[0] = max(peak[0], rss(pid))
            time.sleep(0.005)

    base = rss(pid)
    sampler = threading.Thread(target=sample)
    sampler.start()
    head = (f"POST /api/jobs HTTP/1.1\r\nHost: 127.0.0.1:{studio.port}\r\nAuthorization: token {TOKEN}\r\n"
            "Content-Type: multipart/form-data; boundary=b\r\nTransfer-Encoding: chunked\r\n\r\n").encode()
    chunk = os.urandom(1 << 20)
    answer, sent = bytearray(), [0]
    with socket.create_connection(("127.0.0.1", studio.port), timeout=30) as s:
        def send() -> None:
            try:
                s.sendall(head)
                while sent[0] < UPLOAD_SENT:
                    s.sendall(b"100000\r\n" + chunk + b"\r\n")
                    sent[0] += len(chunk)
                s.sendall(b"0\r\n\r\n")
            except OSError:
                pass  # the server has answered and closed

        sender = threading.Thread(target=send)
        sender.start()
        try:
            while True:
                got = s.recv(65536)
                if not got:
                    break
                answer += got
                if b"\r\n\r\n" in answer and b"}" in answer:
                    break
        except OSError:
            pass
        sender.join(60)
    time.sleep(0.3)
    sampling[0] = False
    sampler.join()
    status = answer.split(b" ", 2)[1].decode() if answer.startswith(b"HTTP/1.1") else "none"
    growth = (peak[0] - base) / (1 << 20)
    ok = status == "413" and growth <= 2 * UPLOAD_LIMIT / (1 << 20)
    return {"pass": ok, "status": status, "sent_mb": round(sent[0] / (1 << 20)), "memory_growth_mb": round(growth, 1),
            "what": f"{status} after {sent[0] >> 20} MB sent; the server's memory grew by {growth:.0f} MB "
                    f"(at most {2 * UPLOAD_LIMIT >> 20} MB)"}


# -- 3. fifty clients --------------------------------------------------------------------------
async def _get(reader, writer, path: str) -> int:
    writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: token {TOKEN}\r\n\r\n".encode())
    await writer.drain()
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
    length = next(int(h.split(":")[1]) for h in head.split("\r\n") if h.lower().startswith("content-length:"))
    await reader.readexactly(length)
    return int(head.split(" ", 2)[1])


async def _poller(port: int, path: str, seconds: float, times: list, failures: list) -> None:
    """Status requests on one kept-alive connection, twice a second (jittered)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    await asyncio.sleep(random.uniform(0, POLL_SECONDS))
    end = time.monotonic() + seconds
    try:
        while time.monotonic() < end:
            start = time.perf_counter()
            try:
                status = await asyncio.wait_for(_get(reader, writer, path), 10)
            except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError, StopIteration) as e:
                failures.append(f"{path}: {type(e).__name__}")
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                continue
            if status == 200:
                times.append(1000 * (time.perf_counter() - start))
            else:
                failures.append(f"{path}: {status}")
            await asyncio.sleep(POLL_SECONDS * random.uniform(0.8, 1.2))
    finally:
        writer.close()


async def _stream(port: int, job_id: str, seconds: float, events: list, failures: list) -> None:
    """An event stream of ``job_id`` read for ``seconds``: it must answer 200 and stay open."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET /api/jobs/{job_id}/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                 f"Authorization: token {TOKEN}\r\n\r\n".encode())
    await writer.drain()
    end = time.monotonic() + seconds
    try:
        head = (await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)).decode("latin-1")
        if " 200 " not in head.split("\r\n")[0]:
            failures.append(f"events: {head.splitlines()[0]}")
            return
        while time.monotonic() < end:
            try:
                line = await asyncio.wait_for(reader.readline(), max(0.1, end - time.monotonic()))
            except asyncio.TimeoutError:
                break
            if not line:
                failures.append("events: closed while the job ran")
                return
            if line.startswith(b"event:"):
                events.append(line)
    except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError) as e:
        failures.append(f"events: {type(e).__name__}")
    finally:
        writer.close()


async def _clients(port: int, paths: list[str], streams: list[str], seconds: float) -> tuple[list, list, list]:
    times, failures, events = [], [], []
    tasks = [_poller(port, paths[k % len(paths)], seconds, times, failures) for k in range(CLIENTS)]
    tasks += [_stream(port, streams[k % len(streams)], seconds, events, failures) for k in range(CLIENTS) if streams]
    await asyncio.gather(*tasks)
    return times, failures, events


def fifty_clients(studio: Studio, done_id: str, seconds: float) -> dict:
    idle, idle_failed, _ = asyncio.run(_clients(studio.port, [f"/api/jobs/{done_id}"], [], seconds / 2))
    single = []
    for _ in range(100):
        start = time.perf_counter()
        studio.get(f"/api/jobs/{done_id}")
        single.append(1000 * (time.perf_counter() - start))
    ids = [studio.post(png(name, 512), {"style": "none", "steps": "5000", "size": "256"})[1]["id"]
           for name in ("astronaut", "coffee")]
    for i in ids:
        running(studio, i)
    busy, failed, events = asyncio.run(_clients(studio.port, [f"/api/jobs/{i}" for i in ids], ids, seconds))
    states = [studio.job(i)["state"] for i in ids]
    for i in ids:
        studio.delete(i)
    ratio = p95(busy) / p95(idle)
    ok = not failed and not idle_failed and states == ["running", "running"]  # the p95 ratio is a bar of its own
    return {"pass": ok, "requests": len(busy), "events": len(events), "failed": len(failed) + len(idle_failed),
            "failures": (failed + idle_failed)[:5], "busy_p95_ms": round(p95(busy), 2),
            "busy_median_ms": round(statistics.median(busy), 2), "idle_p95_ms": round(p95(idle), 2),
            "single_client_idle_p95_ms": round(p95(single), 2), "p95_ratio": round(ratio, 2), "jobs_at_end": states,
            "what": f"{CLIENTS} clients, {len(busy)} status requests and {len(events)} events while two jobs "
                    f"painted: {len(failed)} failed; p95 {p95(busy):.1f} ms against {p95(idle):.1f} ms idle "
                    f"({ratio:.1f}x, at most 10x); the jobs were {' and '.join(states)} at the end"}


# -- 4. a worker past its memory limit ------------------------------------------------------
def out_of_memory(studio: Studio, complete: dict) -> dict:
    from PIL import Image

    huge = io.BytesIO()
    Image.new("RGB", (7000, 7000), (200, 120, 40)).save(huge, "PNG")
    doomed = studio.post(huge.getvalue(), {"size": "1024", "steps": "5"})[1]["id"]
    small = studio.post(png("coffee", 96), {"style": "none", "size": "96", "steps": "10"})[1]["id"]
    job = studio.wait(doomed)
    beside = studio.wait(small)["state"]
    if beside == "done":
        complete[small] = hashes(studio, small)
    ok = job["state"] == "failed" and job["error"].startswith("out of memory") and beside == "done"
    return {"pass": ok, "error": job["error"], "beside": beside,
            "what": f"the 49 MP job {job['state']} ({job['error'][:80]}...); the small job beside it {beside}"}


# -- 5. a running job's folder deleted --------------------------------------------------------
def folder_deleted(studio: Studio) -> dict:
    doomed = studio.post(png("astronaut", 128), LONG)[1]["id"]
    running(studio, doomed)
    shutil.rmtree(studio.data / "jobs" / doomed)
    job = studio.wait(doomed, timeout=60)
    ok = job["state"] == "failed" and "folder was removed" in job["error"]
    return {"pass": ok, "error": job["error"], "what": f"the job {job['state']}: {job['error']}"}


# -- 6. a full disk ----------------------------------------------------------------------------
def disk_full(root: Path) -> dict:
    disk = root / "disk"
    disk.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(disk)],
                                           capture_output=True).returncode != 0:
        return {"pass": None, "what": "skipped: mounting a tmpfs needs root"}
    studio = Studio(disk / "data", "--workers", "1")
    try:
        studio.start()
        complete: dict = {}
        finish_jobs(studio, complete, {"mode": "trace"}, {"style": "none", "size": "96", "steps": "10"})
        doomed = studio.post(png("astronaut", 128), LONG)[1]["id"]
        running(studio, doomed)
        with open(disk / "filler", "wb", buffering=0) as f:
            for block in (1 << 16, 1):
                try:
                    while True:
                        f.write(b"\0" * block)
                except OSError:
                    pass
        job = studio.wait(doomed, timeout=60)
        status, body = studio.post(png("chelsea", 96), {"mode": "trace"})
        partial = sorted(p.name for p in (studio.data / "jobs" / doomed).glob("result.*"))
        (disk / "filler").unlink()
        ok_after, after = survived(studio, complete)
        ok = (job["state"] == "failed" and job["error"].startswith("the disk is full") and status == 507
              and not partial and ok_after)
        return {"pass": ok, "error": job["error"], "new_job_status": status, "partial_results": partial,
                "what": f"the job {job['state']}: {job['error']}; a new job got {status}; "
                        f"{len(partial)} partial results left; {after}"}
    finally:
        studio.stop()
        subprocess.run(["umount", "-l", str(disk)], check=False)


# -- 7. the whole data folder deleted ----------------------------------------------------------
def data_deleted(root: Path) -> dict:
    studio = Studio(root / "gone", "--workers", "1").start()
    try:
        before: dict = {}
        finish_jobs(studio, before, {"mode": "trace"})
        doomed = studio.post(png("astronaut", 128), LONG)[1]["id"]
        running(studio, doomed)
        shutil.rmtree(studio.data)
        job = studio.wait(doomed, timeout=60)
        answered = studio.get("/api/styles")[0]
        after: dict = {}
        finish_jobs(studio, after, {"mode": "trace"})  # a new job makes the folder again
        ok_after, text = survived(studio, after)
        ok = job["state"] == "failed" and "folder was removed" in job["error"] and answered == 200 and ok_after
        return {"pass": ok, "error": job["error"],
                "what": f"the job {job['state']}: {job['error']}; /api/styles {answered}; a new job was done; "
                        f"{text} (the {len(before)} before the fault went with the folder)"}
    finally:
        studio.stop()


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    timeout, every, seconds = (2.0, 1.0, 6.0) if args.quick else (10.0, 5.0, 20.0)
    scenarios: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        studio = Studio(root / "main", "--workers", "2", "--request-timeout", str(timeout), "--worker-memory", "1.5G")
        try:
            studio.start()
            complete: dict = {}
            finish_jobs(studio, complete, {"mode": "trace"}, {"style": "none", "size": "96", "steps": "10"})
            done_id = next(iter(complete))
            for name, run in [("slowloris", lambda: slowloris(studio, timeout, every)),
                              ("chunked_upload", lambda: chunked_upload(studio)),
                              ("fifty_clients", lambda: fifty_clients(studio, done_id, seconds)),
                              ("out_of_memory", lambda: out_of_memory(studio, complete)),
                              ("job_folder_deleted", lambda: folder_deleted(studio))]:
                say(f"== {name}")
                result = run()
                ok_after, after = survived(studio, complete)
                result["pass"] = bool(result["pass"] and ok_after)
                result["what"] += f"; {after}"
                scenarios[name] = result
                say(f"{'PASS' if result['pass'] else 'FAIL'}  {result['what']}")
        finally:
            studio.stop()
        for name, run in [("disk_full", lambda: disk_full(root)), ("data_folder_deleted", lambda: data_deleted(root))]:
            say(f"== {name}")
            scenarios[name] = run()
            mark = {True: "PASS", False: "FAIL", None: "SKIP"}[scenarios[name]["pass"]]
            say(f"{mark}  {scenarios[name]['what']}")
    bars = {name: bar(int(bool(s["pass"])), 1, at_most=False) for name, s in scenarios.items() if s["pass"] is not None}
    bars["busy_p95_ms_ratio"] = bar(scenarios["fifty_clients"]["p95_ratio"], 10)  # a timing: the smoke test skips it
    finish("studio_faults", args.quick, {"scenarios": scenarios}, bars)


if __name__ == "__main__":
    run_benchmark("studio_faults", main)
