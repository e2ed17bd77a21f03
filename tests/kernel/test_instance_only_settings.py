"""Settings fields marked instance-only: tenants can neither set nor override them."""

import pytest
from pydantic import BaseModel, Field

from learninghub.errors import PluginError
from learninghub.plugins import instance_only_fields


class Demo(BaseModel):
    allow_loopback: bool = Field(False, json_schema_extra={"instance_only": True})
    page_size: int = 20


def test_marked_fields_are_found():
    assert instance_only_fields(Demo) == {"allow_loopback"}
    assert instance_only_fields(None) == frozenset()


def test_tenant_values_of_instance_only_fields_are_ignored_on_read(registry):
    plugins = registry["plugins"]
    settings = plugins.settings_for("webhooks", {"allow_loopback": True, "retry_base_seconds": 5})
    assert settings.allow_loopback is False  # the instance default, whatever the tenant row says
    assert settings.retry_base_seconds == 5


def test_enabling_with_an_instance_only_value_is_refused(registry, db, tenant_factory):
    from learninghub.db import bind_tenant
    from learninghub.plugins import TenantPlugins

    t = tenant_factory(plugins=[])
    bind_tenant(db, t.id)
    with pytest.raises(PluginError, match="whole instance"):
        TenantPlugins(registry, db, t.orm).enable("webhooks", settings={"allow_loopback": True})


def test_config_api_refuses_and_hides_instance_only_fields(tenant, user_factory, client):
    api = client(tenant, user_factory(tenant, "admin"))
    r = api.put_json(
        "/api/v1/config/plugins/webhooks/settings", {"values": {"allow_loopback": True}}
    )
    assert r.status_int == 422
    assert any(e["type"] == "instance_only" for e in r.json["errors"])
