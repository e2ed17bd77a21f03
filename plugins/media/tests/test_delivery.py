"""Metadata (GET /api/v1/media/{id}), signed file URLs, ranges, thumbnails, services."""

from __future__ import annotations

import io
import time
from urllib.parse import parse_qs, urlsplit, urlunsplit

import pytest

from learninghub.hookspecs import hookimpl

WAV_HEADER = b"RIFF\x24\x00\x00\x00WAVEfmt "


def wav_bytes(seconds: int = 2, rate: int = 8000) -> bytes:
    import wave

    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(1)
        w.setframerate(rate)
        w.writeframes(bytes(range(256)) * (seconds * rate // 256))
    return out.getvalue()


@pytest.fixture
def audio(tenant, user_factory, upload):
    owner = user_factory(tenant, "instructor")
    data = wav_bytes()
    r = upload(tenant, owner, "lecture 1 — intro.wav", data)
    assert r.status_int == 201, r.text
    return owner, r.json, data


def with_query(url: str, **changes) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    query.update(changes)
    return urlunsplit(parts._replace(query="&".join(f"{k}={v}" for k, v in query.items())))


def test_metadata_for_owner_and_admin_not_for_others(
    tenant, other_tenant, user_factory, client, audio
):
    owner, asset, data = audio
    url = asset["url"]
    r = client(tenant, owner).get(url)
    assert r.status_int == 200 and r.json["content_type"] == "audio/wav"
    assert r.json["kind"] == "audio" and r.json["duration_s"] == 2
    assert r.json["file_url"] is None  # links only when asked
    assert client(tenant, user_factory(tenant, "admin")).get(url).status_int == 200
    # nobody answered the hook for this learner: not theirs, 404 like a missing id
    assert client(tenant, user_factory(tenant, "learner")).get(url).status_int == 404
    assert client(tenant, user_factory(tenant, "guest")).get(url).status_int == 403
    assert client(tenant).get(url).status_int == 401
    assert client(other_tenant, user_factory(other_tenant, "admin")).get(url).status_int == 404
    assert client(tenant, owner).get(url + "?links=maybe").status_int == 422
    assert client(tenant, owner).get("/api/v1/media/not-a-uuid").status_int == 404


def test_signed_url_serves_the_bytes_with_safe_headers(tenant, client, audio):
    owner, asset, data = audio
    links = client(tenant, owner).get(asset["url"] + "?links=true").json
    assert links["expires_in"] == 300
    r = client(tenant, owner).get(links["file_url"])
    assert r.status_int == 200 and r.body == data
    assert r.content_type == "audio/wav" and r.headers["Accept-Ranges"] == "bytes"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Content-Disposition"].startswith("inline;")
    assert (
        "filename*=UTF-8''lecture%201%20%E2%80%94%20intro.wav" in r.headers["Content-Disposition"]
    )
    assert "sandbox" in r.headers["Content-Security-Policy"]


def test_range_requests(tenant, client, audio):
    owner, asset, data = audio
    url = client(tenant, owner).get(asset["url"] + "?links=true").json["file_url"]
    c = client(tenant, owner)
    r = c.get(url, headers={"Range": "bytes=10-19"})
    assert r.status_int == 206 and r.body == data[10:20]
    assert r.headers["Content-Range"] == f"bytes 10-19/{len(data)}"
    assert r.headers["Content-Length"] == "10"
    r = c.get(url, headers={"Range": "bytes=-16"})
    assert r.status_int == 206 and r.body == data[-16:]
    r = c.get(url, headers={"Range": f"bytes={len(data) - 4}-"})
    assert r.status_int == 206 and r.body == data[-4:]
    r = c.get(url, headers={"Range": f"bytes={len(data) + 10}-{len(data) + 20}"})
    assert r.status_int == 416 and r.headers["Content-Range"] == f"bytes */{len(data)}"


def test_tampered_expired_and_other_users_signatures_are_refused(
    tenant, other_tenant, user_factory, client, audio, monkeypatch
):
    owner, asset, data = audio
    url = client(tenant, owner).get(asset["url"] + "?links=true").json["file_url"]
    exp = int(parse_qs(urlsplit(url).query)["exp"][0])
    c = client(tenant, owner)
    assert c.get(with_query(url, exp=str(exp + 3600))).status_int == 403  # longer life
    assert (
        c.get(with_query(url, sig="A" + parse_qs(urlsplit(url).query)["sig"][0][1:])).status_int
        == 403
    )
    assert c.get(with_query(url, sig="")).status_int == 403
    assert c.get(url.split("?")[0]).status_int == 403
    other_asset = url.replace(asset["id"], "00000000-0000-4000-8000-000000000000")
    assert c.get(other_asset).status_int == 404
    # another user of the tenant, an anonymous visitor, another tenant
    assert client(tenant, user_factory(tenant, "admin")).get(url).status_int == 403
    assert client(tenant).get(url).status_int == 403
    foreign = client(other_tenant, user_factory(other_tenant, "admin"))
    assert foreign.get(url.replace(tenant.host, other_tenant.host)).status_int == 404
    # expired: the clock moves past exp
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + 3600)
    assert c.get(url).status_int == 403


def test_documents_are_attachments(tenant, user_factory, upload, client):
    owner = user_factory(tenant, "instructor")
    asset = upload(tenant, owner, "notes.pdf", b"%PDF-1.7\n1 0 obj\n%%EOF\n").json
    r = client(tenant, owner).get(asset["file_url"])
    assert r.status_int == 200 and r.content_type == "application/pdf"
    assert r.headers["Content-Disposition"].startswith('attachment; filename="notes.pdf"')


def test_thumbnail_is_made_after_commit_without_exif(
    tenant, user_factory, upload, client, samples, stored
):
    from PIL import Image

    owner = user_factory(tenant, "instructor")
    original = samples.jpeg_with_exif(1600, 1200)
    assert b"SpyCam" in original
    r = upload(tenant, owner, "holiday.jpg", original)
    assert r.status_int == 201, r.text
    assert r.json["width"] == 1600
    asset = client(tenant, owner).get(r.json["url"] + "?links=true").json
    assert asset["thumbnail_url"] is not None
    assert f"media/assets/{asset['id']}/thumbnail" in stored(tenant)
    t = client(tenant, owner).get(asset["thumbnail_url"])
    assert t.status_int == 200 and t.content_type == "image/webp"
    assert b"SpyCam" not in t.body and b"Exif" not in t.body
    with Image.open(io.BytesIO(t.body)) as image:
        assert image.format == "WEBP" and image.size == (320, 240)
        assert not image.getexif() and "exif" not in image.info
    # the thumbnail URL is signed like the file's
    assert (
        client(tenant, user_factory(tenant, "admin")).get(asset["thumbnail_url"]).status_int == 403
    )


def test_thumbnail_task_is_idempotent_and_skips_broken_images(
    registry, tenant, user_factory, upload, samples, db, stored
):
    from learninghub.db import bind_tenant, system_session
    from learninghub.tasks import run_task
    from learninghub_media.models import MediaAsset

    owner = user_factory(tenant, "instructor")
    asset_id = upload(tenant, owner, "a.png", samples.png()).json["id"]
    keys = stored(tenant)
    run_task(registry, "media.make_thumbnail", str(tenant.id), {"asset_id": asset_id})
    assert stored(tenant) == keys
    # a PNG header on garbage: stored (the bytes say PNG), no thumbnail
    broken = upload(tenant, owner, "b.png", samples.png()[:40] + b"\0" * 100).json
    assert broken["status"] == "ready" and broken["thumbnail_url"] is None
    run_task(registry, "media.make_thumbnail", str(tenant.id), {"asset_id": "junk"})
    bind_tenant(db, tenant.id)
    try:
        assert db.get(MediaAsset, __import__("uuid").UUID(broken["id"])).thumbnail_key == ""
    finally:
        system_session(db)


class LessonAccess:
    """Stands for the content plugin: learners may see assets named in ``allowed``."""

    def __init__(self):
        self.allowed = set()

    @hookimpl
    def learninghub_media_can_access(self, request, asset):
        return True if str(asset.id) in self.allowed else None


@pytest.fixture
def lesson_access(registry):
    impl = LessonAccess()
    registry["plugins"].pm.register(impl, name="test-media-lesson-access")
    yield impl
    registry["plugins"].pm.unregister(name="test-media-lesson-access")


def test_can_access_hook_opens_an_asset_to_a_learner(
    tenant, user_factory, client, audio, lesson_access
):
    owner, asset, data = audio
    learner = user_factory(tenant, "learner")
    assert client(tenant, learner).get(asset["url"]).status_int == 404
    lesson_access.allowed.add(asset["id"])
    links = client(tenant, learner).get(asset["url"] + "?links=true").json
    r = client(tenant, learner).get(links["file_url"], headers={"Range": "bytes=0-3"})
    assert r.status_int == 206 and r.body == data[:4]


def test_services_for_other_plugins(registry, tenant, user_factory, audio, db, samples):
    import uuid

    from learninghub.api import ProblemError
    from learninghub.db import bind_tenant, system_session
    from learninghub.tasks import make_tenant_request
    from learninghub_media import services

    owner, asset, data = audio
    info = registry["tenancy.resolver"].by_id(tenant.id)
    request = make_tenant_request(registry, info, None)
    request.__dict__["db"] = db
    request.context = None  # no traversal: the tenant-wide roles count
    bind_tenant(db, tenant.id)
    try:
        request.__dict__["_lh_identity"] = owner
        found = services.get_asset(db, asset["id"])
        assert found is not None and services.get_asset(db, "nope") is None
        assert services.get_asset(db, uuid.uuid4()) is None
        url = services.signed_url(request, found)
        assert f"/media/{asset['id']}/file?exp=" in url and "&sig=" in url
        assert services.thumbnail_url(request, found) is None  # audio: no thumbnail
        assert services.attach(request, asset["id"], "lesson", "L1") is found
        services.attach(request, asset["id"], "lesson", "L1")  # idempotent
        assert services.attachments(db, found.id) == [("lesson", "L1")]
        services.detach(request, asset["id"], "lesson", "L1")
        assert services.attachments(db, found.id) == []
        with pytest.raises(ProblemError) as exc:
            services.attach(request, str(uuid.uuid4()), "lesson", "L1")
        assert exc.value.status == 422
        request.__dict__["_lh_identity"] = user_factory(tenant, "learner")
        with pytest.raises(ProblemError):
            services.attach(request, asset["id"], "lesson", "L2")  # not theirs to use
    finally:
        system_session(db)
