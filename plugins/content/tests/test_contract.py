"""The plugin contract every Learning Hub plugin passes, plus the plugin's own checks of
its migration and installer."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from learninghub.db import bind_tenant, system_session, utcnow
from learninghub.plugins import TenantPlugins
from learninghub.testing.plugin_contract import PluginContractTests
from learninghub_content.models import CourseSection, Lesson, LessonVersion


class TestContentContract(PluginContractTests):
    plugin = "content"
    # with the plugin, the empty bodies fail validation (422) before any course is
    # looked up; pages of real courses are checked in test_pages.py
    probes = [
        ("POST", f"/api/v1/courses/{uuid.UUID(int=1)}/sections"),
        ("POST", f"/api/v1/courses/{uuid.UUID(int=1)}/lessons"),
        ("PUT", f"/api/v1/courses/{uuid.UUID(int=1)}/curriculum"),
    ]

    def create_resource(self, client, tenant, user):
        from learninghub_courses.models import Course

        c = client(tenant, user)
        db_course = Course(
            id=uuid.uuid4(),
            slug=f"c-{uuid.uuid4().hex[:6]}",
            title="Contract",
            status="published",
            created_at=utcnow(),
            updated_at=utcnow(),
        )
        self._insert(tenant, db_course)
        base = f"/api/v1/courses/{db_course.id}"
        section = c.post_json(base + "/sections", {"title": "One"})
        assert section.status_int == 201, section.text
        lesson = c.post_json(
            base + "/lessons",
            {"section_id": section.json["id"], "title": "Hello", "body": "<p>x</p>"},
        )
        assert lesson.status_int == 201, lesson.text
        return lesson.json["url"]

    def _insert(self, tenant, row):
        session = self._db
        bind_tenant(session, tenant.id)
        try:
            session.add(row)
            session.flush()
        finally:
            system_session(session)

    @pytest.fixture(autouse=True)
    def _keep_db(self, db):
        self._db = db  # create_resource inserts the course row (set-up only)


def test_purge_deletes_only_this_tenants_rows(
    registry, db, tenant_factory, build, user_factory, make_course
):
    # tenants without the plugins that need content (purge is refused while enabled)
    tenant = tenant_factory(plugins=["courses", "media", "content"])
    other_tenant = tenant_factory(plugins=["courses", "media", "content"])
    instructor = user_factory(tenant, "instructor")
    build(tenant, instructor, make_course(tenant, instructor), [("A", [{"title": "L1"}])])
    other_instructor = user_factory(other_tenant, "instructor")
    other_course = make_course(other_tenant, other_instructor)
    kept = build(other_tenant, other_instructor, other_course, [("B", [{"title": "L2"}])])
    bind_tenant(db, tenant.id)
    try:
        TenantPlugins(registry, db, tenant.orm).purge("content")
    finally:
        system_session(db)
    assert [str(i) for i in db.scalars(sa.select(Lesson.id))] == [kept["lessons"][0]["id"]]
    assert len(db.scalars(sa.select(CourseSection.id)).all()) == 1
    assert len(db.scalars(sa.select(LessonVersion.id)).all()) == 1
