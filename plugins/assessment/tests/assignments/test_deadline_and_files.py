"""A due date holds on every path (API, file upload, the player's form); files go
through the media plugin and only their learner and the course staff read them."""

from __future__ import annotations

import re
from datetime import timedelta

from learninghub.db import utcnow

from .conftest import PDF


def submission(aid) -> str:
    return f"/api/v1/assignments/{aid}/submission"


def past_due(db, assignment, seconds: int) -> None:
    assignment.due_at = utcnow() - timedelta(seconds=seconds)
    db.flush()


def test_due_date_closes_the_api(classroom, tenant, client, db):
    room = classroom
    c = client(tenant, room.learner)
    assert c.put_json(submission(room.assignment.id), {"text": "on time"}).status_int == 200
    past_due(db, room.assignment, 5)  # within the default 10 s grace
    assert c.put_json(submission(room.assignment.id), {"text": "just in"}).status_int == 200
    past_due(db, room.assignment, 60)
    r = c.put_json(submission(room.assignment.id), {"text": "too late"}, expect_errors=True)
    assert r.status_int == 409 and r.content_type == "application/problem+json"
    assert r.json["type"].endswith("deadline-passed")
    assert c.get(submission(room.assignment.id)).json["text"] == "just in"
    assert c.get(f"/api/v1/assignments/{room.assignment.id}").json["closed"] is True


def test_due_date_closes_the_file_upload_before_storing(classroom, tenant, client, db, registry):
    from learninghub.interfaces import IFileStorage  # noqa: F401

    room = classroom
    past_due(db, room.assignment, 60)
    r = client(tenant, room.learner).post(
        submission(room.assignment.id) + "/file",
        upload_files=[("file", "essay.pdf", PDF)],
        expect_errors=True,
    )
    assert r.status_int == 409 and r.json["type"].endswith("deadline-passed")
    from learninghub_media.models import MediaAsset

    assert db.query(MediaAsset).filter(MediaAsset.owner_id == room.learner.id).count() == 0


def test_due_date_closes_the_page_form(classroom, tenant, page_browser, db):
    room = classroom
    b = page_browser(tenant, room.learner)
    player = f"/courses/{room.setup.course.slug}/learn/{room.setup.lessons[0].slug}"
    page = b.get(player)
    assert page.status_int == 200 and "Submit your work" in page.text
    past_due(db, room.assignment, 60)
    r = b.submit(page, f"/assignments/{room.assignment.id}/submit", {"text": "late"})
    assert r.status_int == 409
    assert "The due date has passed" in r.text
    closed = b.get(player)
    assert "Submit your work" not in closed.text and "The due date has passed" in closed.text


def test_page_form_submits_text_and_file(classroom, tenant, page_browser, client, db):
    room = classroom
    b = page_browser(tenant, room.learner)
    player = f"/courses/{room.setup.course.slug}/learn/{room.setup.lessons[0].slug}"
    page = b.get(player)
    assert 'enctype="multipart/form-data"' in page.text and 'name="csrf_token"' in page.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    r = b._call(
        "post",
        f"/assignments/{room.assignment.id}/submit",
        params={"csrf_token": token, "text": "With a file"},
        upload_files=[("file", "essay.pdf", PDF)],
    )
    assert r.status_int == 303, r.text
    shown = b.get(r.headers["Location"])
    assert "Your work was submitted." in shown.text and "essay.pdf" in shown.text
    mine = client(tenant, room.learner).get(submission(room.assignment.id)).json
    assert mine["text"] == "With a file" and mine["media_asset_id"]
    no_csrf = b.post(f"/assignments/{room.assignment.id}/submit", {"text": "x"}, csrf=False)
    assert no_csrf.status_int in (400, 403)
    html = b._call(
        "post",
        f"/assignments/{room.assignment.id}/submit",
        params={"csrf_token": token, "text": ""},
        upload_files=[("file", "page.pdf", b"<html><script>alert(1)</script></html>")],
    )
    assert html.status_int == 415


def test_file_submission_access(
    classroom, tenant, client, app, user_factory, other_tenant, enrol_directly
):
    room = classroom
    r = client(tenant, room.learner).post(
        submission(room.assignment.id) + "/file",
        params={"text": "see file"},
        upload_files=[("file", "essay.pdf", PDF)],
    )
    assert r.status_int == 200, r.text
    asset_id = r.json["media_asset_id"]
    assert r.json["file_name"] == "essay.pdf" and r.json["text"] == "see file"
    media = f"/api/v1/media/{asset_id}"
    assert client(tenant, room.learner).get(media).status_int == 200
    assert client(tenant, room.assistant).get(media).status_int == 200
    assert client(tenant, room.instructor).get(media).status_int == 200
    classmate = user_factory(tenant)
    enrol_directly(tenant, room.setup.course, classmate)
    assert client(tenant, classmate).get(media, expect_errors=True).status_int == 404
    assert client(tenant, room.stranger).get(media, expect_errors=True).status_int == 404
    foreign = client(other_tenant, user_factory(other_tenant, "admin"))
    assert foreign.get(media, expect_errors=True).status_int == 404
    # replacing the file deletes the old one
    again = client(tenant, room.learner).post(
        submission(room.assignment.id) + "/file", upload_files=[("file", "v2.pdf", PDF + b"v2")]
    )
    assert again.json["media_asset_id"] != asset_id and again.json["text"] == "see file"
    assert client(tenant, room.learner).get(media, expect_errors=True).status_int == 404
    # the file endpoint's own refusals
    r = client(tenant, room.learner).post(
        submission(room.assignment.id) + "/file", params={"text": "x"}, expect_errors=True
    )
    assert r.status_int in (415, 422)
    assert (
        client(tenant)
        .post(submission(room.assignment.id) + "/file", params={}, expect_errors=True)
        .status_int
        == 401
    )
    r = client(tenant, room.stranger).post(
        submission(room.assignment.id) + "/file",
        upload_files=[("file", "a.pdf", PDF)],
        expect_errors=True,
    )
    assert r.status_int == 404
