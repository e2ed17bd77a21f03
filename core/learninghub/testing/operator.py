"""Change a plugin's enablement or settings for a tenant, as an operator would.

Fixture ``plugin_operator`` (registered by the testing plugin)::

    @pytest.fixture
    def plugin_admin(plugin_operator):
        return plugin_operator("forum")

    def test_x(plugin_admin, tenant):
        plugin_admin.settings(tenant, max_thread_length=500)   # enable with settings
        plugin_admin.disable(tenant)                           # dependents first
        plugin_admin.enable(tenant)
"""

from __future__ import annotations

from ..db import bind_tenant, system_session
from ..plugins import TenantPlugins


class PluginOperator:
    def __init__(self, registry, db, plugin: str) -> None:
        self.registry = registry
        self.db = db
        self.plugin = plugin

    def _run(self, tenant, action) -> None:
        self.db.flush()
        bind_tenant(self.db, tenant.id)
        try:
            action(TenantPlugins(self.registry, self.db, tenant.orm))
        finally:
            system_session(self.db)
            self.registry["tenancy.resolver"].invalidate()

    def settings(self, tenant, **values) -> None:
        """Enable the plugin for ``tenant`` with these tenant settings."""
        self._run(tenant, lambda m: m.enable(self.plugin, settings=values))

    def enable(self, tenant, name: str | None = None) -> None:
        self._run(tenant, lambda m: m.enable(name or self.plugin))

    def disable(self, tenant, name: str | None = None) -> None:
        """Disable ``name`` (default: the plugin), and first every enabled plugin that
        requires it, directly or not."""
        loaded = self.registry["plugins"].plugins

        def off(manager, target: str) -> None:
            records = manager.records()
            for other, plugin in loaded.items():
                record = records.get(other)
                if target in plugin.manifest.requires and record and record.enabled:
                    off(manager, other)
            manager.disable(target)

        self._run(tenant, lambda m: off(m, name or self.plugin))
