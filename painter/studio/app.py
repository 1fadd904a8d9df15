"""The studio's HTTP API and page: a Starlette app, its routes in one table (ROUTES).

Every error is JSON, ``{"error": "one line"}``, with its status: 400 bad input, 401
no token or a wrong one, 403 a foreign Host or Origin (:mod:`painter.studio.guard`),
404 unknown job or file, 413 an upload too large (bytes or pixels, told before decoding),
429 a full queue, 503 too many open event streams (or connections:
:mod:`painter.studio.protocol`), 507 no room left on the disk for a new job. Requests
name jobs by id only (16 hex digits) and results by kind from a fixed list, so no
request reaches a path outside the studio's data folder.
"""
from __future__ import annotations

import asyncio
import contextlib
import errno
import io
import json
from importlib import resources
from pathlib import Path

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ..image.io import ImageTooLarge, InputError, atomic_write_bytes, open_image
from ..materials import NAMES as MATERIALS
from ..style.presets import closest_hint, describe_presets, preset_names
from .guard import HEADERS, Guard, Security
from .jobs import FINAL, ID_PATTERN, Job, JobStore, Runner, results
from .limits import Limits

#: the largest upload (bytes, the whole request); the largest image is Limits.max_pixels
MAX_UPLOAD_BYTES = 32 * 1024 * 1024
#: what a job may ask for: name -> (type, least, most)
LIMITS = {"strokes": (int, 1, 20000), "size": (int, 64, 1024), "steps": (int, 0, 5000),
          "seed": (int, 0, 2**31 - 1), "colors": (int, 2, 64)}
#: an SVG result opened on its own: its own styles and embedded pictures, no script
SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox"
#: seconds between keep-alive comments on an event stream
HEARTBEAT = 15.0


class ApiError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


class Hub:
    """Tells the event streams about job changes, which arrive from the runner's thread."""

    def __init__(self, max_streams: int = Limits.max_streams):
        self.loop: asyncio.AbstractEventLoop | None = None
        self.subscribers: dict[str, set[asyncio.Queue]] = {}
        self.open, self.max_streams = 0, max_streams

    def publish(self, job: Job) -> None:
        if self.loop is None:
            return
        data = job.public()
        for q in list(self.subscribers.get(job.id, ())):
            self.loop.call_soon_threadsafe(q.put_nowait, data)

    def subscribe(self, job_id: str) -> asyncio.Queue:
        if self.open >= self.max_streams:
            raise ApiError(503, f"the studio is busy: {self.open} event streams are open; try again in a moment")
        q: asyncio.Queue = asyncio.Queue()
        self.subscribers.setdefault(job_id, set()).add(q)
        self.open += 1
        return q

    def unsubscribe(self, job_id: str, q: asyncio.Queue) -> None:
        if q in self.subscribers.get(job_id, ()):
            self.subscribers[job_id].discard(q)
            self.open -= 1


def create_app(data: Path, workers: int = 1, max_queued: int = 16, security: Security = Security(),
               limits: Limits = Limits()) -> Starlette:
    """The studio over the data folder ``data`` (jobs in ``data/jobs``), answering as
    ``security`` says (:mod:`painter.studio.guard`; by default: loopback names, no token),
    within ``limits`` (:mod:`painter.studio.limits`; by default: no worker memory limit)."""
    hub = Hub(limits.max_streams)
    store = JobStore(Path(data) / "jobs")
    runner = Runner(store, workers=workers, max_queued=max_queued, notify=hub.publish,
                    worker_memory=limits.worker_memory)

    @contextlib.asynccontextmanager
    async def lifespan(app):
        hub.loop = asyncio.get_running_loop()
        runner.start()
        try:
            yield
        finally:
            await run_in_threadpool(runner.stop)

    app = Starlette(routes=ROUTES + [Mount("/static", StaticFiles(directory=str(_static_dir())), name="static")],
                    lifespan=lifespan, middleware=[Middleware(Guard, security=security)],
                    exception_handlers={ApiError: _api_error, HTTPException: _http_error, Exception: _server_error})
    app.state.store, app.state.runner, app.state.hub, app.state.limits = store, runner, hub, limits
    return app


# -- routes -------------------------------------------------------------------------------
async def page(request: Request) -> Response:
    return FileResponse(_static_dir() / "index.html", media_type="text/html")


async def styles(request: Request) -> Response:
    listed = [{"name": "none", "description": "plain strokes against pixel losses"}]
    listed += [{"name": n, "description": d} for n, d in describe_presets()]
    return JSONResponse({"styles": listed})


async def list_jobs(request: Request) -> Response:
    return JSONResponse({"jobs": [j.public() for j in request.app.state.store.listing() if j.mode != "styles"]})


async def create_job(request: Request) -> Response:
    runner: Runner = request.app.state.runner
    if runner.full():
        raise ApiError(429, f"the queue is full ({runner.max_queued} jobs waiting); try again when one has finished")
    form = await _form(request)
    mode = str(form.get("mode") or "paint")
    if mode not in ("paint", "trace", "styles"):
        raise ApiError(400, f"mode must be paint, trace or styles, not {mode!r}")
    upload = form.get("image")
    if upload is None or isinstance(upload, str):
        raise ApiError(400, "no image: send the photo as the multipart file field 'image'")
    options = {k: _number(form, k) for k in LIMITS if form.get(k) not in (None, "")}
    photo = await _image_bytes(request, upload, "image")
    painting = None
    if mode == "paint":
        given = form.get("style_image")
        if given is not None and not isinstance(given, str) and given.filename:
            painting = await _image_bytes(request, given, "style_image")
            options["style"] = "@image"
        else:
            options["style"] = _style_name(str(form.get("style") or "none"))
        chosen = str(form.get("material") or "")
        if chosen:
            if chosen not in MATERIALS:
                raise ApiError(400, f"unknown material {chosen[:40]!r}; use one of {', '.join(MATERIALS)}")
            options["material"] = chosen
    store: JobStore = request.app.state.store
    job = Job(id=store.new_id(), mode=mode, options=options, name=Path(upload.filename or "photo").name[:200])
    job.options["name"] = job.name
    job.steps = {"paint": int(options.get("steps", 240)), "styles": 1 + len(preset_names())}.get(mode, 1)
    try:
        await run_in_threadpool(_lay_out, store, job, photo, painting)
    except OSError as e:
        await run_in_threadpool(store.remove, job.id)  # nothing half-made is left or listed
        if e.errno in (errno.ENOSPC, errno.EDQUOT):
            raise ApiError(507, "the disk is full: no room in the studio's data folder for a new job") from None
        raise ApiError(500, f"cannot write the job to the studio's data folder ({e.strerror or e})") from None
    runner.submit(job)
    return JSONResponse({"id": job.id, "job": job.public()}, status_code=201)


def _lay_out(store: JobStore, job: Job, photo: bytes, painting: bytes | None) -> None:
    """A new job's folder: its photo, its painting if one was given, and job.json."""
    folder = store.folder(job.id)
    folder.mkdir(parents=True)
    atomic_write_bytes(folder / "input", photo)
    if painting is not None:
        atomic_write_bytes(folder / "style", painting)
    store.save(job)


async def get_job(request: Request) -> Response:
    return JSONResponse(_job(request).public())


async def delete_job(request: Request) -> Response:
    """A queued or running job is cancelled; a finished one is deleted."""
    job = _job(request)
    if job.state in FINAL:
        await run_in_threadpool(request.app.state.store.remove, job.id)
        return JSONResponse({"id": job.id, "deleted": True})
    job = request.app.state.runner.cancel(job.id)
    return JSONResponse(job.public())


async def events(request: Request) -> Response:
    """Server-sent events: a ``job`` event with the job (as GET /api/jobs/{id}) now and
    at each change, until it is finished."""
    job = _job(request)
    hub: Hub = request.app.state.hub
    q = hub.subscribe(job.id)

    async def stream():
        data = job.public()
        while True:
            yield f"event: job\ndata: {json.dumps(data)}\n\n"
            if data["state"] in FINAL:
                return
            try:
                data = await asyncio.wait_for(q.get(), HEARTBEAT)
                while not q.empty():  # a client that fell behind gets the latest, not every step
                    data = q.get_nowait()
            except asyncio.TimeoutError:
                yield ": keep-alive\n\n"
                now = request.app.state.store.jobs.get(job.id)
                if now is None:  # deleted meanwhile
                    return
                data = now.public()

    return _EventStream(stream(), lambda: hub.unsubscribe(job.id, q), media_type="text/event-stream",
                        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


class _EventStream(StreamingResponse):
    """A streamed answer that calls ``closed()`` when it ends, however it ends (even
    when the client goes before the first event)."""

    def __init__(self, content, closed, **kwargs):
        super().__init__(content, **kwargs)
        self.closed = closed

    async def __call__(self, scope, receive, send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self.closed()


async def preview(request: Request) -> Response:
    job = _job(request)
    path = request.app.state.store.folder(job.id) / "preview.png"
    if not path.is_file() or path.is_symlink():
        raise ApiError(404, "no preview yet")
    return Response(await run_in_threadpool(path.read_bytes), media_type="image/png",
                    headers={"Cache-Control": "no-store"})


async def thumbnail(request: Request) -> Response:
    """A preset's thumbnail of the photo of a ``styles`` job (404 until it is painted)."""
    job = _job(request)
    name = request.path_params["style"]
    if job.mode != "styles" or name not in ("none", *preset_names()):
        raise ApiError(404, f"no thumbnail {name[:60]!r}")
    path = request.app.state.store.folder(job.id) / f"thumb-{name}.png"
    if not path.is_file() or path.is_symlink():
        raise ApiError(404, f"the thumbnail of {name} is not painted yet")
    return Response(await run_in_threadpool(path.read_bytes), media_type="image/png")


async def result(request: Request) -> Response:
    from .worker import make_result

    job = _job(request)
    kind = request.path_params["kind"]
    if kind not in results(job.mode):
        raise ApiError(404, f"no result {kind[:40]!r}: ask for one of {', '.join(results(job.mode))}")
    if job.state != "done":
        raise ApiError(404, f"job {job.id} is {job.state}: its results come when it is done")
    try:
        path = await run_in_threadpool(make_result, request.app.state.store.folder(job.id), kind)
    except FileNotFoundError:
        raise ApiError(404, f"the results of job {job.id} are gone (its folder was removed)") from None
    if path.is_symlink():
        raise ApiError(404, f"no result {kind!r}")
    stem = Path(job.name).stem or "painting"
    media = {"svg": "image/svg+xml", "animated.svg": "image/svg+xml", "png": "image/png", "json": "application/json",
             "gif": "image/gif", "mp4": "video/mp4"}[kind]
    headers = {"Cache-Control": "private, no-cache"}  # a finished job's results change only if it is deleted
    if media == "image/svg+xml":  # a picture, never a page: a download, and no script runs if it is opened
        headers["Content-Security-Policy"] = SVG_CSP
    return FileResponse(path, media_type=media, filename=f"{stem}-{job.mode}ed.{kind}", headers=headers)


ROUTES = [
    Route("/", page),
    Route("/api/styles", styles),
    Route("/api/jobs", list_jobs, methods=["GET"]),
    Route("/api/jobs", create_job, methods=["POST"]),
    Route("/api/jobs/{id}", get_job, methods=["GET"]),
    Route("/api/jobs/{id}", delete_job, methods=["DELETE"]),
    Route("/api/jobs/{id}/events", events),
    Route("/api/jobs/{id}/preview.png", preview),
    Route("/api/jobs/{id}/result.{kind}", result),
    Route("/api/jobs/{id}/thumbs/{style}.png", thumbnail),
]


# -- helpers ------------------------------------------------------------------------------
def _static_dir() -> Path:
    return Path(str(resources.files("painter.studio") / "static"))


def _job(request: Request) -> Job:
    job_id = request.path_params["id"]
    try:
        if not ID_PATTERN.match(job_id):
            raise KeyError(job_id)
        return request.app.state.store.get(job_id)
    except KeyError:
        raise ApiError(404, f"no job {job_id[:40]!r}") from None


async def _form(request: Request):
    """The multipart form, read with the byte limit applied as it arrives."""
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > MAX_UPLOAD_BYTES:
        raise ApiError(413, f"upload of {int(length):,} bytes is over the limit of {MAX_UPLOAD_BYTES:,}")
    chunks, size = [], 0  # joined once whole: a refused upload never holds more than the limit
    async for chunk in request.stream():
        chunks.append(chunk)
        size += len(chunk)
        if size > MAX_UPLOAD_BYTES:
            raise ApiError(413, f"upload is over the limit of {MAX_UPLOAD_BYTES:,} bytes")
    body = b"".join(chunks)
    del chunks
    sent = False

    async def receive():
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    try:
        return await Request(request.scope, receive).form(max_files=2, max_fields=20)
    except Exception as e:  # noqa: BLE001 - a malformed form of any kind is the client's error
        raise ApiError(400, f"not a multipart form ({str(e)[:120] or type(e).__name__})") from None


def _number(form, key: str) -> int:
    kind, lo, hi = LIMITS[key]
    try:
        value = kind(str(form.get(key)).strip())
    except ValueError:
        raise ApiError(400, f"{key} must be a whole number, not {str(form.get(key))[:40]!r}") from None
    if not lo <= value <= hi:
        raise ApiError(400, f"{key} must be between {lo} and {hi}, not {value}")
    return value


def _style_name(name: str) -> str:
    """A preset's name (never a path: a request names no file of this machine)."""
    if name == "none" or name in preset_names():
        return name
    raise ApiError(400, f"unknown style {name[:60]!r}{closest_hint(name[:60])}")


async def _image_bytes(request: Request, upload, field: str) -> bytes:
    data = await upload.read()
    await run_in_threadpool(_check_image, data, f"{field} ({Path(upload.filename or '').name[:80] or 'upload'})",
                            request.app.state.limits.max_pixels)
    return data


def _check_image(data: bytes, what: str, max_pixels: int) -> None:
    """An upload that is an image painter can read, and not too large: the size comes
    from the header, before the pixels are decoded (painter.image.io.open_image)."""
    if not data:
        raise ApiError(400, f"{what}: empty file")
    try:
        open_image(io.BytesIO(data), what, max_pixels)
    except ImageTooLarge as e:
        raise ApiError(413, str(e)) from None
    except InputError as e:
        raise ApiError(400, str(e)) from None


async def _api_error(request: Request, exc: ApiError) -> Response:
    return JSONResponse({"error": exc.message}, status_code=exc.status)


async def _http_error(request: Request, exc: HTTPException) -> Response:
    msg = {404: "not found", 405: "method not allowed"}.get(exc.status_code, str(exc.detail))
    return JSONResponse({"error": msg}, status_code=exc.status_code)


async def _server_error(request: Request, exc: Exception) -> Response:
    # Starlette answers this outside the middleware: the guard's headers are added here
    headers = {k.decode(): v.decode() for k, v in HEADERS}
    return JSONResponse({"error": f"internal error: {type(exc).__name__}"}, status_code=500, headers=headers)


__all__ = ["MAX_UPLOAD_BYTES", "ROUTES", "create_app"]
