"""API sessions: access tokens bound to a session, rotating refresh tokens with reuse
detection.

``POST /api/v1/auth/token`` opens an API session (a ``user_sessions`` row of kind
``api``) and returns an access token (JWT, ``auth.access_token_ttl``) plus a refresh
token (``auth.refresh_token_ttl``). ``POST /api/v1/auth/refresh`` trades a refresh
token for a new pair; the old one is marked used. Presenting a refresh token that was
already used means it was copied: the whole session (its family) is revoked and every
access token carrying its ``sid`` stops working at once.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import sqlalchemy as sa

from ..db import utcnow
from ..identity import User, issue_access_token
from .models import RefreshToken, UserSession, token_hash
from .sessions import API, create_session, is_live, new_token, revoke_session

log = logging.getLogger("learninghub.accounts")
REFRESH_PREFIX = "lhr_"


class RefreshRefused(Exception):
    """The refresh token is unknown, expired, revoked or reused (family revoked)."""


def issue_pair(request, user: User, session: UserSession | None = None) -> dict:
    """A new access token and refresh token for ``user`` (opening an API session when
    none is given). Returns the token response body."""
    settings = request.registry.settings
    if session is None:
        session, _ = create_session(request, user, API, settings["auth.refresh_token_ttl"])
    refresh = REFRESH_PREFIX + new_token()
    now = utcnow()
    request.db.add(
        RefreshToken(
            session_id=session.id,
            token_hash=token_hash(refresh),
            created_at=now,
            expires_at=min(
                session.expires_at, now + timedelta(seconds=settings["auth.refresh_token_ttl"])
            ),
        )
    )
    access, ttl = issue_access_token(settings, user, request.tenant.id, session_id=session.id)
    return {
        "access_token": access,
        "token_type": "Bearer",
        "expires_in": ttl,
        "refresh_token": refresh,
        "session_id": str(session.id),
    }


def refresh(request, presented: str) -> dict:
    """Rotate: the presented token is spent and a new pair is issued."""
    if not presented.startswith(REFRESH_PREFIX) or len(presented) > 200:
        raise RefreshRefused("malformed refresh token")
    row = request.db.scalar(
        sa.select(RefreshToken).where(RefreshToken.token_hash == token_hash(presented))
    )
    if row is None:
        raise RefreshRefused("unknown refresh token")
    session = request.db.get(UserSession, row.session_id)
    now = utcnow()
    if row.used_at is not None:
        # reuse: someone holds a copy. End the whole family, now.
        if session is not None and session.revoked_at is None:
            revoke_session(session, "refresh_token_reuse")
            log.warning("refresh token reuse: session %s revoked", session.id)
            request.emit(
                "accounts.session.reuse_detected",
                resource_type="session",
                resource_id=session.id,
                payload={"user_id": str(session.user_id)},
            )
        raise RefreshRefused("refresh token already used; the session was revoked")
    if not is_live(session, now) or row.expires_at <= now:
        raise RefreshRefused("session ended")
    user = request.db.get(User, session.user_id)
    if user is None or not user.is_active:
        raise RefreshRefused("account not active")
    row.used_at = now
    session.last_seen_at = now
    return issue_pair(request, user, session)


def end_api_session(request, session_id) -> None:
    session = request.db.get(UserSession, session_id)
    if session is not None:
        revoke_session(session, "signed_out")
