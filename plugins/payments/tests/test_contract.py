"""The plugin contract (manifest, install round trip, 404 when disabled, migrations,
cross-tenant isolation) for the whole payments plugin."""

from __future__ import annotations

import pytest

from learninghub.testing.plugin_contract import PluginContractTests


class TestPaymentsContract(PluginContractTests):
    plugin = "payments"
    probes = [("GET", "/orders"), ("GET", "/redeem")]

    @pytest.fixture(autouse=True)
    def _makers(self, make_course, place):
        self.make_course, self.place = make_course, place

    def create_resource(self, client, tenant, user):
        """An order of ``user`` (an admin, who may also buy)."""
        order_id = self.place(tenant, user, self.make_course(tenant, price_minor=1500))
        return f"/api/v1/orders/{order_id}"
