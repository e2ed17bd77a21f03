"""Feature flags: storage, history and evaluation.

A flag is on for a user when it is ``enabled``, the user holds one of its ``roles``
(tenant-wide; an empty list targets everyone, anonymous visitors included) and the
user's bucket is below ``percentage``. The bucket is stable:
``int(sha256("<tenant id>:<flag key>:<user id>")[:8]) % 100``, so a user stays in or
out of a roll-out as the percentage grows, and buckets of different flags are
independent. Anonymous visitors have no bucket: only a 100 % roll-out reaches them.

Evaluate with ``request.feature("key")`` (views), ``{{ feature("key") }}``
(templates) or :func:`feature` (tasks: pass the user). Flags are read once per
request (one query, only when a flag is evaluated), so a change is seen by the next
request on every node. For a tenant without the config plugin every flag is off.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from typing import Annotated, Any

import jinja2
import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from learninghub.api import ProblemError
from learninghub.db import utcnow
from learninghub.identity import RoleGrant

from .models import FeatureFlag, FlagVersion

KEY_PATTERN = r"^[a-z][a-z0-9_.-]{0,79}$"
ROLE_RE = re.compile(r"^[a-z][a-z0-9_]{0,59}$")
_REQUEST_CACHE = "_lh_config_flags"

FlagKey = Annotated[str, StringConstraints(pattern=KEY_PATTERN, max_length=80)]
Description = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]


def _check_roles(roles: list[str]) -> list[str]:
    cleaned: list[str] = []
    for role in roles:
        role = role.strip()
        if not ROLE_RE.match(role):
            raise ValueError(f"not a role name: {role!r}")
        if role not in cleaned:
            cleaned.append(role)
    return cleaned


class FlagFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    description: Description = ""
    enabled: bool = False
    percentage: int = Field(100, ge=0, le=100, description="Share of users (by stable bucket)")
    roles: list[str] = Field(
        default_factory=list,
        max_length=20,
        description="Tenant-wide roles targeted (empty: everyone)",
    )

    @field_validator("roles")
    @classmethod
    def valid_roles(cls, roles: list[str]) -> list[str]:
        return _check_roles(roles)


class FlagCreate(FlagFields):
    key: FlagKey = Field(description="Lower-case letters, digits, '.', '_' and '-'")


class FlagChange(BaseModel):
    """Fields to change; absent fields stay as they are."""

    model_config = ConfigDict(extra="forbid")

    description: Description | None = None
    enabled: bool | None = None
    percentage: int | None = Field(None, ge=0, le=100)
    roles: list[str] | None = Field(None, max_length=20)

    @field_validator("roles")
    @classmethod
    def valid_roles(cls, roles: list[str] | None) -> list[str] | None:
        return None if roles is None else _check_roles(roles)

    @field_validator("description", "enabled", "percentage")
    @classmethod
    def not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("may be left out, but not null")
        return value


# ----------------------------------------------------------------- storage


def get_flag(request, key: str) -> FeatureFlag:
    flag = request.db.scalar(sa.select(FeatureFlag).where(FeatureFlag.key == key))
    if flag is None:
        raise ProblemError(404, "Not found", "no such flag")
    return flag


def list_flags(request) -> list[FeatureFlag]:
    return list(request.db.scalars(sa.select(FeatureFlag).order_by(FeatureFlag.key)))


def _changes(before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"field": k, "old": before.get(k), "new": after.get(k)}
        for k in sorted(set(before) | set(after))
        if before.get(k) != after.get(k)
    ]


def _record(request, key: str, action: str, before: dict, after: dict) -> FlagVersion:
    latest = request.db.scalar(
        sa.select(sa.func.max(FlagVersion.version)).where(FlagVersion.flag_key == key)
    )
    user = getattr(request, "identity", None)
    changes = _changes(before, after)
    row = FlagVersion(
        flag_key=key,
        version=(latest or 0) + 1,
        action=action,
        state=after,
        changes=changes,
        author_id=user.id if user else None,
        author_label=user.email if user else "system",
    )
    request.db.add(row)
    request.db.flush()
    request.emit(
        f"config.flag.{action}",
        resource_type="feature_flag",
        resource_id=key,
        payload={"key": key, "version": row.version, "changes": changes, "state": after},
    )
    return row


def create_flag(request, data: FlagCreate) -> FeatureFlag:
    if request.db.scalar(sa.select(FeatureFlag.id).where(FeatureFlag.key == data.key)):
        raise ProblemError(
            409,
            "Conflict",
            "a flag with this key exists",
            errors=[{"path": ["body", "key"], "message": "already exists", "type": "conflict"}],
        )
    user = getattr(request, "identity", None)
    flag = FeatureFlag(
        key=data.key,
        description=data.description,
        enabled=data.enabled,
        percentage=data.percentage,
        roles=list(data.roles),
        updated_by=user.id if user else None,
    )
    request.db.add(flag)
    request.db.flush()
    row = _record(request, flag.key, "created", {}, flag.state())
    flag.version = row.version
    return flag


def update_flag(request, key: str, change: FlagChange) -> FeatureFlag:
    flag = get_flag(request, key)
    before = flag.state()
    for name, value in change.model_dump(exclude_unset=True).items():
        setattr(flag, name, list(value) if name == "roles" else value)
    after = flag.state()
    if after == before:
        return flag
    user = getattr(request, "identity", None)
    flag.updated_at = utcnow()
    flag.updated_by = user.id if user else None
    row = _record(request, key, "updated", before, after)
    flag.version = row.version
    return flag


def delete_flag(request, key: str) -> None:
    flag = get_flag(request, key)
    before = flag.state()
    request.db.delete(flag)
    request.db.flush()
    _record(request, key, "deleted", before, {})


def flag_versions(request, key: str, limit: int = 100) -> list[FlagVersion]:
    return list(
        request.db.scalars(
            sa.select(FlagVersion)
            .where(FlagVersion.flag_key == key)
            .order_by(FlagVersion.version.desc())
            .limit(limit)
        )
    )


# ----------------------------------------------------------------- evaluation


def bucket(tenant_id: Any, key: str, user_id: Any) -> int:
    """The user's stable bucket (0-99) for a flag."""
    digest = hashlib.sha256(f"{tenant_id}:{key}:{user_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % 100


def is_on(
    state: dict[str, Any], tenant_id: Any, key: str, user_id: Any, roles: set[str] | frozenset
) -> bool:
    """Evaluate one flag's state for a user (``user_id`` None: anonymous)."""
    if not state.get("enabled"):
        return False
    targeted = state.get("roles") or []
    if targeted and not set(targeted) & set(roles):
        return False
    percentage = int(state.get("percentage", 100))
    if percentage >= 100:
        return True
    if user_id is None or percentage <= 0:
        return False
    return bucket(tenant_id, key, user_id) < percentage


def flag_table(request) -> dict[str, dict[str, Any]]:
    """The tenant's flags (key -> state), read once per request."""
    cached = request.__dict__.get(_REQUEST_CACHE)
    if cached is not None:
        return cached
    tenant = request.tenant
    table: dict[str, dict[str, Any]] = {}
    if tenant is not None and tenant.is_enabled("config"):
        rows = request.db.execute(
            sa.select(
                FeatureFlag.key, FeatureFlag.enabled, FeatureFlag.percentage, FeatureFlag.roles
            )
        ).all()
        table = {
            r.key: {"enabled": r.enabled, "percentage": r.percentage, "roles": r.roles or []}
            for r in rows
        }
    request.__dict__[_REQUEST_CACHE] = table
    return table


def _roles_of(request, user_id: Any) -> set[str]:
    rows = request.db.scalars(
        sa.select(RoleGrant.role).where(RoleGrant.user_id == user_id, RoleGrant.resource_type == "")
    )
    return set(rows)


def feature(request, key: str, *, user: Any = None, default: bool = False) -> bool:
    """Is flag ``key`` on? For ``user`` (a User or a user id; tasks pass it) or else
    the request's signed-in user. An unknown flag gives ``default``."""
    state = flag_table(request).get(key)
    if state is None:
        return default
    if user is None:
        identity = getattr(request, "identity", None)
        if identity is None:
            return is_on(state, request.tenant.id, key, None, set())
        from learninghub.identity import user_roles

        return is_on(state, request.tenant.id, key, identity.id, user_roles(request))
    user_id = getattr(user, "id", user)
    user_id = uuid.UUID(str(user_id))
    return is_on(state, request.tenant.id, key, user_id, _roles_of(request, user_id))


def evaluate_all(request) -> dict[str, bool]:
    """Every flag of the tenant, evaluated for the request's user."""
    return {key: feature(request, key) for key in flag_table(request)}


def request_feature(request, key: str, default: bool = False, user: Any = None) -> bool:
    """``request.feature(key, default=False, user=None)``."""
    return feature(request, key, user=user, default=default)


@jinja2.pass_context
def template_feature(context, key: str, default: bool = False) -> bool:
    """``{{ feature("key") }}`` in templates (the page's request and user)."""
    request = context.get("request")
    if request is None or getattr(request, "tenant", None) is None:
        return default
    return feature(request, key, default=default)
