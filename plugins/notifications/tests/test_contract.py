"""The plugin contract every Learning Hub plugin passes (manifest, install round trip,
routes 404 while disabled, migrations down and up matching the models). The
cross-tenant checks of the notifications are in test_api.py and test_pages.py: a
notification has no API URL of its own to probe."""

from __future__ import annotations

from learninghub.testing.plugin_contract import PluginContractTests


class TestNotificationsContract(PluginContractTests):
    plugin = "notifications"
    probes = [
        ("GET", "/api/v1/notifications"),
        ("GET", "/api/v1/notifications/unread-count"),
        ("POST", "/api/v1/notifications/read-all"),
        ("GET", "/notifications"),
        ("GET", "/account/notifications"),
        ("GET", "/admin/notifications"),
    ]
