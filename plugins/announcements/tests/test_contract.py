"""The plugin contract every Learning Hub plugin passes, plus the plugin's own checks of
its migration and installer."""

from __future__ import annotations

import sqlalchemy as sa

from learninghub.db import bind_tenant, system_session
from learninghub.plugins import InstallContext, TenantPlugins
from learninghub.testing.plugin_contract import PluginContractTests
from learninghub_announcements.models import Announcement


class TestAnnouncementsContract(PluginContractTests):
    plugin = "announcements"
    probes = [("GET", "/api/v1/announcements"), ("GET", "/announcements")]

    def create_resource(self, client, tenant, user):
        r = client(tenant, user).post_json(
            "/api/v1/announcements", {"title": "Contract", "body": "<p>x</p>", "publish": True}
        )
        assert r.status_int == 201, r.text
        return r.json["url"]


def test_purge_deletes_only_this_tenants_rows(
    registry, db, tenant, other_tenant, make_announcement
):
    make_announcement(tenant)
    make_announcement(tenant, status="draft")
    kept = make_announcement(other_tenant)
    bind_tenant(db, tenant.id)
    try:
        TenantPlugins(registry, db, tenant.orm).purge("announcements")
    finally:
        system_session(db)
    remaining = db.scalars(sa.select(Announcement.id)).all()
    assert remaining == [kept.id]


def test_install_is_idempotent_and_creates_nothing(registry, db, tenant_factory):
    t = tenant_factory(plugins=[])
    plugin = registry["plugins"].get("announcements")
    installer = plugin.manifest.installer
    bind_tenant(db, t.id)
    try:
        manager = TenantPlugins(registry, db, t.orm)
        context = InstallContext(t.orm, db, registry, plugin)
        installer.install(context)
        installer.install(context)
        manager.enable("announcements")
        assert manager.upgrade("announcements") == []
    finally:
        system_session(db)
    assert db.scalar(sa.select(sa.func.count()).select_from(Announcement)) == 0
