"""Signing in and out (pages and API), refresh, sessions and password change.

Pages: ``GET/POST /login`` (CSRF-protected form; a new server-side session and a new
cookie on every sign-in, the previous session of that browser revoked: no fixation),
``POST /logout``.

API: ``POST /api/v1/auth/refresh``, ``POST /api/v1/auth/logout``,
``GET /api/v1/me/sessions``, ``DELETE /api/v1/me/sessions/{id}``,
``POST /api/v1/me/sessions/revoke-all``, ``POST /api/v1/me/password``.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from urllib.parse import urlsplit

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.renderers import render_to_response
from pyramid.security import forget, remember

from ..api import Page, PageQuery, ProblemError, api_view, paginate, problem_response
from ..clientip import client_ip
from ..db import utcnow
from ..i18n import N_
from ..identity import User, normalize_email
from ..web import require_tenant
from .apikeys import require_session
from .models import UserSession
from .sessions import (
    PAGE,
    create_session,
    find_page_session,
    revoke_session,
    revoke_user_sessions,
    rotate_security_stamp,
)
from .tokens import RefreshRefused, issue_pair, refresh

log = logging.getLogger("learninghub.accounts")
#: the API answers it in English; the sign-in page translates it
INVALID = N_("email or password is wrong")
TOO_MANY = N_("Too many attempts. Try again later.")


def _guard(request):
    """The login guard of the rate limiter (per IP+account lockout), when installed."""
    factory = request.registry.get("ratelimit.login_guard")
    return factory(request) if factory is not None else None


def password_sign_in(request, email: str, password: str) -> User:
    """Check credentials for the request's tenant; raise a 401 problem (the same for an
    unknown email and a wrong password) or 429 when the IP+account pair is locked."""
    email = normalize_email(email)
    guard = _guard(request)
    if guard is not None:
        guard.check(email)
    user = request.db.scalar(sa.select(User).where(User.email == email))
    passwords = request.registry["passwords"]
    if not passwords.verify(user, password) or not user.is_active:
        if guard is not None:
            guard.failure(email, user if user is not None and user.is_active else None)
        log.info("sign-in failed for %s from %s", email, client_ip(request))
        request.emit(
            "accounts.signin.failed",
            resource_type="user",
            resource_id=user.id if user else "",
            payload={"ip": client_ip(request)},
        )
        raise ProblemError(
            401,
            "Invalid credentials",
            INVALID,
            headers={"WWW-Authenticate": 'Bearer realm="api"'},
        )
    if guard is not None:
        guard.success(email)
    if passwords.needs_rehash(user):
        user.password_hash = passwords.hash(password)
    user.last_login_at = utcnow()
    request.emit(
        "accounts.signin.succeeded",
        resource_type="user",
        resource_id=user.id,
        payload={"ip": client_ip(request)},
    )
    return user


# --------------------------------------------------------------------- pages


def safe_next(target: str | None) -> str:
    """Only same-site relative paths are followed after sign-in (no open redirect)."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    if "\\" in target:
        return "/"
    return target


def login_page(request):
    require_tenant(request)
    error = None
    email = ""
    status = 200
    if request.method == "POST":
        email = request.POST.get("email", "")[:254]
        password = request.POST.get("password", "")[:1024]
        try:
            user = password_sign_in(request, email, password)
        except ProblemError as exc:
            error = request.gettext(INVALID if exc.status == 401 else TOO_MANY)
            status = exc.status
        else:
            from .mfa import has_mfa, issue_challenge

            if has_mfa(request.db, user):
                return _mfa_form(request, issue_challenge(request, user), None, 200)
            from .mfa_policy import ENROL, enrolment_status

            if enrolment_status(request, user)[0] == ENROL:
                from .security_pages import forced_enrolment_page

                return forced_enrolment_page(request, user)
            return _start_page_session(request, user)
    response = render_to_response(
        "learninghub:templates/accounts/login.jinja2",
        {
            "tenant": request.tenant,
            "nav": [],
            "error": error,
            "email": email,
            "next": safe_next(request.params.get("next")),
        },
        request=request,
    )
    response.status = status
    response.headers["Cache-Control"] = "no-store"
    return response


def _start_page_session(request, user: User):
    """A new session and cookie; the browser's previous session (if any) is revoked."""
    old = find_page_session(request.db, request.cookies.get("lh_session", ""))
    if old is not None:
        revoke_session(old, "replaced_at_sign_in")
    session, token = create_session(
        request, user, PAGE, request.registry.settings["auth.session_max_age"]
    )
    response = HTTPSeeOther(location=safe_next(request.params.get("next")))
    response.headerlist.extend(remember(request, str(user.id), token=token))
    response.headers["Cache-Control"] = "no-store"
    request.hooks.learninghub_signed_in(request=request, user=user, response=response)
    return response


def _mfa_form(request, mfa_token: str, error: str | None, status: int, sent: bool = False):
    response = render_to_response(
        "learninghub:templates/accounts/login_mfa.jinja2",
        {
            "tenant": request.tenant,
            "nav": [],
            "error": error,
            "mfa_token": mfa_token,
            "sent": sent,
            "next": safe_next(request.params.get("next")),
        },
        request=request,
    )
    response.status = status
    response.headers["Cache-Control"] = "no-store"
    return response


def login_mfa_page(request):
    """Second step of page sign-in: the challenge from step one and a code."""
    from .mfa import user_of_challenge, verify_second_factor

    require_tenant(request)
    token = request.POST.get("mfa_token", "")[:2000]
    code = request.POST.get("code", "")[:20]
    user = user_of_challenge(request, token)
    if user is None:
        return HTTPSeeOther(location="/login")
    guard = _guard(request)
    try:
        if guard is not None:
            guard.check(user.email)
    except ProblemError:
        return _mfa_form(request, token, request.gettext(TOO_MANY), 429)
    if request.POST.get("action") == "email":
        from .mfa import send_email_code

        send_email_code(request, user)
        return _mfa_form(request, token, None, 200, sent=True)
    if not verify_second_factor(request.db, user, code, request.registry.settings["secret.key"]):
        if guard is not None:
            guard.failure(user.email, user)
        request.emit("accounts.mfa.failed", resource_type="user", resource_id=user.id)
        return _mfa_form(request, token, request.gettext("That code is not right. Try again."), 401)
    if guard is not None:
        guard.success(user.email)
    return _start_page_session(request, user)


def logout_page(request):
    user = request.identity  # computes the session first
    session = request.__dict__.get("_lh_session")
    if user is not None and session is not None:
        revoke_session(session, "signed_out")
    response = HTTPSeeOther(location="/")
    response.headerlist.extend(forget(request))
    return response


# --------------------------------------------------------------------- API


class TokenPair(BaseModel):
    access_token: str
    token_type: str = "Bearer"
    expires_in: int
    refresh_token: str
    session_id: uuid.UUID


class RefreshRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    refresh_token: str = Field(min_length=1, max_length=200)


@api_view(
    "api.auth.refresh",
    "/api/v1/auth/refresh",
    "POST",
    body=RefreshRequest,
    response=TokenPair,
    summary="Trade a refresh token for a new token pair (rotation; reuse revokes the session)",
)
def refresh_view(request, body: RefreshRequest):
    try:
        return refresh(request, body.refresh_token)
    except RefreshRefused as exc:
        # answered, not raised: a detected reuse revokes the family, which must commit
        return problem_response(request, 401, "Invalid refresh token", str(exc))


@api_view(
    "api.auth.logout",
    "/api/v1/auth/logout",
    "POST",
    status=204,
    authenticated=True,
    summary="End the current API session (its access and refresh tokens)",
)
def logout_api(request):
    session = request.__dict__.get("_lh_session")
    if session is None:
        raise ProblemError(400, "No session", "this credential has no session to end")
    revoke_session(session, "signed_out")
    request.emit("accounts.session.ended", resource_type="session", resource_id=session.id)


class SessionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    kind: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    ip: str
    user_agent: str
    current: bool = False


def _live_sessions(request):
    return (
        sa.select(UserSession)
        .where(UserSession.user_id == request.identity.id)
        .where(UserSession.revoked_at.is_(None))
        .where(UserSession.expires_at > utcnow())
    )


@api_view(
    "api.me.sessions",
    "/api/v1/me/sessions",
    "GET",
    query=PageQuery,
    response=Page[SessionOut],
    authenticated=True,
    summary="My active sessions and devices",
)
def list_sessions(request, query: PageQuery):
    require_session(request)
    current = request.__dict__.get("_lh_session")
    rows, cursor = paginate(
        request.db, _live_sessions(request), UserSession.created_at, UserSession.id, query
    )
    items = []
    for row in rows:
        out = SessionOut.model_validate(row)
        out.current = current is not None and row.id == current.id
        items.append(out)
    return Page[SessionOut](items=items, next_cursor=cursor)


@api_view(
    "api.me.session",
    "/api/v1/me/sessions/{id}",
    "DELETE",
    status=204,
    authenticated=True,
    summary="Revoke one of my sessions",
)
def revoke_one(request):
    require_session(request)
    try:
        sid = uuid.UUID(request.matchdict["id"])
    except ValueError:
        raise ProblemError(404, "Not found", "no such session") from None
    session = request.db.get(UserSession, sid)
    if session is None or session.user_id != request.identity.id:
        raise ProblemError(404, "Not found", "no such session")
    revoke_session(session, "revoked_by_user")
    request.emit("accounts.session.revoked", resource_type="session", resource_id=session.id)


class RevokeAll(BaseModel):
    model_config = ConfigDict(extra="forbid")
    include_current: bool = False


class RevokedCount(BaseModel):
    revoked: int


@api_view(
    "api.me.sessions.revoke_all",
    "/api/v1/me/sessions/revoke-all",
    "POST",
    body=RevokeAll,
    response=RevokedCount,
    authenticated=True,
    summary="Sign out everywhere (optionally keeping this session)",
)
def revoke_all(request, body: RevokeAll):
    require_session(request)
    current = request.__dict__.get("_lh_session")
    keep = None if body.include_current or current is None else current.id
    count = revoke_user_sessions(
        request.db, request.identity, reason="signed_out_everywhere", keep_session_id=keep
    )
    request.emit(
        "accounts.sessions.revoked_all", resource_type="user", resource_id=request.identity.id
    )
    return RevokedCount(revoked=count)


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    current_password: str = Field(min_length=1, max_length=1024)
    new_password: str = Field(min_length=1, max_length=1024)


class PasswordChanged(BaseModel):
    revoked_sessions: int
    tokens: TokenPair | None = Field(
        None, description="A fresh pair for the current API session (old tokens died)"
    )


@api_view(
    "api.me.password",
    "/api/v1/me/password",
    "POST",
    body=PasswordChange,
    response=PasswordChanged,
    authenticated=True,
    summary="Change my password (every other session and every token is revoked)",
)
def change_password(request, body: PasswordChange):
    require_session(request)
    user = request.identity
    count = change_user_password(request, user, body.current_password, body.new_password)
    current = request.__dict__.get("_lh_session")
    tokens = None
    if current is not None and current.kind == "api":
        tokens = TokenPair(**issue_pair(request, user, current))
    return PasswordChanged(revoked_sessions=count, tokens=tokens)


def change_user_password(request, user: User, current_password: str, new_password: str) -> int:
    """Check the current password and the policy, set the new one, revoke every other
    session and every token (stamp). Returns how many sessions were revoked."""
    from .passwords import validate_password

    passwords = request.registry["passwords"]
    if not passwords.verify(user, current_password):
        raise ProblemError(
            403,
            "Forbidden",
            "the current password is wrong",
            errors=[
                {
                    "path": ["body", "current_password"],
                    "message": "wrong password",
                    "type": "value_error",
                }
            ],
        )
    problems = validate_password(
        request.registry.settings,
        new_password,
        email=user.email,
        display_name=user.display_name,
    )
    if problems:
        raise ProblemError(
            422,
            "Validation failed",
            "the new password is not acceptable",
            errors=[
                {"path": ["body", "new_password"], "message": m, "type": "value_error"}
                for m in problems
            ],
        )
    user.password_hash = passwords.hash(new_password)
    user.password_changed_at = utcnow()
    current = request.__dict__.get("_lh_session")
    count = revoke_user_sessions(
        request.db, user, reason="password_changed", keep_session_id=current.id if current else None
    )
    rotate_security_stamp(user)
    request.emit("accounts.password.changed", resource_type="user", resource_id=user.id)
    return count


def includeme(config) -> None:
    config.add_route("login", "/login")
    config.add_view(login_page, route_name="login", request_method=("GET", "POST"))
    config.add_route("login.mfa", "/login/mfa")
    config.add_view(login_mfa_page, route_name="login.mfa", request_method="POST")
    config.add_route("logout", "/logout")
    config.add_view(logout_page, route_name="logout", request_method="POST")
    if hasattr(config, "add_strict_rate_limit"):
        for name in ("login", "login.mfa", "api.auth.refresh"):
            config.add_strict_rate_limit(name)
    config.scan(__name__)
