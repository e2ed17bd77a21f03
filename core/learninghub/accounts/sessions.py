"""Server-side sessions: creation, lookup, rotation and revocation.

Used by the security policy (cookie and bearer identity), the sign-in page and API,
refresh tokens, and everything that must end sessions (password change, suspension,
"sign out everywhere")."""

from __future__ import annotations

import logging
import secrets
import uuid
from datetime import datetime, timedelta

import sqlalchemy as sa

from ..clientip import client_ip
from ..db import utcnow
from ..identity import User
from .models import UserSession, token_hash

log = logging.getLogger("learninghub.accounts")
PAGE = "page"
API = "api"


def new_token(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def create_session(request, user: User, kind: str, lifetime: int) -> tuple[UserSession, str | None]:
    """Open a new session for ``user``. Page sessions get a cookie token (returned once);
    API sessions get none (their refresh tokens are issued by accounts.tokens)."""
    token = new_token() if kind == PAGE else None
    now = utcnow()
    session = UserSession(
        user_id=user.id,
        kind=kind,
        token_hash=token_hash(token) if token else None,
        created_at=now,
        last_seen_at=now,
        expires_at=now + timedelta(seconds=lifetime),
        ip=client_ip(request)[:45],
        user_agent=(request.user_agent or "")[:300],
    )
    request.db.add(session)
    request.db.flush()
    return session, token


def is_live(session: UserSession | None, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return session is not None and session.revoked_at is None and session.expires_at > now


def find_page_session(db, token: str) -> UserSession | None:
    if not token or len(token) > 200:
        return None
    session = db.scalar(
        sa.select(UserSession).where(
            UserSession.token_hash == token_hash(token), UserSession.kind == PAGE
        )
    )
    return session if is_live(session) else None


def find_page_session_user(db, token: str):
    """``(session, user)`` of a live page-session token, in one statement (the
    user is then in the identity map), or None."""
    if not token or len(token) > 200:
        return None
    from ..identity import User

    row = db.execute(
        sa.select(UserSession, User)
        .join(User, User.id == UserSession.user_id)
        .where(UserSession.token_hash == token_hash(token), UserSession.kind == PAGE)
    ).first()
    if row is None or not is_live(row[0]):
        return None
    return row[0], row[1]


def touch(session: UserSession, min_interval: int = 60, request=None) -> None:
    """Record activity, at most once a minute (avoids a write per request).

    On SQLite (outside tests) the timestamp is written after the request commits, in a
    short transaction of its own: a request that read first and then writes fails
    with "database is locked" whenever another writer committed in between
    (SQLITE_BUSY_SNAPSHOT, which busy_timeout does not retry), and concurrent page
    requests of one user made exactly that happen. The write is best effort."""
    now = utcnow()
    if (now - session.last_seen_at).total_seconds() < min_interval:
        return
    registry = getattr(request, "registry", None)
    engine = registry.get("db.engine") if registry is not None else None
    if (
        engine is None
        or engine.dialect.name != "sqlite"
        or registry.get("db.test_connection") is not None
    ):
        session.last_seen_at = now
        return
    session_id = session.id

    def write() -> None:
        try:
            with engine.connect() as conn:
                conn.info["immediate"] = True
                with conn.begin():
                    conn.execute(
                        sa.update(UserSession)
                        .where(UserSession.id == session_id)
                        .values(last_seen_at=now)
                    )
        except Exception:
            log.warning("could not record session activity", exc_info=True)

    from ..events import after_commit

    after_commit(getattr(request, "tm", None), write)


def revoke_session(session: UserSession, reason: str) -> None:
    if session.revoked_at is None:
        session.revoked_at = utcnow()
        session.revoked_reason = reason[:40]


def revoke_user_sessions(
    db, user: User, *, reason: str, keep_session_id: uuid.UUID | None = None
) -> int:
    """Revoke every live session of ``user`` except ``keep_session_id``; return how many."""
    count = 0
    for session in db.scalars(
        sa.select(UserSession).where(
            UserSession.user_id == user.id, UserSession.revoked_at.is_(None)
        )
    ):
        if session.id != keep_session_id:
            revoke_session(session, reason)
            count += 1
    return count


def rotate_security_stamp(user: User) -> None:
    """Invalidate every access token and session cookie of ``user`` at once."""
    user.security_stamp = secrets.token_hex(8)
