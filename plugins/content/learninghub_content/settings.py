"""Per-tenant settings of the content plugin."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

#: hard ceiling of ``max_body_chars`` (and of the API's body field)
BODY_CHARS_CEILING = 500_000

Host = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True,
        to_lower=True,
        min_length=3,
        max_length=253,
        pattern=r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$",
    ),
]


class ContentSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    embed_hosts: list[Host] = Field(
        default_factory=list,
        max_length=50,
        description="Host names, besides YouTube and Vimeo, whose https pages may be "
        "embedded in lessons (exact host, e.g. www.loom.com).",
    )
    max_body_chars: int = Field(
        100_000,
        ge=1_000,
        le=BODY_CHARS_CEILING,
        description="Longest accepted lesson text (as sent, before sanitizing).",
    )
