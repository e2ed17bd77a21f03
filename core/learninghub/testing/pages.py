"""Pages as a browser sees them, without a browser: a cookie-keeping webtest client
on a tenant's host that submits forms with their CSRF token.

Fixture ``page_browser(tenant, user=None, cookie=None)`` (registered by the testing
plugin)::

    b = page_browser(tenant, admin)
    page = b.get("/admin")
    r = b.submit(page, "/admin", {"name": "New name", "theme": "campus"})
"""

from __future__ import annotations

import re

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


class Browser:
    """Pages as a browser sees them: keeps its cookies (session, CSRF) per tenant host."""

    def __init__(self, app, tenant, cookie: str | None = None, host: str | None = None):
        self.app = app
        self.host = host or tenant.host
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

    def submit(self, page, path: str, fields: dict, csrf: bool = True):
        """POST ``fields`` to ``path`` with the CSRF token of ``page`` (a response)."""
        data = dict(fields)
        if csrf:
            data["csrf_token"] = CSRF_RE.search(page.text).group(1)
        return self._call("post", path, params=data)

    def post(self, path: str, fields: dict, csrf: bool = True, upload_files=None):
        """POST ``fields`` to ``path`` with the CSRF token of a fresh GET of ``path``
        (``upload_files`` as webtest takes them: ``[(field, filename, bytes)]``)."""
        data = dict(fields)
        if csrf:
            page = self.get(path)
            match = CSRF_RE.search(page.text)
            assert match, f"no CSRF token on {path} ({page.status})"
            data["csrf_token"] = match.group(1)
        kw: dict = {"params": data}
        if upload_files:
            kw["upload_files"] = upload_files
        return self._call("post", path, **kw)


def solid_png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A small PNG of one colour (no imaging library needed)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )
