"""The bell, the list (mark read, mark all read), the poll endpoint, the preferences
page and the tenant defaults page, through the WSGI app."""

from __future__ import annotations

import pytest

from learninghub_notifications.models import DigestSetting, Preference, TenantDefault


@pytest.fixture
def learner(nt_tenant, user_factory):
    return user_factory(nt_tenant)


@pytest.fixture
def nobody(nt_tenant, user_factory):
    """A user whose only role grants nothing of this plugin."""
    return user_factory(nt_tenant, roles=("visitor",))


def test_bell_list_and_marking_read(nt_tenant, learner, add_notification, page_browser):
    from datetime import timedelta

    from learninghub.db import utcnow

    now = utcnow()
    older = add_notification(nt_tenant, learner, "Quiz graded", url="/courses/x", at=now)
    add_notification(nt_tenant, learner, "Welcome <b>aboard</b>", at=now + timedelta(seconds=1))
    add_notification(nt_tenant, learner, "Old news", read=True, at=now - timedelta(days=1))
    b = page_browser(nt_tenant, learner)

    page = b.get("/notifications")
    assert page.status_int == 200
    bell = page.html.find(id="lh-bell")
    assert bell["href"] == "/notifications"
    count = bell.find(id="lh-bell-count")
    assert (count["aria-live"], count.text) == ("polite", "2 unread notifications")
    assert bell["data-count-url"] == "/notifications/unread-count"
    assert bell["data-poll-seconds"] == "30"
    assert page.html.find("script", src=lambda s: s and "bell.js" in s) is not None
    items = [li.p.get_text(" ", strip=True) for li in page.html.select("li.lh-notification")]
    assert items == ["Unread: Welcome <b>aboard</b>", "Unread: Quiz graded", "Old news"]
    assert page.html.find("a", string="Quiz graded")["href"] == "/courses/x"
    assert "You have 2 unread notifications." in page.text

    r = b.submit(page, f"/notifications/{older.id}/read", {})
    assert (r.status_int, r.location.endswith("/notifications?done=read")) == (303, True)
    poll = b.get("/notifications/unread-count")
    assert (poll.status_int, poll.json, poll.headers["Cache-Control"]) == (
        200,
        {"unread": 1, "label": "1 unread notification"},
        "no-store",
    )
    unread = b.get("/notifications?unread=1")
    assert [li.p.get_text(strip=True) for li in unread.html.select("li.lh-notification")] == [
        "Unread:Welcome <b>aboard</b>"
    ]
    r = b.submit(unread, "/notifications/read-all", {"unread": "1"})
    assert r.location.endswith("/notifications?done=all_read&unread=1")
    page = b.get(r.location)
    assert "You have no unread notifications." in page.text
    assert page.html.find(id="lh-bell-count").text == "0 unread notifications"


def test_list_is_paginated(nt_tenant, learner, add_notification, page_browser):
    from datetime import timedelta

    from learninghub.db import utcnow

    now = utcnow()
    for i in range(21):
        add_notification(nt_tenant, learner, f"N{i:02d}", at=now - timedelta(minutes=i))
    b = page_browser(nt_tenant, learner)
    first = b.get("/notifications")
    assert len(first.html.select("li.lh-notification")) == 20
    second = b.get(first.html.find("a", rel="next")["href"])
    assert [li.p.get_text(strip=True) for li in second.html.select("li.lh-notification")] == [
        "Unread:N20"
    ]
    assert b.get("/notifications?cursor=garbage").status_int == 400


def test_pages_refuse_anonymous_forbidden_other_users_and_tenants(
    nt_tenant, other_tenant, learner, nobody, user_factory, add_notification, page_browser
):
    mine = add_notification(nt_tenant, learner)
    anonymous = page_browser(nt_tenant)
    for path in ("/notifications", "/account/notifications", "/admin/notifications"):
        r = anonymous.get(path)
        assert (r.status_int, r.location) == (303, f"http://{nt_tenant.host}/login?next={path}")
    assert anonymous.get("/notifications/unread-count").status_int == 401
    assert "lh-bell" not in page_browser(nt_tenant).get("/courses").text

    b = page_browser(nt_tenant, nobody)
    assert b.get("/notifications").status_int == 403
    assert b.get("/notifications/unread-count").status_int == 403
    assert "lh-bell" not in b.get("/courses").text

    # another learner of the tenant: the id is unknown to them
    other = page_browser(nt_tenant, user_factory(nt_tenant))
    page = other.get("/notifications")
    assert other.submit(page, f"/notifications/{mine.id}/read", {}).status_int == 404
    assert other.submit(page, "/notifications/not-a-uuid/read", {}).status_int == 404
    # a session of another tenant is nobody here
    foreign = page_browser(nt_tenant, cookie=None)
    foreign.cookies = dict(page_browser(other_tenant, user_factory(other_tenant)).cookies)
    assert foreign.get("/notifications").status_int == 303
    assert foreign.get("/notifications/unread-count").status_int == 401
    # the learner's own notification is untouched
    assert page_browser(nt_tenant, learner).get("/notifications/unread-count").json["unread"] == 1


def test_preferences_page(nt_tenant, learner, page_browser, rows):
    b = page_browser(nt_tenant, learner)
    page = b.get("/account/notifications")
    assert page.status_int == 200
    box = page.html.find("input", value="enrollment.enrolled|email")
    assert box.has_attr("checked")
    assert box["aria-label"] == "You are enrolled in a course: Email"
    assert not page.html.find("input", value="enrollment.enrolled|push").has_attr("checked")
    assert page.html.find("input", attrs={"name": "digest_frequency", "value": "off"}).has_attr(
        "checked"
    )
    # the menu entry
    assert page.html.find("a", href="/account/notifications") is not None

    r = b.submit(
        page,
        "/account/notifications",
        {
            "on": ["enrollment.enrolled|in_app", "enrollment.enrolled|push"],
            "digest_frequency": "weekly",
        },
    )
    assert r.status_int == 303
    chosen = {(p.type, p.channel): p.enabled for p in rows(nt_tenant, Preference)}
    assert chosen[("enrollment.enrolled", "email")] is False
    assert chosen[("enrollment.enrolled", "push")] is True
    assert chosen[("enrollment.enrolled", "in_app")] is True
    assert chosen[("enrollment.course_completed", "email")] is False
    assert [d.frequency for d in rows(nt_tenant, DigestSetting)] == ["weekly"]
    page = b.get(r.location)
    assert "Your notification settings were saved." in page.text
    assert not page.html.find("input", value="enrollment.enrolled|email").has_attr("checked")

    bad = b.submit(page, "/account/notifications", {"digest_frequency": "hourly"})
    assert bad.status_int == 422
    assert "Choose how often to get emails." in bad.text
    assert [d.frequency for d in rows(nt_tenant, DigestSetting)] == ["weekly"]
    # without a CSRF token: refused, nothing written
    assert b.submit(page, "/account/notifications", {}, csrf=False).status_int in (400, 403)


def test_admin_defaults_page(nt_tenant, learner, user_factory, page_browser, rows, events):
    admin = user_factory(nt_tenant, "admin")
    assert page_browser(nt_tenant, learner).get("/admin/notifications").status_int == 403
    b = page_browser(nt_tenant, admin)
    page = b.get("/admin/notifications")
    assert page.status_int == 200
    assert page.html.find("a", href="/admin/notifications")["aria-current"] == "page"
    on = ["enrollment.enrolled|in_app", "enrollment.course_completed|in_app"]
    r = b.submit(page, "/admin/notifications", {"on": on + ["enrollment.enrolled|push"]})
    assert r.status_int == 303
    defaults = {(d.type, d.channel): d.enabled for d in rows(nt_tenant, TenantDefault)}
    assert defaults[("enrollment.enrolled", "push")] is True
    assert defaults[("enrollment.enrolled", "email")] is False
    (event,) = events.named("notifications.defaults.updated")
    assert event.payload["changed"] == (
        "enrollment.course_completed:email,enrollment.enrolled:email,enrollment.enrolled:push"
    )
    # the learner's page now starts from the tenant's defaults
    page = page_browser(nt_tenant, learner).get("/account/notifications")
    assert page.html.find("input", value="enrollment.enrolled|push").has_attr("checked")
    assert not page.html.find("input", value="enrollment.enrolled|email").has_attr("checked")


def test_the_polled_label_uses_every_plural_form_of_the_language(
    nt_tenant, user_factory, add_notification, page_browser, db
):
    arabic = user_factory(nt_tenant)
    arabic.locale = "ar"
    db.flush()
    b = page_browser(nt_tenant, arabic)
    labels = []
    for _ in range(3):
        labels.append(b.get("/notifications/unread-count").json["label"])
        add_notification(nt_tenant, arabic, "Hi")
    # none, one, two (the dual): three forms a one/other pair could not give
    assert labels == ["لا توجد إشعارات غير مقروءة", "إشعار واحد غير مقروء", "إشعاران غير مقروءين"]
