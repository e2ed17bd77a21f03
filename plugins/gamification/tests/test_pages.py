"""Pages: /achievements (with the privacy switch), /badges/{slug}, the dashboard widget
and the admin page with its forms; allowed, forbidden, anonymous and cross-tenant."""

from __future__ import annotations

import sqlalchemy as sa

from learninghub_audit.models import AuditEvent


def test_achievements_page_and_privacy_switch(
    tenant, user_factory, page_browser, page_client, ev, feed, client
):
    learner = user_factory(tenant)
    learner.display_name = "Grace Hopper"
    feed(tenant, ev.lesson(learner), ev.course(learner))
    b = page_browser(tenant, learner)
    page = b.get("/achievements")
    assert page.status_int == 200
    assert "<dd>110</dd>" in page.text and "First lesson" in page.text and "Finisher" in page.text
    assert 'href="/achievements"' in page.text and 'href="/leaderboards"' in page.text  # nav
    other = page_client(tenant, user_factory(tenant))
    holders = other.get("/badges/finisher")
    assert holders.status_int == 200 and "Grace Hopper" in holders.text
    r = b.submit(page, "/achievements/privacy", {"visibility": "sideways"})
    assert r.status_int == 422 and 'id="error-summary"' in r.text
    r = b.submit(page, "/achievements/privacy", {"visibility": "hidden"})
    assert r.status_int == 303
    assert client(tenant, learner).get("/api/v1/gamification/me").json["hide_from_leaderboards"]
    holders = other.get("/badges/finisher")
    assert "Grace Hopper" not in holders.text and "1 holder" in holders.text
    assert page_client(tenant).get("/achievements").status_int == 303  # to sign in
    nobody = page_client(tenant, user_factory(tenant, "nobody", roles=()))
    assert nobody.get("/achievements").status_int == 403
    assert nobody.get("/badges/finisher").status_int == 403


def test_badge_pages_unknown_inactive_and_other_tenants(
    tenant, other_tenant, user_factory, client, page_client
):
    admin = client(tenant, user_factory(tenant, "admin"))
    body = {"slug": "secret", "name": "Secret", "criteria": {"kind": "manual"}, "active": False}
    assert admin.post_json("/api/v1/admin/gamification/badges", body).status_int == 201
    learner = page_client(tenant, user_factory(tenant))
    assert learner.get("/badges/no-such").status_int == 404
    assert learner.get("/badges/secret").status_int == 404  # inactive, not held
    assert (
        page_client(tenant, user_factory(tenant, "admin")).get("/badges/secret").status_int == 200
    )
    foreign = page_client(other_tenant, user_factory(other_tenant))
    assert foreign.get("/badges/secret").status_int == 404


def test_dashboard_widget(tenant, user_factory, page_client, ev, feed):
    learner = user_factory(tenant)
    feed(tenant, ev.course(learner))
    page = page_client(tenant, learner).get("/dashboard")
    assert page.status_int == 200
    assert (
        "My achievements" in page.text
        and 'id="gamification.summary"' in page.text
        or ("gamification.summary" in page.text)
    )


def test_admin_page_access(tenant, other_tenant, user_factory, page_client, ev, feed):
    learner = user_factory(tenant, email="pupil@example.org")
    feed(tenant, ev.lesson(learner))
    admin = page_client(tenant, user_factory(tenant, "admin"))
    page = admin.get("/admin/gamification")
    assert page.status_int == 200
    assert "Points rules" in page.text and "pupil@example.org" in page.text
    for role in ("learner", "instructor"):
        assert (
            page_client(tenant, user_factory(tenant, role)).get("/admin/gamification").status_int
            == 403
        )
    assert page_client(tenant).get("/admin/gamification").status_int == 303
    theirs = page_client(other_tenant, user_factory(other_tenant, "admin")).get(
        "/admin/gamification"
    )
    assert theirs.status_int == 200 and "pupil@example.org" not in theirs.text


def test_admin_forms(tenant, other_tenant, user_factory, page_browser, client, db, held, ev, feed):
    learner = user_factory(tenant, email="pupil@example.org")
    b = page_browser(tenant, user_factory(tenant, "admin"))
    page = b.get("/admin/gamification")
    rules = {
        f"points_{k}": "10"
        for k in (
            "lesson_completed",
            "quiz_passed",
            "perfect_score",
            "course_completed",
            "review_posted",
            "daily_streak",
        )
    }
    bad = b.submit(page, "/admin/gamification/rules", {**rules, "points_quiz_passed": "-5"})
    assert bad.status_int == 422 and "Quiz passed" in bad.text
    ok = b.submit(page, "/admin/gamification/rules", {**rules, "enabled_quiz_passed": "on"})
    assert ok.status_int == 303
    values = {
        r["rule"]: (r["points"], r["enabled"])
        for r in client(tenant, user_factory(tenant, "admin"))
        .get("/api/v1/admin/gamification/rules")
        .json
    }
    assert values["quiz_passed"] == (10, True) and values["course_completed"] == (10, False)

    badge = {"name": "Helper", "slug": "helper", "image": "builtin:star", "kind": "manual"}
    bad = b.submit(page, "/admin/gamification/badges", {**badge, "slug": "Bad Slug"})
    assert bad.status_int == 422 and "address name" in bad.text
    bad = b.submit(page, "/admin/gamification/badges", {**badge, "kind": "points", "number": "0"})
    assert bad.status_int == 422
    assert b.submit(page, "/admin/gamification/badges", badge).status_int == 303
    assert b.submit(page, "/admin/gamification/badges", badge).status_int == 409

    award = {"badge": "helper", "email": "nobody@example.org", "reason": "Helped"}
    bad = b.submit(page, "/admin/gamification/awards", award)
    assert bad.status_int == 422 and "No user" in bad.text
    assert (
        b.submit(
            page, "/admin/gamification/awards", {**award, "email": "PUPIL@example.org"}
        ).status_int
        == 303
    )
    assert held(tenant, learner) == ["helper"]

    award_id = client(tenant, learner).get("/api/v1/gamification/me/awards").json["items"][0]["id"]
    bad = b.submit(page, f"/admin/gamification/awards/{award_id}/revoke", {"reason": "x"})
    assert bad.status_int == 422
    assert (
        b.submit(
            page, f"/admin/gamification/awards/{award_id}/revoke", {"reason": "Mistake"}
        ).status_int
        == 303
    )
    assert held(tenant, learner) == []
    foreign = page_browser(other_tenant, user_factory(other_tenant, "admin"))
    their_page = foreign.get("/admin/gamification")
    assert (
        foreign.submit(
            their_page, f"/admin/gamification/awards/{award_id}/revoke", {"reason": "Not mine"}
        ).status_int
        == 404
    )
    actions = sorted(
        db.scalars(
            sa.select(AuditEvent.action).where(
                AuditEvent.tenant_id == tenant.id, AuditEvent.action.like("gamification.%")
            )
        )
    )
    assert actions == [
        "gamification.award.granted",
        "gamification.award.revoked",
        "gamification.badge.created",
        "gamification.rule.updated",
        "gamification.rule.updated",
        "gamification.rule.updated",
        "gamification.rule.updated",
        "gamification.rule.updated",
        "gamification.rule.updated",
    ]
