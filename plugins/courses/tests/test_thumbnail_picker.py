"""The thumbnail picker of the course form (``/teach/new``, ``/teach/{id}``) and the
rule it shares with the API: a ready image the editor uploaded, any image for admins;
unknown, other tenants' and other people's ids get one answer."""

from __future__ import annotations

import re
import uuid

import pytest
import sqlalchemy as sa

from learninghub.db import utcnow

from .conftest import course_body

pytest.importorskip("learninghub_media")

URL = "/api/v1/courses"
NOT_YOURS = "That image cannot be used here: it is not one of your uploads."


@pytest.fixture
def make_asset(db):
    """``make_asset(tenant, owner, content_type="image/png", status="ready")``."""
    from learninghub_media.models import MediaAsset

    def make(tenant, owner=None, content_type="image/png", status="ready", filename=None):
        asset = MediaAsset(
            id=uuid.uuid4(),
            tenant_id=tenant.id,
            owner_id=owner.id if owner else None,
            filename=filename or f"picture-{uuid.uuid4().hex[:6]}.png",
            content_type=content_type,
            size=10,
            sha256="0" * 64,
            storage_key=f"test/{uuid.uuid4().hex}",
            status=status,
            created_at=utcnow(),
        )
        db.add(asset)
        db.flush()
        return asset

    return make


def select_of(page) -> str:
    match = re.search(
        r'<select id="f-thumbnail_asset_id" name="thumbnail_asset_id".*?</select>', page.text, re.S
    )
    assert match, "no thumbnail picker"
    return match.group(0)


def error_of(page) -> str:
    match = re.search(r'<p class="error" id="e-thumbnail_asset_id">([^<]*)</p>', page.text)
    return match.group(1) if match else ""


def form(course, **overrides) -> dict:
    fields = {
        "title": course.title,
        "slug": course.slug,
        "subtitle": "",
        "description": "",
        "category_id": "",
        "tags": "",
        "level": course.level,
        "language": course.language,
        "price": "0",
        "currency": "EUR",
        "thumbnail_asset_id": str(course.thumbnail_asset_id or ""),
    }
    fields.update(overrides)
    return fields


# ----------------------------------------------------------------- what is offered


def test_picker_offers_the_editors_ready_images(
    tenant, other_tenant, page_browser, instructor, user_factory, make_asset, make_course
):
    colleague = user_factory(tenant, "instructor")
    mine = make_asset(tenant, instructor, "image/png", filename="cover.png")
    mine_jpeg = make_asset(tenant, instructor, "image/jpeg")
    video = make_asset(tenant, instructor, "video/mp4")
    unready = make_asset(tenant, instructor, "image/png", status="uploading")
    theirs = make_asset(tenant, colleague, "image/png")
    foreign = make_asset(other_tenant, user_factory(other_tenant, "admin"), "image/png")
    course = make_course(tenant, instructor, status="draft")
    b = page_browser(tenant, instructor)
    for path in ("/teach/new", f"/teach/{course.id}"):
        page = b.get(path)
        picker = select_of(page)
        assert '<option value="" selected>No image</option>' in picker
        assert f'value="{mine.id}"' in picker and "cover.png" in picker
        assert f'value="{mine_jpeg.id}"' in picker
        for hidden in (video, unready, theirs, foreign):
            assert str(hidden.id) not in page.text
        # the way to upload a new image comes back to this very form
        link = re.search(r'<a href="(/media\?next=[^"]+)">Upload a new image</a>', page.text)
        assert link and link.group(1) == "/media?next=" + path.replace("/", "%2F")


def test_a_new_upload_comes_back_chosen(tenant, page_browser, instructor, make_asset, make_course):
    image = make_asset(tenant, instructor, filename="fresh.png")
    course = make_course(tenant, instructor, status="draft")
    b = page_browser(tenant, instructor)
    for path in ("/teach/new", f"/teach/{course.id}"):
        page = b.get(f"{path}?media_asset_id={image.id}")
        assert f'<option value="{image.id}" selected>' in select_of(page)
        assert "fresh.png is chosen as the course's image. Save the course" in page.text


def test_someone_elses_upload_is_not_chosen_on_the_way_back(
    tenant, page_browser, instructor, user_factory, make_asset, make_course
):
    theirs = make_asset(tenant, user_factory(tenant, "instructor"))
    course = make_course(tenant, instructor, status="draft")
    page = page_browser(tenant, instructor).get(f"/teach/{course.id}?media_asset_id={theirs.id}")
    assert page.status_int == 200
    assert str(theirs.id) not in select_of(page) and "is chosen as" not in page.text
    assert '<option value="" selected>' in select_of(page)
    bogus = page_browser(tenant, instructor).get(f"/teach/{course.id}?media_asset_id=nope")
    assert bogus.status_int == 200 and "is chosen as" not in bogus.text


# ----------------------------------------------------------------- what is accepted


def test_own_image_is_saved_and_recorded(
    tenant, page_browser, instructor, make_asset, make_course, db
):
    from learninghub_media import services as media

    image = make_asset(tenant, instructor)
    course = make_course(tenant, instructor, status="draft")
    b = page_browser(tenant, instructor)
    path = f"/teach/{course.id}"
    r = b.submit(b.get(path), path, form(course, thumbnail_asset_id=str(image.id)))
    assert r.status_int == 303, r.text
    db.refresh(course)
    assert course.thumbnail_asset_id == image.id
    assert ("course", str(course.id)) in media.attachments(db, image.id)
    assert f'<option value="{image.id}" selected>' in select_of(b.get(path))


@pytest.mark.parametrize(
    "kind, message",
    [
        ("theirs", NOT_YOURS),
        ("unknown", NOT_YOURS),
        ("foreign", NOT_YOURS),
        ("unready", "That image is not ready"),
        ("video", "That file is not an image."),
    ],
)
def test_refused_images_on_the_form(
    tenant,
    other_tenant,
    page_browser,
    instructor,
    user_factory,
    make_asset,
    make_course,
    db,
    kind,
    message,
):
    ids = {
        "theirs": lambda: make_asset(tenant, user_factory(tenant, "instructor")).id,
        "unknown": uuid.uuid4,
        "foreign": lambda: make_asset(other_tenant, user_factory(other_tenant, "admin")).id,
        "unready": lambda: make_asset(tenant, instructor, status="quarantined").id,
        "video": lambda: make_asset(tenant, instructor, "video/mp4").id,
    }
    asset_id = str(ids[kind]())
    course = make_course(tenant, instructor, status="draft")
    b = page_browser(tenant, instructor)
    path = f"/teach/{course.id}"
    r = b.submit(b.get(path), path, form(course, title="Renamed", thumbnail_asset_id=asset_id))
    assert r.status_int == 422, r.text
    assert error_of(r).startswith(message)
    assert 'aria-invalid="true"' in select_of(r)
    if kind != "unready" and kind != "video":
        assert asset_id not in r.text  # not offered back
    db.refresh(course)
    assert course.thumbnail_asset_id is None and course.title != "Renamed"


def test_refused_image_creates_no_course(
    tenant, page_browser, instructor, user_factory, make_asset, db
):
    from learninghub_courses.models import Course

    theirs = make_asset(tenant, user_factory(tenant, "instructor"))
    b = page_browser(tenant, instructor)
    fields = {
        "title": "With a stolen cover",
        "slug": "stolen-cover",
        "level": "all",
        "language": "en",
        "price": "0",
        "currency": "EUR",
        "thumbnail_asset_id": str(theirs.id),
    }
    r = b.post("/teach/new", fields)
    assert r.status_int == 422 and error_of(r).startswith(NOT_YOURS)
    assert db.scalar(sa.select(Course).where(Course.slug == "stolen-cover")) is None


def test_api_gives_one_answer_for_unknown_foreign_and_other_peoples_ids(
    tenant, other_tenant, client, instructor, user_factory, make_asset
):
    ids = [
        uuid.uuid4(),
        make_asset(other_tenant, user_factory(other_tenant, "admin")).id,
        make_asset(tenant, user_factory(tenant, "instructor")).id,
    ]
    answers = []
    for asset_id in ids:
        r = client(tenant, instructor).post_json(URL, course_body(thumbnail_asset_id=str(asset_id)))
        assert r.status_int == 422 and r.content_type == "application/problem+json"
        answers.append(r.json["errors"])
    assert answers[0] == answers[1] == answers[2]
    assert answers[0][0]["path"] == ["body", "thumbnail_asset_id"]
    assert answers[0][0]["type"] == "media"


@pytest.mark.parametrize(
    "content_type, status, error_type",
    [("image/png", "uploading", "not_ready"), ("application/pdf", "ready", "type")],
)
def test_api_refuses_unready_and_non_images(
    tenant, client, instructor, make_asset, make_course, content_type, status, error_type
):
    asset = make_asset(tenant, instructor, content_type, status=status)
    course = make_course(tenant, instructor, status="draft")
    r = client(tenant, instructor).patch_json(
        f"{URL}/{course.id}", {"thumbnail_asset_id": str(asset.id)}
    )
    assert r.status_int == 422
    assert r.json["errors"][0]["path"] == ["body", "thumbnail_asset_id"]
    assert r.json["errors"][0]["type"] == error_type


def test_admins_pick_any_image_and_instructors_keep_it(
    tenant, client, page_browser, admin, instructor, make_asset, make_course, db
):
    image = make_asset(tenant, None)  # an image nobody owns any more (its uploader left)
    course = make_course(tenant, instructor, status="draft")
    r = client(tenant, admin).patch_json(
        f"{URL}/{course.id}", {"thumbnail_asset_id": str(image.id)}
    )
    assert r.status_int == 200, r.text
    # the instructor cannot pick it, but the form keeps it and saving leaves it
    assert (
        client(tenant, instructor)
        .post_json(URL, course_body(thumbnail_asset_id=str(image.id)))
        .status_int
        == 422
    )
    db.refresh(course)
    b = page_browser(tenant, instructor)
    path = f"/teach/{course.id}"
    page = b.get(path)
    assert f'<option value="{image.id}" selected>' in select_of(page)
    r = b.submit(page, path, form(course, title="Still with its cover"))
    assert r.status_int == 303, r.text
    db.refresh(course)
    assert course.thumbnail_asset_id == image.id and course.title == "Still with its cover"


def test_without_media_no_picker_and_the_id_stays(
    tenant_factory, page_browser, user_factory, make_course, db
):
    t = tenant_factory(plugins=["courses"])
    teacher = user_factory(t, "instructor")
    kept = uuid.uuid4()
    course = make_course(t, teacher, status="draft", thumbnail_asset_id=kept)
    b = page_browser(t, teacher)
    path = f"/teach/{course.id}"
    page = b.get(path)
    assert page.status_int == 200 and "thumbnail_asset_id" not in page.text
    assert "Upload a new image" not in page.text
    fields = form(course, title="Edited without media")
    del fields["thumbnail_asset_id"]
    assert b.submit(page, path, fields).status_int == 303
    db.refresh(course)
    assert course.thumbnail_asset_id == kept and course.title == "Edited without media"
