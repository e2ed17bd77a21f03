"""Plain multipart uploads: POST /api/v1/media, and what is refused (nothing left)."""

from __future__ import annotations


def test_instructor_uploads_a_png(samples, tenant, user_factory, upload, stored, rows):
    r = upload(tenant, user_factory(tenant, "instructor"), "diagram.png", samples.png())
    assert r.status_int == 201, r.text
    body = r.json
    assert body["content_type"] == "image/png" and body["kind"] == "image"
    assert body["status"] == "ready" and (body["width"], body["height"]) == (640, 480)
    assert body["filename"] == "diagram.png" and len(body["sha256"]) == 64
    assert r.headers["Location"] == body["url"]
    assert f"media/assets/{body['id']}/original" in stored(tenant)
    assert rows(tenant) == (1, 0)


def test_disguised_png_named_mp4_is_stored_as_png(samples, tenant, user_factory, upload):
    r = upload(tenant, user_factory(tenant, "instructor"), "lecture.mp4", samples.png())
    assert r.status_int == 201, r.text
    assert r.json["content_type"] == "image/png" and r.json["filename"] == "lecture.mp4"


def test_html_named_png_is_refused_and_nothing_is_left(
    samples, tenant, user_factory, upload, stored, rows
):
    r = upload(tenant, user_factory(tenant, "instructor"), "cat.png", samples.html)
    assert r.status_int == 415 and r.content_type == "application/problem+json"
    assert "text/html" in r.json["detail"] and "cat.png" in r.json["detail"]
    assert stored(tenant) == [] and rows(tenant) == (0, 0)


def test_oversize_file_is_refused_and_nothing_is_left(
    samples, tenant, user_factory, upload, stored, rows, media_settings
):
    media_settings(tenant, max_upload_bytes=1000)
    r = upload(tenant, user_factory(tenant, "instructor"), "big.png", samples.png())
    assert r.status_int == 413 and r.content_type == "application/problem+json"
    assert "1000 bytes" in r.json["detail"]
    assert stored(tenant) == [] and rows(tenant) == (0, 0)


def test_path_traversal_and_control_characters_are_refused(
    samples, tenant, user_factory, upload, stored, rows
):
    user = user_factory(tenant, "instructor")
    for name in (
        "../../etc/passwd.png",
        "..\\boot.ini",
        "a/b.png",
        "evil\x07.png",
        "gpj\u202e.exe",
    ):
        r = upload(tenant, user, name, samples.png())
        assert r.status_int == 400, (name, r.status)
        assert r.json["title"] == "Invalid file name" and r.json["errors"][0]["path"] == [
            "filename"
        ]
    assert stored(tenant) == [] and rows(tenant) == (0, 0)


def test_quota_overflow_is_refused_and_nothing_is_left(
    samples, tenant, user_factory, upload, stored, rows, media_settings
):
    data = samples.png()
    media_settings(tenant, quota_bytes=len(data) + 10)
    user = user_factory(tenant, "instructor")
    assert upload(tenant, user, "first.png", data).status_int == 201
    before = stored(tenant)
    r = upload(tenant, user, "second.png", data)
    assert r.status_int == 422 and r.json["type"].endswith("/quota-exceeded")
    assert "quota" in r.json["detail"]
    assert stored(tenant) == before and rows(tenant) == (1, 0)


def test_type_outside_the_tenants_allow_list_is_refused(
    samples, tenant, user_factory, upload, media_settings, stored
):
    media_settings(tenant, allowed_types=["application/pdf"])
    r = upload(tenant, user_factory(tenant, "instructor"), "x.png", samples.png())
    assert r.status_int == 415 and stored(tenant) == []


def test_invalid_inputs(samples, tenant, user_factory, client, upload):
    user = user_factory(tenant, "instructor")
    c = client(tenant, user)
    r = c.post_json("/api/v1/media", {"file": "x"})
    assert r.status_int == 415 and "multipart" in r.json["detail"]
    r = c.post("/api/v1/media", {"other": "x"}, content_type="multipart/form-data")
    assert r.status_int == 422 and r.json["errors"][0]["path"] == ["body", "file"]
    r = upload(tenant, user, "empty.png", b"")
    assert r.status_int == 422 and r.json["detail"] == "the file is empty"


def test_learner_may_not_upload(samples, tenant, user_factory, upload, stored):
    r = upload(tenant, user_factory(tenant, "learner"), "x.png", samples.png())
    assert r.status_int == 403 and r.content_type == "application/problem+json"
    assert stored(tenant) == []


def test_anonymous_gets_401(samples, tenant, client):
    r = client(tenant).post("/api/v1/media", upload_files=[("file", "x.png", samples.png())])
    assert r.status_int == 401


def test_token_of_another_tenant_is_refused(
    samples, tenant, other_tenant, user_factory, foreign_client, stored
):
    r = foreign_client(tenant, other_tenant).post(
        "/api/v1/media", upload_files=[("file", "x.png", samples.png())]
    )
    assert r.status_int == 401 and stored(tenant) == []


def test_list_shows_own_uploads_and_all_for_admins(samples, tenant, user_factory, client, upload):
    alice, bob = user_factory(tenant, "instructor"), user_factory(tenant, "instructor")
    admin = user_factory(tenant, "admin")
    upload(tenant, alice, "a.png", samples.png())
    upload(tenant, bob, "b.png", samples.png())
    names = [a["filename"] for a in client(tenant, alice).get("/api/v1/media").json["items"]]
    assert names == ["a.png"]
    assert client(tenant, alice).get("/api/v1/media?all=true").status_int == 403
    everything = client(tenant, admin).get("/api/v1/media?all=true").json["items"]
    assert sorted(a["filename"] for a in everything) == ["a.png", "b.png"]
    assert client(tenant, user_factory(tenant, "learner")).get("/api/v1/media").status_int == 403
    assert client(tenant).get("/api/v1/media").status_int == 401
    assert client(tenant, alice).get("/api/v1/media?limit=0").status_int == 422


def test_delete_asset(samples, tenant, other_tenant, user_factory, client, upload, stored, rows):
    owner, other = user_factory(tenant, "instructor"), user_factory(tenant, "instructor")
    url = upload(tenant, owner, "a.png", samples.png()).json["url"]
    assert client(tenant, other).delete(url).status_int == 404  # not visible to them
    assert client(tenant, user_factory(tenant, "learner")).delete(url).status_int == 403
    assert client(tenant).delete(url).status_int == 401
    assert client(other_tenant, user_factory(other_tenant, "admin")).delete(url).status_int == 404
    assert client(tenant, owner).delete(url).status_int == 204
    assert stored(tenant) == [] and rows(tenant) == (0, 0)


def test_usage(tenant, other_tenant, user_factory, client, upload, samples, media_settings):
    media_settings(tenant, quota_bytes=50_000, max_upload_bytes=20_000)
    owner = user_factory(tenant, "instructor")
    upload(tenant, owner, "a.pdf", b"%PDF-1.4\n" + b"x" * 991)
    r = client(tenant, owner).get("/api/v1/media/usage")
    assert r.status_int == 200
    assert r.json["used_bytes"] == 1000 and r.json["free_bytes"] == 49_000
    assert r.json["max_upload_bytes"] == 20_000 and "image/png" in r.json["allowed_types"]
    assert (
        client(tenant, user_factory(tenant, "learner")).get("/api/v1/media/usage").status_int == 403
    )
    assert client(tenant).get("/api/v1/media/usage").status_int == 401
    foreign = client(other_tenant, user_factory(other_tenant, "admin"))
    assert foreign.get("/api/v1/media/usage").json["used_bytes"] == 0
