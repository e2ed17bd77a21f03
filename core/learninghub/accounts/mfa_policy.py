"""MFA required by role, with a grace period, and enrolment at sign-in.

A user holding (tenant-wide) a role listed in the tenant's ``settings["mfa"]
["required_roles"]`` (default: setting ``auth.mfa_required_roles``, i.e. admins) must
have a second factor. From the day the first such role was granted they have
``grace_days`` (``auth.mfa_grace_days``) during which sign-in still works (the token
response carries ``mfa_enrolment_due``). After that, a correct password no longer signs
in: the API answers 403 with ``mfa_enrolment_required`` and an ``enrolment_token`` (15
minutes, bound to the user), usable only to enrol — ``POST
/api/v1/auth/mfa-enrolment/totp`` then ``.../confirm`` — after which the user signs in
with the second factor. The sign-in page shows the same enrolment step.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field

from ..api import ProblemError, api_view, problem_response
from ..identity import RoleGrant, User
from .mfa import (
    BackupCodes,
    TotpEnrolment,
    confirm_enrolment,
    has_mfa,
    issue_user_token,
    start_enrolment,
    user_of_token,
)

ENROLMENT_TTL = 900
OK, GRACE, ENROL = "ok", "grace", "enrol"


def policy_of(request) -> tuple[set[str], int]:
    settings = request.registry.settings
    tenant_mfa = (request.tenant.settings or {}).get("mfa", {}) if request.tenant else {}
    roles = tenant_mfa.get("required_roles", settings["auth.mfa_required_roles"])
    grace = tenant_mfa.get("grace_days", settings["auth.mfa_grace_days"])
    try:
        return {str(r) for r in roles}, max(0, int(grace))
    except (TypeError, ValueError):
        return set(settings["auth.mfa_required_roles"]), settings["auth.mfa_grace_days"]


def enrolment_status(request, user: User) -> tuple[str, datetime | None]:
    """(OK | GRACE | ENROL, deadline)."""
    roles, grace_days = policy_of(request)
    if not roles or has_mfa(request.db, user):
        return OK, None
    first_grant = request.db.scalar(
        sa.select(sa.func.min(RoleGrant.created_at)).where(
            RoleGrant.user_id == user.id, RoleGrant.role.in_(roles), RoleGrant.resource_type == ""
        )
    )
    if first_grant is None:
        return OK, None
    if first_grant.tzinfo is None:
        first_grant = first_grant.replace(tzinfo=UTC)
    deadline = first_grant + timedelta(days=grace_days)
    return (GRACE if datetime.now(UTC) < deadline else ENROL), deadline


def issue_enrolment_token(request, user: User) -> str:
    return issue_user_token(request, user, "mfa_enrolment", ENROLMENT_TTL)


def user_of_enrolment(request, token: str) -> User | None:
    return user_of_token(request, token, "mfa_enrolment")


def enrolment_required_response(request, user: User):
    return problem_response(
        request,
        403,
        "Second factor enrolment required",
        "your role requires a second factor: enrol with this enrolment_token at "
        "POST /api/v1/auth/mfa-enrolment/totp, then sign in again",
        extra={
            "mfa_enrolment_required": True,
            "enrolment_token": issue_enrolment_token(request, user),
        },
    )


class EnrolmentStart(BaseModel):
    model_config = ConfigDict(extra="forbid")
    enrolment_token: str = Field(min_length=10, max_length=2000)


class EnrolmentConfirm(EnrolmentStart):
    code: str = Field(min_length=6, max_length=20)


def _enrolling_user(request, token: str) -> User:
    user = user_of_enrolment(request, token)
    if user is None:
        raise ProblemError(401, "Invalid enrolment token", "sign in again to get a new one")
    return user


@api_view(
    "api.auth.mfa_enrolment.totp",
    "/api/v1/auth/mfa-enrolment/totp",
    "POST",
    body=EnrolmentStart,
    response=TotpEnrolment,
    status=201,
    summary="Enrol a TOTP factor with an enrolment token (MFA required by role)",
)
def enrolment_start(request, body: EnrolmentStart):
    return start_enrolment(request, _enrolling_user(request, body.enrolment_token))


@api_view(
    "api.auth.mfa_enrolment.confirm",
    "/api/v1/auth/mfa-enrolment/confirm",
    "POST",
    body=EnrolmentConfirm,
    response=BackupCodes,
    summary="Confirm the enrolment with a first code; returns backup codes",
)
def enrolment_confirm(request, body: EnrolmentConfirm):
    user = _enrolling_user(request, body.enrolment_token)
    return BackupCodes(backup_codes=confirm_enrolment(request, user, body.code))


def includeme(config) -> None:
    config.scan(__name__)
    if hasattr(config, "add_strict_rate_limit"):
        for name in ("api.auth.mfa_enrolment.totp", "api.auth.mfa_enrolment.confirm"):
            config.add_strict_rate_limit(name)
