"""Resumable uploads (tus 1.0) at /api/v1/media/uploads."""

from __future__ import annotations

import os

import pytest
from webob.request import DisconnectionError

URL = "/api/v1/media/uploads"


def three_chunks(data: bytes) -> list[tuple[int, bytes]]:
    size = len(data) // 3 + 1
    return [(i, data[i : i + size]) for i in range(0, len(data), size)]


def test_upload_in_three_chunks_resumes_after_an_interruption(
    tenant, user_factory, tus, samples, stored, rows, client
):
    user = user_factory(tenant, "instructor")
    t = tus(tenant, user)
    data = samples.png(900, 700) + os.urandom(0)  # a real PNG of some kilobytes
    created = t.create(len(data), "slides.png")
    assert created.status_int == 201, created.text
    assert created.headers["Tus-Resumable"] == "1.0.0"
    location = created.headers["Location"]
    assert "/api/v1/media/uploads/" in location and "Upload-Expires" in created.headers
    (o1, c1), (o2, c2), (o3, c3) = three_chunks(data)

    r = t.patch(location, o1, c1)
    assert r.status_int == 204, r.text
    assert int(r.headers["Upload-Offset"]) == len(c1)

    # the connection drops half-way through the second chunk: the server never
    # gets a whole request (the stack reads the body before the view), nothing is kept
    with pytest.raises(DisconnectionError):
        t.patch_interrupted(location, o2, c2, len(c2) // 2)
    head = t.head(location)
    assert head.status_int == 200 and head.headers["Cache-Control"] == "no-store"
    assert int(head.headers["Upload-Offset"]) == o2 and int(head.headers["Upload-Length"]) == len(
        data
    )
    assert rows(tenant) == (0, 1)
    assert len([k for k in stored(tenant) if k.startswith("media/tmp/")]) == 1

    # resumed from the server's offset; this time the answer is lost on the way back
    t.patch(location, o2, c2)
    offset = int(t.head(location).headers["Upload-Offset"])
    assert offset == o3  # so the client goes on with chunk 3
    r = t.patch(location, offset, c3)
    assert r.status_int == 204, r.text
    asset_id = r.headers["Media-Asset-Id"]
    assert r.headers["Media-Asset-Url"].endswith(f"/api/v1/media/{asset_id}")

    asset = client(tenant, user).get(f"/api/v1/media/{asset_id}?links=true").json
    assert asset["content_type"] == "image/png" and asset["size"] == len(data)
    assert asset["filename"] == "slides.png" and asset["status"] == "ready"
    body = client(tenant, user).get(asset["file_url"]).body
    assert body == data
    # the chunks are gone; the original (and its thumbnail) remain
    assert not [k for k in stored(tenant) if k.startswith("media/tmp/")]
    assert f"media/assets/{asset_id}/original" in stored(tenant)
    # HEAD after completion still answers (a client whose last answer was lost)
    done = t.head(location)
    assert done.headers["Upload-Offset"] == str(len(data))
    assert done.headers["Media-Asset-Id"] == asset_id
    status = client(tenant, user).get(location).json
    assert status["asset_id"] == asset_id and status["upload_offset"] == len(data)


def test_options_advertises_the_protocol(tenant, user_factory, tus, media_settings):
    media_settings(tenant, max_upload_bytes=12345)
    r = tus(tenant, user_factory(tenant, "instructor")).options()
    assert r.status_int == 204
    assert r.headers["Tus-Version"] == "1.0.0" and r.headers["Tus-Max-Size"] == "12345"
    assert "creation" in r.headers["Tus-Extension"] and "termination" in r.headers["Tus-Extension"]


def test_protocol_errors(tenant, user_factory, tus, client, samples):
    user = user_factory(tenant, "instructor")
    t = tus(tenant, user)
    # no Tus-Resumable
    r = client(tenant, user).post(URL, "", headers={"Upload-Length": "10"})
    assert r.status_int == 412 and r.headers["Tus-Version"] == "1.0.0"
    assert t.create(10, headers={"Upload-Length": "ten"}).status_int == 400
    assert t.create(0).status_int == 400
    r = t.create(10, headers={"Upload-Metadata": "filename !!notbase64"})
    assert r.status_int == 400 and "Upload-Metadata" in r.json["detail"]
    assert t.create(10, headers={"Upload-Defer-Length": "1"}).status_int == 400
    data = samples.png()
    location = t.create(len(data), "a.png").headers["Location"]
    # wrong offset: 409 with the real one
    r = t.patch(location, 5, data[5:100])
    assert r.status_int == 409 and r.headers["Upload-Offset"] == "0"
    # wrong content type
    r = client(tenant, user).patch_json(location, {}, headers={"Tus-Resumable": "1.0.0"})
    assert r.status_int == 415
    # more than announced
    r = t.patch(location, 0, data + b"extra")
    assert r.status_int == 413
    assert t.head(location).headers["Upload-Offset"] == "0"


def test_creation_refusals_leave_nothing(
    tenant, user_factory, tus, stored, rows, media_settings, samples
):
    media_settings(tenant, max_upload_bytes=10_000, quota_bytes=15_000)
    t = tus(tenant, user_factory(tenant, "instructor"))
    r = t.create(10_001, "big.mp4")
    assert r.status_int == 413 and r.content_type == "application/problem+json"
    r = t.create(100, "../../../etc/cron.d/x")
    assert r.status_int == 400 and r.json["title"] == "Invalid file name"
    r = t.create(100, "bell\x07.png")
    assert r.status_int == 400
    assert t.create(9_000, "one.png").status_int == 201  # reserves 9000 bytes
    r = t.create(9_000, "two.png")
    assert r.status_int == 422 and r.json["type"].endswith("/quota-exceeded")
    assert rows(tenant) == (0, 1) and stored(tenant) == []


def test_disguised_first_chunk_ends_the_upload_and_leaves_nothing(
    tenant, user_factory, tus, stored, rows, samples
):
    t = tus(tenant, user_factory(tenant, "instructor"))
    payload = samples.html + b" " * 10_000
    location = t.create(len(payload), "holiday.png").headers["Location"]
    r = t.patch(location, 0, payload[:5000])
    assert r.status_int == 415 and "text/html" in r.json["detail"]
    assert stored(tenant) == [] and rows(tenant) == (0, 0)
    assert t.head(location).status_int == 404


def test_disguised_small_file_is_refused_when_complete(
    tenant, user_factory, tus, stored, rows, samples
):
    t = tus(tenant, user_factory(tenant, "instructor"))
    data = samples.html
    location = t.create(len(data), "photo.png").headers["Location"]
    r = t.patch(location, 0, data[:20])
    assert r.status_int == 204  # too little to judge yet
    r = t.patch(location, 20, data[20:])
    assert r.status_int == 415
    assert stored(tenant) == [] and rows(tenant) == (0, 0)


def test_termination_deletes_the_chunks(tenant, user_factory, tus, stored, rows, samples):
    t = tus(tenant, user_factory(tenant, "instructor"))
    data = samples.png()
    location = t.create(len(data), "a.png").headers["Location"]
    t.patch(location, 0, data[:1000])
    assert stored(tenant) != []
    assert t.delete(location).status_int == 204
    assert stored(tenant) == [] and rows(tenant) == (0, 0)
    assert t.head(location).status_int == 404


def test_expired_uploads_are_purged_at_the_next_creation(
    tenant, user_factory, tus, stored, rows, samples, db
):
    import sqlalchemy as sa

    from learninghub.db import utcnow
    from learninghub_media.models import MediaUpload

    t = tus(tenant, user_factory(tenant, "instructor"))
    data = samples.png()
    location = t.create(len(data), "a.png").headers["Location"]
    t.patch(location, 0, data[:1000])
    db.execute(sa.update(MediaUpload).values(expires_at=utcnow()))
    assert t.head(location).status_int == 410
    assert t.create(10, "b.png").status_int == 201
    assert rows(tenant) == (0, 1) and stored(tenant) == []


def test_uploads_are_private_to_their_owner_and_tenant(
    tenant, other_tenant, user_factory, tus, client, samples
):
    owner = user_factory(tenant, "instructor")
    data = samples.png()
    location = tus(tenant, owner).create(len(data), "a.png").headers["Location"]
    colleague = tus(tenant, user_factory(tenant, "admin"))
    assert colleague.head(location).status_int == 404
    assert colleague.patch(location, 0, data).status_int == 404
    assert colleague.delete(location).status_int == 404
    learner = tus(tenant, user_factory(tenant, "learner"))
    assert learner.create(10, "x.png").status_int == 403
    assert learner.head(location).status_int == 403
    assert learner.patch(location, 0, data).status_int == 403
    anonymous = client(tenant)
    assert anonymous.post(URL, "", headers={"Tus-Resumable": "1.0.0"}).status_int == 401
    assert anonymous.get(location).status_int == 401
    foreign = tus(other_tenant, user_factory(other_tenant, "admin"))
    foreign.c.host = tenant.host  # another tenant's token on this host
    assert foreign.head(location).status_int == 401
    assert foreign.patch(location, 0, data).status_int == 401
    stranger = tus(other_tenant, user_factory(other_tenant, "admin"))
    assert stranger.head(location).status_int == 404  # its own host: no such upload
    assert tus(tenant, owner).head(location).headers["Upload-Offset"] == "0"
