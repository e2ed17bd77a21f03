"""Reading certificates: by id, by code, a learner's valid or revoked one for a course,
the chain of superseding certificates; the addresses a certificate is verified at; and
small conversions (ids, codes, grades in hundredths of a percent). Re-exported by
:mod:`learninghub_certificates.services`.
"""

from __future__ import annotations

import secrets
import uuid
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa

from .constants import CODE_ALPHABET, CODE_LENGTH, CODE_RE, PLUGIN
from .models import Certificate

# ----------------------------------------------------------------- helpers


def as_uuid(value: Any) -> uuid.UUID | None:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError):
        return None


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def percent_to_hundredths(value: Decimal) -> int:
    return int((Decimal(value) * 100).to_integral_value(ROUND_HALF_UP))


def hundredths_to_percent(value: int | None) -> Decimal | None:
    return None if value is None else (Decimal(value) / 100).quantize(Decimal("0.01"))


def public_base(request) -> str:
    """Base URL for new certificates: the tenant's ``public_url`` setting, else the
    request's own address."""
    configured = request.plugin_settings(PLUGIN).public_url
    return (configured or request.application_url).rstrip("/")


def host_of(base_url: str) -> str:
    return urlsplit(base_url).netloc


def verify_url(certificate: Certificate) -> str:
    return f"{certificate.base_url}/verify/{certificate.code}"


def credential_url(certificate: Certificate) -> str:
    return verify_url(certificate) + "/credential.json"


def status_url(certificate: Certificate) -> str:
    return verify_url(certificate) + "/status.json"


def get_certificate(db, certificate_id) -> Certificate | None:
    key = as_uuid(certificate_id)
    return None if key is None else db.get(Certificate, key)


def by_code(db, code: str) -> Certificate | None:
    """The session tenant's certificate with ``code`` (None for malformed codes and
    other tenants' codes)."""
    if not isinstance(code, str) or not CODE_RE.match(code):
        return None
    return db.scalar(sa.select(Certificate).where(Certificate.code == code))


def valid_certificate(db, course_id, user_id) -> Certificate | None:
    return db.scalar(
        sa.select(Certificate).where(
            Certificate.course_id == course_id,
            Certificate.user_id == user_id,
            Certificate.status == "valid",
        )
    )


def has_revoked(db, course_id, user_id) -> bool:
    return (
        db.scalar(
            sa.select(Certificate.id)
            .where(
                Certificate.course_id == course_id,
                Certificate.user_id == user_id,
                Certificate.status == "revoked",
            )
            .limit(1)
        )
        is not None
    )


def user_name(db, user_id) -> str:
    from learninghub.identity import User

    user = db.get(User, user_id)
    return (user.display_name or user.email.split("@")[0]) if user is not None else ""


def get_course(db, course_id):
    from learninghub_courses.services import get_course as find

    return find(db, course_id)


def superseding(db, certificate: Certificate) -> Certificate | None:
    """The newest certificate in the chain that replaced ``certificate``."""
    seen = set()
    current = certificate
    while current.superseded_by_id is not None and current.superseded_by_id not in seen:
        seen.add(current.superseded_by_id)
        nxt = db.get(Certificate, current.superseded_by_id)
        if nxt is None:
            break
        current = nxt
    return current if current is not certificate else None
