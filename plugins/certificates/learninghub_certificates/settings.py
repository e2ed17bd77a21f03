"""Per-tenant settings of the certificates plugin."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class CertificatesSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    public_url: str = Field(
        "",
        max_length=200,
        pattern=r"^(https?://[A-Za-z0-9.-]+(:\d{1,5})?)?$",
        description="Base URL written into new certificates (QR code, credential id and "
        "issuer did:web), e.g. https://academy.example.com. Empty: the address of the "
        "request that led to the certificate.",
    )
    font_path: str = Field(
        "",
        description="A TrueType font (.ttf) for PDF certificates. Empty: DejaVu Sans "
        "when the system has it, else the Vera font bundled with reportlab.",
        json_schema_extra={"instance_only": True},
    )
