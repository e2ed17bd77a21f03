"""The plugin contract (manifest, install round trip, 404 when disabled, migrations,
cross-tenant isolation) for the whole payments plugin."""

from __future__ import annotations

from learninghub.testing.plugin_contract import PluginContractTests


class TestPaymentsContract(PluginContractTests):
    plugin = "payments"
    probes = [("GET", "/orders"), ("GET", "/redeem")]

    def create_resource(self, client, tenant, user):
        r = client(tenant, user).put_json(
            "/api/v1/admin/tax-rates", {"rates": [{"country": "FR", "rate_bp": 2000}]}
        )
        assert r.status_int == 200, r.text
        return "/api/v1/admin/tax-rates"
