"""One-time tokens sent by email: email verification, password reset, invitations and
email change.

A token is 32 random bytes (URL-safe base64); only its SHA-256 is stored
(:func:`~learninghub.accounts.models.token_hash`), so a database leak yields no usable
link. Tokens expire, belong to one purpose and one tenant (``request.db`` only sees the
tenant's rows), and are consumed at most once: :func:`consume` marks ``used_at`` with a
conditional UPDATE, so two concurrent requests cannot both use the same token.

Issuing a token for a user (or, without a user, for an email address) retires the
earlier unused tokens of the same purpose: only the latest link of each kind works.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from ..db import utcnow
from ..identity import User
from .models import OneTimeToken, token_hash

VERIFY_EMAIL = "verify_email"
RESET_PASSWORD = "reset_password"
INVITE = "invite"
CHANGE_EMAIL = "change_email"
PURPOSES = (VERIFY_EMAIL, RESET_PASSWORD, INVITE, CHANGE_EMAIL)
MAX_TOKEN_LENGTH = 200


def _check_purpose(purpose: str) -> None:
    if purpose not in PURPOSES:
        raise ValueError(f"unknown one-time token purpose {purpose!r}")


def issue(
    request,
    purpose: str,
    *,
    user: User | None = None,
    email: str = "",
    ttl: int,
    payload: dict[str, Any] | None = None,
) -> str:
    """Create a token for ``purpose`` living ``ttl`` seconds and return it (shown once:
    only its hash is stored). ``email`` defaults to the user's address."""
    return issue_with_row(request, purpose, user=user, email=email, ttl=ttl, payload=payload)[0]


def issue_with_row(
    request,
    purpose: str,
    *,
    user: User | None = None,
    email: str = "",
    ttl: int,
    payload: dict[str, Any] | None = None,
) -> tuple[str, OneTimeToken]:
    """:func:`issue`, also returning the stored row (its id, expiry)."""
    _check_purpose(purpose)
    if user is None and not email:
        raise ValueError("a one-time token needs a user or an email address")
    email = email or (user.email if user is not None else "")
    retire(request, purpose, user=user, email="" if user is not None else email)
    token = secrets.token_urlsafe(32)
    now = utcnow()
    row = OneTimeToken(
        purpose=purpose,
        user_id=user.id if user is not None else None,
        email=email,
        token_hash=token_hash(token),
        payload=dict(payload or {}),
        created_at=now,
        expires_at=now + timedelta(seconds=ttl),
    )
    request.db.add(row)
    request.db.flush()
    return token, row


def retire(request, purpose: str, *, user: User | None = None, email: str = "") -> int:
    """Mark the unused tokens of ``purpose`` for ``user`` (or for ``email``) as used;
    return how many."""
    _check_purpose(purpose)
    stmt = sa.update(OneTimeToken).where(
        OneTimeToken.purpose == purpose, OneTimeToken.used_at.is_(None)
    )
    if user is not None:
        stmt = stmt.where(OneTimeToken.user_id == user.id)
    elif email:
        stmt = stmt.where(OneTimeToken.email == email)
    else:
        raise ValueError("retire needs a user or an email address")
    result = request.db.execute(
        stmt.values(used_at=utcnow()).execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def _usable(purpose: str, token: str):
    now = utcnow()
    return (
        OneTimeToken.token_hash == token_hash(token),
        OneTimeToken.purpose == purpose,
        OneTimeToken.used_at.is_(None),
        OneTimeToken.expires_at > now,
    )


def _well_formed(token: Any) -> bool:
    return isinstance(token, str) and 0 < len(token) <= MAX_TOKEN_LENGTH


def peek(request, purpose: str, token: str) -> OneTimeToken | None:
    """The token's row when it is usable (known, of ``purpose``, unused, unexpired),
    without consuming it; else None."""
    _check_purpose(purpose)
    if not _well_formed(token):
        return None
    return request.db.scalar(sa.select(OneTimeToken).where(*_usable(purpose, token)))


def consume(request, purpose: str, token: str) -> OneTimeToken | None:
    """Use the token once: return its row (``used_at`` set) when it was usable, else
    None — unknown, expired, used and wrong-purpose tokens are not told apart."""
    _check_purpose(purpose)
    if not _well_formed(token):
        return None
    now = utcnow()
    result = request.db.execute(
        sa.update(OneTimeToken)
        .where(*_usable(purpose, token))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return None
    return request.db.scalar(
        sa.select(OneTimeToken)
        .where(OneTimeToken.token_hash == token_hash(token))
        .execution_options(populate_existing=True)
    )
