"""Badges: every criterion, awarded once in the transaction of the event, revocation
(never earned again) and manual awards by admins only, audited."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from learninghub_audit.models import AuditEvent

BADGES = "/api/v1/admin/gamification/badges"
AWARDS = "/api/v1/admin/gamification/awards"


def create(admin, slug, criteria, **extra):
    r = admin.post_json(BADGES, {"slug": slug, "name": slug.title(), "criteria": criteria, **extra})
    assert r.status_int == 201, r.text
    return r.json


def test_each_criterion(tenant, user_factory, client, ev, feed, held):
    admin = client(tenant, user_factory(tenant, "admin"))
    create(admin, "two-lessons", {"kind": "lesson_completions", "count": 2})
    create(admin, "two-courses", {"kind": "course_completions", "count": 2})
    create(admin, "two-perfect", {"kind": "perfect_scores", "count": 2})
    create(admin, "rich", {"kind": "points", "total": 300})
    create(admin, "helper", {"kind": "manual"})
    create(admin, "dormant", {"kind": "lesson_completions", "count": 1}, active=False)
    learner = user_factory(tenant)
    feed(tenant, ev.lesson(learner), ev.graded(learner, "100.00", True))
    assert held(tenant, learner) == ["first-lesson", "perfectionist"]  # 85 points
    feed(tenant, ev.lesson(learner), ev.course(learner), ev.graded(learner, "100", True))
    assert held(tenant, learner) == [
        "finisher",
        "first-lesson",
        "perfectionist",
        "two-lessons",
        "two-perfect",
    ]  # 270 points
    feed(tenant, ev.course(learner))
    assert held(tenant, learner) == [
        "finisher",
        "first-lesson",
        "perfectionist",
        "rich",
        "two-courses",
        "two-lessons",
        "two-perfect",
    ]


def test_revoked_is_never_earned_again_and_an_admin_may_award_it_anew(
    tenant, user_factory, client, ev, feed, held, db
):
    admin_user = user_factory(tenant, "admin")
    admin = client(tenant, admin_user)
    learner = user_factory(tenant)
    feed(tenant, ev.lesson(learner))
    (award,) = client(tenant, learner).get("/api/v1/gamification/me/awards").json["items"]
    r = admin.post_json(f"{AWARDS}/{award['id']}/revoke", {"reason": "Shared account"})
    assert r.status_int == 200 and r.json["revocation_reason"] == "Shared account"
    assert admin.post_json(f"{AWARDS}/{award['id']}/revoke", {"reason": "Again"}).status_int == 409
    feed(tenant, ev.lesson(learner))
    assert held(tenant, learner) == []
    body = {"badge_slug": "first-lesson", "user_id": str(learner.id), "reason": "Appeal granted"}
    r = admin.post_json(AWARDS, body)
    assert r.status_int == 201, r.text
    assert r.json["id"] == award["id"] and r.json["awarded_by"] == str(admin_user.id)
    assert held(tenant, learner) == ["first-lesson"]
    assert admin.post_json(AWARDS, body).status_int == 409
    actions = list(
        db.scalars(
            sa.select(AuditEvent.action)
            .where(AuditEvent.tenant_id == tenant.id, AuditEvent.action.like("gamification.%"))
            .order_by(AuditEvent.action)
        )
    )
    assert actions == ["gamification.award.granted", "gamification.award.revoked"]


def test_manual_awards_are_for_admins_of_the_tenant(
    tenant, other_tenant, user_factory, client, ev, feed, held
):
    learner = user_factory(tenant)
    body = {"badge_slug": "finisher", "user_id": str(learner.id), "reason": "Well done"}
    assert client(tenant).post_json(AWARDS, body).status_int == 401
    for role in ("learner", "instructor"):
        r = client(tenant, user_factory(tenant, role)).post_json(AWARDS, body)
        assert r.status_int == 403, role
    foreign = client(other_tenant, user_factory(other_tenant, "admin"))
    r = foreign.post_json(AWARDS, body)  # their badge "finisher", our learner: unknown there
    assert r.status_int == 422 and r.json["errors"][0]["path"] == ["body", "user_id"]
    feed(tenant, ev.lesson(learner))
    (award,) = client(tenant, learner).get("/api/v1/gamification/me/awards").json["items"]
    r = foreign.post_json(f"{AWARDS}/{award['id']}/revoke", {"reason": "Not yours"})
    assert r.status_int == 404
    r = client(tenant, learner).post_json(f"{AWARDS}/{award['id']}/revoke", {"reason": "Mine"})
    assert r.status_int == 403
    assert held(tenant, learner) == ["first-lesson"]


def test_invalid_badges_and_awards_are_refused(tenant, user_factory, client):
    admin = client(tenant, user_factory(tenant, "admin"))
    learner = user_factory(tenant)
    base = {"slug": "ok-slug", "name": "Ok", "criteria": {"kind": "manual"}}
    bad_badges = [
        ({**base, "slug": "Not A Slug"}, ["body", "slug"]),
        ({**base, "name": "  "}, ["body", "name"]),
        ({**base, "criteria": {"kind": "streak"}}, ["body", "criteria", "streak", "days"]),
        (
            {**base, "criteria": {"kind": "points", "total": 0}},
            ["body", "criteria", "points", "total"],
        ),
        ({**base, "criteria": {"kind": "mystery"}}, ["body", "criteria"]),
        ({**base, "image": "https://evil.example/x.svg"}, ["body", "image"]),
        ({**base, "extra": 1}, ["body", "extra"]),
    ]
    for body, path in bad_badges:
        r = admin.post_json(BADGES, body)
        assert r.status_int == 422, body
        assert [e["path"] for e in r.json["errors"]][0] == path, r.json
    assert admin.post_json(BADGES, {**base, "slug": "finisher"}).status_int == 409
    r = admin.post(BADGES, "not json", content_type="application/json")
    assert r.status_int == 400
    bad_awards = [
        {"user_id": str(learner.id), "reason": "Because"},  # no badge
        {
            "badge_slug": "finisher",
            "badge_id": str(uuid.uuid4()),
            "user_id": str(learner.id),
            "reason": "Both",
        },
        {"badge_slug": "finisher", "user_id": "nope", "reason": "Because"},
        {"badge_slug": "finisher", "user_id": str(learner.id), "reason": "x"},
    ]
    for body in bad_awards:
        assert admin.post_json(AWARDS, body).status_int == 422, body
    r = admin.post_json(
        AWARDS, {"badge_id": str(uuid.uuid4()), "user_id": str(learner.id), "reason": "Because"}
    )
    assert r.status_int == 422 and r.json["errors"][0]["path"] == ["body", "badge_id"]
    assert admin.post_json(f"{AWARDS}/not-an-id/revoke", {"reason": "Because"}).status_int == 404
    r = admin.patch_json(f"{BADGES}/{uuid.uuid4()}", {"active": False})
    assert r.status_int == 404


def test_badge_list_update_and_pagination(tenant, user_factory, client):
    admin = client(tenant, user_factory(tenant, "admin"))
    made = create(admin, "helper", {"kind": "manual"}, image="builtin:star")
    r = admin.patch_json(made["url"], {"name": "Helpful", "active": False})
    assert r.status_int == 200 and (r.json["name"], r.json["active"]) == ("Helpful", False)
    assert admin.patch_json(made["url"], {"criteria": {"kind": "points"}}).status_int == 422
    first = admin.get(f"{BADGES}?limit=3").json
    rest = admin.get(f"{BADGES}?limit=3&cursor={first['next_cursor']}").json
    slugs = [b["slug"] for b in first["items"] + rest["items"]]
    assert sorted(slugs) == ["finisher", "first-lesson", "helper", "on-a-roll", "perfectionist"]
    assert rest["next_cursor"] is None
    assert [b["slug"] for b in admin.get(f"{BADGES}?active=false").json["items"]] == ["helper"]
    assert admin.get(f"{BADGES}?cursor=garbage").status_int == 400
    assert admin.get(f"{BADGES}?limit=0").status_int == 422
    learner = client(tenant, user_factory(tenant))
    assert learner.get(BADGES).status_int == 403
    assert client(tenant).get(BADGES).status_int == 401


def test_a_new_or_reactivated_badge_goes_to_those_who_already_meet_it(
    tenant, user_factory, client, ev, feed, held
):
    admin = client(tenant, user_factory(tenant, "admin"))
    veteran, newcomer = user_factory(tenant), user_factory(tenant)
    feed(tenant, ev.course(veteran), ev.lesson(newcomer))
    made = create(admin, "centurion", {"kind": "points", "total": 100}, active=False)
    assert "centurion" not in held(tenant, veteran)
    assert admin.patch_json(made["url"], {"active": True}).status_int == 200
    assert "centurion" in held(tenant, veteran) and "centurion" not in held(tenant, newcomer)
    create(admin, "finished-one", {"kind": "course_completions", "count": 1})
    assert "finished-one" in held(tenant, veteran)
