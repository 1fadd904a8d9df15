"""The studio under load and faults (issue 29): connections and event streams beyond
their caps get a JSON 503; a job that runs out of memory, out of disk or out of its
folder fails with a one-line reason, nothing half-made is listed, and the studio and
the other jobs go on. (The same, at scale and against a real process, is
benchmarks/studio_faults.py.)"""
from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request

import pytest
from PIL import Image

from painter.studio.app import create_app
from painter.studio.limits import LEAST_WORKER_MEMORY, Limits

from .conftest import STUDIO_TOKEN, start_studio
from .test_studio import _client, _png, _wait

#: a painting that runs for minutes unless something stops it
LONG = {"style": "none", "steps": "5000", "size": "64", "strokes": "40"}


def _get(url: str) -> tuple[int, dict]:
    req = urllib.request.Request(url, headers={"Authorization": f"token {STUDIO_TOKEN}"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def _ask_stream(url: str, job_id: str) -> tuple[socket.socket, bytes]:
    """A request for the event stream of ``job_id``: the socket, and what came back
    first (a whole error, or the headers and first event of a stream)."""
    s = socket.create_connection(("127.0.0.1", int(url.rsplit(":", 1)[1])), timeout=10)
    s.sendall(f"GET /api/jobs/{job_id}/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
              f"Authorization: token {STUDIO_TOKEN}\r\n\r\n".encode())
    got = b""
    while b"event: job" not in got and b"}" not in got.partition(b"\r\n\r\n")[2]:
        got += s.recv(65536)
    return s, got


def _open_stream(url: str, job_id: str) -> socket.socket:
    """An event stream of ``job_id``, once its first event has come."""
    s, got = _ask_stream(url, job_id)
    assert got.startswith(b"HTTP/1.1 200"), got[:200]
    return s


def _post(url: str, png: bytes, fields: dict) -> str:
    boundary = "faults"
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
             for k, v in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="image"; filename="p.png"\r\n'
                 "Content-Type: image/png\r\n\r\n".encode() + png + f"\r\n--{boundary}--\r\n".encode())
    req = urllib.request.Request(url + "/api/jobs", data=b"".join(parts), method="POST", headers={
        "Authorization": f"token {STUDIO_TOKEN}", "Content-Type": f"multipart/form-data; boundary={boundary}",
        "Origin": url})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read())["id"]


def test_connections_and_event_streams_beyond_their_caps_get_a_json_503(tmp_path):
    proc, url = start_studio(tmp_path / "data", "--max-connections", "4", "--max-streams", "2")
    held = []
    try:
        job = _post(url, _png(), LONG)
        held += [_open_stream(url, job), _open_stream(url, job)]
        s, got = _ask_stream(url, job)  # a third stream
        s.close()
        assert got.startswith(b"HTTP/1.1 503") and b"event streams are open" in got, got[:300]
        held.pop().close()
        time.sleep(0.3)
        third = _open_stream(url, job)  # a stream closed frees its place
        held.append(third)

        port = int(url.rsplit(":", 1)[1])
        held += [socket.create_connection(("127.0.0.1", port)) for _ in range(2)]  # 4 open: the cap
        time.sleep(0.3)
        status, body = _get(url + "/api/styles")
        assert status == 503 and "too many open connections" in body["error"], body
        for s in held[2:]:
            s.close()
        time.sleep(0.3)
        assert _get(url + "/api/styles")[0] == 200  # room again
    finally:
        for s in held:
            s.close()
        proc.terminate()
        proc.wait(30)


def test_a_job_that_needs_more_memory_than_its_worker_may_hold_fails_and_the_rest_go_on(tmp_path):
    big = io.BytesIO()
    Image.new("RGB", (7000, 7000), (200, 120, 40)).save(big, "PNG")  # 49 MP, 1.5 GB once decoded as floats
    with _client(create_app(tmp_path / "data", limits=Limits(worker_memory=LEAST_WORKER_MEMORY))) as c:
        doomed = c.post("/api/jobs", files={"image": ("huge.png", big.getvalue(), "image/png")},
                        data={"size": "1024", "steps": "5"}).json()["id"]
        small = c.post("/api/jobs", files={"image": ("p.png", _png(), "image/png")},
                       data={"size": "64", "steps": "3", "strokes": "10"}).json()["id"]
        job = _wait(c, doomed)
        assert job["state"] == "failed" and job["error"].startswith("out of memory"), job
        assert "1.5 GB" in job["error"] and "--worker-memory" in job["error"]
        assert _wait(c, small)["state"] == "done"
        assert c.get("/api/styles").status_code == 200


def _results(c, job_id: str) -> dict[str, str]:
    return {kind: hashlib.sha256(c.get(f"/api/jobs/{job_id}/result.{kind}").content).hexdigest()
            for kind in ("svg", "png", "json")}


def _running(c, job_id: str) -> None:
    while c.get(f"/api/jobs/{job_id}").json()["step"] < 2:
        time.sleep(0.2)


def _one_done_one_painting(c) -> tuple[str, dict, str]:
    """A finished job (its id and its results' hashes) and a long painting, under way."""
    kept = c.post("/api/jobs", files={"image": ("p.png", _png(), "image/png")}, data={"mode": "trace"}).json()["id"]
    assert _wait(c, kept)["state"] == "done"
    doomed = c.post("/api/jobs", files={"image": ("p.png", _png(), "image/png")}, data=LONG).json()["id"]
    _running(c, doomed)
    return kept, _results(c, kept), doomed


def test_a_job_whose_folder_is_removed_fails_and_the_studio_goes_on(tmp_path):
    data = tmp_path / "data"
    with _client(create_app(data)) as c:
        kept, before, doomed = _one_done_one_painting(c)
        shutil.rmtree(data / "jobs" / doomed)
        job = _wait(c, doomed, timeout=60)
        assert job["state"] == "failed" and "folder was removed" in job["error"], job
        assert c.get("/api/styles").status_code == 200
        assert c.get(f"/api/jobs/{doomed}/result.png").status_code == 404
        assert _results(c, kept) == before  # the other job's folder is untouched
        # the whole data folder, under a running job: it fails, and the next job makes a new one
        first, doomed = doomed, c.post("/api/jobs", files={"image": ("p.png", _png(), "image/png")}, data=LONG).json()["id"]
        _running(c, doomed)
        shutil.rmtree(data)
        assert "folder was removed" in _wait(c, doomed, timeout=60)["error"]
        assert c.get(f"/api/jobs/{kept}/result.svg").status_code == 404  # its files went with the folder
        listed = [j["id"] for j in c.get("/api/jobs").json()["jobs"]]
        assert listed == [doomed, first]  # ...and so did it; the failed ones stay, to say why
        after = c.post("/api/jobs", files={"image": ("p.png", _png(), "image/png")}, data={"mode": "trace"})
        assert after.status_code == 201 and _wait(c, after.json()["id"])["state"] == "done"
        later = _results(c, after.json()["id"])
    with _client(create_app(data)) as c:  # restarted: what is on disk is listed, intact
        assert [j["id"] for j in c.get("/api/jobs").json()["jobs"]] == [after.json()["id"]]
        assert _results(c, after.json()["id"]) == later  # (the first job went with the folder)


@pytest.fixture
def small_disk(tmp_path):
    """A 6 MB tmpfs (root only; skipped where mounting is not allowed)."""
    where = tmp_path / "disk"
    where.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", str(where)],
                                           capture_output=True).returncode != 0:
        pytest.skip("mounting a small tmpfs needs root")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def _fill(where) -> None:
    """Fill the file system under ``where`` to the last byte."""
    with open(where / "filler", "wb", buffering=0) as f:
        for block in (65536, 1):
            try:
                while True:
                    f.write(b"\0" * block)
            except OSError:
                pass


def test_a_full_disk_fails_the_running_job_and_new_ones_get_507(small_disk):
    data = small_disk / "data"
    with _client(create_app(data)) as c:
        kept, before, doomed = _one_done_one_painting(c)
        _fill(small_disk)
        job = _wait(c, doomed, timeout=60)
        assert job["state"] == "failed" and job["error"].startswith("the disk is full"), job
        assert not list((data / "jobs" / doomed).glob("result.*"))  # nothing half-written
        r = c.post("/api/jobs", files={"image": ("p.png", _png(), "image/png")}, data=LONG)
        assert r.status_code == 507 and "disk is full" in r.json()["error"], r.text
        assert c.get("/api/styles").status_code == 200
        assert [j["id"] for j in c.get("/api/jobs").json()["jobs"]] == [doomed, kept]  # no half-made job
    (small_disk / "filler").unlink()
    with _client(create_app(data)) as c:  # restarted: the finished job, intact
        listed = {j["id"]: j for j in c.get("/api/jobs").json()["jobs"]}
        assert listed[kept]["state"] == "done" and _results(c, kept) == before
        c.delete(f"/api/jobs/{doomed}")


def test_a_failed_job_leaves_no_result_files(tmp_path):
    """Whatever a failing job had written of its results (a stale or half-written
    result.*) is deleted: only a finished job has results."""
    import multiprocessing

    from painter.studio.worker import run_job

    folder = tmp_path / "0123456789abcdef"
    folder.mkdir()
    (folder / "job.json").write_text(json.dumps({"id": folder.name, "mode": "trace", "options": {}}))
    (folder / "input").write_bytes(b"not an image at all")
    (folder / "result.json").write_text("{}")  # as if a first result were written before the failure
    ctx = multiprocessing.get_context("spawn")
    ours, theirs = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=run_job, args=(str(folder), theirs, 1, None))
    proc.start()
    theirs.close()
    reports = []
    try:
        while True:
            reports.append(ours.recv())
    except EOFError:
        pass
    proc.join(60)
    assert reports[-1]["state"] == "failed" and reports[-1]["error"], reports
    assert not list(folder.glob("result.*"))


@pytest.mark.parametrize("text, amount", [("2G", 2 << 30), ("1500M", 1500 << 20), ("2GB", 2 << 30),
                                          ("1.5GiB", 3 << 29), ("1073741824", 1 << 30), (" 512 k ", 512 << 10)])
def test_worker_memory_amounts(text, amount):
    from painter.studio.limits import parse_bytes, show_bytes

    assert parse_bytes(text) == amount
    assert show_bytes(3 << 29) == "1.5 GB"


@pytest.mark.parametrize("text", ["", "lots", "2X", "-1G", "1.2.3G"])
def test_worker_memory_amounts_that_are_not(text):
    from painter.studio.limits import parse_bytes

    with pytest.raises(ValueError, match="not an amount of memory"):
        parse_bytes(text)
