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

Jobs live in the data folder (default ``~/.painter/studio``) and run in worker
processes (:mod:`painter.studio.jobs`); stopping the studio checkpoints the running
ones, and the next start resumes them.
"""
from __future__ import annotations

from pathlib import Path

DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 8765
DEFAULT_DATA = Path.home() / ".painter" / "studio"


def serve(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, data: Path = DEFAULT_DATA, workers: int = 1,
          open_browser: bool = True, announce=print) -> None:
    """Run the studio until Ctrl-C (or SIGTERM)."""
    import threading
    import webbrowser

    import uvicorn

    from .app import create_app

    app = create_app(Path(data), workers=workers)
    url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '') else host}:{port}/"
    # open event streams (a page left open) must not hold up Ctrl-C: 3 s, then they are closed
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on",
                            timeout_graceful_shutdown=3)
    server = uvicorn.Server(config)
    announce(f"painter studio: {url} (data in {data}; Ctrl-C stops it)")
    if open_browser:
        threading.Timer(1.0, lambda: webbrowser.open(url)).start()
    server.run()
