"""Course thumbnails through the media plugin's contract (skipped without media)."""

from __future__ import annotations

import pytest

from learninghub.testing.pages import solid_png

from .conftest import add_lesson, course_body

pytest.importorskip("learninghub_media")

URL = "/api/v1/courses"


def upload_png(client, tenant, user):
    r = client(tenant, user).post(
        "/api/v1/media", upload_files=[("file", "cover.png", solid_png(64, 36, (20, 120, 200)))]
    )
    assert r.status_int == 201, r.text
    return r.json["id"]


def test_published_course_thumbnail_is_public(tenant, client, admin, page_browser):
    asset = upload_png(client, tenant, admin)
    c = client(tenant, admin)
    out = c.post_json(URL, course_body(slug="with-cover", thumbnail_asset_id=asset)).json
    assert out["thumbnail_asset_id"] == asset
    add_lesson(client, tenant, admin, out["id"])
    c.post_json(out["url"] + "/submit", {})
    visitor = page_browser(tenant)
    catalog = visitor.get("/courses")
    assert '<img src="/courses/with-cover/thumbnail"' in catalog.text
    landing = visitor.get("/courses/with-cover")
    assert 'src="/courses/with-cover/thumbnail"' in landing.text
    r = visitor.get("/courses/with-cover/thumbnail")
    assert r.status_int == 303, r.text
    image = visitor.get(r.location.replace(f"http://{tenant.host}", ""))
    assert image.status_int == 200 and image.content_type.startswith("image/")


def test_draft_thumbnail_is_not_public(tenant, client, instructor, page_browser, session_cookie):
    asset = upload_png(client, tenant, instructor)
    client(tenant, instructor).post_json(
        URL, course_body(slug="draft-cover", thumbnail_asset_id=asset)
    )
    assert page_browser(tenant).get("/courses/draft-cover/thumbnail").status_int == 404
    mine = page_browser(tenant, cookie=session_cookie(tenant, instructor))
    assert mine.get("/courses/draft-cover/thumbnail").status_int == 303


def test_someone_elses_asset_is_refused(tenant, client, admin, instructor):
    asset = upload_png(client, tenant, admin)
    r = client(tenant, instructor).post_json(URL, course_body(thumbnail_asset_id=asset))
    assert r.status_int == 422
    assert r.json["errors"][0]["path"] == ["body", "thumbnail_asset_id"]


def test_unknown_asset_is_refused(tenant, client, instructor):
    import uuid

    r = client(tenant, instructor).post_json(URL, course_body(thumbnail_asset_id=str(uuid.uuid4())))
    assert r.status_int == 422


def test_without_media_no_image(tenant_factory, client, user_factory, make_course, page_browser):
    import uuid

    t = tenant_factory(plugins=["courses"])
    make_course(t, slug="no-media", thumbnail_asset_id=uuid.uuid4())
    assert "/thumbnail" not in page_browser(t).get("/courses").text
    assert page_browser(t).get("/courses/no-media/thumbnail").status_int == 404
    teacher = user_factory(t, "instructor")
    # without media the id is kept as given (no foreign key)
    r = client(t, teacher).post_json(URL, course_body(thumbnail_asset_id=str(uuid.uuid4())))
    assert r.status_int == 201
