"""Per-tenant settings of the media plugin.

Instance-wide defaults come from ``plugin.media.<field>`` in the ini file (or
``LEARNINGHUB_PLUGIN_MEDIA__<FIELD>``); each tenant may override the limits in its
``tenant_plugins`` record. The ClamAV address is instance-only: a tenant must never
point the server at a socket of its choosing.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .sniff import DEFAULT_ALLOWED, KNOWN_TYPES

MiB = 1024 * 1024


class MediaSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    allowed_types: list[str] = Field(
        default_factory=lambda: sorted(DEFAULT_ALLOWED),
        description="Content types accepted, as sniffed from the bytes (never the name).",
    )
    max_upload_bytes: int = Field(200 * MiB, ge=1, description="Largest accepted file, in bytes.")
    quota_bytes: int = Field(
        5 * 1024 * MiB,
        ge=0,
        description="Storage the tenant's assets and uploads in progress may use, in bytes.",
    )
    signed_url_ttl: int = Field(
        300, ge=10, le=86_400, description="Lifetime of signed file URLs, in seconds."
    )
    upload_chunk_bytes: int = Field(
        5 * MiB,
        ge=64 * 1024,
        le=100 * MiB,
        description=(
            "Size of the chunks the /media page's uploader sends (tus PATCH requests): a"
            " dropped connection costs at most one chunk."
        ),
    )
    upload_expiry_hours: int = Field(
        24, ge=1, le=24 * 30, description="Hours an unfinished resumable upload is kept."
    )
    strip_image_metadata: bool = Field(
        True,
        description=(
            "Remove EXIF (GPS position, camera), XMP and IPTC from JPEG originals; the"
            " pixels are not re-encoded and the orientation is kept."
        ),
    )
    clamd_socket: str = Field(
        "",
        description=(
            "ClamAV daemon: a unix socket path (unix:/run/clamav/clamd.ctl or an absolute"
            " path) or tcp:host:port. Empty: uploads are not scanned."
        ),
        json_schema_extra={"instance_only": True},
    )
    clamd_timeout: float = Field(
        30.0,
        gt=0,
        le=600,
        description="Seconds to wait for the ClamAV daemon.",
        json_schema_extra={"instance_only": True},
    )

    @field_validator("allowed_types")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - KNOWN_TYPES)
        if unknown:
            raise ValueError(
                f"unknown content types {unknown}; the sniffer names: {sorted(KNOWN_TYPES)}"
            )
        return value
