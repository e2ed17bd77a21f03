"""Self sign-up, email verification, password reset and invitations (API and the
operations the pages share).

Enumeration safety: answers never tell whether an email address has an account.
Sign-up with a taken address answers exactly like a successful sign-up (and mails
the owner instead, spending the same password hash); "forgot password" and "resend
verification" always answer 202 with the same body.

Sign-up modes (``tenant.settings["signup"]``, else the ``auth.signup`` setting):
``open`` (anyone; an invitation, when given, still grants its role), ``invite``
(a valid invitation for the same address is required) and ``closed`` (403).
"""

from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import Annotated, Any

import sqlalchemy as sa
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from ..api import ProblemError, api_view
from ..db import utcnow
from ..identity import User, create_user, normalize_email
from ..permissions import KernelPermission
from . import notify, onetime, roles
from .models import OneTimeToken
from .passwords import check_password
from .sessions import revoke_user_sessions, rotate_security_stamp

SIGNUP_MODES = ("open", "invite", "closed")
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


def _display_name(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("must not be blank")
    if any(unicodedata.category(ch) == "Cc" for ch in value):
        raise ValueError("must not contain control characters")
    return value


Email = Annotated[str, Field(min_length=3, max_length=254, pattern=EMAIL_PATTERN)]
DisplayName = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_display_name)]
# The policy (not the schema) judges the length; the bound only caps the work.
Password = Annotated[str, Field(min_length=1, max_length=4096)]
Token = Annotated[str, Field(min_length=1, max_length=onetime.MAX_TOKEN_LENGTH)]


class SignupBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: Email
    password: Password
    display_name: DisplayName
    invite_token: Token | None = None


class TokenBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    token: Token


class EmailBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: Email


class ResetBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    token: Token
    password: Password


class InvitationBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: Email
    role: str = Field("learner", min_length=1, max_length=60)


class StatusOut(BaseModel):
    status: str


class InvitationOut(BaseModel):
    email: str
    role: str
    expires_at: datetime


# ----------------------------------------------------------------- operations


def signup_mode(request) -> str:
    mode = (request.tenant.settings or {}).get("signup")
    return mode if mode in SIGNUP_MODES else request.registry.settings["auth.signup"]


def find_user(request, email: str) -> User | None:
    return request.db.scalar(sa.select(User).where(User.email == normalize_email(email)))


def invalid_token(field: str = "token") -> ProblemError:
    return ProblemError(
        400,
        "Invalid token",
        "the link is unknown, already used or expired",
        errors=[{"path": ["body", field], "message": "invalid or expired", "type": "token"}],
    )


def invitation_for(request, token: str | None):
    """The usable invitation row for ``token`` (not consumed), or None."""
    return onetime.peek(request, onetime.INVITE, token) if token else None


def register(
    request, email: str, password: str, display_name: str, invite_token: str | None = None
) -> None:
    """Create an unverified account and mail the verification link — or, when the
    address has an account already, mail its owner and look exactly the same."""
    settings = request.registry.settings
    mode = signup_mode(request)
    if mode == "closed":
        raise ProblemError(403, "Sign-up closed", "this site does not accept new sign-ups")
    email = normalize_email(email)
    invitation = None
    if invite_token is not None or mode == "invite":
        if invite_token is None:
            raise ProblemError(
                403,
                "Invitation required",
                "this site accepts sign-ups by invitation only",
                errors=[
                    {"path": ["body", "invite_token"], "message": "required", "type": "missing"}
                ],
            )
        invitation = invitation_for(request, invite_token)
        if invitation is None:
            raise invalid_token("invite_token")
        if normalize_email(invitation.email).casefold() != email.casefold():
            raise ProblemError(
                400,
                "Invitation mismatch",
                "the invitation was sent to another email address",
                errors=[
                    {
                        "path": ["body", "email"],
                        "message": "use the address the invitation was sent to",
                        "type": "invitation",
                    }
                ],
            )
    check_password(settings, password, email=email, display_name=display_name)
    passwords = request.registry["passwords"]
    existing = find_user(request, email)
    if existing is not None:
        passwords.hash(password)  # the same work as a real sign-up
        if existing.status != "banned":
            notify.signup_attempt_mail(request, existing)
        notify.log.info("sign-up attempt with the address of user=%s", existing.id)
        return
    role = str(invitation.payload.get("role") or "learner") if invitation else "learner"
    if role not in roles.known_roles(request):  # its plugin was disabled meanwhile
        role = "learner"
    try:
        with request.db.begin_nested():
            user = create_user(
                request.db,
                passwords,
                email,
                password,
                roles=(role,),
                display_name=display_name,
            )
    except sa.exc.IntegrityError:  # the same address signed up concurrently
        return
    user.email_verified = False
    if invitation is not None:
        onetime.consume(request, onetime.INVITE, invite_token or "")
    send_verification(request, user)
    notify.record(request, "accounts.user.signed_up", user, role=role, invited=bool(invitation))


def send_verification(request, user: User) -> None:
    ttl = request.registry.settings["auth.verification_ttl"]
    token = onetime.issue(request, onetime.VERIFY_EMAIL, user=user, ttl=ttl)
    notify.verification_mail(request, user, token, ttl)


def resend_verification(request, email: str) -> None:
    user = find_user(request, email)
    if user is not None and user.is_active and not user.email_verified:
        send_verification(request, user)


def token_user(request, row) -> User | None:
    if row is None or row.user_id is None:
        return None
    user = request.db.get(User, row.user_id)
    # a link mailed to an address the account no longer has is void
    if user is None or user.email != row.email:
        return None
    return user


def verify_email(request, token: str) -> User:
    user = token_user(request, onetime.consume(request, onetime.VERIFY_EMAIL, token))
    if user is None:
        raise invalid_token()
    if not user.email_verified:
        user.email_verified = True
        notify.record(request, "accounts.email.verified", user, by="link")
    return user


def send_reset_link(request, user: User, *, forced: bool = False) -> None:
    ttl = request.registry.settings["auth.reset_ttl"]
    token = onetime.issue(request, onetime.RESET_PASSWORD, user=user, ttl=ttl)
    notify.reset_mail(request, user, token, ttl, forced=forced)
    notify.record(request, "accounts.password.reset_requested", user, forced=forced)


def request_password_reset(request, email: str) -> None:
    user = find_user(request, email)
    if user is not None and user.is_active:
        send_reset_link(request, user)
    else:
        notify.log.info("password reset asked for an unknown or inactive address")


def reset_password(request, token: str, password: str) -> User:
    """Set a new password from a reset link: every session of the user ends."""
    user = token_user(request, onetime.peek(request, onetime.RESET_PASSWORD, token))
    if user is None or not user.is_active:
        raise invalid_token()
    check_password(
        request.registry.settings, password, email=user.email, display_name=user.display_name
    )
    if onetime.consume(request, onetime.RESET_PASSWORD, token) is None:
        raise invalid_token()  # used by a concurrent request meanwhile
    user.password_hash = request.registry["passwords"].hash(password)
    user.password_changed_at = utcnow()
    user.email_verified = True  # the link reached this address
    revoke_user_sessions(request.db, user, reason="password_reset")
    rotate_security_stamp(user)
    notify.record(request, "accounts.password.reset", user)
    return user


def invite(request, email: str, role: str) -> OneTimeToken:
    """Mail an invitation; 409 when the address has an account already."""
    if role not in roles.known_roles(request):
        raise ProblemError(
            422,
            "Validation failed",
            f"unknown role {role!r}",
            errors=[{"path": ["body", "role"], "message": "unknown role", "type": "role"}],
        )
    email = normalize_email(email)
    if find_user(request, email) is not None:
        raise ProblemError(409, "Conflict", "a user with this email address exists")
    ttl = request.registry.settings["auth.invite_ttl"]
    inviter = request.identity
    token, row = onetime.issue_with_row(
        request,
        onetime.INVITE,
        email=email,
        ttl=ttl,
        payload={"role": role, "invited_by": str(inviter.id)},
    )
    notify.invitation_mail(request, email, token, ttl, inviter)
    notify.record(
        request,
        "accounts.invitation.created",
        None,
        resource_type="invitation",
        resource_id=str(row.id),
        role=role,
    )
    return row


# ----------------------------------------------------------------- API

ACCEPTED = {"status": "accepted"}


@api_view(
    "api.auth.signup",
    "/api/v1/auth/signup",
    "POST",
    body=SignupBody,
    response=StatusOut,
    status=202,
    summary="Create an account (a verification link is mailed)",
)
def signup_endpoint(request, body: SignupBody) -> dict[str, Any]:
    register(request, body.email, body.password, body.display_name, body.invite_token)
    return {"status": "verification_sent"}


@api_view(
    "api.auth.verify_email",
    "/api/v1/auth/verify-email",
    "POST",
    body=TokenBody,
    response=StatusOut,
    summary="Confirm an email address with the mailed token",
)
def verify_email_endpoint(request, body: TokenBody) -> dict[str, Any]:
    verify_email(request, body.token)
    return {"status": "verified"}


@api_view(
    "api.auth.verify_email.resend",
    "/api/v1/auth/verify-email/resend",
    "POST",
    body=EmailBody,
    response=StatusOut,
    status=202,
    summary="Mail a new verification link (answers the same for every address)",
)
def resend_verification_endpoint(request, body: EmailBody) -> dict[str, Any]:
    resend_verification(request, body.email)
    return ACCEPTED


@api_view(
    "api.auth.password.forgot",
    "/api/v1/auth/password/forgot",
    "POST",
    body=EmailBody,
    response=StatusOut,
    status=202,
    summary="Mail a password reset link (answers the same for every address)",
)
def forgot_password_endpoint(request, body: EmailBody) -> dict[str, Any]:
    request_password_reset(request, body.email)
    return ACCEPTED


@api_view(
    "api.auth.password.reset",
    "/api/v1/auth/password/reset",
    "POST",
    body=ResetBody,
    response=StatusOut,
    summary="Set a new password with the mailed token (ends every session)",
)
def reset_password_endpoint(request, body: ResetBody) -> dict[str, Any]:
    reset_password(request, body.token, body.password)
    return {"status": "password_reset"}


@api_view(
    "api.admin.invitations",
    "/api/v1/admin/invitations",
    "POST",
    body=InvitationBody,
    response=InvitationOut,
    status=201,
    permission=KernelPermission.USERS_MANAGE,
    summary="Invite someone by email, with a role",
)
def create_invitation_endpoint(request, body: InvitationBody) -> InvitationOut:
    row = invite(request, body.email, body.role)
    return InvitationOut(email=row.email, role=body.role, expires_at=row.expires_at)


#: routes that get the strict (sign-in class) rate limit
STRICT_ROUTES = (
    "api.auth.signup",
    "api.auth.verify_email.resend",
    "api.auth.password.forgot",
    "api.auth.password.reset",
)


def includeme(config) -> None:
    config.scan(__name__)
    if hasattr(config, "add_strict_rate_limit"):
        for route_name in STRICT_ROUTES:
            config.add_strict_rate_limit(route_name)
