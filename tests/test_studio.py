"""painter studio's HTTP API (issue 14): bad input answers JSON errors and the server
lives on; a job paints in a worker process, streams its progress, and its results
download; a stopped studio resumes its interrupted job at the next start."""
from __future__ import annotations

import io
import json
import time

import pytest
from PIL import Image

from painter.studio import app as studio_app
from painter.studio.app import create_app
from painter.studio.limits import Limits

from .conftest import STUDIO_TOKEN, start_studio

starlette_testclient = pytest.importorskip("starlette.testclient")
#: how a script shows the studio its token
AUTH = {"Authorization": f"token {STUDIO_TOKEN}"}


def _png(w: int = 48, h: int = 40) -> bytes:
    import numpy as np

    y, x = np.mgrid[0:h, 0:w]
    arr = np.stack([x * 255 // w, y * 255 // h, (x + y) * 127 // (w + h)], -1).astype("uint8")
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format="PNG")
    return buf.getvalue()


def _client(app):
    """A test client that calls the studio by a name it answers (not "testserver")."""
    return starlette_testclient.TestClient(app, base_url="http://127.0.0.1")


@pytest.fixture
def client(tmp_path):
    with _client(create_app(tmp_path / "data")) as c:
        yield c


def _wait(client, job_id: str, states=("done", "failed", "cancelled"), timeout: float = 120.0) -> dict:
    end = time.time() + timeout
    while time.time() < end:
        job = client.get(f"/api/jobs/{job_id}").json()
        if job["state"] in states:
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} still {job['state']} after {timeout} s")


BAD_INPUT = [  # (files, fields, status, words in the error)
    ({"image": ("notes.txt", b"just some words", "text/plain")}, {}, 400, "not an image"),
    ({"image": ("cut.png", _png()[:200], "image/png")}, {}, 400, "cannot read"),
    ({"image": ("empty.png", b"", "image/png")}, {}, 400, "empty"),
    ({}, {"style": "monet"}, 400, "no image"),
    ({"image": ("p.png", _png(), "image/png")}, {"style": "van_gog"}, 400, "van_gogh"),
    ({"image": ("p.png", _png(), "image/png")}, {"mode": "sculpt"}, 400, "mode must be"),
    ({"image": ("p.png", _png(), "image/png")}, {"strokes": "many"}, 400, "strokes"),
    ({"image": ("p.png", _png(), "image/png")}, {"steps": "-3"}, 400, "steps"),
    ({"image": ("p.png", _png(), "image/png")}, {"size": "100000"}, 400, "size"),
    ({"image": ("p.png", _png(), "image/png")}, {"material": "marble"}, 400, "watercolor"),
    ({"image": ("p.png", _png(), "image/png"), "style_image": ("a.txt", b"words", "text/plain")}, {}, 400,
     "style_image"),
]


@pytest.mark.parametrize("files, fields, status, words", BAD_INPUT)
def test_bad_input_gets_a_json_error_and_the_server_lives_on(client, files, fields, status, words):
    r = client.post("/api/jobs", files=files, data=fields)
    assert r.status_code == status, r.text
    assert words in r.json()["error"]
    assert client.get("/api/styles").status_code == 200
    assert client.get("/api/jobs").json()["jobs"] == []  # nothing half-made is listed


def test_uploads_over_the_limits_are_413_before_decoding(client, monkeypatch, tmp_path):
    monkeypatch.setattr(studio_app, "MAX_UPLOAD_BYTES", 1000)
    r = client.post("/api/jobs", files={"image": ("big.png", b"x" * 5000, "image/png")})
    assert r.status_code == 413 and "limit" in r.json()["error"]
    monkeypatch.setattr(studio_app, "MAX_UPLOAD_BYTES", 10**7)
    with _client(create_app(tmp_path / "small", limits=Limits(max_pixels=1000))) as small:  # --max-pixels 1000
        r = small.post("/api/jobs", files={"image": ("wide.png", _png(48, 40), "image/png")})
        assert r.status_code == 413 and "48x40" in r.json()["error"]
        assert small.get("/api/styles").status_code == 200


def test_a_chunked_upload_over_the_limit_is_413_and_the_server_lives_on(client, monkeypatch):
    """A body sent without a Content-Length (Transfer-Encoding: chunked) meets the
    limit as it arrives: the header check cannot see it."""
    monkeypatch.setattr(studio_app, "MAX_UPLOAD_BYTES", 4000)
    boundary = "painterchunked"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"big.png\"\r\n"
            "Content-Type: image/png\r\n\r\n").encode()

    def body():  # a well-formed form whose file is 20 KB, in 1 KB chunks
        for part in [head] + [b"x" * 1000] * 20 + [f"\r\n--{boundary}--\r\n".encode()]:
            yield part

    r = client.post("/api/jobs", content=body(), headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert r.status_code == 413 and "limit" in r.json()["error"], r.text
    assert client.get("/api/styles").status_code == 200
    assert client.get("/api/jobs").json()["jobs"] == []


def test_a_full_queue_is_429(tmp_path):
    with _client(create_app(tmp_path / "data", max_queued=0)) as c:
        r = c.post("/api/jobs", files={"image": ("p.png", _png(), "image/png")})
        assert r.status_code == 429 and "queue is full" in r.json()["error"]


@pytest.mark.parametrize("path", ["/api/jobs/0123456789abcdef", "/api/jobs/..%2F..%2Fetc%2Fpasswd",
                                  "/api/jobs/%2Fetc%2Fpasswd/result.svg", "/api/jobs/../../etc/passwd",
                                  "/api/jobs/0123456789abcdef/result.svg", "/static/..%2F..%2Fjobs.py",
                                  "/api/nothing"])
def test_unknown_jobs_and_paths_outside_are_404(client, path):
    r = client.get(path)
    assert r.status_code == 404 and r.json()["error"]


def test_a_symlinked_job_folder_is_not_a_job(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "job.json").write_text(json.dumps({"id": "0123456789abcdef", "mode": "paint", "options": {},
                                                  "state": "done"}))
    (outside / "result.svg").write_text("<svg>secret</svg>")
    (tmp_path / "data" / "jobs").mkdir(parents=True)
    (tmp_path / "data" / "jobs" / "0123456789abcdef").symlink_to(outside)
    with _client(create_app(tmp_path / "data")) as c:
        assert c.get("/api/jobs/0123456789abcdef/result.svg").status_code == 404
        assert c.get("/api/jobs").json()["jobs"] == []


def test_the_page_and_the_styles(client):
    r = client.get("/")
    assert r.status_code == 200 and "painter" in r.text and "/static/studio.js" in r.text
    assert client.get("/static/studio.js").status_code == 200
    names = [s["name"] for s in client.get("/api/styles").json()["styles"]]
    assert names[0] == "none" and "van_gogh" in names


def test_a_job_paints_streams_its_progress_and_its_results_download(client):
    r = client.post("/api/jobs", files={"image": ("photo.png", _png(), "image/png")},
                    data={"style": "none", "steps": "12", "size": "64", "strokes": "40", "material": "oil"})
    assert r.status_code == 201, r.text
    job_id = r.json()["id"]
    seen = []
    with client.stream("GET", f"/api/jobs/{job_id}/events") as events:
        for line in events.iter_lines():
            if line.startswith("data: "):
                seen.append(json.loads(line[6:]))
    assert seen[-1]["state"] == "done" and seen[-1]["step"] == 12
    assert any(0 < s["step"] < 12 for s in seen)  # progress arrived while it painted
    assert client.get(f"/api/jobs/{job_id}/preview.png").headers["content-type"] == "image/png"
    stroke_file = client.get(f"/api/jobs/{job_id}/result.json")
    assert stroke_file.headers["content-disposition"] == 'attachment; filename="photo-painted.json"'
    strokes = json.loads(stroke_file.text)
    assert strokes["meta"]["material"].startswith("oil")  # the material asked for
    svg = client.get(f"/api/jobs/{job_id}/result.svg")
    assert svg.status_code == 200 and svg.text.startswith("<svg") and 'viewBox="0 0 48 40"' in svg.text
    assert svg.text.count("<path") >= len(strokes["strokes"]) == 40  # the finished painting's strokes
    # a picture, never a page: downloaded, and no script runs if it is opened (issue 25)
    assert svg.headers["content-disposition"].startswith("attachment")
    csp = svg.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "sandbox" in csp and "script-src" not in csp
    assert svg.headers["cache-control"] == "private, no-cache" and svg.headers["x-content-type-options"] == "nosniff"
    png = Image.open(io.BytesIO(client.get(f"/api/jobs/{job_id}/result.png").content))
    assert png.size == (48, 40)
    assert client.get(f"/api/jobs/{job_id}/result.exe").status_code == 404
    # the finished job is listed, and deleting it removes it
    assert [j["id"] for j in client.get("/api/jobs").json()["jobs"]] == [job_id]
    assert client.delete(f"/api/jobs/{job_id}").json()["deleted"]
    assert client.get(f"/api/jobs/{job_id}").status_code == 404


def test_a_running_job_can_be_cancelled(client):
    r = client.post("/api/jobs", files={"image": ("photo.png", _png(), "image/png")},
                    data={"style": "none", "steps": "5000", "size": "64", "strokes": "40"})
    job_id = r.json()["id"]
    _wait(client, job_id, states=("running",))
    while client.get(f"/api/jobs/{job_id}").json()["step"] < 1:
        time.sleep(0.2)
    assert client.delete(f"/api/jobs/{job_id}").status_code == 200
    assert _wait(client, job_id)["state"] == "cancelled"


def test_a_stopped_studio_resumes_the_interrupted_job(tmp_path):
    """Stopping the studio checkpoints the running painting; the next studio over the
    same data lists it and takes it up again from its checkpoint, to the end."""
    data = tmp_path / "data"
    with _client(create_app(data)) as c:
        job_id = c.post("/api/jobs", files={"image": ("photo.png", _png(), "image/png")},
                        data={"style": "none", "steps": "400", "size": "64", "strokes": "60"}).json()["id"]
        while c.get(f"/api/jobs/{job_id}").json()["step"] < 30:
            time.sleep(0.2)
    stopped = json.loads((data / "jobs" / job_id / "job.json").read_text())
    assert stopped["state"] == "running" and 30 <= stopped["step"] < 400
    assert (data / "jobs" / job_id / "paint.ckpt").is_file()
    with _client(create_app(data)) as c:
        job = _wait(c, job_id)
        assert job["state"] == "done" and job["resumed"] == 1 and job["step"] == 400
        assert c.get(f"/api/jobs/{job_id}/result.svg").status_code == 200


def test_thumbnails_of_the_photo_in_each_preset(client):
    """mode=styles paints the photo small in every preset (not listed with the
    paintings); a painting submitted meanwhile cancels what is left of it."""
    r = client.post("/api/jobs", files={"image": ("photo.png", _png(), "image/png")}, data={"mode": "styles"})
    job_id = r.json()["id"]
    while client.get(f"/api/jobs/{job_id}").json()["preview"] < 1:
        time.sleep(0.2)
    thumb = client.get(f"/api/jobs/{job_id}/thumbs/none.png")
    assert thumb.status_code == 200 and Image.open(io.BytesIO(thumb.content)).size == (112, 93)
    assert client.get(f"/api/jobs/{job_id}/thumbs/..%2Fjob.json.png").status_code == 404
    assert client.get(f"/api/jobs/{job_id}/thumbs/bogus.png").status_code == 404
    assert client.get("/api/jobs").json()["jobs"] == []
    painting = client.post("/api/jobs", files={"image": ("photo.png", _png(), "image/png")},
                           data={"steps": "2", "size": "64", "strokes": "10"}).json()["id"]
    assert _wait(client, job_id)["state"] in ("cancelled", "done")
    assert _wait(client, painting)["state"] == "done"


def test_a_crashed_worker_fails_its_job_and_the_rest_go_on(tmp_path):
    import os
    import signal

    with _client(create_app(tmp_path / "data", workers=2)) as c:
        fields = {"style": "none", "steps": "3000", "size": "64", "strokes": "40"}
        doomed, other = (c.post("/api/jobs", files={"image": ("p.png", _png(), "image/png")}, data=fields).json()["id"]
                         for _ in range(2))
        for job_id in (doomed, other):
            while c.get(f"/api/jobs/{job_id}").json()["step"] < 1:
                time.sleep(0.2)
        os.kill(c.app.state.runner.running[doomed][0].pid, signal.SIGKILL)
        job = _wait(c, doomed)
        assert job["state"] == "failed" and "worker was killed (SIGKILL)" in job["error"]
        assert c.get(f"/api/jobs/{other}").json()["state"] == "running"
        assert c.delete(f"/api/jobs/{other}").status_code == 200


def test_tracing_through_the_api(client):
    r = client.post("/api/jobs", files={"image": ("logo.png", _png(), "image/png")},
                    data={"mode": "trace", "colors": "4"})
    job = _wait(client, r.json()["id"])
    assert job["state"] == "done", job
    art = json.loads(client.get(f"/api/jobs/{job['id']}/result.json").text)
    assert art["format"] == "painter.paths"
    assert client.get(f"/api/jobs/{job['id']}/result.svg").text.startswith("<svg")
    assert "animated.svg" not in job["results"]  # paths have no centre lines to draw along
    assert client.get(f"/api/jobs/{job['id']}/result.animated.svg").status_code == 404
    assert client.get(f"/api/jobs/{job['id']}/result.gif").headers["content-type"] == "image/gif"


@pytest.mark.parametrize("how", ["SIGINT", "SIGKILL"])
def test_a_killed_studio_resumes_its_job_at_the_next_start(tmp_path, how):
    """The real server (uvicorn) stopped with Ctrl-C, or killed outright: its worker
    checkpoints (a killed studio's worker notices at its next step), and the studio
    started again over the same data finishes the job from there."""
    import signal
    import subprocess
    import sys
    import urllib.request

    def start():
        return start_studio(tmp_path / "data")

    def get(url, path):
        return json.loads(urllib.request.urlopen(urllib.request.Request(url + path, headers=AUTH), timeout=10).read())

    proc, url = start()
    boundary = "b0undary"
    parts = [("style", "none"), ("steps", "600"), ("size", "64"), ("strokes", "60")]
    body = b"".join(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
                    for k, v in parts)
    body += (f'--{boundary}\r\nContent-Disposition: form-data; name="image"; filename="p.png"\r\n'
             "Content-Type: image/png\r\n\r\n").encode() + _png() + f"\r\n--{boundary}--\r\n".encode()
    req = urllib.request.Request(url + "/api/jobs", data=body, method="POST",
                                 headers={"Content-Type": f"multipart/form-data; boundary={boundary}", **AUTH})
    job_id = json.loads(urllib.request.urlopen(req, timeout=30).read())["id"]
    while get(url, f"/api/jobs/{job_id}")["step"] < 40:
        time.sleep(0.2)
    proc.send_signal(getattr(signal, how))
    proc.wait(60)
    ckpt = tmp_path / "data" / "jobs" / job_id / "paint.ckpt"
    seen = None
    for _ in range(100):  # a killed studio's worker checkpoints at its next step, then ends
        now = ckpt.stat().st_mtime_ns if ckpt.is_file() else None
        if now is not None and now == seen:
            break
        seen = now
        time.sleep(1.0)
    assert ckpt.is_file()
    import torch

    stopped_at = torch.load(ckpt, weights_only=True)["step"]
    assert 40 <= stopped_at < 600  # the worker stopped with its studio, not at the end
    assert not (ckpt.parent / "result.svg").exists()
    proc, url = start()
    try:
        listed = get(url, "/api/jobs")["jobs"]
        assert [j["id"] for j in listed] == [job_id] and listed[0]["state"] in ("queued", "running")
        while get(url, f"/api/jobs/{job_id}")["state"] not in ("done", "failed", "cancelled"):
            time.sleep(0.2)
        job = get(url, f"/api/jobs/{job_id}")
        assert job["state"] == "done" and job["resumed"] == 1 and job["step"] == 600, job
    finally:
        proc.terminate()
        proc.wait(60)

