"""The plugin contract every Learning Hub plugin passes, plus the plugin's own checks
of its migration and installer."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from learninghub.db import bind_tenant, system_session
from learninghub.plugins import InstallContext, TenantPlugins
from learninghub.testing.plugin_contract import PluginContractTests
from learninghub_reviews.models import Review, ReviewReport, ReviewVote

NOBODY = "00000000-0000-0000-0000-000000000000"


class TestReviewsContract(PluginContractTests):
    plugin = "reviews"
    # invalid bodies: 422 with the plugin, 404 without
    probes = [
        ("POST", f"/api/v1/reviews/{NOBODY}/report"),
        ("POST", f"/api/v1/reviews/{NOBODY}/reply"),
    ]

    @pytest.fixture(autouse=True)
    def _makers(self, make_course):
        self.make_course = make_course

    def create_resource(self, client, tenant, user):
        course = self.make_course(tenant)
        c = client(tenant, user)
        assert c.post_json(f"/api/v1/courses/{course.id}/enrollment", {}).status_int == 201
        r = c.post_json(f"/api/v1/courses/{course.id}/reviews", {"rating": 4, "body": "Good"})
        assert r.status_int == 201, r.text
        return r.json["url"]


def uninstall_dependents(registry, manager, name: str) -> None:
    """Uninstall, deepest first, the installed plugins that require ``name``."""
    for other, plugin in registry["plugins"].plugins.items():
        if name in plugin.manifest.requires and other in manager.records():
            uninstall_dependents(registry, manager, other)
            manager.uninstall(other)


def test_purge_deletes_only_this_tenants_rows_and_resets_ratings(
    registry, db, tenant, other_tenant, make_course, learner_in, course_row
):
    ours, theirs = make_course(tenant), make_course(other_tenant)
    _, author = learner_in(tenant, ours)
    voter, voter_client = learner_in(tenant, ours)
    review = author.post_json(f"/api/v1/courses/{ours.id}/reviews", {"rating": 5}).json
    voter_client.post_json(f"/api/v1/reviews/{review['id']}/helpful", {})
    voter_client.post_json(f"/api/v1/reviews/{review['id']}/report", {"reason": "rude words"})
    _, stranger = learner_in(other_tenant, theirs)
    stranger.post_json(f"/api/v1/courses/{theirs.id}/reviews", {"rating": 2})
    assert course_row(ours.id).rating_count == 1
    bind_tenant(db, tenant.id)
    try:
        manager = TenantPlugins(registry, db, tenant.orm)
        uninstall_dependents(registry, manager, "reviews")  # e.g. demo data
        manager.purge("reviews")
    finally:
        system_session(db)
    assert [r.course_id for r in db.scalars(sa.select(Review))] == [theirs.id]
    assert db.scalar(sa.select(sa.func.count()).select_from(ReviewVote)) == 0
    assert db.scalar(sa.select(sa.func.count()).select_from(ReviewReport)) == 0
    assert (course_row(ours.id).rating_count, course_row(ours.id).rating_average) == (0, 0)
    assert (course_row(theirs.id).rating_count, course_row(theirs.id).rating_average) == (1, 2)


def test_install_is_idempotent_and_creates_nothing(registry, db, tenant_factory):
    t = tenant_factory(plugins=["enrollment"])
    plugin = registry["plugins"].get("reviews")
    bind_tenant(db, t.id)
    try:
        manager = TenantPlugins(registry, db, t.orm)
        context = InstallContext(t.orm, db, registry, plugin)
        plugin.manifest.installer.install(context)
        plugin.manifest.installer.install(context)
        manager.enable("reviews")
        assert manager.upgrade("reviews") == []
    finally:
        system_session(db)
    assert db.scalar(sa.select(sa.func.count()).select_from(Review)) == 0


def test_requires_courses_and_enrollment(registry):
    assert set(registry["plugins"].get("reviews").manifest.requires) == {"courses", "enrollment"}
