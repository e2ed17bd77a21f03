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

    def __init__(self, app, tenant, cookie: str | None = None):
        self.app = app
        self.host = tenant.host
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
