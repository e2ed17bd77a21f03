"""The plugin contract every Learning Hub plugin passes."""

from learninghub.testing.plugin_contract import PluginContractTests


class TestConfigContract(PluginContractTests):
    plugin = "config"
    probes = [
        ("GET", "/api/v1/config/plugins"),
        ("GET", "/api/v1/config/flags"),
        ("GET", "/api/v1/config/features"),
        ("GET", "/admin/settings"),
        ("GET", "/admin/flags"),
    ]

    def create_resource(self, client, tenant, user):
        r = client(tenant, user).post_json("/api/v1/config/flags", {"key": "contract-flag"})
        assert r.status_int == 201, r.text
        return r.json["url"]
