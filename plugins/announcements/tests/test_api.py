"""The collection: GET and POST /api/v1/announcements."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest

from learninghub.db import utcnow

LIST = "/api/v1/announcements"


def titles(response) -> list[str]:
    return [item["title"] for item in response.json["items"]]


def error_paths(response) -> set[tuple]:
    return {tuple(e["path"]) for e in response.json["errors"]}


# ----------------------------------------------------------------- GET (list)


def test_learner_lists_published_only(tenant, user_factory, client, make_announcement):
    author = user_factory(tenant, "instructor")
    make_announcement(tenant, author, title="Live")
    make_announcement(tenant, author, status="draft", title="Draft")
    make_announcement(tenant, author, status="archived", title="Old")
    r = client(tenant, user_factory(tenant, "learner")).get(LIST)
    assert r.status_int == 200, r.text
    assert titles(r) == ["Live"]
    item = r.json["items"][0]
    assert item["url"].endswith(f"{LIST}/{item['id']}")
    assert item["html_url"].endswith(f"/announcements/{item['id']}")
    assert r.json["next_cursor"] is None


def test_manager_lists_every_status_and_filters(tenant, user_factory, client, make_announcement):
    make_announcement(tenant, title="Live")
    make_announcement(tenant, status="draft", title="Draft")
    make_announcement(tenant, status="archived", title="Old")
    c = client(tenant, user_factory(tenant, "admin"))
    assert sorted(titles(c.get(LIST))) == ["Draft", "Live", "Old"]
    assert titles(c.get(LIST, params={"status": "draft"})) == ["Draft"]
    assert titles(c.get(LIST, params={"status": "archived"})) == ["Old"]


def test_status_filter_is_for_managers(tenant, user_factory, client, make_announcement):
    make_announcement(tenant, title="Live")
    c = client(tenant, user_factory(tenant, "instructor"))
    r = c.get(LIST, params={"status": "draft"})
    assert r.status_int == 403
    assert r.content_type == "application/problem+json"
    assert titles(c.get(LIST, params={"status": "published"})) == ["Live"]


def test_mine_lists_own_announcements_in_every_status(
    tenant, user_factory, client, make_announcement
):
    me, other = user_factory(tenant, "instructor"), user_factory(tenant, "instructor")
    make_announcement(tenant, me, status="draft", title="My draft")
    make_announcement(tenant, me, title="My news")
    make_announcement(tenant, other, status="draft", title="Their draft")
    c = client(tenant, me)
    assert sorted(titles(c.get(LIST, params={"mine": "true"}))) == ["My draft", "My news"]
    assert titles(c.get(LIST, params={"mine": "true", "status": "draft"})) == ["My draft"]


def test_list_without_view_permission_is_forbidden(tenant, user_factory, client):
    r = client(tenant, user_factory(tenant, "guest")).get(LIST)  # a role without grants
    assert r.status_int == 403
    assert r.json["detail"].endswith("announcements:announcement:view")


def test_list_anonymous_is_unauthorized(tenant, client):
    r = client(tenant).get(LIST)
    assert r.status_int == 401
    assert r.headers["WWW-Authenticate"].startswith("Bearer")


def test_list_never_shows_other_tenants(
    tenant, other_tenant, user_factory, client, make_announcement
):
    make_announcement(other_tenant, title="Elsewhere")
    make_announcement(tenant, title="Here")
    assert titles(client(tenant, user_factory(tenant, "admin")).get(LIST)) == ["Here"]
    stolen = client(other_tenant)
    stolen.headers.update(client(tenant, user_factory(tenant, "admin")).headers)
    assert stolen.get(LIST).status_int == 401


def test_pagination_walks_every_item_once(tenant, user_factory, client, make_announcement):
    base = utcnow()
    # five publication times shared by five rows each: the id breaks the ties
    for i in range(25):
        make_announcement(tenant, title=f"N{i:02d}", published_at=base - timedelta(hours=i // 5))
    c = client(tenant, user_factory(tenant, "learner"))
    seen, cursor, sizes = [], None, []
    while True:
        params = {"limit": 10, **({"cursor": cursor} if cursor else {})}
        r = c.get(LIST, params=params)
        assert r.status_int == 200, r.text
        sizes.append(len(r.json["items"]))
        seen += r.json["items"]
        cursor = r.json["next_cursor"]
        if cursor is None:
            break
    assert sizes == [10, 10, 5]
    assert len({item["id"] for item in seen}) == 25
    keys = [(item["published_at"], item["id"]) for item in seen]
    assert keys == sorted(keys, reverse=True)


@pytest.mark.parametrize(
    ("params", "status", "path"),
    [
        ({"limit": "0"}, 422, ("query", "limit")),
        ({"limit": "101"}, 422, ("query", "limit")),
        ({"limit": "ten"}, 422, ("query", "limit")),
        ({"status": "deleted"}, 422, ("query", "status")),
        ({"colour": "red"}, 422, ("query", "colour")),
        ({"cursor": "not a cursor!"}, 400, ("query", "cursor")),
        ({"cursor": base64.urlsafe_b64encode(b'["x", "y"]').decode()}, 400, ("query", "cursor")),
        ({"cursor": "x" * 201}, 422, ("query", "cursor")),
    ],
)
def test_invalid_list_queries(tenant, user_factory, client, params, status, path):
    r = client(tenant, user_factory(tenant, "admin")).get(LIST, params=params)
    assert r.status_int == status, r.text
    assert r.content_type == "application/problem+json"
    assert path in error_paths(r)


def test_cursor_with_a_bad_id_is_rejected(tenant, user_factory, client):
    cursor = base64.urlsafe_b64encode(json.dumps([utcnow().isoformat(), "nope"]).encode())
    r = client(tenant, user_factory(tenant, "learner")).get(LIST, params={"cursor": cursor})
    assert r.status_int == 400
    assert r.json["title"] == "Invalid cursor"


# ----------------------------------------------------------------- POST (create)


def test_instructor_creates_a_sanitized_draft(tenant, user_factory, client, mailbox, events):
    instructor = user_factory(tenant, "instructor")
    body = '<p onclick="steal()">Exam on <strong>Monday</strong><script>alert(1)</script></p>'
    r = client(tenant, instructor).post_json(LIST, {"title": "  Exam  ", "body": body})
    assert r.status_int == 201, r.text
    assert r.headers["Location"] == r.json["url"]
    assert r.json["title"] == "Exam"
    assert r.json["body"] == "<p>Exam on <strong>Monday</strong></p>"
    assert r.json["status"] == "draft" and r.json["published_at"] is None
    assert r.json["author_id"] == str(instructor.id)
    assert events.events == [] and mailbox.refresh() == []
    assert client(tenant, instructor).get(r.json["url"]).json == r.json


def test_create_and_publish_at_once(tenant, user_factory, client, events):
    r = client(tenant, user_factory(tenant, "admin")).post_json(
        LIST, {"title": "Closed Friday", "publish": True}
    )
    assert r.status_int == 201, r.text
    assert r.json["status"] == "published" and r.json["published_at"]
    assert [e.resource_id for e in events.events] == [r.json["id"]]


def test_learner_may_not_create(tenant, user_factory, client):
    r = client(tenant, user_factory(tenant, "learner")).post_json(LIST, {"title": "Hi"})
    assert r.status_int == 403
    assert r.json["detail"].endswith("announcements:announcement:create")


def test_create_anonymous_is_unauthorized(tenant, client):
    assert client(tenant).post_json(LIST, {"title": "Hi"}).status_int == 401


def test_created_announcement_stays_in_its_tenant(tenant, other_tenant, user_factory, client):
    r = client(tenant, user_factory(tenant, "admin")).post_json(
        LIST, {"title": "Ours", "publish": True}
    )
    foreign = client(other_tenant, user_factory(other_tenant, "admin"))
    assert titles(foreign.get(LIST)) == []
    assert foreign.get(r.json["url"]).status_int == 404


@pytest.mark.parametrize(
    ("payload", "path"),
    [
        ({}, ("body", "title")),
        ({"title": ""}, ("body", "title")),
        ({"title": "   "}, ("body", "title")),
        ({"title": "x" * 201}, ("body", "title")),
        ({"title": None}, ("body", "title")),
        ({"title": "Hi", "body": 5}, ("body", "body")),
        ({"title": "Hi", "author_id": "me"}, ("body", "author_id")),
        ({"title": "Hi", "status": "published"}, ("body", "status")),
        ({"title": "Hi", "publish": "perhaps"}, ("body", "publish")),
    ],
)
def test_invalid_create_bodies(tenant, user_factory, client, payload, path):
    r = client(tenant, user_factory(tenant, "admin")).post_json(LIST, payload)
    assert r.status_int == 422, r.text
    assert r.content_type == "application/problem+json"
    assert path in error_paths(r)


def test_body_longer_than_the_tenant_allows(tenant, user_factory, client, plugin_admin):
    plugin_admin.settings(tenant, max_body_chars=100)
    c = client(tenant, user_factory(tenant, "admin"))
    assert c.post_json(LIST, {"title": "Ok", "body": "x" * 100}).status_int == 201
    r = c.post_json(LIST, {"title": "Long", "body": "x" * 101})
    assert r.status_int == 422
    assert error_paths(r) == {("body", "body")}
    assert titles(c.get(LIST, params={"status": "draft"})) == ["Ok"]


def test_create_needs_a_json_body(tenant, user_factory, client):
    c = client(tenant, user_factory(tenant, "admin"))
    r = c.post(LIST, "title=Hi", headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_int == 415
    r = c.post(LIST, "{oops", headers={"Content-Type": "application/json"})
    assert r.status_int == 400


def test_unsupported_method_is_405(tenant, user_factory, client):
    r = client(tenant, user_factory(tenant, "admin")).put_json(LIST, {})
    assert r.status_int == 405
    assert set(r.headers["Allow"].split(", ")) == {"GET", "POST"}


def test_openapi_documents_the_endpoints(tenant, user_factory, client):
    doc = client(tenant, user_factory(tenant, "learner")).get("/api/v1/openapi.json").json
    assert set(doc["paths"][LIST]) == {"get", "post"}
    assert set(doc["paths"][LIST + "/{id}"]) == {"get", "patch", "delete"}
    assert "post" in doc["paths"][LIST + "/{id}/publish"]
    assert "AnnouncementCreate" in doc["components"]["schemas"]
