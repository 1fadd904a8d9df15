"""What keeps the studio the user's own: it answers only its own names, only its own
page may change anything, and it asks for a token (as Jupyter's server does).

Three checks run before any route, in this order, each answering a one-line JSON
error:

1. **Host** (403): the request's Host header names the studio: the address it
   listens on, ``localhost``, ``127.0.0.1`` or ``[::1]``, or a name given with
   ``--allow-host``; a studio listening on every address (``0.0.0.0``) also answers
   its machine's own name and any address written as numbers. This stops DNS
   rebinding: a web page whose own domain is pointed at 127.0.0.1 sends its domain
   as the Host and is refused.
2. **Origin** (403): a request that changes something (POST, PUT, PATCH, DELETE)
   and says where it comes from (``Origin``, else ``Referer``) must come from the
   studio's own page. This stops cross-site request forgery: a foreign page may
   send a form to the studio, but its browser names the page's origin.
3. **Token** (401): where the studio has a token, every request carries it, as
   ``?token=`` (the URL the studio opens), the cookie that the first such request
   sets, or an ``Authorization: token ...`` (or ``Bearer``) header for scripts.
   Another user of the machine or the network cannot use the studio without it.

Every response then carries the headers a local web app sends: ``nosniff``, a
Content-Security-Policy that lets the page load only the studio's own scripts,
styles and images, no referrer, and no caching unless a route says otherwise.
"""
from __future__ import annotations

import functools
import hmac
import ipaddress
import json
import secrets
import socket
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

#: names that always mean this machine
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
#: addresses that mean "listen on every address"
WILDCARD_HOSTS = ("0.0.0.0", "::", "")
#: methods that change something (the Origin check)
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: the page may use what the studio serves and nothing else
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
#: what every response carries, unless a route sets its own (an SVG's CSP, a result's caching)
HEADERS = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer"),
           (b"x-frame-options", b"DENY"), (b"content-security-policy", CSP.encode()), (b"cache-control", b"no-store")]


def new_token() -> str:
    """A random token: 32 bytes, URL-safe."""
    return secrets.token_urlsafe(32)


def is_loopback(host: str) -> bool:
    """Whether listening on ``host`` serves this machine only."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class Security:
    """The studio's checks: where it listens (``host``, ``port``), the extra names it
    answers (``allow_hosts``) and its token (None: no token)."""

    host: str = "127.0.0.1"
    port: int = 8765
    token: str | None = None
    allow_hosts: tuple[str, ...] = field(default_factory=tuple)

    @property
    def cookie(self) -> str:
        """The token's cookie: one per port, as a browser keeps cookies per host."""
        return f"painter-studio-{self.port}"

    def host_allowed(self, name: str) -> bool:
        """Whether a request's Host (without its port) names this studio."""
        name = name.lower().strip("[]").rstrip(".")
        if name in LOOPBACK_NAMES or name == self.host.lower().strip("[]") or name in self.allow_hosts:
            return True
        if self.host in WILDCARD_HOSTS:  # every address: its numbers and the machine's names
            try:
                ipaddress.ip_address(name)
                return True
            except ValueError:
                return name in _machine_names()
        return False


@functools.lru_cache(maxsize=1)
def _machine_names() -> frozenset[str]:
    """This machine's names, looked up once (a reverse DNS lookup may be slow, and it
    must not run on the server's event loop at every request)."""
    return frozenset({socket.gethostname().lower(), socket.getfqdn().lower()})


class Guard:
    """ASGI middleware: the checks of :class:`Security` before ``app``, and the
    security headers on every response."""

    def __init__(self, app, security: Security):
        self.app, self.security = app, security
        if security.host in WILDCARD_HOSTS:
            _machine_names()  # looked up now, at start, not on the first request

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket":  # the studio serves none: refused before any check could be missed
            await receive()
            return await send({"type": "websocket.close", "code": 1008})
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        refusal = self._refusal(scope, headers)
        if refusal is not None:
            status, message = refusal
            if status == 401 and scope["method"] == "GET" and scope["path"] == "/" and \
                    "text/html" in headers.get("accept", ""):  # a person at the page: ask for the token
                return await reply(send, status, "text/html; charset=utf-8", TOKEN_PAGE.encode())
            return await reply(send, status, "application/json", json.dumps({"error": message}).encode())
        set_cookie = self._query_token(scope) is not None and self.security.token is not None

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                given = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in HEADERS if k not in given]
                if set_cookie:
                    extra.append((b"set-cookie", (f"{self.security.cookie}={self.security.token}; Path=/; "
                                                  "HttpOnly; SameSite=Strict").encode()))
                message = {**message, "headers": list(message.get("headers", [])) + extra}
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _refusal(self, scope, headers: dict[str, str]) -> tuple[int, str] | None:
        """(status, message) for a request the studio refuses, else None."""
        host = headers.get("host", "")
        if not self.security.host_allowed(_hostname(host)):
            return 403, (f"this studio does not answer to the host {host[:80]!r}; "
                         "start it with --allow-host NAME to serve that name")
        if scope["method"] in UNSAFE_METHODS:
            source = headers.get("origin") or headers.get("referer")
            if source is not None and _netloc(source) != host.lower():
                return 403, f"a request from {source[:80]!r} may not change this studio's jobs"
        token = self.security.token
        if token is not None:
            given = [t for t in (self._query_token(scope), _cookie(headers, self.security.cookie), _bearer(headers))
                     if t is not None]  # any of them may be right: a stale bookmark must not hide a good cookie
            if not given:
                return 401, "this studio needs its token: open the URL it printed (with ?token=...)"
            if not any(hmac.compare_digest(t.encode(), token.encode()) for t in given):
                return 401, "wrong token: open the URL the studio printed (with ?token=...)"
        return None

    @staticmethod
    def _query_token(scope) -> str | None:
        values = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("token")
        return values[-1] if values else None


def _hostname(host: str) -> str:
    """The name in a Host header, without its port ("" for junk such as ``[::1``)."""
    try:
        return urlsplit(f"//{host}").hostname or ""
    except ValueError:
        return ""


def _netloc(url: str) -> str | None:
    """``host[:port]`` of an Origin or Referer, lower-case (None for "null" and junk).
    The scheme is not compared: behind a TLS proxy the page is https, the studio http."""
    try:
        netloc = urlsplit(url).netloc
    except ValueError:
        return None
    return netloc.lower() if netloc else None


def _cookie(headers: dict[str, str], name: str) -> str | None:
    """The cookie ``name`` (parsed as browsers send cookies: another local app's odd
    cookie for the same host must not hide the studio's)."""
    from starlette.requests import cookie_parser

    return cookie_parser(headers.get("cookie", "")).get(name)


def _bearer(headers: dict[str, str]) -> str | None:
    kind, _, value = headers.get("authorization", "").partition(" ")
    return value.strip() if kind.lower() in ("token", "bearer") and value.strip() else None


async def reply(send, status: int, kind: str, body: bytes, extra: list[tuple[bytes, bytes]] = ()) -> None:
    """Answer an ASGI request with ``body`` and the studio's security headers."""
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", kind.encode()), (b"content-length", str(len(body)).encode()),
                            *HEADERS, *extra]})
    await send({"type": "http.response.body", "body": body})


#: what a browser opening the page without the token is shown (a bookmark, after the
#: browser was restarted: the token's cookie lasts the browser's session)
TOKEN_PAGE = """<!doctype html><meta charset="utf-8"><title>painter studio: token</title>
<h1>painter studio</h1>
<p>This studio asks for its token. Open the URL that <code>painter studio</code> printed,
or paste the token here:</p>
<form method="get" action="/"><input name="token" autocomplete="off" autofocus>
<button>Open the studio</button></form>
"""


__all__ = ["CSP", "Guard", "Security", "is_loopback", "new_token", "reply"]
