"""Personal access tokens (API keys).

A key looks like ``lhk_<prefix>_<secret>``; only its SHA-256 is stored, it is shown
once at creation, it may expire, it can be revoked, and its last use (time, IP) is
recorded. Scopes:

* ``"*"`` — everything its owner may do;
* ``"read"`` — safe methods only (GET, HEAD, OPTIONS), within its owner's permissions;
* permission names (``"announcements:announcement:create"``) — exactly those, any method.

A key never grants more than its owner holds, and a key cannot manage keys, sessions
or the password (those need a signed-in session).
"""

from __future__ import annotations

import hmac
import secrets
import uuid
from datetime import datetime, timedelta

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..api import Page, PageQuery, ProblemError, api_view, paginate
from ..clientip import client_ip
from ..db import utcnow
from ..identity import User
from .models import ApiKey, token_hash

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
KEY_PREFIX = "lhk_"


def split_key(token: str) -> tuple[str, str] | None:
    if not token.startswith(KEY_PREFIX) or len(token) > 200:
        return None
    prefix, sep, secret = token[len(KEY_PREFIX) :].partition("_")
    if not sep or len(prefix) != 8 or not secret:
        return None
    return prefix, secret


def authenticate_api_key(request, token: str) -> User | None:
    parts = split_key(token)
    if parts is None:
        return None
    key = request.db.scalar(sa.select(ApiKey).where(ApiKey.prefix == parts[0]))
    if key is None or not hmac.compare_digest(key.token_hash, token_hash(token)):
        return None
    now = utcnow()
    if key.revoked_at is not None or (key.expires_at is not None and key.expires_at <= now):
        return None
    user = request.db.get(User, key.user_id)
    if user is None or not user.is_active:
        return None
    if key.last_used_at is None or (now - key.last_used_at).total_seconds() >= 60:
        key.last_used_at = now
        key.last_used_ip = client_ip(request)[:45]
    request.__dict__["_lh_api_key"] = key
    return user


def key_allows(key: ApiKey, method: str, permission: str | None) -> bool:
    scopes = set(key.scopes or [])
    if "*" in scopes:
        return True
    if "read" in scopes and method.upper() in SAFE_METHODS:
        return True
    return permission is not None and permission in scopes


def require_session(request) -> None:
    """Refuse API keys on endpoints that manage credentials."""
    if request.__dict__.get("_lh_api_key") is not None:
        raise ProblemError(403, "Forbidden", "API keys cannot manage credentials; sign in")


def create_key(request, user: User, name: str, scopes: list[str], days: int | None):
    """Create a key; return (row, secret). The secret is never stored."""
    prefix = secrets.token_hex(4)
    token = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    now = utcnow()
    key = ApiKey(
        user_id=user.id,
        name=name,
        prefix=prefix,
        token_hash=token_hash(token),
        scopes=scopes,
        created_at=now,
        expires_at=now + timedelta(days=days) if days else None,
    )
    request.db.add(key)
    request.db.flush()
    request.emit(
        "accounts.api_key.created",
        resource_type="api_key",
        resource_id=key.id,
        payload={"name": key.name, "scopes": key.scopes},
    )
    return key, token


def revoke_key(request, user: User, key_id: str) -> None:
    """Revoke one of ``user``'s keys; 404 problem for anything else."""
    try:
        kid = uuid.UUID(key_id)
    except ValueError:
        raise ProblemError(404, "Not found", "no such API key") from None
    key = request.db.get(ApiKey, kid)
    if key is None or key.user_id != user.id:
        raise ProblemError(404, "Not found", "no such API key")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        request.emit("accounts.api_key.revoked", resource_type="api_key", resource_id=key.id)


# --------------------------------------------------------------------- API


class ApiKeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=100)
    scopes: list[str] = Field(min_length=1, max_length=50)
    expires_in_days: int | None = Field(90, ge=1, le=3650)

    @field_validator("scopes")
    @classmethod
    def _scopes_shape(cls, scopes: list[str]) -> list[str]:
        for scope in scopes:
            if scope not in ("*", "read") and scope.count(":") != 2:
                raise ValueError(f"unknown scope {scope!r}: use '*', 'read' or a permission")
        return sorted(set(scopes))


class ApiKeyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    name: str
    prefix: str
    scopes: list[str]
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    last_used_ip: str
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyOut):
    key: str = Field(description="The secret, shown once: store it now")


@api_view(
    "api.me.apikeys",
    "/api/v1/me/api-keys",
    "POST",
    body=ApiKeyCreate,
    response=ApiKeyCreated,
    status=201,
    authenticated=True,
    summary="Create an API key (the secret is shown once)",
)
def create_api_key(request, body: ApiKeyCreate):
    require_session(request)
    known = set(request.registry["plugins"].all_permissions())
    unknown = [s for s in body.scopes if s not in ("*", "read") and s not in known]
    if unknown:
        raise ProblemError(
            422,
            "Validation failed",
            "unknown permission in scopes",
            errors=[
                {
                    "path": ["body", "scopes"],
                    "message": f"unknown permission {s}",
                    "type": "value_error",
                }
                for s in unknown
            ],
        )
    key, token = create_key(request, request.identity, body.name, body.scopes, body.expires_in_days)
    return ApiKeyCreated.model_validate(
        {**ApiKeyOut.model_validate(key).model_dump(), "key": token}
    )


@api_view(
    "api.me.apikeys",
    "/api/v1/me/api-keys",
    "GET",
    query=PageQuery,
    response=Page[ApiKeyOut],
    authenticated=True,
    summary="List my API keys (never their secrets)",
)
def list_api_keys(request, query: PageQuery):
    require_session(request)
    stmt = sa.select(ApiKey).where(ApiKey.user_id == request.identity.id)
    rows, cursor = paginate(request.db, stmt, ApiKey.created_at, ApiKey.id, query)
    return Page[ApiKeyOut](items=[ApiKeyOut.model_validate(r) for r in rows], next_cursor=cursor)


@api_view(
    "api.me.apikey",
    "/api/v1/me/api-keys/{id}",
    "DELETE",
    status=204,
    authenticated=True,
    summary="Revoke an API key",
)
def revoke_api_key(request):
    require_session(request)
    revoke_key(request, request.identity, request.matchdict["id"])
    return None


def includeme(config) -> None:
    config.scan(__name__)
