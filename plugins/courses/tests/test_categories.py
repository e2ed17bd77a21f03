"""/api/v1/course-categories: a tree of categories, managed by admins."""

from __future__ import annotations

import uuid

import pytest

URL = "/api/v1/course-categories"


def make(client, tenant, admin, name, slug, parent=None, position=0):
    body = {"name": name, "slug": slug, "position": position}
    if parent:
        body["parent_id"] = parent
    r = client(tenant, admin).post_json(URL, body)
    assert r.status_int == 201, r.text
    return r.json


def test_admin_builds_a_tree(tenant, client, admin):
    arts = make(client, tenant, admin, "Arts", "arts", position=2)
    science = make(client, tenant, admin, "Science", "science", position=1)
    music = make(client, tenant, admin, "Music", "music", parent=arts["id"])
    r = client(tenant).get(URL)  # anyone may read
    assert r.status_int == 200
    assert [(c["slug"], c["depth"]) for c in r.json] == [
        ("science", 0),
        ("arts", 0),
        ("music", 1),
    ]
    assert client(tenant).get(music["url"]).json["parent_id"] == arts["id"]
    assert science["url"].endswith(science["id"])


def test_move_rename_and_cycles(tenant, client, admin):
    a = make(client, tenant, admin, "A", "a")
    b = make(client, tenant, admin, "B", "b", parent=a["id"])
    c = client(tenant, admin)
    r = c.patch_json(a["url"], {"parent_id": b["id"]})
    assert r.status_int == 422 and r.json["errors"][0]["path"] == ["body", "parent_id"]
    assert c.patch_json(a["url"], {"parent_id": a["id"]}).status_int == 422
    r = c.patch_json(b["url"], {"parent_id": None, "name": "Bee"})
    assert r.status_int == 200 and r.json["parent_id"] is None and r.json["name"] == "Bee"
    assert c.patch_json(b["url"], {"slug": "a"}).status_int == 409
    assert c.patch_json(b["url"], {"name": None}).status_int == 422


def test_delete_moves_children_up_and_clears_courses(tenant, client, admin, make_course, db):
    a = make(client, tenant, admin, "A", "a")
    b = make(client, tenant, admin, "B", "b", parent=a["id"])
    c = make(client, tenant, admin, "C", "c", parent=b["id"])
    course = make_course(tenant, category_id=uuid.UUID(b["id"]))
    assert client(tenant, admin).delete(b["url"]).status_int == 204
    assert client(tenant).get(b["url"]).status_int == 404
    assert client(tenant).get(c["url"]).json["parent_id"] == a["id"]
    db.refresh(course)
    assert course.category_id is None


@pytest.mark.parametrize(
    "body",
    [
        {"name": "", "slug": "x"},
        {"name": "X", "slug": "Not valid"},
        {"name": "X", "slug": "x", "position": -1},
        {"name": "X", "slug": "x", "parent_id": "nope"},
        {"name": "X"},
        {"name": "X", "slug": "x", "extra": 1},
    ],
)
def test_invalid_input(tenant, client, admin, body):
    r = client(tenant, admin).post_json(URL, body)
    assert r.status_int == 422 and r.content_type == "application/problem+json"


def test_unknown_parent_and_taken_slug(tenant, client, admin):
    make(client, tenant, admin, "A", "a")
    r = client(tenant, admin).post_json(
        URL, {"name": "B", "slug": "b", "parent_id": str(uuid.uuid4())}
    )
    assert r.status_int == 422 and r.json["errors"][0]["path"] == ["body", "parent_id"]
    assert client(tenant, admin).post_json(URL, {"name": "A2", "slug": "a"}).status_int == 409


@pytest.mark.parametrize("role", ["learner", "instructor"])
def test_others_cannot_manage(tenant, client, admin, user_factory, role):
    a = make(client, tenant, admin, "A", "a")
    user = user_factory(tenant, role)
    assert client(tenant, user).post_json(URL, {"name": "B", "slug": "b"}).status_int == 403
    assert client(tenant, user).patch_json(a["url"], {"name": "Z"}).status_int == 403
    assert client(tenant, user).delete(a["url"]).status_int == 403


def test_anonymous_cannot_manage(tenant, client, admin):
    a = make(client, tenant, admin, "A", "a")
    assert client(tenant).post_json(URL, {"name": "B", "slug": "b"}).status_int == 401
    assert client(tenant).patch_json(a["url"], {"name": "Z"}).status_int == 401
    assert client(tenant).delete(a["url"]).status_int == 401


def test_other_tenant(tenant, other_tenant, client, admin, user_factory):
    a = make(client, tenant, admin, "A", "a")
    stranger = user_factory(other_tenant, "admin")
    foreign = client(other_tenant, stranger)
    assert foreign.get(a["url"]).status_int == 404
    assert foreign.patch_json(a["url"], {"name": "Z"}).status_int == 404
    assert foreign.delete(a["url"]).status_int == 404
    assert foreign.get(URL).json == []
    # the same slug is free in another tenant
    assert foreign.post_json(URL, {"name": "A", "slug": "a"}).status_int == 201
    assert client(tenant).get(a["url"]).json["name"] == "A"
