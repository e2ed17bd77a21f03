"""Request and response bodies of the certificates API."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from learninghub.api import PageQuery

#: placeholders the template text may use besides the custom fields' keys
RESERVED_KEYS = ("learner_name", "course_title", "date", "grade", "tenant_name")
MAX_CUSTOM_FIELDS = 10

Line = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]


class CustomField(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")] = Field(
        description="Placeholder name: {key} in the text"
    )
    label: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    value: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""

    @field_validator("key")
    @classmethod
    def not_reserved(cls, value: str) -> str:
        if value in RESERVED_KEYS:
            raise ValueError(f"{value!r} is a built-in placeholder")
        return value


class TemplateIn(BaseModel):
    """A certificate template. Empty text fields of a course's template take the
    tenant default's."""

    model_config = ConfigDict(extra="forbid")

    title: Line = ""
    body: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] = Field(
        "",
        description="Plain text; placeholders {learner_name} {course_title} {date} {grade} "
        "{tenant_name} and the custom fields' keys",
    )
    signer_name: Line = ""
    signer_title: Line = ""
    signature_asset_id: uuid.UUID | None = Field(
        None, description="A ready image asset of the media plugin, drawn on the PDF"
    )
    custom_fields: list[CustomField] = Field(default_factory=list, max_length=MAX_CUSTOM_FIELDS)
    min_grade_percent: Decimal | None = Field(
        None,
        ge=0,
        le=100,
        decimal_places=2,
        description="Criteria (course templates only): the minimum course grade, in percent",
    )

    @field_validator("custom_fields")
    @classmethod
    def unique_keys(cls, value: list[CustomField]) -> list[CustomField]:
        keys = [f.key for f in value]
        if len(keys) != len(set(keys)):
            raise ValueError("custom field keys must be unique")
        return value


class TemplateOut(TemplateIn):
    model_config = ConfigDict(extra="ignore")

    course_id: uuid.UUID | None = None
    updated_at: datetime | None = None


class RevokeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=500)]


Status = Literal["valid", "revoked", "superseded"]


class CertificateListQuery(PageQuery):
    status: Status | None = None
    course_id: uuid.UUID | None = None
    user_id: uuid.UUID | None = None


class CertificateOut(BaseModel):
    id: uuid.UUID
    code: str
    course_id: uuid.UUID
    user_id: uuid.UUID
    learner_name: str
    course_title: str
    grade: Decimal | None = Field(None, description="Percent, two decimal places")
    issued_at: datetime
    status: Status
    revoked_at: datetime | None = None
    revoked_reason: str = ""
    replaces_id: uuid.UUID | None = None
    superseded_by_id: uuid.UUID | None = None
    verify_url: str
    credential_url: str
    pdf_url: str
    linkedin_url: str
