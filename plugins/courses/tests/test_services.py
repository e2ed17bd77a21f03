"""The Python API other plugins use (learninghub_courses.services), the reindex task
and the installer's purge."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from learninghub.db import bind_tenant, system_session
from learninghub.identity import RoleGrant, grant_role
from learninghub.tasks import make_tenant_request
from learninghub_courses import services
from learninghub_courses.models import Course, CourseCategory


@pytest.fixture
def as_request(registry, db):
    """``as_request(tenant, user=None)``: a tenant-bound request (as tasks get) whose
    identity is ``user``."""
    import transaction

    made = []

    def make(tenant, user=None):
        tm = transaction.TransactionManager(explicit=True)
        tm.begin()
        made.append(tm)
        request = make_tenant_request(registry, registry["tenancy.resolver"].by_id(tenant.id), tm)
        request.__dict__["_lh_identity"] = user
        return request

    yield make
    for tm in reversed(made):
        tm.abort()


def test_lookups(tenant, other_tenant, as_request, make_course):
    c = make_course(tenant, slug="look-me-up")
    r = as_request(tenant)
    assert services.get_course(r.db, c.id).id == c.id
    assert services.get_course(r.db, str(c.id)).id == c.id
    assert services.get_course(r.db, "nope") is None
    assert services.get_course_by_slug(r.db, "look-me-up").id == c.id
    assert services.course_url(r, c) == "/courses/look-me-up"
    other = as_request(other_tenant)
    assert services.get_course(other.db, c.id) is None
    assert services.get_course_by_slug(other.db, "look-me-up") is None


def test_get_courses_in_one_query(tenant, other_tenant, as_request, make_course, registry):
    from learninghub.testing.sql import counting, page_work

    first = make_course(tenant)
    second = make_course(tenant, status="archived")
    theirs = make_course(other_tenant)
    r = as_request(tenant)
    ids = [first.id, str(second.id), str(first.id), theirs.id, uuid.uuid4(), "nope", None]
    with counting(registry["db.engine"]) as statements:
        found = services.get_courses(r.db, ids)
    # page_work: PostgreSQL's row-level security adds a SELECT set_config(...)
    assert len([s for s in page_work(statements) if s.lstrip().upper().startswith("SELECT")]) == 1
    assert set(found) == {first.id, second.id}
    assert found[first.id].title == first.title and found[second.id].status == "archived"
    with counting(registry["db.engine"]) as statements:
        assert services.get_courses(r.db, []) == {}
        assert services.get_courses(r.db, ["nope"]) == {}
    assert [s for s in statements if "courses" in s] == []
    assert list(services.get_courses(as_request(other_tenant).db, ids)) == [theirs.id]


def test_access_rules(
    tenant, as_request, make_course, instructor, admin, learner, user_factory, db
):
    draft = make_course(tenant, instructor, status="draft")
    published = make_course(tenant, instructor)
    ta = user_factory(tenant, "learner")
    bind_tenant(db, tenant.id)
    grant_role(db, ta, "teaching_assistant", "course", str(draft.id))
    system_session(db)
    cases = {
        # user: (is_staff(draft), can_view(draft), can_edit(draft), can_view(published))
        None: (False, False, False, True),
        learner: (False, False, False, True),
        ta: (True, True, False, True),
        instructor: (True, True, True, True),
        admin: (True, True, True, True),
    }
    for user, expected in cases.items():
        r = as_request(tenant, user)
        d = r.db.get(Course, draft.id)
        p = r.db.get(Course, published.id)
        got = (
            services.is_staff(r, d),
            services.can_view(r, d),
            services.can_edit(r, d),
            services.can_view(r, p),
        )
        assert got == expected, (user and user.email, got)


def test_tenant_wide_instructor_is_not_staff_of_every_course(
    tenant, as_request, make_course, user_factory
):
    c = make_course(tenant, status="draft")
    r = as_request(tenant, user_factory(tenant, "instructor"))
    assert not services.is_staff(r, r.db.get(Course, c.id))


def test_bump_stats(tenant, other_tenant, as_request, make_course):
    c = make_course(tenant)
    r = as_request(tenant)
    course = r.db.get(Course, c.id)
    services.bump_stats(r.db, c.id, enrolment_delta=3)
    services.bump_stats(r.db, str(c.id), enrolment_delta=-1, rating_average=4.5, rating_count=2)
    assert (course.enrolment_count, course.rating_average, course.rating_count) == (2, 4.5, 2)
    services.bump_stats(r.db, c.id, enrolment_delta=-10)
    assert course.enrolment_count == 0  # never below zero
    services.bump_stats(r.db, "nope", enrolment_delta=1)  # ignored
    other = as_request(other_tenant)
    services.bump_stats(other.db, c.id, enrolment_delta=5)  # another tenant's: no effect
    r.db.refresh(course)
    assert course.enrolment_count == 0


def test_reindex_task_removes_deleted_courses(tenant, registry, client, admin, db):
    from learninghub.tasks import run_task

    from .conftest import add_lesson, course_body

    out = client(tenant, admin).post_json("/api/v1/courses", course_body(title="Ephemeral")).json
    add_lesson(client, tenant, admin, out["id"])
    client(tenant, admin).post_json(out["url"] + "/submit", {})
    assert client(tenant).get("/api/v1/courses?q=ephemeral").json["total"] == 1
    db.execute(sa.delete(Course).where(Course.id == uuid.UUID(out["id"])))
    run_task(registry, "courses.reindex", str(tenant.id), {"course_id": out["id"]})
    from learninghub.interfaces import ISearchIndex

    request = make_tenant_request(
        registry, registry["tenancy.resolver"].by_id(tenant.id), __import__("transaction").manager
    )
    index = request.find_service(ISearchIndex)
    assert index.search(tenant.id, "ephemeral")["total"] == 0


def test_purge_removes_courses_categories_and_course_roles(
    registry, db, tenant_factory, user_factory, make_course, make_category, client
):
    from learninghub.interfaces import ISearchIndex
    from learninghub.plugins import TenantPlugins

    from .conftest import course_body

    t = tenant_factory(plugins=["courses"])
    admin = user_factory(t, "admin")
    client(t, admin).post_json("/api/v1/courses", course_body(title="Purgeable"))
    index = make_tenant_request(
        registry, registry["tenancy.resolver"].by_id(t.id), __import__("transaction").manager
    ).find_service(ISearchIndex)
    assert index.search(t.id, "purgeable")["total"] == 1
    keep = tenant_factory(plugins=["courses"])
    teacher = user_factory(t, "instructor")
    parent = make_category(t, "Parent")
    make_category(t, "Child", parent=parent)
    make_course(t, teacher, category_id=parent.id)
    kept = make_course(keep)
    bind_tenant(db, t.id)
    TenantPlugins(registry, db, t.orm).purge("courses")
    system_session(db)
    assert (
        db.scalar(sa.select(sa.func.count()).select_from(Course).where(Course.tenant_id == t.id))
        == 0
    )
    assert (
        db.scalar(
            sa.select(sa.func.count())
            .select_from(CourseCategory)
            .where(CourseCategory.tenant_id == t.id)
        )
        == 0
    )
    assert (
        db.scalar(
            sa.select(sa.func.count())
            .select_from(RoleGrant)
            .where(RoleGrant.tenant_id == t.id, RoleGrant.resource_type == "course")
        )
        == 0
    )
    assert db.get(Course, kept.id) is not None
    assert index.search(t.id, "purgeable")["total"] == 0
