"""Feature flags: API, history and events, evaluation (per tenant, stable percentage
buckets, roles) in views, templates and tasks."""

from __future__ import annotations

import uuid

import pytest

from learninghub.tasks import make_tenant_request, run_task, task
from learninghub_config import flags as F

FLAGS = "/api/v1/config/flags"


def make_flag(c, key, **fields):
    r = c.post_json(FLAGS, {"key": key, **fields})
    assert r.status_int == 201, r.text
    return r.json


def test_create_read_change_delete_with_history_and_events(tenant, admin, client, events):
    c = client(tenant, admin)
    created = make_flag(c, "new-player", description="The new player", enabled=True)
    assert created["percentage"] == 100 and created["roles"] == [] and created["version"] == 1
    assert created["url"] == "/api/v1/config/flags/new-player"
    assert c.get(created["url"]).json["description"] == "The new player"
    r = c.patch_json(created["url"], {"percentage": 25, "roles": ["learner"]})
    assert r.status_int == 200 and r.json["version"] == 2 and r.json["percentage"] == 25
    assert c.patch_json(created["url"], {"percentage": 25}).json["version"] == 2  # no change
    listed = c.get(FLAGS).json["items"]
    assert [f["key"] for f in listed] == ["new-player"]
    assert c.delete(created["url"]).status_int == 204
    assert c.get(created["url"]).status_int == 404
    history = c.get(created["url"] + "/versions").json["items"]
    assert [(h["version"], h["action"]) for h in history] == [
        (3, "deleted"),
        (2, "updated"),
        (1, "created"),
    ]
    assert {ch["field"]: (ch["old"], ch["new"]) for ch in history[1]["changes"]} == {
        "percentage": (100, 25),
        "roles": ([], ["learner"]),
    }
    assert history[1]["author"] == admin.email
    assert [e.name for e in events.named("config.flag.")] == [
        "config.flag.created",
        "config.flag.updated",
        "config.flag.deleted",
    ]
    assert events.events[1].payload["changes"][0]["field"] == "percentage"
    # re-created: the history continues
    assert make_flag(c, "new-player")["version"] == 4


@pytest.mark.parametrize(
    "body, path",
    [
        ({"key": "Bad Key"}, ["body", "key"]),
        ({"key": "ok", "percentage": 101}, ["body", "percentage"]),
        ({"key": "ok", "percentage": -1}, ["body", "percentage"]),
        ({"key": "ok", "roles": ["not a role"]}, ["body", "roles"]),
        ({"key": "ok", "colour": "red"}, ["body", "colour"]),
        ({}, ["body", "key"]),
    ],
)
def test_invalid_flags_answer_422(tenant, admin, client, body, path):
    r = client(tenant, admin).post_json(FLAGS, body)
    assert r.status_int == 422 and r.content_type == "application/problem+json", r.text
    assert r.json["errors"][0]["path"] == path


def test_invalid_changes_answer_422_and_duplicates_409(tenant, admin, client):
    c = client(tenant, admin)
    make_flag(c, "dup")
    assert c.post_json(FLAGS, {"key": "dup"}).status_int == 409
    r = c.patch_json(f"{FLAGS}/dup", {"enabled": None})
    assert r.status_int == 422 and r.json["errors"][0]["path"] == ["body", "enabled"]
    assert c.patch_json(f"{FLAGS}/dup", {"key": "other"}).status_int == 422
    assert c.patch_json(f"{FLAGS}/nosuch", {"enabled": True}).status_int == 404
    assert c.get(f"{FLAGS}/Not_Valid!").status_int == 404
    assert c.get(f"{FLAGS}/nosuch/versions").status_int == 404


def test_flags_are_per_tenant(tenant, other_tenant, admin, user_factory, client):
    make_flag(client(tenant, admin), "beta", enabled=True)
    other_admin = user_factory(other_tenant, "admin")
    theirs = client(other_tenant, other_admin)
    assert theirs.get(f"{FLAGS}/beta").status_int == 404
    assert theirs.get(FLAGS).json["items"] == []
    assert theirs.get("/api/v1/config/features").json["features"] == {}
    mine = client(tenant, user_factory(tenant, "learner"))
    assert mine.get("/api/v1/config/features").json["features"] == {"beta": True}
    # same key, own state
    make_flag(theirs, "beta", enabled=False)
    assert client(other_tenant, user_factory(other_tenant)).get("/api/v1/config/features").json[
        "features"
    ] == {"beta": False}
    assert mine.get("/api/v1/config/features").json["features"] == {"beta": True}


def test_bucketing_is_stable_and_roughly_proportional():
    tenant_id = uuid.uuid4()
    users = [uuid.uuid4() for _ in range(1000)]
    state = {"enabled": True, "percentage": 30, "roles": []}
    on = [u for u in users if F.is_on(state, tenant_id, "rollout", u, set())]
    assert 230 <= len(on) <= 370  # 30 % of 1000, well inside 4.5 standard deviations
    assert on == [u for u in users if F.is_on(state, tenant_id, "rollout", u, set())]
    # growing the roll-out keeps everyone who had it
    wider = {
        u for u in users if F.is_on(dict(state, percentage=60), tenant_id, "rollout", u, set())
    }
    assert set(on) <= wider and 520 <= len(wider) <= 680
    # buckets of another flag or tenant are independent of this one
    other = {u for u in users if F.is_on(state, tenant_id, "other-flag", u, set())}
    assert 0.15 < len(other & set(on)) / len(on) < 0.45
    assert not [u for u in users if F.is_on(dict(state, percentage=0), tenant_id, "r", u, set())]
    assert all(F.is_on(dict(state, percentage=100), tenant_id, "r", u, set()) for u in users)
    assert not F.is_on(dict(state, enabled=False, percentage=100), tenant_id, "r", users[0], set())


def test_role_targeting_and_anonymous_visitors():
    tid, uid = uuid.uuid4(), uuid.uuid4()
    state = {"enabled": True, "percentage": 100, "roles": ["instructor"]}
    assert F.is_on(state, tid, "k", uid, {"instructor", "learner"})
    assert not F.is_on(state, tid, "k", uid, {"learner"})
    assert not F.is_on(state, tid, "k", None, set())
    everyone = {"enabled": True, "percentage": 100, "roles": []}
    assert F.is_on(everyone, tid, "k", None, set())
    assert not F.is_on(dict(everyone, percentage=99), tid, "k", None, set())


def test_percentage_over_the_api_matches_the_buckets(tenant, admin, user_factory, client):
    make_flag(client(tenant, admin), "half", enabled=True, percentage=50)
    learners = [user_factory(tenant, "learner") for _ in range(12)]
    for user in learners:
        expected = F.bucket(tenant.id, "half", user.id) < 50
        got = client(tenant, user).get("/api/v1/config/features").json["features"]["half"]
        assert got is expected


def test_roles_over_the_api(tenant, admin, user_factory, client):
    make_flag(client(tenant, admin), "staff-only", enabled=True, roles=["instructor", "admin"])
    features = "/api/v1/config/features"
    assert client(tenant, admin).get(features).json["features"]["staff-only"] is True
    instructor = client(tenant, user_factory(tenant, "instructor"))
    assert instructor.get(features).json["features"]["staff-only"] is True
    learner = client(tenant, user_factory(tenant, "learner"))
    assert learner.get(features).json["features"]["staff-only"] is False


def test_features_endpoint_needs_a_signed_in_user(tenant, client, foreign_client, other_tenant):
    assert client(tenant).get("/api/v1/config/features").status_int == 401
    assert foreign_client(tenant, other_tenant).get("/api/v1/config/features").status_int == 401


def test_change_is_seen_by_the_next_request(tenant, admin, user_factory, client):
    c = client(tenant, admin)
    make_flag(c, "live", enabled=True)
    learner = client(tenant, user_factory(tenant, "learner"))
    assert learner.get("/api/v1/config/features").json["features"]["live"] is True
    c.patch_json(f"{FLAGS}/live", {"enabled": False})
    assert learner.get("/api/v1/config/features").json["features"]["live"] is False


def test_flags_are_off_where_the_plugin_is_disabled(tenant_factory, registry):
    t = tenant_factory(plugins=[])
    request = make_tenant_request(registry, registry["tenancy.resolver"].by_id(t.id), None)
    assert request.feature("anything") is False
    assert request.feature("anything", default=True) is True


# ----------------------------------------------------------------- templates, tasks

SEEN: list[tuple[str, bool]] = []


@task("configtest.check_flag")
def check_flag(request, user_id: str) -> None:
    SEEN.append((user_id, F.feature(request, "from-task", user=user_id)))


def test_flag_is_evaluated_in_a_task(tenant, admin, user_factory, client, registry):
    make_flag(client(tenant, admin), "from-task", enabled=True, roles=["instructor"])
    instructor, learner = user_factory(tenant, "instructor"), user_factory(tenant, "learner")
    SEEN.clear()
    for user in (instructor, learner):
        assert run_task(
            registry, "configtest.check_flag", str(tenant.id), {"user_id": str(user.id)}
        )
    assert SEEN == [(str(instructor.id), True), (str(learner.id), False)]


def test_flag_is_evaluated_in_a_template(tenant, admin, user_factory, client, registry, db):
    from learninghub.db import bind_tenant

    make_flag(client(tenant, admin), "banner", enabled=True, roles=["admin"])
    info = registry["tenancy.resolver"].by_id(tenant.id)
    env = registry["templates"].environment(info.theme, info.slug)
    source = "{% if feature('banner') %}ON{% else %}OFF{% endif %}|{{ feature('missing', True) }}"
    learner = user_factory(tenant, "learner")
    bind_tenant(db, tenant.id)

    class PageRequest:  # what a page's render context holds: tenant, user, session
        def __init__(self, user):
            self.tenant, self.identity, self.db = info, user, db

    for user, expected in ((admin, "ON|True"), (learner, "OFF|True"), (None, "OFF|True")):
        assert env.from_string(source).render(request=PageRequest(user)) == expected


def test_flag_is_evaluated_on_a_real_page(tenant, admin, client, page_browser, db, registry):
    """The Jinja global is in every environment: a tenant template override uses it."""
    import pathlib

    make_flag(client(tenant, admin), "fancy-dashboard", enabled=True)
    folder = pathlib.Path(registry.settings["templates.tenant_path"]) / tenant.slug
    folder.mkdir(parents=True, exist_ok=True)
    page = folder / "dashboard.jinja2"
    page.write_text(
        '{% extends "@theme/dashboard.jinja2" %}{% block content %}'
        "{% if feature('fancy-dashboard') %}<p id=flag>fancy</p>{% endif %}"
        "{{ super() }}{% endblock %}"
    )
    try:
        r = page_browser(tenant, admin).get("/dashboard")
        assert r.status_int == 200, r.text
        assert "<p id=flag>fancy</p>" in r.text
    finally:
        page.unlink()
        folder.rmdir()
