"""The JSON API: the caller's own notifications only (other users' and tenants' ids
answer 404), cursor pagination, the unread filter, read, read-all, preferences, and
the problem+json answers to bad input."""

from __future__ import annotations

from datetime import timedelta

import pytest

from learninghub.db import utcnow
from learninghub_notifications.models import DigestSetting, Preference

BASE = "/api/v1/notifications"


@pytest.fixture
def learner(nt_tenant, user_factory):
    return user_factory(nt_tenant)


@pytest.fixture
def three(nt_tenant, learner, add_notification):
    now = utcnow()
    return [
        add_notification(nt_tenant, learner, f"N{i}", read=i == 2, at=now - timedelta(minutes=i))
        for i in range(3)
    ]


def test_list_unread_count_read_and_read_all(nt_tenant, learner, three, client):
    c = client(nt_tenant, learner)
    r = c.get(BASE + "?limit=2")
    assert r.status_int == 200
    assert [i["subject"] for i in r.json["items"]] == ["N0", "N1"]
    assert r.json["items"][0]["read"] is False and r.json["items"][0]["read_at"] is None
    r2 = c.get(BASE, params={"limit": 2, "cursor": r.json["next_cursor"]})
    assert ([i["subject"] for i in r2.json["items"]], r2.json["next_cursor"]) == (["N2"], None)
    assert [i["subject"] for i in c.get(BASE + "?unread=1").json["items"]] == ["N0", "N1"]
    assert len(c.get(BASE + "?unread=0").json["items"]) == 3
    assert c.get(BASE + "/unread-count").json == {"unread": 2}

    r = c.post_json(f"{BASE}/{three[1].id}/read")
    assert (r.status_int, r.json["id"], r.json["read"]) == (200, str(three[1].id), True)
    first_read_at = r.json["read_at"]
    assert c.post_json(f"{BASE}/{three[1].id}/read").json["read_at"] == first_read_at
    assert c.get(BASE + "/unread-count").json == {"unread": 1}
    assert c.post_json(BASE + "/read-all").json == {"marked": 1}
    assert c.post_json(BASE + "/read-all").json == {"marked": 0}
    assert c.get(BASE + "/unread-count").json == {"unread": 0}


def test_authorization(
    nt_tenant, other_tenant, learner, three, user_factory, client, foreign_client
):
    nid = three[0].id
    anonymous = client(nt_tenant)
    for method, path in (
        ("get", BASE),
        ("get", BASE + "/unread-count"),
        ("post_json", f"{BASE}/{nid}/read"),
        ("post_json", BASE + "/read-all"),
        ("get", BASE + "/preferences"),
        ("put_json", BASE + "/preferences"),
    ):
        r = getattr(anonymous, method)(path)
        assert r.status_int == 401, path
        assert r.content_type == "application/problem+json"
        assert getattr(foreign_client(nt_tenant, other_tenant), method)(path).status_int == 401

    nobody = client(nt_tenant, user_factory(nt_tenant, roles=("visitor",)))
    assert nobody.get(BASE).status_int == 403
    assert nobody.post_json(BASE + "/read-all").status_int == 403

    # another learner and an admin of the same tenant see none of them
    for user in (user_factory(nt_tenant), user_factory(nt_tenant, "admin")):
        c = client(nt_tenant, user)
        assert c.get(BASE).json == {"items": [], "next_cursor": None}
        assert c.get(BASE + "/unread-count").json == {"unread": 0}
        r = c.post_json(f"{BASE}/{nid}/read")
        assert (r.status_int, r.json["title"]) == (404, "Not found")
        assert c.post_json(BASE + "/read-all").json == {"marked": 0}
    assert client(nt_tenant, learner).get(BASE + "/unread-count").json == {"unread": 2}


def test_invalid_inputs(nt_tenant, learner, client):
    c = client(nt_tenant, learner)
    for query, field in (
        ("unread=maybe", "unread"),
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("colour=red", "colour"),
    ):
        r = c.get(f"{BASE}?{query}")
        assert r.status_int == 422, query
        assert r.json["errors"][0]["path"] == ["query", field]
    r = c.get(BASE + "?cursor=bm9wZQ")
    assert (r.status_int, r.json["title"]) == (400, "Invalid cursor")
    assert c.post_json(f"{BASE}/not-a-uuid/read").status_int == 404
    assert c.delete(BASE + "/read-all").status_int == 405


def test_preferences_api(nt_tenant, learner, client, rows):
    c = client(nt_tenant, learner)
    r = c.get(BASE + "/preferences")
    assert r.status_int == 200
    by_type = {t["type"]: t for t in r.json["types"]}
    assert set(by_type) == {"enrollment.enrolled", "enrollment.course_completed"}
    assert by_type["enrollment.enrolled"]["channels"] == {
        "in_app": True,
        "email": True,
        "push": False,
    }
    assert r.json["digest_frequency"] == "off"

    r = c.put_json(
        BASE + "/preferences",
        {
            "preferences": [
                {"type": "enrollment.enrolled", "channel": "email", "enabled": False},
                {"type": "enrollment.enrolled", "channel": "push", "enabled": True},
            ],
            "digest_frequency": "daily",
        },
    )
    assert r.status_int == 200
    mine = {t["type"]: t for t in r.json["types"]}["enrollment.enrolled"]
    assert mine["channels"] == {"in_app": True, "email": False, "push": True}
    assert mine["defaults"] == {"in_app": True, "email": True, "push": False}
    assert r.json["digest_frequency"] == "daily"
    # a second PUT changes only what it sends
    c.put_json(
        BASE + "/preferences",
        {"preferences": [{"type": "enrollment.enrolled", "channel": "email", "enabled": True}]},
    )
    stored = {(p.type, p.channel): p.enabled for p in rows(nt_tenant, Preference)}
    assert stored == {("enrollment.enrolled", "email"): True, ("enrollment.enrolled", "push"): True}
    assert [d.frequency for d in rows(nt_tenant, DigestSetting)] == ["daily"]

    for body, path in (
        (
            {"preferences": [{"type": "nope.x", "channel": "email", "enabled": True}]},
            ["body", "preferences", 0, "type"],
        ),
        (
            {"preferences": [{"type": "enrollment.enrolled", "channel": "sms", "enabled": True}]},
            ["body", "preferences", 0, "channel"],
        ),
        (
            {"preferences": [{"type": "enrollment.enrolled", "channel": "email"}]},
            ["body", "preferences", 0, "enabled"],
        ),
        ({"digest_frequency": "hourly"}, ["body", "digest_frequency"]),
        ({"extra": 1}, ["body", "extra"]),
    ):
        r = c.put_json(BASE + "/preferences", body)
        assert r.status_int == 422, body
        assert r.content_type == "application/problem+json"
        assert r.json["errors"][0]["path"] == path
    r = c.app.put(
        BASE + "/preferences",
        "x",
        headers={**c.headers, "Content-Type": "text/plain"},
        extra_environ={"HTTP_HOST": nt_tenant.host},
        expect_errors=True,
    )
    assert r.status_int == 415
    stored_after = {(p.type, p.channel): p.enabled for p in rows(nt_tenant, Preference)}
    assert stored_after == stored
