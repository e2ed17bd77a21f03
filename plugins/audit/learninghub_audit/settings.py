"""Per-tenant settings of the audit plugin.

Instance-wide defaults come from ``plugin.audit.<field>`` in the ini file (or
``LEARNINGHUB_PLUGIN_AUDIT__RETENTION_DAYS``); each tenant may override them in its
``tenant_plugins`` record (the retention page at ``/admin/audit/retention``).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

#: shortest retention a tenant may choose: an admin cannot make their own recent
#: actions expire at once
MIN_RETENTION_DAYS = 30
MAX_RETENTION_DAYS = 36_500


class AuditSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    retention_days: int = Field(
        365,
        ge=MIN_RETENTION_DAYS,
        le=MAX_RETENTION_DAYS,
        description=(
            "Rows older than this many days are summarised into a signed checkpoint "
            "and removed from the trail."
        ),
    )
