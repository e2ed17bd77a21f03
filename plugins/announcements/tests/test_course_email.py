"""The email of a course announcement goes to the course's audience only."""

from __future__ import annotations

from datetime import timedelta
from email.utils import parseaddr

from learninghub.tasks import run_task


def addresses(messages) -> list[str]:
    return sorted(parseaddr(m["To"])[1] for m in messages)


def test_course_announcement_mails_its_learners_and_staff_only(
    tenant, other_tenant, db, client, user_factory, course_world, enrol, mailbox
):
    w = course_world
    lapsed, cancelled, suspended = (user_factory(tenant) for _ in range(3))
    enrol(tenant, w.course, lapsed, expires_in=timedelta(days=-1))
    enrol(tenant, w.course, cancelled, status="cancelled")
    enrol(tenant, w.course, suspended)
    suspended.status = "suspended"
    db.flush()
    user_factory(other_tenant)
    r = client(tenant, w.assistant).post_json(
        f"/api/v1/courses/{w.course.id}/announcements",
        {"title": "Field trip", "body": "<p>Bring boots.</p>", "publish": True},
    )
    assert r.status_int == 201, r.text
    messages = mailbox.refresh()
    assert addresses(messages) == sorted([w.instructor.email, w.assistant.email, w.learner.email])
    assert messages[0]["Subject"] == f"[{tenant.orm.name}] Botany: Field trip"
    html = next(
        p.get_payload(decode=True).decode()
        for p in messages[0].walk()
        if p.get_content_type() == "text/html"
    )
    assert "Botany" in html
    assert client(tenant, w.admin).get(r.json["url"]).json["emailed_at"] is not None


def test_nobody_is_mailed_when_no_plugin_names_the_audience(
    registry, tenant, db, make_announcement, mailbox, course_world
):
    w = course_world
    lost = make_announcement(tenant, course=w.course)
    lost.scope_type = "planet"  # no plugin answers for this type
    db.flush()
    run_task(
        registry, "announcements.send_email", str(tenant.id), {"announcement_id": str(lost.id)}
    )
    assert mailbox.refresh() == []


def test_the_audience_hook_of_enrollment(registry, tenant, course_world):
    """The enrollment plugin's answer, asked as the email task asks it."""
    import transaction

    from learninghub.tasks import make_tenant_request

    w = course_world
    tm = transaction.TransactionManager(explicit=True)
    request = make_tenant_request(registry, registry["tenancy.resolver"].by_id(tenant.id), tm)
    tm.begin()
    try:
        audience = request.hooks.learninghub_announcements_audience(
            request=request, scope_type="course", scope_id=str(w.course.id)
        )
        assert {str(u) for u in audience} == {
            str(w.instructor.id),
            str(w.assistant.id),
            str(w.learner.id),
        }
        assert (
            request.hooks.learninghub_announcements_audience(
                request=request, scope_type="course", scope_id="nope"
            )
            == []
        )
        assert (
            request.hooks.learninghub_announcements_audience(
                request=request, scope_type="planet", scope_id="x"
            )
            is None
        )
    finally:
        tm.abort()
        request.db.close()
