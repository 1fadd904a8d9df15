"""painter studio: the web app on localhost (``painter studio``).

A page where people drop a photo, pick a preset or drop a painting, and watch the
painting being made, stroke by stroke; then download it. The page uses the same
HTTP API that scripts can (see :mod:`painter.studio.app`):

    GET    /                              the page
    GET    /api/styles                    the presets: {"styles": [{"name", "description"}]}
    GET    /api/jobs                      every job, newest first
    POST   /api/jobs                      multipart: image (file); style (a preset) or
                                          style_image (file); strokes, size, steps,
                                          seed, material; mode=paint|trace (colors
                                          for trace)|styles (the presets' thumbnails)
                                          -> 201 {"id": ..., "job": {...}}
    GET    /api/jobs/{id}                 {"state": queued|running|done|failed|cancelled,
                                           "step", "steps", "stage", "loss", "eta", ...}
    GET    /api/jobs/{id}/events          server-sent events: "job" at each change
    GET    /api/jobs/{id}/preview.png     the canvas as it grows
    GET    /api/jobs/{id}/result.svg|.png|.json|.gif|.mp4|.animated.svg
    GET    /api/jobs/{id}/thumbs/{style}.png   a styles job's thumbnail of the photo
    DELETE /api/jobs/{id}                 cancels a queued or running job, deletes a finished one

Every request passes :mod:`painter.studio.guard` first: its Host must name the
studio, a change must come from the studio's own page, and it carries the studio's
token (``?token=`` in the URL the studio prints and opens, then a cookie).

May import: every package below the front ends (engine, trace, style, materials,
export, image, defaults); nothing imports it but the command line.

Jobs live in the data folder (default ``~/.painter/studio``) and run in worker
processes (:mod:`painter.studio.jobs`); stopping the studio checkpoints the running
ones, and the next start resumes them.
"""
from __future__ import annotations

from pathlib import Path

DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 8765
DEFAULT_DATA = Path.home() / ".painter" / "studio"


def serve(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, data: Path = DEFAULT_DATA, workers: int = 1,
          open_browser: bool = True, announce=print, token: str | None = None,
          allow_hosts: tuple[str, ...] = (), limits=None) -> None:
    """Run the studio until Ctrl-C (or SIGTERM). ``token``: what every request must
    carry (None: nothing; see :mod:`painter.studio.guard`), given in the URL it
    announces and opens. ``limits``: what a client, a request and a job may take
    (:class:`painter.studio.limits.Limits`; default: its defaults)."""
    import threading
    import webbrowser
    from urllib.parse import quote

    import uvicorn

    from .app import create_app
    from .guard import WILDCARD_HOSTS, Security
    from .limits import Limits
    from .protocol import studio_protocol

    limits = limits or Limits()
    security = Security(host=host, port=port, token=token, allow_hosts=tuple(h.lower() for h in allow_hosts))
    app = create_app(Path(data), workers=workers, security=security, limits=limits)
    shown = "127.0.0.1" if host in WILDCARD_HOSTS else f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}/" + (f"?token={quote(token)}" if token else "")
    # open event streams (a page left open) must not hold up Ctrl-C: 3 s, then they are closed
    # a request that comes too slowly is closed (uvicorn's keep-alive timeout does not), and
    # connections beyond the cap are answered 503 in JSON (uvicorn's limit_concurrency: plain text)
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on",
                            timeout_graceful_shutdown=3, timeout_keep_alive=5, http=studio_protocol(limits))
    server = uvicorn.Server(config)
    announce(f"painter studio: {url} (data in {data}; Ctrl-C stops it)")
    if open_browser:  # the token stays off the browser's command line, which every user of the machine can read
        target = _opener(Path(data), url, port) if token else url
        threading.Timer(1.0, lambda: webbrowser.open(target)).start()
    server.run()


def _opener(data: Path, url: str, port: int) -> str:
    """A page in ``data`` that only this user can read (as Jupyter writes one), which
    sends the browser on to ``url``: its file:// address is what the browser is given."""
    import html
    import os

    path = data / f"open-{port}.html"
    page = (f'<!doctype html><meta charset="utf-8"><meta http-equiv="refresh" content="0;url={html.escape(url)}">'
            f'<title>painter studio</title><a href="{html.escape(url)}">painter studio</a>\n')
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(page)
    os.chmod(path, 0o600)  # an older file keeps its mode through O_CREAT
    return path.resolve().as_uri()
