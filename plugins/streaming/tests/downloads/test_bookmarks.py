"""The bookmarks API: one's own bookmarks of a stream, by position and paginated;
others' are 404; invalid inputs are 422 problem+json; watching rights are required."""

from __future__ import annotations

import pytest


def bookmarks(world) -> str:
    return f"/api/v1/streams/{world.stream.id}/bookmarks"


def one(bookmark_id) -> str:
    return f"/api/v1/streaming/bookmarks/{bookmark_id}"


@pytest.fixture
def add(client):
    def post(world, user=None, **body):
        data = {"scope": str(world.lesson.id), "position_s": 1.0, "note": "", **body}
        return client(world.tenant, user or world.learner).post_json(bookmarks(world), data)

    return post


def test_create_list_paginate_update_delete(world, client, add):
    learner = client(world.tenant, world.learner)
    r = add(world, position_s=2.5, note="  the key idea \n")
    assert r.status_int == 201, r.text
    created = r.json
    assert (created["position_s"], created["note"]) == (2.5, "the key idea")
    assert created["lesson_id"] == str(world.lesson.id)
    assert created["stream_id"] == str(world.stream.id)
    assert r.headers["Location"].endswith(one(created["id"]))
    add(world, position_s=0.5, note="start")
    add(world, position_s=1.5)
    url = f"{bookmarks(world)}?scope={world.lesson.id}"
    page = learner.get(f"{url}&limit=2").json
    assert [b["position_s"] for b in page["items"]] == [0.5, 1.5]
    rest = learner.get(f"{url}&limit=2&cursor={page['next_cursor']}").json
    assert [b["position_s"] for b in rest["items"]] == [2.5] and rest["next_cursor"] is None

    patched = learner.patch_json(one(created["id"]), {"note": "changed", "position_s": 0.25})
    assert patched.status_int == 200, patched.text
    assert (patched.json["note"], patched.json["position_s"]) == ("changed", 0.25)
    assert learner.patch_json(one(created["id"]), {"note": ""}).json["note"] == ""
    assert learner.get(url).json["items"][0]["id"] == created["id"]
    assert learner.delete(one(created["id"])).status_int == 204
    assert [b["position_s"] for b in learner.get(url).json["items"]] == [0.5, 1.5]
    assert learner.delete(one(created["id"])).status_int == 404


def test_only_ones_own(world, client, add):
    mine = add(world, note="mine").json
    add(world, world.classmate, note="theirs")
    classmate = client(world.tenant, world.classmate)
    listed = classmate.get(f"{bookmarks(world)}?scope={world.lesson.id}").json["items"]
    assert [b["note"] for b in listed] == ["theirs"]
    assert classmate.patch_json(one(mine["id"]), {"note": "x"}).status_int == 404
    assert classmate.delete(one(mine["id"])).status_int == 404
    instructor = client(world.tenant, world.instructor)
    assert instructor.patch_json(one(mine["id"]), {"note": "x"}).status_int == 404
    assert instructor.delete(one(mine["id"])).status_int == 404
    learner = client(world.tenant, world.learner)
    assert learner.patch_json(one(mine["id"]), {}).json["errors"][0]["path"] == ["body"]
    assert learner.patch_json(one("nope"), {"note": "x"}).status_int == 404


def test_editors_bookmark_in_the_manage_preview(world, client, add):
    r = add(world, world.instructor, scope="manage", note="check audio here")
    assert r.status_int == 201 and r.json["lesson_id"] is None
    editor = client(world.tenant, world.instructor)
    assert editor.patch_json(one(r.json["id"]), {"position_s": 2}).status_int == 200
    assert add(world, world.learner, scope="manage").status_int == 404


@pytest.mark.parametrize(
    "body,path",
    [
        ({"position_s": -1}, ["body", "position_s"]),
        ({"position_s": 3.5}, ["body", "position_s"]),  # past the 3 s clip
        ({"position_s": "later"}, ["body", "position_s"]),
        ({"note": "x" * 501}, ["body", "note"]),
        ({"note": "bell\x07"}, ["body", "note"]),
        ({"scope": "lesson-1"}, ["body", "scope"]),
        ({"colour": "red"}, ["body", "colour"]),
    ],
)
def test_invalid_create_answers_422(world, add, body, path):
    r = add(world, **body)
    assert r.status_int == 422, r.text
    assert r.content_type == "application/problem+json"
    assert path in [e["path"] for e in r.json["errors"]]


@pytest.mark.parametrize(
    "body,path",
    [
        ({"position_s": 99}, ["body", "position_s"]),
        ({"position_s": None}, ["body", "position_s"]),
        ({"note": None}, ["body", "note"]),
        ({"note": "y" * 501}, ["body", "note"]),
        ({"lesson_id": None}, ["body", "lesson_id"]),
    ],
)
def test_invalid_update_answers_422(world, client, add, body, path):
    created = add(world).json
    r = client(world.tenant, world.learner).patch_json(one(created["id"]), body)
    assert r.status_int == 422, r.text
    assert r.content_type == "application/problem+json"
    assert path in [e["path"] for e in r.json["errors"]]


def test_note_limit_counts_after_stripping(world, add):
    r = add(world, note="  " + "z" * 500 + "  ")
    assert r.status_int == 201 and r.json["note"] == "z" * 500


def test_list_query_is_validated(world, client):
    learner = client(world.tenant, world.learner)
    assert learner.get(bookmarks(world)).status_int == 422
    r = learner.get(f"{bookmarks(world)}?scope={world.lesson.id}&limit=0")
    assert r.status_int == 422 and r.json["errors"][0]["path"] == ["query", "limit"]
    r = learner.get(f"{bookmarks(world)}?scope={world.lesson.id}&cursor=zz")
    assert r.status_int == 400


def test_watching_rights_are_required(world, client, add, db):
    created = add(world).json
    url = f"{bookmarks(world)}?scope={world.lesson.id}"
    assert client(world.tenant).get(url).status_int == 401
    assert add(world, world.outsider).status_int == 404
    assert client(world.tenant, world.outsider).get(url).status_int == 404
    # a lesson that does not use this media
    assert add(world, scope=str(world.other_lesson.id)).status_int == 404
    # after the enrolment ends: no reading or changing, but one's notes can be deleted
    import sqlalchemy as sa

    from learninghub_enrollment.models import Enrollment

    db.execute(
        sa.update(Enrollment)
        .where(Enrollment.user_id == world.learner.id)
        .values(status="cancelled")
    )
    db.flush()
    learner = client(world.tenant, world.learner)
    assert learner.get(url).status_int == 404
    assert learner.patch_json(one(created["id"]), {"note": "x"}).status_int == 404
    assert learner.delete(one(created["id"])).status_int == 204


def test_a_stream_not_ready_has_no_bookmarks(world, add, db):
    world.stream.status = "processing"
    db.flush()
    assert add(world).status_int == 404


def test_every_route_refuses_another_tenant(world, client, add, foreign_client):
    created = add(world).json
    routes = [
        ("get", f"{bookmarks(world)}?scope={world.lesson.id}", None),
        ("post_json", bookmarks(world), {"scope": str(world.lesson.id), "position_s": 1}),
        ("patch_json", one(created["id"]), {"note": "x"}),
        ("delete", one(created["id"]), None),
    ]
    foreign = foreign_client(world.tenant, world.other_tenant)
    own_host = client(world.other_tenant, world.foreign_admin)
    anonymous = client(world.tenant)
    for method, url, body in routes:
        args = (url, body) if body is not None else (url,)
        assert getattr(anonymous, method)(*args).status_int == 401, url
        assert getattr(foreign, method)(*args).status_int in (401, 404), url
        assert getattr(own_host, method)(*args).status_int == 404, url
    learner = client(world.tenant, world.learner)
    assert learner.get(f"{bookmarks(world)}?scope={world.lesson.id}").json["items"][0]["note"] == ""
