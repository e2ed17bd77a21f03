"""The plugin contract every Learning Hub plugin passes, plus the plugin's own checks
of its migration and installer."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from learninghub.db import bind_tenant, system_session
from learninghub.plugins import InstallContext, TenantPlugins
from learninghub.testing.plugin_contract import PluginContractTests
from learninghub_enrollment.models import Enrollment, LessonProgress


class TestEnrollmentContract(PluginContractTests):
    plugin = "enrollment"
    probes = [
        ("GET", "/api/v1/me/enrollments"),
        ("GET", "/my-learning"),
        ("POST", "/api/v1/lessons/00000000-0000-0000-0000-000000000000/progress"),
    ]

    @pytest.fixture(autouse=True)
    def _course_maker(self, make_course):
        self.make_course = make_course

    def create_resource(self, client, tenant, user):
        course = self.make_course(tenant).course
        r = client(tenant, user).post_json(f"/api/v1/courses/{course.id}/enrollment", {})
        assert r.status_int == 201, r.text
        return r.json["url"]


def uninstall_dependents(registry, manager, name: str) -> None:
    """Uninstall, deepest first, the installed plugins that require ``name``."""
    for other, plugin in registry["plugins"].plugins.items():
        if name in plugin.manifest.requires and other in manager.records():
            uninstall_dependents(registry, manager, other)
            manager.uninstall(other)


def test_purge_deletes_only_this_tenants_rows_and_uncounts(
    registry, db, tenant, other_tenant, user_factory, make_course, client, course_row
):
    ours = make_course(tenant)
    theirs = make_course(other_tenant)
    learner, stranger = user_factory(tenant), user_factory(other_tenant)
    assert (
        client(tenant, learner).post_json(f"/api/v1/courses/{ours.id}/enrollment", {}).status_int
        == 201
    )
    c = client(tenant, learner)
    assert (
        c.post_json(
            f"/api/v1/lessons/{ours.lessons[0].id}/progress", {"completed": True}
        ).status_int
        == 200
    )
    r = client(other_tenant, stranger).post_json(f"/api/v1/courses/{theirs.id}/enrollment", {})
    assert r.status_int == 201
    assert course_row(ours.id).enrolment_count == 1
    bind_tenant(db, tenant.id)
    try:
        manager = TenantPlugins(registry, db, tenant.orm)
        uninstall_dependents(registry, manager, "enrollment")  # reviews, ...
        manager.purge("enrollment")
    finally:
        system_session(db)
    assert [e.course_id for e in db.scalars(sa.select(Enrollment))] == [theirs.id]
    assert db.scalar(sa.select(sa.func.count()).select_from(LessonProgress)) == 0
    assert course_row(ours.id).enrolment_count == 0
    assert course_row(theirs.id).enrolment_count == 1


def test_install_is_idempotent_and_creates_nothing(registry, db, tenant_factory):
    t = tenant_factory(plugins=["content"])
    plugin = registry["plugins"].get("enrollment")
    installer = plugin.manifest.installer
    bind_tenant(db, t.id)
    try:
        manager = TenantPlugins(registry, db, t.orm)
        context = InstallContext(t.orm, db, registry, plugin)
        installer.install(context)
        installer.install(context)
        manager.enable("enrollment")
        assert manager.upgrade("enrollment") == []
    finally:
        system_session(db)
    assert db.scalar(sa.select(sa.func.count()).select_from(Enrollment)) == 0


def test_requires_courses_and_content(registry):
    assert set(registry["plugins"].get("enrollment").manifest.requires) == {"courses", "content"}
