"""One announcement: GET, PATCH, DELETE /api/v1/announcements/{id}, publish and archive."""

from __future__ import annotations

import uuid

import pytest

LIST = "/api/v1/announcements"
MALFORMED_IDS = ["nope", "123", "0" * 31, "x" * 300, "%E2%98%83", "null"]


def url(a, action: str = "") -> str:
    return f"{LIST}/{a.id}" + (f"/{action}" if action else "")


@pytest.fixture
def people(tenant, user_factory):
    class People:
        admin = user_factory(tenant, "admin")
        author = user_factory(tenant, "instructor")
        colleague = user_factory(tenant, "instructor")
        learner = user_factory(tenant, "learner")
        guest = user_factory(tenant, "guest")  # a role without grants

    return People


# ----------------------------------------------------------------- GET


def test_get_published_draft_and_archived(tenant, people, client, make_announcement):
    live = make_announcement(tenant, people.author)
    draft = make_announcement(tenant, people.author, status="draft")
    old = make_announcement(tenant, people.author, status="archived")
    learner, colleague = client(tenant, people.learner), client(tenant, people.colleague)
    assert learner.get(url(live)).json["id"] == str(live.id)
    for hidden in (draft, old):
        assert learner.get(url(hidden)).status_int == 404
        assert colleague.get(url(hidden)).status_int == 404
        assert client(tenant, people.author).get(url(hidden)).status_int == 200
        assert client(tenant, people.admin).get(url(hidden)).status_int == 200


def test_get_without_view_permission(tenant, people, client, make_announcement):
    a = make_announcement(tenant)
    assert client(tenant, people.guest).get(url(a)).status_int == 403


def test_get_anonymous(tenant, client, make_announcement):
    assert client(tenant).get(url(make_announcement(tenant))).status_int == 401


def test_get_other_tenants_announcement(
    tenant, other_tenant, user_factory, client, make_announcement
):
    a = make_announcement(other_tenant)
    assert client(tenant, user_factory(tenant, "admin")).get(url(a)).status_int == 404


@pytest.mark.parametrize("bad", MALFORMED_IDS)
def test_malformed_and_unknown_ids_are_404(tenant, people, client, bad):
    c = client(tenant, people.admin)
    for path in (f"{LIST}/{bad}", f"{LIST}/{uuid.uuid4()}"):
        assert c.get(path).status_int == 404
        assert c.patch_json(path, {"title": "x"}).status_int == 404
        assert c.delete(path).status_int == 404
        assert c.post_json(path + "/publish", {}).status_int == 404
        assert c.post_json(path + "/archive", {}).status_int == 404


# ----------------------------------------------------------------- PATCH


def test_author_edits_own_and_manager_edits_any(tenant, people, client, make_announcement):
    a = make_announcement(tenant, people.author, status="draft")
    before = client(tenant, people.author).get(url(a)).json
    r = client(tenant, people.author).patch_json(
        url(a), {"body": "<b>new</b><img src=x onerror=y>"}
    )
    assert r.status_int == 200, r.text
    assert r.json["body"] == '<b>new</b><img src="x">'
    assert r.json["title"] == before["title"] and r.json["updated_at"] > before["updated_at"]
    r = client(tenant, people.admin).patch_json(url(a), {"title": "By the admin"})
    assert r.json["title"] == "By the admin"


def test_edit_forbidden_to_others(tenant, people, client, make_announcement):
    a = make_announcement(tenant, people.author)
    for who in (people.colleague, people.learner):
        r = client(tenant, who).patch_json(url(a), {"title": "Hijacked"})
        assert r.status_int == 403, r.text
    assert client(tenant, people.guest).patch_json(url(a), {"title": "x"}).status_int == 403
    draft = make_announcement(tenant, people.author, status="draft")
    assert client(tenant, people.learner).patch_json(url(draft), {"title": "x"}).status_int == 404
    assert client(tenant, people.author).get(url(a)).json["title"] == a.title


def test_edit_anonymous_and_cross_tenant(
    tenant, other_tenant, user_factory, client, make_announcement
):
    a = make_announcement(tenant)
    assert client(tenant).patch_json(url(a), {"title": "x"}).status_int == 401
    foreign = client(other_tenant, user_factory(other_tenant, "admin"))
    assert foreign.patch_json(url(a), {"title": "x"}).status_int == 404


@pytest.mark.parametrize(
    "payload",
    [{"title": ""}, {"title": None}, {"title": "x" * 201}, {"body": None}, {"status": "draft"}],
)
def test_invalid_edits(tenant, people, client, make_announcement, payload):
    a = make_announcement(tenant, people.author, status="draft")
    r = client(tenant, people.author).patch_json(url(a), payload)
    assert r.status_int == 422, r.text
    assert r.json["errors"][0]["path"][0] == "body"


def test_edit_respects_the_tenant_body_limit(
    tenant, people, client, make_announcement, plugin_admin
):
    plugin_admin.settings(tenant, max_body_chars=100)
    a = make_announcement(tenant, people.author, status="draft")
    r = client(tenant, people.author).patch_json(url(a), {"body": "y" * 101})
    assert r.status_int == 422
    assert client(tenant, people.author).get(url(a)).json["body"] == a.body


# ----------------------------------------------------------------- DELETE


def test_delete_rules(tenant, people, client, make_announcement):
    own_draft = make_announcement(tenant, people.author, status="draft")
    own_live = make_announcement(tenant, people.author)
    author = client(tenant, people.author)
    assert author.delete(url(own_live)).status_int == 403  # archive it instead
    assert author.delete(url(own_draft)).status_int == 204
    assert author.get(url(own_draft)).status_int == 404
    for who in (people.colleague, people.learner, people.guest):
        assert client(tenant, who).delete(url(own_live)).status_int == 403
    assert client(tenant, people.admin).delete(url(own_live)).status_int == 204
    assert client(tenant, people.admin).get(url(own_live)).status_int == 404


def test_delete_anonymous_and_cross_tenant(
    tenant, other_tenant, user_factory, client, make_announcement
):
    a = make_announcement(tenant)
    assert client(tenant).delete(url(a)).status_int == 401
    assert (
        client(other_tenant, user_factory(other_tenant, "admin")).delete(url(a)).status_int == 404
    )
    assert client(tenant, user_factory(tenant, "admin")).get(url(a)).status_int == 200


# ----------------------------------------------------------------- publish / archive


def test_author_publishes_own_draft(tenant, people, client, make_announcement, events):
    a = make_announcement(tenant, people.author, status="draft")
    r = client(tenant, people.author).post_json(url(a, "publish"), {})
    assert r.status_int == 200, r.text
    assert r.json["status"] == "published" and r.json["published_at"]
    assert client(tenant, people.learner).get(url(a)).status_int == 200
    again = client(tenant, people.author).post_json(url(a, "publish"), {})
    assert again.status_int == 409
    assert len(events.events) == 1


def test_publish_forbidden(tenant, people, client, make_announcement, events):
    draft = make_announcement(tenant, people.author, status="draft")
    archived = make_announcement(tenant, people.author, status="archived")
    assert client(tenant, people.colleague).post_json(url(draft, "publish")).status_int == 404
    assert client(tenant, people.learner).post_json(url(draft, "publish")).status_int == 404
    live = make_announcement(tenant, people.admin)
    for who in (people.colleague, people.learner, people.guest):
        assert client(tenant, who).post_json(url(live, "publish")).status_int == 403
    assert client(tenant, people.admin).post_json(url(archived, "publish")).status_int == 200
    assert [e.resource_id for e in events.events] == [str(archived.id)]


def test_publish_anonymous_and_cross_tenant(
    tenant, other_tenant, user_factory, client, make_announcement, events
):
    a = make_announcement(tenant, status="draft")
    assert client(tenant).post_json(url(a, "publish")).status_int == 401
    foreign = client(other_tenant, user_factory(other_tenant, "admin"))
    assert foreign.post_json(url(a, "publish")).status_int == 404
    assert events.events == []


def test_archive_hides_from_readers(tenant, people, client, make_announcement):
    a = make_announcement(tenant, people.author)
    r = client(tenant, people.author).post_json(url(a, "archive"))
    assert r.status_int == 200 and r.json["status"] == "archived"
    assert client(tenant, people.learner).get(url(a)).status_int == 404
    assert client(tenant, people.learner).get(LIST).json["items"] == []
    assert client(tenant, people.author).post_json(url(a, "archive")).status_int == 409
    republished = client(tenant, people.admin).post_json(url(a, "publish"))
    assert republished.json["published_at"] == r.json["published_at"]


def test_archive_forbidden(tenant, people, client, make_announcement):
    a = make_announcement(tenant, people.author)
    for who in (people.colleague, people.learner, people.guest):
        assert client(tenant, who).post_json(url(a, "archive")).status_int == 403
    assert client(tenant, people.admin).post_json(url(a, "archive")).status_int == 200


def test_archive_anonymous_and_cross_tenant(
    tenant, other_tenant, user_factory, client, make_announcement
):
    a = make_announcement(tenant)
    assert client(tenant).post_json(url(a, "archive")).status_int == 401
    foreign = client(other_tenant, user_factory(other_tenant, "admin"))
    assert foreign.post_json(url(a, "archive")).status_int == 404
    assert client(tenant, user_factory(tenant, "learner")).get(url(a)).status_int == 200
