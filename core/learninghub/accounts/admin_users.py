"""Tenant administration of users: list, inspect, suspend, ban, reactivate, verify,
force a password reset, grant and revoke roles.

Reading needs ``tenant:users:view``, acting ``tenant:users:manage``. Users of other
tenants do not exist here (404). Suspending or banning ends every session and token
of the user at once (sessions revoked, security stamp rotated; banning and forcing a
password reset also revoke the user's API keys); an admin cannot
suspend or ban themselves, nor take their own ``admin`` role away (409), so that a
tenant is never locked out by a slip.
"""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from datetime import datetime
from typing import Literal

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..api import Page, PageQuery, ProblemError, api_view, paginate
from ..db import utcnow
from ..identity import RoleGrant, User
from ..permissions import KernelPermission as K
from . import notify, roles
from .models import ApiKey
from .profile import user_from_path
from .sessions import revoke_user_sessions, rotate_security_stamp
from .signup import send_reset_link

COLLECTION = "/api/v1/admin/users"
ITEM = COLLECTION + "/{id}"


class UserListQuery(PageQuery):
    status: Literal["active", "suspended", "banned"] | None = None
    q: str | None = Field(None, min_length=1, max_length=254, description="part of the email")


class RoleBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: str = Field(min_length=1, max_length=60)
    resource_type: str = Field("", max_length=60, pattern=r"^([a-z][a-z0-9_]*)?$")
    resource_id: str = Field("", max_length=64, pattern=r"^[A-Za-z0-9._:-]*$")

    @model_validator(mode="after")
    def _both_or_neither(self) -> RoleBody:
        if bool(self.resource_type) != bool(self.resource_id):
            raise ValueError("give both resource_type and resource_id, or neither")
        return self


def _role_payload(body: RoleBody) -> dict[str, str]:
    """The event's payload: the role and its scope, named so that they do not replace
    the event's own resource (the user)."""
    return {"role": body.role, "scope_type": body.resource_type, "scope_id": body.resource_id}


class RoleGrantOut(BaseModel):
    role: str
    resource_type: str
    resource_id: str


class AdminUserOut(BaseModel):
    id: uuid.UUID
    email: str
    display_name: str
    status: str
    email_verified: bool
    has_password: bool
    roles: list[str] = Field(description="roles held tenant-wide")
    created_at: datetime
    last_login_at: datetime | None


class AdminUserDetail(AdminUserOut):
    grants: list[RoleGrantOut] = Field(description="every grant, tenant-wide and on resources")
    permissions: list[str] = Field(description="effective tenant-wide permissions")
    password_changed_at: datetime | None
    locale: str
    timezone: str
    public_profile: bool


def _summary(user: User, grants: list[RoleGrant]) -> dict:
    return {
        "id": user.id,
        "email": user.email,
        "display_name": user.display_name,
        "status": user.status,
        "email_verified": user.email_verified,
        "has_password": bool(user.password_hash),
        "roles": sorted({g.role for g in grants if not g.resource_type}),
        "created_at": user.created_at,
        "last_login_at": user.last_login_at,
    }


def detail(request, user: User) -> AdminUserDetail:
    grants = roles.grants_of(request.db, user)
    summary = _summary(user, grants)
    return AdminUserDetail(
        **summary,
        grants=[
            RoleGrantOut(role=g.role, resource_type=g.resource_type, resource_id=g.resource_id)
            for g in grants
        ],
        permissions=roles.tenant_permissions(request, set(summary["roles"])),
        password_changed_at=user.password_changed_at,
        locale=user.locale,
        timezone=user.timezone,
        public_profile=user.public_profile,
    )


def _like_pattern(text: str) -> str:
    return "%" + re.sub(r"([\\%_])", r"\\\1", text.casefold()) + "%"


def _not_yourself(request, user: User, action: str) -> None:
    if user.id == request.identity.id:
        raise ProblemError(409, "Conflict", f"you cannot {action} yourself")


def end_access(request, user: User, reason: str, *, revoke_api_keys: bool = False) -> None:
    """Revoke every session of ``user`` and void every access token already issued;
    with ``revoke_api_keys`` the user's API keys die too (a suspended user's keys only
    sleep: they are refused while the user is not active)."""
    revoke_user_sessions(request.db, user, reason=reason)
    rotate_security_stamp(user)
    if revoke_api_keys:
        request.db.execute(
            sa.update(ApiKey)
            .where(ApiKey.user_id == user.id, ApiKey.revoked_at.is_(None))
            .values(revoked_at=utcnow())
            .execution_options(synchronize_session=False)
        )


def set_status(request, user: User, status: str, event: str) -> None:
    if user.status == status:
        return
    user.status = status
    if status != "active":
        end_access(request, user, status, revoke_api_keys=status == "banned")
    notify.record(request, event, user)


# ----------------------------------------------------------------- API


@api_view(
    "api.admin.users",
    COLLECTION,
    "GET",
    query=UserListQuery,
    response=Page[AdminUserOut],
    permission=K.USERS_VIEW,
    summary="List the tenant's users, newest first",
)
def list_users(request, query: UserListQuery) -> Page[AdminUserOut]:
    stmt = sa.select(User)
    if query.status is not None:
        stmt = stmt.where(User.status == query.status)
    if query.q:
        stmt = stmt.where(sa.func.lower(User.email).like(_like_pattern(query.q), escape="\\"))
    users, next_cursor = paginate(request.db, stmt, User.created_at, User.id, query)
    by_user: dict[uuid.UUID, list[RoleGrant]] = defaultdict(list)
    if users:
        for grant in request.db.scalars(
            sa.select(RoleGrant).where(RoleGrant.user_id.in_([u.id for u in users]))
        ):
            by_user[grant.user_id].append(grant)
    return Page[AdminUserOut](
        items=[AdminUserOut(**_summary(u, by_user[u.id])) for u in users],
        next_cursor=next_cursor,
    )


@api_view(
    "api.admin.user",
    ITEM,
    "GET",
    response=AdminUserDetail,
    permission=K.USERS_VIEW,
    summary="One user, with roles and effective permissions",
)
def get_user(request) -> AdminUserDetail:
    return detail(request, user_from_path(request))


@api_view(
    "api.admin.user.suspend",
    ITEM + "/suspend",
    "POST",
    response=AdminUserDetail,
    permission=K.USERS_MANAGE,
    summary="Suspend a user (every session and token ends at once)",
)
def suspend_user(request) -> AdminUserDetail:
    user = user_from_path(request)
    _not_yourself(request, user, "suspend")
    set_status(request, user, "suspended", "accounts.user.suspended")
    return detail(request, user)


@api_view(
    "api.admin.user.ban",
    ITEM + "/ban",
    "POST",
    response=AdminUserDetail,
    permission=K.USERS_MANAGE,
    summary="Ban a user (every session and token ends at once)",
)
def ban_user(request) -> AdminUserDetail:
    user = user_from_path(request)
    _not_yourself(request, user, "ban")
    set_status(request, user, "banned", "accounts.user.banned")
    return detail(request, user)


@api_view(
    "api.admin.user.reactivate",
    ITEM + "/reactivate",
    "POST",
    response=AdminUserDetail,
    permission=K.USERS_MANAGE,
    summary="Make a suspended or banned user active again",
)
def reactivate_user(request) -> AdminUserDetail:
    user = user_from_path(request)
    set_status(request, user, "active", "accounts.user.reactivated")
    return detail(request, user)


@api_view(
    "api.admin.user.verify",
    ITEM + "/verify",
    "POST",
    response=AdminUserDetail,
    permission=K.USERS_MANAGE,
    summary="Mark a user's email address as verified",
)
def verify_user(request) -> AdminUserDetail:
    user = user_from_path(request)
    if not user.email_verified:
        user.email_verified = True
        notify.record(request, "accounts.email.verified", user, by="admin")
    return detail(request, user)


@api_view(
    "api.admin.user.force_password_reset",
    ITEM + "/force-password-reset",
    "POST",
    response=AdminUserDetail,
    permission=K.USERS_MANAGE,
    summary="Void a user's password and sessions; mail them a reset link",
)
def force_password_reset(request) -> AdminUserDetail:
    user = user_from_path(request)
    user.password_hash = ""
    end_access(request, user, "password_reset", revoke_api_keys=True)
    if user.is_active:
        send_reset_link(request, user, forced=True)
    else:
        notify.record(request, "accounts.password.reset_requested", user, forced=True)
    return detail(request, user)


@api_view(
    "api.admin.user.roles",
    ITEM + "/roles",
    "POST",
    body=RoleBody,
    response=AdminUserDetail,
    permission=K.USERS_MANAGE,
    summary="Grant a role, tenant-wide or on one resource",
)
def grant_user_role(request, body: RoleBody) -> AdminUserDetail:
    user = user_from_path(request)
    if body.role not in roles.known_roles(request):
        raise ProblemError(
            422,
            "Validation failed",
            f"unknown role {body.role!r}",
            errors=[{"path": ["body", "role"], "message": "unknown role", "type": "role"}],
        )
    if roles.grant(request.db, user, body.role, body.resource_type, body.resource_id):
        notify.record(request, "accounts.role.granted", user, **_role_payload(body))
    return detail(request, user)


@api_view(
    "api.admin.user.roles",
    ITEM + "/roles",
    "DELETE",
    body=RoleBody,
    response=AdminUserDetail,
    permission=K.USERS_MANAGE,
    summary="Revoke a role (the same body as the grant)",
)
def revoke_user_role(request, body: RoleBody) -> AdminUserDetail:
    user = user_from_path(request)
    if user.id == request.identity.id and body.role == "admin" and not body.resource_type:
        raise ProblemError(409, "Conflict", "you cannot take your own admin role away")
    if not roles.revoke(request.db, user, body.role, body.resource_type, body.resource_id):
        raise ProblemError(404, "Not found", "the user does not hold this role")
    notify.record(request, "accounts.role.revoked", user, **_role_payload(body))
    return detail(request, user)


def includeme(config) -> None:
    config.scan(__name__)
