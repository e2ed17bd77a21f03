"""Per-tenant settings of the announcements plugin.

Instance-wide defaults come from ``plugin.announcements.<field>`` in the ini file;
each tenant may override them in its ``tenant_plugins`` record.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

#: hard ceiling of ``max_body_chars`` (and of the API's body field)
BODY_CHARS_CEILING = 200_000


class AnnouncementsSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email_on_publish: bool = Field(
        True, description="Email every active user of the tenant when an announcement is published."
    )
    max_body_chars: int = Field(
        20_000,
        ge=100,
        le=BODY_CHARS_CEILING,
        description="Longest accepted body (HTML as sent, before sanitizing).",
    )
