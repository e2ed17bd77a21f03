"""Fixtures of the web shell tests: a cookie-keeping page visitor with CSRF, domain
events, and small real images."""

from __future__ import annotations

import struct

import pytest

from learninghub.testing.pages import solid_png


@pytest.fixture
def page(page_browser):
    """``page(tenant, user=None, host=None)``: the kit's page visitor, signed in when
    ``user`` is given (a session of ``tenant``), on ``host`` (default: the tenant's)."""

    def make(tenant, user=None, host: str | None = None):
        return page_browser(tenant, user, host=host)

    return make


def make_png(width: int = 2, height: int = 2) -> bytes:
    return solid_png(width, height, (0x1D, 0x35, 0x57))


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
