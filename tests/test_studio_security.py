"""The studio is the user's own (issue 25): a real ``painter studio`` process refuses
foreign Hosts (DNS rebinding) and foreign Origins (cross-site requests), asks for its
token, and sends a local web app's security headers. Every refusal is one line of
JSON, and the server answers normally afterwards."""
from __future__ import annotations

import http.client
import json
import subprocess
import sys

import pytest

from .conftest import STUDIO_TOKEN, free_port, start_studio

ALLOWED = "painter.lan"  # given with --allow-host
HEADERS = ("x-content-type-options", "content-security-policy", "referrer-policy")


@pytest.fixture(scope="module")
def studio(tmp_path_factory):
    proc, url = start_studio(tmp_path_factory.mktemp("studio"), "--allow-host", ALLOWED)
    yield int(url.rsplit(":", 1)[1])
    proc.terminate()
    proc.wait(30)


def ask(port: int, method: str, path: str, headers: dict[str, str], body: bytes | None = None):
    """(status, headers, body) of one request to 127.0.0.1:``port``, with exactly the
    Host (and other headers) given."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        for k, v in headers.items():
            conn.putheader(k, v)
        if body is not None:
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


TOKEN = {"Authorization": f"token {STUDIO_TOKEN}"}
FORM = {"Content-Type": "multipart/form-data; boundary=b", **TOKEN}
NO_IMAGE = b'--b\r\nContent-Disposition: form-data; name="style"\r\n\r\nmonet\r\n--b--\r\n'
UNKNOWN = "/api/jobs/0123456789abcdef"

CASES = [  # (what, method, path, headers with {host} for 127.0.0.1:PORT, body, status, words in the error)
    ("foreign host", "GET", "/api/jobs", {"Host": "evil.example:{port}", **TOKEN}, None, 403, "host"),
    ("foreign host, the page", "GET", "/", {"Host": "evil.example:{port}", **TOKEN}, None, 403, "host"),
    ("a subdomain is foreign", "GET", "/api/jobs", {"Host": "localhost.evil.example", **TOKEN}, None, 403, "host"),
    ("localhost", "GET", "/api/jobs", {"Host": "localhost:{port}", **TOKEN}, None, 200, None),
    ("[::1]", "GET", "/api/jobs", {"Host": "[::1]:{port}", **TOKEN}, None, 200, None),
    ("--allow-host", "GET", "/api/jobs", {"Host": ALLOWED + ":{port}", **TOKEN}, None, 200, None),
    ("foreign origin, POST", "POST", "/api/jobs", {"Host": "{host}", "Origin": "http://evil.example", **FORM},
     NO_IMAGE, 403, "evil.example"),
    ("foreign origin, DELETE", "DELETE", UNKNOWN, {"Host": "{host}", "Origin": "http://evil.example", **TOKEN},
     None, 403, "evil.example"),
    ("foreign referer, POST", "POST", "/api/jobs",
     {"Host": "{host}", "Referer": "http://evil.example/page.html", **FORM}, NO_IMAGE, 403, "evil.example"),
    ("another port is another origin", "POST", "/api/jobs",
     {"Host": "{host}", "Origin": "http://127.0.0.1:1", **FORM}, NO_IMAGE, 403, "127.0.0.1:1"),
    ("opaque origin", "POST", "/api/jobs", {"Host": "{host}", "Origin": "null", **FORM}, NO_IMAGE, 403, "null"),
    ("own origin, POST reaches the form", "POST", "/api/jobs",
     {"Host": "{host}", "Origin": "http://{host}", **FORM}, NO_IMAGE, 400, "no image"),
    ("own origin, DELETE reaches the job", "DELETE", UNKNOWN, {"Host": "{host}", "Origin": "http://{host}", **TOKEN},
     None, 404, "no job"),
    ("a script sends no origin", "POST", "/api/jobs", {"Host": "{host}", **FORM}, NO_IMAGE, 400, "no image"),
    ("no token", "GET", "/api/jobs", {"Host": "{host}"}, None, 401, "token"),
    ("no token, the page", "GET", "/", {"Host": "{host}"}, None, 401, "token"),
    ("no token, a result", "GET", UNKNOWN + "/result.svg", {"Host": "{host}"}, None, 401, "token"),
    ("no token, POST", "POST", "/api/jobs", {"Host": "{host}", "Content-Type": "multipart/form-data; boundary=b"},
     NO_IMAGE, 401, "token"),
    ("wrong token", "GET", "/api/jobs", {"Host": "{host}", "Authorization": "token guess"}, None, 401, "wrong"),
    ("wrong token in the query", "GET", "/api/jobs?token=guess", {"Host": "{host}"}, None, 401, "wrong"),
    ("wrong cookie", "GET", "/api/jobs", {"Host": "{host}", "Cookie": "painter-studio-{port}=guess"}, None, 401,
     "wrong"),
    ("token in the query", "GET", f"/api/jobs?token={STUDIO_TOKEN}", {"Host": "{host}"}, None, 200, None),
    ("token in the cookie", "GET", "/api/jobs", {"Host": "{host}", "Cookie": f"painter-studio-{{port}}={STUDIO_TOKEN}"},
     None, 200, None),
    ("token as a bearer", "GET", "/api/jobs", {"Host": "{host}", "Authorization": f"Bearer {STUDIO_TOKEN}"}, None,
     200, None),
    ("another local app's odd cookie beside the token", "GET", "/api/jobs",
     {"Host": "{host}", "Cookie": 'theme={{"a": 1}}; version=1; painter-studio-{port}=' + STUDIO_TOKEN}, None, 200, None),
    ("a stale cookie does not hide a good header", "GET", "/api/jobs",
     {"Host": "{host}", "Cookie": "painter-studio-{port}=old", **TOKEN}, None, 200, None),
    ("a malformed host", "GET", "/api/jobs", {"Host": "[::1", **TOKEN}, None, 403, "host"),
    ("a malformed origin", "POST", "/api/jobs", {"Host": "{host}", "Origin": "http://[::1", **FORM}, NO_IMAGE, 403,
     "may not"),
]


@pytest.mark.parametrize("what,method,path,headers,body,status,words", CASES, ids=[c[0] for c in CASES])
def test_requests_the_studio_refuses_and_answers(studio, what, method, path, headers, body, status, words):
    host = f"127.0.0.1:{studio}"
    sent = {k: v.format(port=studio, host=host) for k, v in headers.items()}
    got, head, data = ask(studio, method, path, sent, body)
    assert got == status, (what, got, data[:300])
    for name in HEADERS:
        assert name in head, (what, name)
    assert head["x-content-type-options"] == "nosniff" and head["referrer-policy"] == "no-referrer"
    if status >= 400:
        assert head["content-type"].startswith("application/json")
        message = json.loads(data)["error"]
        assert "\n" not in message and words in message.lower()
    # and it answers a normal request afterwards
    assert ask(studio, "GET", "/api/styles", {"Host": host, **TOKEN})[0] == 200


def test_the_opened_url_sets_a_cookie_the_page_then_uses(studio):
    host = f"127.0.0.1:{studio}"
    status, head, page = ask(studio, "GET", f"/?token={STUDIO_TOKEN}", {"Host": host})
    assert status == 200 and b"/static/studio.js" in page
    cookie = head["set-cookie"]
    assert cookie.startswith(f"painter-studio-{studio}={STUDIO_TOKEN};")
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    # the page's script, styles and API calls carry only the cookie
    jar = {"Host": host, "Cookie": cookie.split(";")[0]}
    for path in ("/static/studio.js", "/static/studio.css", "/api/styles"):
        assert ask(studio, "GET", path, jar)[0] == 200, path
    csp = head["content-security-policy"]
    assert "script-src 'self'" in csp and "default-src 'self'" in csp and "unsafe-inline" not in csp
    assert head["cache-control"] == "no-store"


def test_a_person_without_the_token_is_asked_for_it(studio):
    """A browser that opens the page without the token (a bookmark, after a restart)
    gets a page with a form that asks for it; the form's answer opens the studio."""
    host = f"127.0.0.1:{studio}"
    status, head, page = ask(studio, "GET", "/", {"Host": host, "Accept": "text/html,*/*"})
    assert status == 401 and head["content-type"].startswith("text/html")
    assert b'<form method="get" action="/">' in page and b'name="token"' in page
    assert STUDIO_TOKEN.encode() not in page
    assert ask(studio, "GET", f"/?token={STUDIO_TOKEN}", {"Host": host, "Accept": "text/html"})[0] == 200
    # the API still answers JSON, whatever it accepts
    status, head, _ = ask(studio, "GET", "/api/jobs", {"Host": host, "Accept": "text/html"})
    assert status == 401 and head["content-type"].startswith("application/json")


def _studio_exits(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "painter", "studio", "--no-open", "--port", str(free_port()),
                           *args], capture_output=True, text=True, timeout=60)


def test_every_network_without_a_token_refuses_to_start(tmp_path):
    r = _studio_exits("--host", "0.0.0.0", "--token", "", "--data", str(tmp_path))
    assert r.returncode != 0 and "Traceback" not in r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "--no-token" in lines[0]
    r = _studio_exits("--token", "x", "--no-token", "--data", str(tmp_path))
    assert r.returncode != 0 and "contradict" in r.stderr


def test_every_network_with_no_token_given_explicitly(tmp_path):
    """--no-token on 0.0.0.0 starts (with a warning), answers without a token, and
    still refuses foreign Hosts but not this machine's addresses."""
    proc, url = start_studio(tmp_path, "--host", "0.0.0.0", "--no-token", token=None)
    try:
        port = int(url.rsplit(":", 1)[1])
        assert ask(port, "GET", "/api/jobs", {"Host": f"127.0.0.1:{port}"})[0] == 200
        assert ask(port, "GET", "/api/jobs", {"Host": f"192.168.1.20:{port}"})[0] == 200
        assert ask(port, "GET", "/api/jobs", {"Host": f"evil.example:{port}"})[0] == 403
    finally:
        proc.terminate()
        out = proc.communicate(timeout=30)[0].decode()
    assert "warning: no token" in out


def test_the_printed_url_carries_a_new_token_by_default(tmp_path):
    proc, url = start_studio(tmp_path, token=None)
    try:
        port = int(url.rsplit(":", 1)[1])
        assert ask(port, "GET", "/api/jobs", {"Host": f"127.0.0.1:{port}"})[0] == 401
    finally:
        proc.terminate()
        out = proc.communicate(timeout=30)[0].decode()
    printed = out.split(f"http://127.0.0.1:{port}/?token=")[1].split()[0]
    assert len(printed) >= 32 and printed != STUDIO_TOKEN


def test_the_browser_is_given_a_private_page_not_the_token(tmp_path):
    """The URL with the token goes into a file only its user can read; the browser's
    command line (which every user of the machine can read) has only that file."""
    import os
    import stat

    from painter.studio import _opener

    target = _opener(tmp_path, f"http://127.0.0.1:8765/?token={STUDIO_TOKEN}", 8765)
    page = tmp_path / "open-8765.html"
    assert target == page.as_uri() and STUDIO_TOKEN not in target
    assert stat.S_IMODE(os.stat(page).st_mode) == 0o600
    assert f'url=http://127.0.0.1:8765/?token={STUDIO_TOKEN}"' in page.read_text()


def test_a_client_that_sends_its_request_too_slowly_is_closed_while_others_are_answered(tmp_path):
    """Slowloris: connections that send a request's headers a byte at a time are
    closed after --request-timeout, and a normal request is answered meanwhile."""
    import socket
    import time
    import urllib.request

    proc, url = start_studio(tmp_path / "data", "--request-timeout", "1")
    slow = []
    try:
        port = int(url.rsplit(":", 1)[1])
        for _ in range(5):
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            s.sendall(b"GET /api/styles HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            s.settimeout(0.05)
            slow.append(s)
        start, closed = time.monotonic(), set()
        while time.monotonic() - start < 6 and len(closed) < len(slow):
            for i, s in enumerate(slow):
                if i in closed:
                    continue
                try:
                    s.sendall(b"x")  # one more byte of a header that never ends
                    if s.recv(1024) == b"":
                        closed.add(i)
                except socket.timeout:
                    pass
                except OSError:
                    closed.add(i)
            answer = urllib.request.urlopen(urllib.request.Request(
                url + "/api/styles", headers={"Authorization": f"token {STUDIO_TOKEN}"}), timeout=5)
            assert answer.status == 200
            time.sleep(0.2)
        took = time.monotonic() - start
        assert len(closed) == len(slow) and took < 3.5, (sorted(closed), took)
    finally:
        for s in slow:
            s.close()
        proc.terminate()
        proc.wait(30)
