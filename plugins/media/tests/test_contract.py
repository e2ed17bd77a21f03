"""The plugin contract every Learning Hub plugin passes, plus the plugin's own checks of
its migration, installer and published hooks."""

from __future__ import annotations

import sqlalchemy as sa

from learninghub.db import bind_tenant, system_session
from learninghub.plugins import InstallContext, TenantPlugins
from learninghub.testing.plugin_contract import PluginContractTests
from learninghub_media.models import MediaAsset


class TestMediaContract(PluginContractTests):
    plugin = "media"
    probes = [
        ("GET", "/api/v1/media"),
        ("GET", "/media"),
        ("POST", "/api/v1/media/uploads"),
    ]

    def create_resource(self, client, tenant, user):
        r = client(tenant, user).post(
            "/api/v1/media", upload_files=[("file", "contract.pdf", b"%PDF-1.4\n%%EOF\n")]
        )
        assert r.status_int == 201, r.text
        return r.json["url"]


def test_install_is_idempotent_and_creates_nothing(registry, db, tenant_factory):
    t = tenant_factory(plugins=[])
    plugin = registry["plugins"].get("media")
    installer = plugin.manifest.installer
    bind_tenant(db, t.id)
    try:
        manager = TenantPlugins(registry, db, t.orm)
        context = InstallContext(t.orm, db, registry, plugin)
        installer.install(context)
        installer.install(context)
        manager.enable("media")
        assert manager.upgrade("media") == []
    finally:
        system_session(db)
    assert db.scalar(sa.select(sa.func.count()).select_from(MediaAsset)) == 0


def test_hookspecs_are_published(registry):
    hook = registry["plugins"].pm.hook
    assert hook.learninghub_media_can_access.spec.opts["firstresult"] is True
    assert hook.learninghub_media_scan.spec is not None


def test_purge_deletes_only_this_tenants_rows_and_files(
    registry, db, tenant_factory, user_factory, client, storage
):
    # only media: plugins that require it (content) would refuse the uninstall
    tenant, other_tenant = tenant_factory(plugins=["media"]), tenant_factory(plugins=["media"])
    pdf = b"%PDF-1.4\n%%EOF\n"
    for t in (tenant, other_tenant):
        r = client(t, user_factory(t, "instructor")).post(
            "/api/v1/media", upload_files=[("file", "a.pdf", pdf)]
        )
        assert r.status_int == 201
    assert storage.list(tenant.id, "media/") and storage.list(other_tenant.id, "media/")
    bind_tenant(db, tenant.id)
    try:
        TenantPlugins(registry, db, tenant.orm).purge("media")
    finally:
        system_session(db)
    assert storage.list(tenant.id, "media/") == []
    assert len(storage.list(other_tenant.id, "media/")) == 1
    owners = db.scalars(sa.select(MediaAsset.tenant_id)).all()
    assert owners == [other_tenant.id]
