"""The studio's HTTP protocol: uvicorn's h11 protocol with a deadline for receiving
each request, which uvicorn lacks, and a cap on open connections that answers JSON.
uvicorn's keep-alive timeout only covers the idle time between requests, and every byte
received resets it, so a client that sends a byte every few seconds ("slowloris")
would hold its connection for ever.

A connection must deliver a request's headers within ``header_seconds`` (default
10, ``painter studio --request-timeout``) of its opening or of
the previous answer, and then its body at :data:`MIN_BODY_RATE` bytes a second on
average after the same grace; else the studio closes it. Once a request is whole
the deadline is off: the answer takes as long as it takes (an event stream stays
open).

A connection opened while ``max_connections`` are open is answered 503 with a
JSON error and closed. (uvicorn's own ``limit_concurrency`` answers plain text,
which the studio's clients cannot read as an error.)
"""
from __future__ import annotations

import time

import json

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from .guard import reply
from .limits import Limits
#: bytes a second a request's body must arrive at, on average (a 32 MB upload: 8.5 min)
MIN_BODY_RATE = 64 * 1024


class DeadlineProtocol(H11Protocol):
    """uvicorn's :class:`H11Protocol`, closing a connection whose request arrives
    too slowly (see the module); :func:`studio_protocol` sets its limits."""

    header_seconds = Limits.request_seconds
    max_connections = Limits.max_connections
    min_body_rate = MIN_BODY_RATE
    _deadline = None

    def connection_made(self, transport) -> None:  # type: ignore[override]
        super().connection_made(transport)  # now one of self.connections
        if len(self.connections) > self.max_connections:
            self.logger.warning("refused a connection: %d are open", len(self.connections) - 1)
            self.app = _busy  # this connection's requests: 503, then it is closed
        self._arm(self.header_seconds)

    def data_received(self, data: bytes) -> None:
        before = self.conn.their_state
        super().data_received(data)
        state = self.conn.their_state
        if state is h11.SEND_BODY:
            if before is not h11.SEND_BODY:  # the headers are in: the body's clock starts
                self._body_start, self._body_bytes = time.monotonic(), 0
            self._body_bytes += len(data)
            due = self._body_start + self.header_seconds + self._body_bytes / self.min_body_rate
            self._arm(due - time.monotonic())
        elif state is not h11.IDLE:
            self._disarm()  # the request is whole: its answer takes its time

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():  # the next request on a kept-alive connection
            self._arm(self.header_seconds + self.timeout_keep_alive)

    def connection_lost(self, exc) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self, seconds: float) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(max(0.0, seconds), self._expired)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expired(self) -> None:
        self._deadline = None
        if not self.transport.is_closing() and self.conn.their_state in (h11.IDLE, h11.SEND_BODY):
            self.logger.warning("closed a connection whose request came too slowly")
            self.transport.close()


async def _busy(scope, receive, send) -> None:
    error = {"error": "the studio is busy: too many open connections; try again in a moment"}
    await reply(send, 503, "application/json", json.dumps(error).encode(),
                [(b"connection", b"close"), (b"retry-after", b"5")])


def studio_protocol(limits: Limits) -> type[DeadlineProtocol]:
    """A :class:`DeadlineProtocol` with the seconds and the connection cap of ``limits``."""
    return type("StudioProtocol", (DeadlineProtocol,), {"header_seconds": float(limits.request_seconds),
                                                        "max_connections": int(limits.max_connections)})
