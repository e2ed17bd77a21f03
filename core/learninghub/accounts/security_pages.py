"""Pages: enrolment forced at sign-in (MFA required by role) and the account security
page (second factor on/off, backup codes, active sessions)."""

from __future__ import annotations

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.renderers import render_to_response

from ..api import ProblemError
from ..db import utcnow
from ..web import require_tenant
from .mfa import confirm_enrolment, has_mfa, start_enrolment, verify_second_factor
from .mfa_policy import issue_enrolment_token, user_of_enrolment
from .models import UserSession
from .sessions import revoke_session

TEMPLATE = "learninghub:templates/accounts/security.jinja2"
ENROL_TEMPLATE = "learninghub:templates/accounts/mfa_enrol.jinja2"


def _render(request, template, status=200, **values):
    values.setdefault("tenant", request.tenant)
    values.setdefault("nav", request.nav_items if request.identity else [])
    response = render_to_response(template, values, request=request)
    response.status = status
    response.headers["Cache-Control"] = "no-store"
    return response


def forced_enrolment_page(request, user, error=None, status=200):
    """Shown by /login when the user's role requires MFA and the grace period is over."""
    enrolment = start_enrolment(request, user)
    return _render(
        request,
        ENROL_TEMPLATE,
        status,
        enrolment=enrolment,
        enrolment_token=issue_enrolment_token(request, user),
        error=error,
        codes=None,
    )


def forced_enrolment_confirm(request):
    require_tenant(request)
    user = user_of_enrolment(request, request.POST.get("enrolment_token", "")[:2000])
    if user is None:
        return HTTPSeeOther(location="/login")
    try:
        codes = confirm_enrolment(request, user, request.POST.get("code", "")[:20])
    except ProblemError:
        return forced_enrolment_page(
            request, user, request.gettext("That code is not right. Scan again."), 422
        )
    return _render(
        request, ENROL_TEMPLATE, codes=codes, enrolment=None, enrolment_token="", error=None
    )


def security_page(request):
    require_tenant(request)
    user = request.identity
    if user is None:
        return HTTPSeeOther(location="/login?next=/account/security")
    _ = request.gettext
    values: dict = {
        "error": None,
        "enrolment": None,
        "codes": None,
        "message": None,
        "new_key": None,
    }
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "start":
                values["enrolment"] = start_enrolment(request, user)
            elif action == "confirm":
                values["codes"] = confirm_enrolment(
                    request, user, request.POST.get("code", "")[:20]
                )
            elif action == "disable":
                if not request.registry["passwords"].verify(user, request.POST.get("password", "")):
                    raise ProblemError(403, "Forbidden", _("The password is wrong."))
                if not verify_second_factor(request.db, user, request.POST.get("code", "")[:20]):
                    raise ProblemError(403, "Forbidden", _("The code is wrong."))
                from .mfa import remove_factors

                remove_factors(request, user)
                values["message"] = _("Two-step sign-in is off.")
            elif action == "password":
                from .signin import change_user_password

                count = change_user_password(
                    request,
                    user,
                    request.POST.get("current_password", "")[:1024],
                    request.POST.get("new_password", "")[:1024],
                )
                # TRANSLATORS: %(num)s counts the other sessions signed out
                values["message"] = request.ngettext(
                    "Password changed. %(num)s other session(s) were signed out.",
                    "Password changed. %(num)s other session(s) were signed out.",
                    count,
                )
            elif action == "backup_codes":
                from .mfa import new_backup_codes

                if not request.registry["passwords"].verify(user, request.POST.get("password", "")):
                    raise ProblemError(403, "Forbidden", _("The password is wrong."))
                if not has_mfa(request.db, user):
                    raise ProblemError(409, "Conflict", _("Two-step sign-in is off."))
                values["codes"] = new_backup_codes(request.db, user)
            elif action == "create_key":
                from .apikeys import create_key

                name = request.POST.get("name", "").strip()[:100]
                scope = request.POST.get("scope", "read")
                days = request.POST.get("days", "90")
                if not name or scope not in ("read", "*") or days not in ("30", "90", "365"):
                    raise ProblemError(
                        400, "Bad request", _("Give the key a name, a scope and a lifetime.")
                    )
                _, values["new_key"] = create_key(request, user, name, [scope], int(days))
            elif action == "revoke_key":
                from .apikeys import revoke_key

                revoke_key(request, user, request.POST.get("key_id", ""))
                values["message"] = _("The API key was revoked.")
            elif action == "revoke":
                import uuid

                try:
                    sid = uuid.UUID(request.POST.get("session_id", ""))
                except ValueError:
                    raise ProblemError(404, "Not found", _("No such session.")) from None
                session = request.db.get(UserSession, sid)
                if session is None or session.user_id != user.id:
                    raise ProblemError(404, "Not found", _("No such session."))
                revoke_session(session, "revoked_by_user")
                values["message"] = _("The session was signed out.")
            else:
                raise ProblemError(400, "Bad request", _("Unknown action."))
        except ProblemError as exc:
            if exc.status == 422 and exc.errors and exc.errors[0]["path"][-1] == "new_password":
                values["error"] = "; ".join(e["message"] for e in exc.errors)
            elif exc.status == 422:
                values["error"] = _("That code is not right.")
            elif exc.status == 403 and action == "password":
                values["error"] = _("The current password is wrong")
            else:
                values["error"] = exc.detail[:1].upper() + exc.detail[1:]
            status = exc.status
    current = request.__dict__.get("_lh_session")
    sessions = request.db.scalars(
        sa.select(UserSession)
        .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
        .where(UserSession.expires_at > utcnow())
        .order_by(UserSession.last_seen_at.desc())
        .limit(50)
    ).all()
    from .models import ApiKey

    keys = request.db.scalars(
        sa.select(ApiKey)
        .where(ApiKey.user_id == user.id, ApiKey.revoked_at.is_(None))
        .order_by(ApiKey.created_at.desc())
        .limit(50)
    ).all()
    return _render(
        request,
        TEMPLATE,
        status,
        keys=keys,
        user=user,
        mfa_on=has_mfa(request.db, user),
        sessions=sessions,
        current_id=current.id if current else None,
        **values,
    )


def includeme(config) -> None:
    config.add_route("login.mfa_enrol", "/login/mfa-enrol")
    config.add_view(forced_enrolment_confirm, route_name="login.mfa_enrol", request_method="POST")
    config.add_route("account.security", "/account/security")
    config.add_view(security_page, route_name="account.security", request_method=("GET", "POST"))
    if hasattr(config, "add_strict_rate_limit"):
        config.add_strict_rate_limit("login.mfa_enrol")
