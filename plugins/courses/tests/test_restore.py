"""Restoring an archived course: ``POST /api/v1/courses/{id}/restore``, the button of
the course's form (``/teach/{id}/restore``) and of the admin page
(``/admin/courses/{id}/restore``)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from learninghub.db import bind_tenant, system_session
from learninghub.identity import grant_role

URL = "/api/v1/courses"
NO_LESSON = "The course has no published lesson yet."


def restore_url(course) -> str:
    return f"{URL}/{course.id}/restore"


@pytest.fixture
def archived(tenant, make_course, instructor):
    """An archived course of ``instructor`` that was published before."""
    return make_course(tenant, instructor, status="archived", title="Old course")


@pytest.fixture
def assistant(tenant, user_factory, archived, db):
    ta = user_factory(tenant, "learner")
    bind_tenant(db, tenant.id)
    grant_role(db, ta, "teaching_assistant", "course", str(archived.id))
    system_session(db)
    return ta


# ----------------------------------------------------------------- API


def test_instructor_restores_as_a_draft(tenant, client, instructor, archived, events, db):
    r = client(tenant, instructor).post_json(restore_url(archived), {})
    assert r.status_int == 200, r.text
    assert r.json["status"] == "draft"
    assert client(tenant).get(f"{URL}/{archived.id}").status_int == 404  # still hidden
    assert events.names() == ["courses.course.restored"]
    event = events.events[0]
    assert event.resource_type == "course" and event.resource_id == str(archived.id)
    assert event.actor_id == instructor.id
    assert event.payload["old"] == {"status": "archived"}
    assert event.payload["new"] == {"status": "draft"}


def test_admin_restores_as_published(tenant, client, admin, archived, events, give_lesson):
    give_lesson(tenant, admin, archived.id)
    r = client(tenant, admin).post_json(restore_url(archived), {"status": "published"})
    assert r.status_int == 200, r.text
    assert r.json["status"] == "published" and r.json["published_at"] is not None
    assert client(tenant).get(f"{URL}/{archived.id}").status_int == 200
    mine = events.named("courses.")
    assert [e.name for e in mine] == ["courses.course.restored", "courses.course.published"]
    assert mine[0].payload["new"] == {"status": "published"}


def test_admin_restores_as_a_draft_by_default(tenant, client, admin, archived):
    r = client(tenant, admin).post_json(restore_url(archived), {})
    assert r.status_int == 200 and r.json["status"] == "draft"


def test_restore_as_published_needs_a_published_lesson(tenant, client, admin, archived, events):
    r = client(tenant, admin).post_json(restore_url(archived), {"status": "published"})
    assert r.status_int == 409 and r.content_type == "application/problem+json"
    assert r.json["errors"][0]["type"] == "publish_problem"
    assert r.json["errors"][0]["message"].startswith(NO_LESSON)
    assert client(tenant, admin).get(f"{URL}/{archived.id}").json["status"] == "archived"
    assert events.names() == []


def test_instructor_may_not_restore_as_published(
    tenant, client, instructor, archived, plugin_admin, give_lesson
):
    give_lesson(tenant, instructor, archived.id)
    r = client(tenant, instructor).post_json(restore_url(archived), {"status": "published"})
    assert r.status_int == 403 and r.content_type == "application/problem+json"
    # unless the tenant lets instructors publish without review
    plugin_admin.settings(tenant, publish_without_review=True)
    r = client(tenant, instructor).post_json(restore_url(archived), {"status": "published"})
    assert r.status_int == 200 and r.json["status"] == "published"


def test_learner_and_other_instructor_do_not_see_it(
    tenant, client, learner, user_factory, archived
):
    """The archived course is hidden from them: 404, as for any hidden course."""
    other = user_factory(tenant, "instructor")
    for user in (learner, other):
        r = client(tenant, user).post_json(restore_url(archived), {})
        assert r.status_int == 404 and r.content_type == "application/problem+json"


def test_teaching_assistant_is_forbidden(tenant, client, assistant, archived):
    r = client(tenant, assistant).post_json(restore_url(archived), {})
    assert r.status_int == 403 and r.content_type == "application/problem+json"


def test_anonymous_gets_401(tenant, client, archived):
    assert client(tenant).post_json(restore_url(archived), {}).status_int == 401


def test_other_tenant_cannot_restore(
    tenant, other_tenant, client, user_factory, archived, foreign_client
):
    stranger = user_factory(other_tenant, "admin")
    r = client(other_tenant, stranger).post_json(restore_url(archived), {})
    assert r.status_int == 404
    assert foreign_client(tenant, other_tenant).post_json(restore_url(archived), {}).status_int == (
        401
    )
    assert client(tenant, stranger).post_json(restore_url(archived), {}).status_int == 401


@pytest.mark.parametrize("status", ["draft", "in_review", "published"])
def test_only_archived_courses_are_restored(tenant, client, admin, make_course, status):
    course = make_course(tenant, status=status)
    r = client(tenant, admin).post_json(restore_url(course), {})
    assert r.status_int == 409 and r.content_type == "application/problem+json"
    assert "only archived courses are restored" in r.json["detail"]


@pytest.mark.parametrize("body", [{"status": "archived"}, {"status": None}, {"unknown": 1}])
def test_restore_body_is_validated(tenant, client, instructor, archived, body):
    r = client(tenant, instructor).post_json(restore_url(archived), body)
    assert r.status_int == 422 and r.content_type == "application/problem+json"
    field = next(iter(body))
    assert r.json["errors"][0]["path"][:2] == ["body", field]


def test_restore_is_audited(tenant, client, instructor, archived, db):
    pytest.importorskip("learninghub_audit")
    from learninghub_audit.models import AuditEvent

    assert client(tenant, instructor).post_json(restore_url(archived), {}).status_int == 200
    db.expire_all()
    rows = list(
        db.scalars(
            sa.select(AuditEvent).where(
                AuditEvent.tenant_id == tenant.id, AuditEvent.action == "courses.course.restored"
            )
        )
    )
    assert len(rows) == 1
    assert rows[0].actor_id == instructor.id and rows[0].resource_id == str(archived.id)


# ----------------------------------------------------------------- the course's form


def test_instructor_restores_on_the_course_form(tenant, page_browser, instructor, archived, db):
    b = page_browser(tenant, instructor)
    page = b.get(f"/teach/{archived.id}")
    assert page.status_int == 200
    assert "Restore as a draft" in page.text and "Restore and publish" not in page.text
    assert "Archive this course" not in page.text
    r = b.submit(page, f"/teach/{archived.id}/restore", {"status": "draft"})
    assert r.status_int == 303
    assert "Course restored as a draft" in b.get(r.location).text
    db.refresh(archived)
    assert archived.status == "draft"


def test_admin_restores_and_publishes_on_the_course_form(
    tenant, page_browser, admin, archived, db, give_lesson
):
    b = page_browser(tenant, admin)
    page = b.get(f"/teach/{archived.id}")
    # the page says beforehand what stands in the way of publishing
    assert "Before this course can be published:" in page.text and NO_LESSON in page.text
    r = b.submit(page, f"/teach/{archived.id}/restore", {"status": "published"})
    assert r.status_int == 409 and NO_LESSON in r.text
    assert "This course cannot be published yet" in r.text
    db.refresh(archived)
    assert archived.status == "archived"
    give_lesson(tenant, admin, archived.id)
    page = b.get(f"/teach/{archived.id}")
    assert "Restore and publish" in page.text and NO_LESSON not in page.text
    r = b.submit(page, f"/teach/{archived.id}/restore", {"status": "published"})
    assert r.status_int == 303 and "Course restored and published" in b.get(r.location).text
    db.refresh(archived)
    assert archived.status == "published"


def test_course_form_restore_is_refused_to_others(
    tenant,
    other_tenant,
    page_browser,
    instructor,
    learner,
    assistant,
    user_factory,
    archived,
    db,
):
    path = f"/teach/{archived.id}/restore"
    ta = page_browser(tenant, assistant)
    ta_page = ta.get(f"/teach/{archived.id}")
    assert ta_page.status_int == 200 and "Restore as a draft" not in ta_page.text
    assert ta.submit(ta_page, path, {"status": "draft"}).status_int == 403
    for user in (learner, user_factory(tenant, "instructor")):
        b = page_browser(tenant, user)
        assert b.submit(b.get("/dashboard"), path, {"status": "draft"}).status_int == 404
    visitor = page_browser(tenant)
    assert visitor.submit(visitor.get("/login"), path, {"status": "draft"}).status_int in (
        302,
        303,
    )
    foreign = page_browser(other_tenant, user_factory(other_tenant, "admin"))
    assert foreign.submit(foreign.get("/dashboard"), path, {"status": "draft"}).status_int == 404
    # an instructor asking to publish without the right to
    me = page_browser(tenant, instructor)
    own = me.get(f"/teach/{archived.id}")
    assert me.submit(own, path, {"status": "published"}).status_int == 403
    db.refresh(archived)
    assert archived.status == "archived"


def test_course_form_restore_of_a_course_not_archived(
    tenant, page_browser, instructor, make_course
):
    course = make_course(tenant, instructor, status="draft")
    b = page_browser(tenant, instructor)
    page = b.get(f"/teach/{course.id}")
    assert "Restore as a draft" not in page.text
    r = b.submit(page, f"/teach/{course.id}/restore", {"status": "draft"})
    assert r.status_int == 409 and "not possible in the course&#39;s current state" in r.text


# ----------------------------------------------------------------- the admin page


def test_admin_page_lists_archived_courses_and_restores_them(
    tenant, page_browser, admin, archived, make_course, instructor, db, give_lesson
):
    other = make_course(tenant, instructor, status="archived", title="Another old one")
    b = page_browser(tenant, admin)
    page = b.get("/admin/courses")
    assert page.status_int == 200
    assert "Archived courses" in page.text
    assert "Old course" in page.text and "Another old one" in page.text
    assert f'href="/teach/{archived.id}"' in page.text
    r = b.submit(page, f"/admin/courses/{archived.id}/restore", {"status": "draft"})
    assert r.status_int == 303
    assert "Course restored as a draft" in b.get(r.location).text
    # publishing needs a published lesson: the problem is said on the page
    r = b.submit(page, f"/admin/courses/{other.id}/restore", {"status": "published"})
    assert r.status_int == 409 and NO_LESSON in r.text
    give_lesson(tenant, admin, other.id)
    r = b.submit(page, f"/admin/courses/{other.id}/restore", {"status": "published"})
    assert r.status_int == 303
    assert "Course restored and published" in b.get(r.location).text
    db.refresh(archived)
    db.refresh(other)
    assert (archived.status, other.status) == ("draft", "published")
    # restored already: nothing to restore any more
    r = b.submit(page, f"/admin/courses/{archived.id}/restore", {"status": "draft"})
    assert r.status_int == 409 and "no longer archived" in r.text
    assert "No course is archived." in b.get("/admin/courses").text


def test_admin_page_restore_is_refused_to_others(
    tenant, other_tenant, page_browser, instructor, user_factory, archived, db
):
    path = f"/admin/courses/{archived.id}/restore"
    visitor = page_browser(tenant)
    assert visitor.submit(visitor.get("/login"), path, {}).status_int in (302, 303)
    me = page_browser(tenant, instructor)  # the course's own instructor: not an admin
    assert me.submit(me.get("/dashboard"), path, {}).status_int == 403
    foreign_admin = user_factory(other_tenant, "admin")
    foreign = page_browser(other_tenant, foreign_admin)
    listing = foreign.get("/admin/courses")
    assert listing.status_int == 200 and "Old course" not in listing.text
    assert foreign.submit(listing, path, {}).status_int == 404
    db.refresh(archived)
    assert archived.status == "archived"
