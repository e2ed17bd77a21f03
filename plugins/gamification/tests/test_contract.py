"""The plugin contract every Learning Hub plugin passes, plus the installer's seeds."""

from __future__ import annotations

import sqlalchemy as sa

from learninghub.db import bind_tenant, system_session
from learninghub.plugins import InstallContext
from learninghub.testing.plugin_contract import PluginContractTests
from learninghub_gamification.models import Badge


class TestGamificationContract(PluginContractTests):
    plugin = "gamification"
    probes = [
        ("GET", "/api/v1/gamification/me"),
        ("GET", "/api/v1/admin/gamification/badges"),
        ("GET", "/badges/issuer.json"),
        ("GET", "/achievements"),
    ]

    def create_resource(self, client, tenant, user):
        body = {"slug": "helper", "name": "Helper", "criteria": {"kind": "manual"}}
        r = client(tenant, user).post_json("/api/v1/admin/gamification/badges", body)
        assert r.status_int == 201, r.text
        return r.json["url"]


def test_install_seeds_the_default_badges_once(registry, db, tenant):
    plugin = registry["plugins"].get("gamification")
    bind_tenant(db, tenant.id)
    try:
        plugin.manifest.installer.install(InstallContext(tenant.orm, db, registry, plugin))
        slugs = sorted(db.scalars(sa.select(Badge.slug)))
    finally:
        system_session(db)
    assert slugs == ["finisher", "first-lesson", "on-a-roll", "perfectionist"]
