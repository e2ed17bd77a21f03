"""Fixtures of the web shell tests: a cookie-keeping page visitor with CSRF, domain
events, and small real images."""

from __future__ import annotations

import re
import struct
import zlib

import pytest

from learninghub.hookspecs import hookimpl

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


class Page:
    """Pages as a browser sees them on one host: keeps its cookies (session, CSRF)."""

    def __init__(self, app, host: str, cookie: str | None = None):
        self.app = app
        self.host = host
        self.cookies: dict[str, str] = {}
        if cookie:
            name, _, value = cookie.partition("=")
            self.cookies[name] = value

    def _call(self, method: str, path: str, **kw):
        self.app.reset()  # only our cookies are sent
        headers = dict(kw.pop("headers", {}))
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        r = getattr(self.app, method)(
            path,
            headers=headers,
            extra_environ={"HTTP_HOST": self.host, "REMOTE_ADDR": "127.0.0.1"},
            expect_errors=True,
            **kw,
        )
        for key, value in r.headerlist:
            if key.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        return r

    def get(self, path: str, **kw):
        return self._call("get", path, **kw)

    def post(self, path: str, fields: dict, csrf: bool = True, upload_files=None):
        """POST ``fields`` (with the CSRF token of a fresh GET of ``path``)."""
        data = dict(fields)
        if csrf:
            page = self.get(path)
            match = CSRF_RE.search(page.text)
            assert match, f"no CSRF token on {path} ({page.status})"
            data["csrf_token"] = match.group(1)
        kw = {"params": data}
        if upload_files:
            kw["upload_files"] = upload_files
        return self._call("post", path, **kw)


@pytest.fixture
def page(app, session_cookie):
    """``page(tenant, user=None, host=None)``: a page visitor, signed in when ``user``
    is given (with a session of ``tenant``), on ``host`` (default: the tenant's)."""

    def make(tenant, user=None, host: str | None = None) -> Page:
        cookie = session_cookie(tenant, user) if user is not None else None
        return Page(app, host or tenant.host, cookie)

    return make


class EventRecorder:
    def __init__(self):
        self.events = []

    @hookimpl
    def learninghub_domain_event(self, request, event):
        self.events.append(event)

    def names(self) -> list[str]:
        return [e.name for e in self.events]


@pytest.fixture
def events(registry):
    """Domain events delivered (after commit) during the test."""
    recorder = EventRecorder()
    pm = registry["plugins"].pm
    pm.register(recorder, name="shell-test-recorder")
    try:
        yield recorder
    finally:
        pm.unregister(name="shell-test-recorder")


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def make_png(width: int = 2, height: int = 2) -> bytes:
    raw = b"".join(b"\x00" + b"\x1d\x35\x57" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + _chunk(b"IDAT", zlib.compress(raw))
        + _chunk(b"IEND", b"")
    )


def make_jpeg() -> bytes:
    return (
        b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
        + b"\x00" * 64
        + b"\xff\xd9"
    )


def make_webp() -> bytes:
    body = b"WEBPVP8 " + struct.pack("<I", 10) + b"\x00" * 10
    return b"RIFF" + struct.pack("<I", len(body)) + body


def make_ico() -> bytes:
    png = make_png(16, 16)
    entry = struct.pack("<BBBBHHII", 16, 16, 0, 0, 1, 32, len(png), 22)
    return b"\x00\x00\x01\x00\x01\x00" + entry + png


SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
)


@pytest.fixture
def images():
    return {
        "png": make_png(),
        "jpeg": make_jpeg(),
        "webp": make_webp(),
        "ico": make_ico(),
        "svg": SVG,
        "gif": b"GIF89a\x01\x00\x01\x00\x00\x00\x00;",
        "html": b"<html><script>alert(1)</script></html>",
    }


class Zone:
    """TXT records served by a real DNS server on 127.0.0.1 (UDP), editable by tests:
    ``zone.txt[name] = [values]``; ``zone.queries`` lists the names asked for."""

    def __init__(self):
        self.txt: dict[str, list[str]] = {}
        self.queries: list[str] = []
        self.address = ""

    def resolve(self, request, handler):
        from dnslib import QTYPE, RCODE, RR, TXT

        reply = request.reply()
        name = str(request.q.qname).rstrip(".").lower()
        self.queries.append(name)
        values = self.txt.get(name)
        if values is None:
            reply.header.rcode = RCODE.NXDOMAIN
        elif request.q.qtype == QTYPE.TXT:
            for value in values:
                reply.add_answer(RR(request.q.qname, QTYPE.TXT, rdata=TXT(value), ttl=0))
        return reply


@pytest.fixture
def dns_zone():
    """A running DNS server answering from a :class:`Zone`; ``zone.address`` is its
    ``127.0.0.1:<port>`` (for ``domains.dns_nameservers``)."""
    from dnslib.server import BaseResolver, DNSLogger, DNSServer

    zone = Zone()

    class Resolver(BaseResolver):
        def resolve(self, request, handler):
            return zone.resolve(request, handler)

    server = DNSServer(
        Resolver(), address="127.0.0.1", port=0, logger=DNSLogger(logf=lambda *a: None)
    )
    server.start_thread()
    zone.address = f"127.0.0.1:{server.server.server_address[1]}"
    try:
        yield zone
    finally:
        server.stop()
        server.server.server_close()
