"""Settings of the webhooks plugin.

Instance-wide defaults come from ``plugin.webhooks.<field>`` in the ini file (or
``LEARNINGHUB_PLUGIN_WEBHOOKS__<FIELD>``). Tenants may override the delivery policy
fields in their ``tenant_plugins`` record; the network safety fields listed in
:data:`INSTANCE_ONLY` are read from the instance configuration only, so that no
tenant setting can open the platform's internal network to its endpoints.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

#: fields whose tenant values are ignored (see :func:`effective_settings`)
INSTANCE_ONLY = ("allow_loopback", "connect_timeout", "read_timeout")


class WebhooksSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    allow_loopback: bool = Field(
        False,
        description="Allow endpoints on loopback addresses (127.0.0.0/8, ::1), for "
        "development and tests. Instance-wide only. Private, link-local, multicast and "
        "reserved addresses are always refused.",
        json_schema_extra={"instance_only": True},
    )
    connect_timeout: float = Field(
        5.0,
        gt=0,
        le=30,
        description="Seconds to connect to an endpoint. Instance-wide only.",
        json_schema_extra={"instance_only": True},
    )
    read_timeout: float = Field(
        10.0,
        gt=0,
        le=60,
        description="Seconds to wait for each read of the answer. Instance-wide only.",
        json_schema_extra={"instance_only": True},
    )
    retry_base_seconds: int = Field(
        60, ge=1, le=3600, description="Delay before the first retry; doubled for each retry."
    )
    retry_max_interval_seconds: int = Field(
        6 * 3600, ge=60, le=24 * 3600, description="Longest delay between two attempts."
    )
    retry_window_hours: float = Field(
        24,
        gt=0,
        le=72,
        description="An event is retried until this long after it happened, then given up.",
    )
    disable_after_failures: int = Field(
        10,
        ge=1,
        le=1000,
        description="An endpoint is disabled after this many failed attempts in a row, "
        "once they have also gone on for disable_after_hours.",
    )
    disable_after_hours: float = Field(
        24,
        ge=0,
        le=24 * 30,
        description="Hours of failed attempts in a row (and at least "
        "disable_after_failures of them) before an endpoint is disabled.",
    )
    max_endpoints: int = Field(20, ge=1, le=500, description="Endpoints per tenant.")


def effective_settings(request) -> WebhooksSettings:
    """The tenant's settings with the instance-only fields taken from the instance
    configuration."""
    settings = request.plugin_settings("webhooks")
    instance = request.registry["plugins"].instance_defaults.get("webhooks", {})
    defaults = WebhooksSettings()
    fixed = {name: instance.get(name, getattr(defaults, name)) for name in INSTANCE_ONLY}
    return settings.model_copy(update=fixed)
