"""Fixtures of the media tests (the kernel's pytest plugin brings the rest)."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa
import webtest

from learninghub.db import bind_tenant, system_session
from learninghub.plugins import TenantPlugins
from learninghub_media.models import MediaAsset, MediaUpload
from learninghub_media.storage import storage_for

PLUGIN = "media"
TUS = {"Tus-Resumable": "1.0.0"}


def png_bytes(width: int = 640, height: int = 480, color=(200, 30, 30)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, "PNG")
    return out.getvalue()


def jpeg_with_exif(width: int = 800, height: int = 600) -> bytes:
    """A JPEG whose EXIF names a camera and a GPS position (privacy: must not leak)."""
    from PIL import Image

    image = Image.new("RGB", (width, height), (20, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "SpyCam Inc"  # Make
    exif[0x0110] = "SpyCam 3000"  # Model
    exif[0x8825] = {1: "N", 2: (48.0, 51.0, 29.0)}  # GPSInfo
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"


class Samples:
    """Files for the tests (module imports of conftest do not work in importlib mode)."""

    png = staticmethod(png_bytes)
    jpeg_with_exif = staticmethod(jpeg_with_exif)
    html = HTML


@pytest.fixture
def samples():
    return Samples


@pytest.fixture
def storage(registry):
    return storage_for(registry)


@pytest.fixture
def stored(storage):
    """``stored(tenant)``: every key the tenant has under ``media/`` (chunks included)."""
    return lambda tenant: storage.list(tenant.id, "media/")


@pytest.fixture
def rows(db):
    """``rows(tenant)``: (assets, uploads) counts of the tenant."""

    def count(tenant):
        bind_tenant(db, tenant.id)
        try:
            assets = db.scalar(sa.select(sa.func.count()).select_from(MediaAsset))
            uploads = db.scalar(sa.select(sa.func.count()).select_from(MediaUpload))
        finally:
            system_session(db)
        return assets, uploads

    return count


@pytest.fixture
def media_settings(registry, db):
    """``media_settings(tenant, **values)``: the tenant's plugin settings, as an admin sets them."""

    def set_values(tenant, **values):
        bind_tenant(db, tenant.id)
        try:
            TenantPlugins(registry, db, tenant.orm).enable(PLUGIN, settings=values)
        finally:
            system_session(db)
            registry["tenancy.resolver"].invalidate()

    return set_values


@pytest.fixture
def instance_setting(registry, monkeypatch):
    """``instance_setting(name, value)``: an instance-wide default (ini) of the plugin."""
    plugins = registry["plugins"]

    def set_value(name, value):
        defaults = dict(plugins.instance_defaults.get(PLUGIN, {}))
        defaults[name] = value
        monkeypatch.setitem(plugins.instance_defaults, PLUGIN, defaults)

    return set_value


@pytest.fixture
def upload(client):
    """``upload(tenant, user, name, data)``: a multipart ``POST /api/v1/media``."""

    def send(tenant, user, name, data, c=None):
        c = c or client(tenant, user)
        return c.post("/api/v1/media", upload_files=[("file", name, data)])

    return send


class Tus:
    """A tus client over webtest for one user."""

    def __init__(self, c, base="/api/v1/media/uploads", headers=None):
        self.c = c
        self.base = base
        self.extra = headers or {}

    def _kw(self, headers=None, **kw):
        return self.c._kw({"headers": {**TUS, **self.extra, **(headers or {})}, **kw})

    def create(self, length, filename="file.bin", headers=None):
        from base64 import b64encode

        meta = "filename " + b64encode(filename.encode()).decode()
        h = {"Upload-Length": str(length), "Upload-Metadata": meta, **(headers or {})}
        return self.c.app.post(self.base, "", **self._kw(h))

    def head(self, url, headers=None):
        return self.c.app.head(path(url), **self._kw(headers))

    def patch(self, url, offset, data, headers=None):
        h = {"Upload-Offset": str(offset), **(headers or {})}
        return self.c.app.patch(
            path(url), data, content_type="application/offset+octet-stream", **self._kw(h)
        )

    def patch_interrupted(self, url, offset, data, arrived):
        """A PATCH announcing ``data`` whose connection drops after ``arrived`` bytes
        (what a WSGI server that streams bodies hands over)."""
        kw = self._kw({"Upload-Offset": str(offset)})
        request = webtest.TestRequest.blank(
            path(url),
            method="PATCH",
            headers=kw["headers"],
            environ={**kw["extra_environ"], "CONTENT_TYPE": "application/offset+octet-stream"},
        )
        request.environ["wsgi.input"] = io.BytesIO(data[:arrived])
        request.environ["CONTENT_LENGTH"] = str(len(data))
        return self.c.app.do_request(request, expect_errors=True)

    def delete(self, url):
        return self.c.app.delete(path(url), **self._kw())

    def options(self):
        return self.c.app.options(self.base, **self.c._kw({}))


def path(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


@pytest.fixture
def tus(client):
    return lambda tenant, user: Tus(client(tenant, user))


@pytest.fixture
def page_client(client, session_cookie):
    """``page_client(tenant, user=None)``: a client signed in with the session cookie."""

    def make(tenant, user=None):
        c = client(tenant)
        if user is not None:
            c.headers["Cookie"] = session_cookie(tenant, user)
        return c

    return make
