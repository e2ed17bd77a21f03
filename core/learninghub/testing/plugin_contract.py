"""``PluginContractTests``: the tests every plugin inherits.

::

    from learninghub.testing.plugin_contract import PluginContractTests

    class TestForumContract(PluginContractTests):
        plugin = "forum"
        # routes (method, path) that must 404 when the plugin is disabled
        probes = [("GET", "/api/v1/forum/threads"), ("GET", "/forum")]

        def create_resource(self, client, tenant, user):
            '''Create one resource in ``tenant`` as ``user`` (an admin); return the
            API URL of that resource (GET-able by its owner).'''
            return client(tenant, user).post_json("/api/v1/forum/threads", {...}).json["url"]

The contract checks: the manifest is valid; install → disable → enable → uninstall
→ purge round trip keeps and then removes the version record; every probe answers
404 for a tenant without the plugin and not 404 with it; the plugin's migration
branch goes down and up on a fresh database and then matches the plugin's models; a
resource of tenant A is invisible
and unchangeable from tenant B (GET, PUT, PATCH, DELETE answer 404 there, and A
still sees it unchanged).
"""

from __future__ import annotations

import os
import tempfile
from typing import Any

import pytest
import sqlalchemy as sa

from learninghub.manifest import PluginManifest


class PluginContractTests:
    plugin: str = ""
    probes: list[tuple[str, str]] = []

    def create_resource(self, client, tenant, user) -> str | None:
        """Override: create a resource and return its API URL (None: no API)."""
        return None

    # -- helpers
    def _loaded(self, registry):
        return registry["plugins"].get(self.plugin)

    def _call(self, c, method: str, path: str):
        if method == "GET":
            return c.get(path)
        if method == "DELETE":
            return c.delete(path)
        return getattr(c, f"{method.lower()}_json")(path, {})

    # -- the contract
    def test_manifest_is_valid(self, registry) -> None:
        manifest = self._loaded(registry).manifest
        assert isinstance(manifest, PluginManifest)
        manifest.validate()
        assert manifest.name == self.plugin
        for perm in manifest.permission_values():
            assert perm.count(":") == 2

    def test_install_uninstall_round_trip(self, registry, db, tenant_factory) -> None:
        from learninghub.db import bind_tenant
        from learninghub.plugins import TenantPlugins
        from learninghub.tenancy import TenantPlugin

        t = tenant_factory(plugins=[])
        bind_tenant(db, t.id)
        manager = TenantPlugins(registry, db, t.orm)
        enabled = manager.enable(self.plugin)
        assert self.plugin in enabled
        record = db.scalar(sa.select(TenantPlugin).where(TenantPlugin.plugin == self.plugin))
        assert (
            record.enabled and record.installed_version == self._loaded(registry).manifest.version
        )
        manager.disable(self.plugin)
        assert record.enabled is False
        manager.enable(self.plugin)
        assert record.enabled is True
        manager.uninstall(self.plugin)
        assert db.scalar(sa.select(TenantPlugin).where(TenantPlugin.plugin == self.plugin)) is None
        manager.enable(self.plugin)
        manager.purge(self.plugin)
        assert db.scalar(sa.select(TenantPlugin).where(TenantPlugin.plugin == self.plugin)) is None

    def test_routes_404_when_disabled(self, registry, tenant_factory, user_factory, client) -> None:
        if not self.probes:
            pytest.skip("plugin declares no probes")
        deps = list(self._loaded(registry).manifest.requires)
        without = tenant_factory(plugins=deps)
        with_plugin = tenant_factory(plugins=[*deps, self.plugin])
        admin_without = user_factory(without, "admin")
        admin_with = user_factory(with_plugin, "admin")
        for method, path in self.probes:
            off = self._call(client(without, admin_without), method, path)
            assert off.status_int == 404, (method, path, off.status)
            on = self._call(client(with_plugin, admin_with), method, path)
            assert on.status_int != 404, (method, path, on.status)

    def test_cross_tenant_isolation(self, registry, tenant_factory, user_factory, client) -> None:
        a, b = tenant_factory(), tenant_factory()
        admin_a, admin_b = user_factory(a, "admin"), user_factory(b, "admin")
        url = self.create_resource(client, a, admin_a)
        if url is None:
            pytest.skip("plugin has no resource API")
        before = client(a, admin_a).get(url)
        assert before.status_int == 200, before.text
        foreign = client(b, admin_b)
        assert foreign.get(url).status_int == 404
        for method in ("PUT", "PATCH", "DELETE"):
            assert self._call(foreign, method, url).status_int in (404, 405), method
        # a token of tenant A sent to tenant B's host is refused
        stolen = client(b, None)
        stolen.headers.update(client(a, admin_a).headers)
        assert stolen.get(url).status_int in (401, 404)
        after = client(a, admin_a).get(url)
        assert after.status_int == 200 and after.json == before.json

    def test_migrations_down_and_up(self, lh_raw_settings, registry) -> None:
        """The branch goes down and up again, and then the database matches the
        plugin's models exactly (its tables: :func:`learninghub.plugins.plugin_tables`)."""
        from alembic.autogenerate import compare_metadata
        from alembic.runtime.migration import MigrationContext

        from learninghub.config import collect_settings
        from learninghub.db import make_engine, metadata
        from learninghub.migrate import current_heads, downgrade, upgrade
        from learninghub.plugins import plugin_tables
        from learninghub.testing.plugin import create_database, drop_database

        if not self._loaded_manifest_migrations():
            pytest.skip("plugin has no migrations")
        base = os.environ.get("LEARNINGHUB_TEST_DATABASE_URL")
        with tempfile.TemporaryDirectory() as tmp:
            url = create_database(base, "lhmig") if base else f"sqlite:///{tmp}/m.sqlite"
            try:
                raw: dict[str, Any] = dict(lh_raw_settings, **{"db.url": url})
                settings = collect_settings(raw, environ={})
                upgrade(settings)
                heads = current_heads(settings)
                downgrade(settings, f"{self.plugin}@base")
                assert current_heads(settings) != heads
                upgrade(settings)
                assert current_heads(settings) == heads
                owned = plugin_tables(self._loaded(registry))
                engine = make_engine(settings)
                try:
                    with engine.connect() as conn:
                        context = MigrationContext.configure(conn, opts={"compare_type": True})
                        diff = [
                            d
                            for d in compare_metadata(context, metadata)
                            if any(f"'{t}'" in repr(d) or f"<{t}>" in repr(d) for t in owned)
                        ]
                finally:
                    engine.dispose()
                assert diff == [], f"the migrations of {self.plugin} differ from its models"
            finally:
                if base:
                    drop_database(url)

    def _loaded_manifest_migrations(self) -> bool:
        from learninghub.plugins import PluginRegistry

        registry = PluginRegistry()
        from importlib import metadata

        for ep in metadata.entry_points(group="learninghub.plugins"):
            if ep.name == self.plugin:
                return bool(registry._loaded(ep.load(), ep.name, None).manifest.migrations)
        return False
