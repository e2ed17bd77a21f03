"""The plugin contract, plus the migration and installer checks of the plugin."""

from __future__ import annotations

import sqlalchemy as sa

from learninghub.db import bind_tenant, system_session
from learninghub.plugins import TenantPlugins
from learninghub.testing.plugin_contract import PluginContractTests
from learninghub_audit.models import AuditChainHead, AuditEvent


class TestAuditContract(PluginContractTests):
    plugin = "audit"
    probes = [
        ("GET", "/api/v1/audit/events"),
        ("GET", "/api/v1/audit/verify"),
        ("GET", "/admin/audit"),
        ("GET", "/admin/audit/verify"),
        ("GET", "/admin/audit/export.csv"),
        ("GET", "/admin/audit/retention"),
    ]

    def create_resource(self, client, tenant, user):
        c = client(tenant, user)
        changed = c.patch_json("/api/v1/tenant/settings", {"name": "Audited"})
        assert changed.status_int == 200, changed.text
        r = c.get("/api/v1/audit/events", params={"action": "tenant.settings_changed"})
        assert r.status_int == 200 and r.json["items"], r.text
        return f"/api/v1/audit/events/{r.json['items'][0]['id']}"


def test_purge_deletes_only_this_tenants_trail(
    registry, db, tenant, other_tenant, admin, client, user_factory, rows
):
    client(tenant, admin).patch_json("/api/v1/tenant/settings", {"name": "A"})
    other_admin = user_factory(other_tenant, "admin")
    client(other_tenant, other_admin).patch_json("/api/v1/tenant/settings", {"name": "B"})
    assert rows(tenant) and rows(other_tenant)
    bind_tenant(db, tenant.id)
    try:
        TenantPlugins(registry, db, tenant.orm).purge("audit")
    finally:
        system_session(db)
    assert rows(tenant) == []
    assert db.scalar(sa.select(AuditChainHead).where(AuditChainHead.tenant_id == tenant.id)) is None
    assert rows(other_tenant)


def test_disabling_keeps_the_trail_and_stops_recording(tenant, admin, client, rows, plugin_admin):
    c = client(tenant, admin)
    c.patch_json("/api/v1/tenant/settings", {"name": "Before"})
    kept = len(rows(tenant))
    assert kept >= 1
    plugin_admin.disable(tenant)
    c.patch_json("/api/v1/tenant/settings", {"name": "After"})
    assert len(rows(tenant)) == kept
    assert db_count(rows(tenant), "tenant.settings_changed") == 1


def db_count(items: list[AuditEvent], action: str) -> int:
    return sum(1 for r in items if r.action == action)


def test_readyz_includes_the_guard(client):
    r = client(None, host="127.0.0.1").get("/readyz")
    assert r.json["checks"]["audit_append_only_guard"] == {"status": "ok"}, r.text
