"""Account pages: sign-up, email verification, forgotten and reset passwords, email
change confirmation and the profile page.

The pages call the same operations as the JSON API (:mod:`.signup`, :mod:`.profile`)
and turn their problems into form errors. Forms POST with the CSRF token (Pyramid's
default CSRF check refuses a POST without it: 400). Links mailed to people only show
a button on GET — mail scanners open links, and a GET must never use up a token.
Pages that carry a token in their URL are not cached and send no Referer.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from pydantic import BaseModel, ValidationError
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.renderers import render_to_response
from pyramid.response import Response

from ..api import ProblemError
from ..i18n import N_
from ..identity import User
from ..web import require_tenant
from . import onetime
from .passwords import DEFAULT_MIN_LENGTH, validate_password
from .profile import (
    BIO_MAX_LENGTH,
    EmailChangeBody,
    ProfileUpdate,
    avatar_url,
    confirm_email_change,
    known_timezones,
    request_email_change,
    update_profile,
)
from .signup import (
    EmailBody,
    SignupBody,
    invitation_for,
    register,
    request_password_reset,
    reset_password,
    signup_mode,
    token_user,
    verify_email,
)

T = "learninghub:templates/accounts/"
LOGIN_URL = "/login"  # the sign-in page (route "login", accounts.signin)

#: friendlier words than the schema's for the fields people type (translated when shown)
FIELD_MESSAGES = {
    "email": N_("Enter an email address such as name@example.org."),
    "new_email": N_("Enter an email address such as name@example.org."),
    "display_name": N_("Enter your name (at most 200 characters)."),
    "token": N_("The link is incomplete: open it again from the email."),
}

Errors = dict[str, list[str]]
PROFILE_FIELDS = ("display_name", "bio", "locale", "timezone", "public_profile")


def _context(request, **values: Any) -> dict[str, Any]:
    return {
        "tenant": request.tenant,
        "nav": request.nav_items,
        "user": request.identity,
        "login_url": LOGIN_URL,
        **values,
    }


def render(request, template: str, status: int = 200, **values: Any) -> Response:
    response = render_to_response(T + template, _context(request, **values), request=request)
    response.status = status
    return response


def notice(request, title: str, message: str, status: int = 200, **values: Any) -> Response:
    return render(request, "notice.jinja2", status, title=title, message=message, **values)


def _private(response: Response) -> Response:
    """For pages whose URL holds a token: keep them out of caches and Referer headers."""
    response.cache_control = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _field_errors(errors: list[dict[str, Any]] | None, request=None) -> tuple[Errors, list[str]]:
    fields: Errors = {}
    general: list[str] = []
    for error in errors or []:
        path = [p for p in error.get("path", []) if p not in ("body", "query")]
        message = str(error.get("message", "")).removeprefix("Value error, ")
        if path:
            name = str(path[0])
            if error.get("type") not in ("password_policy", "invitation", "auth", "token"):
                if name in FIELD_MESSAGES:
                    message = FIELD_MESSAGES[name]
                    if request is not None:
                        message = request.gettext(message)
            if message not in fields.setdefault(name, []):
                fields[name].append(message)
        else:
            general.append(message)
    return fields, general


def _problem_errors(exc: ProblemError, request=None) -> tuple[Errors, list[str]]:
    fields, general = _field_errors(exc.errors, request)
    if not exc.errors:
        general.append(exc.detail or exc.title)
    return fields, general


def validate(model: type[BaseModel], data: dict[str, Any], request=None) -> tuple[Any, Errors]:
    """The model, or the errors per field (in the request's language when given)."""
    try:
        return model.model_validate(data), {}
    except ValidationError as exc:
        fields, _ = _field_errors(
            [
                {"path": list(e["loc"]), "message": e["msg"], "type": e["type"]}
                for e in exc.errors(include_url=False)
            ],
            request,
        )
        return None, fields


def in_form_order(errors: Errors, *names: str) -> Errors:
    """The errors in the order of the form's fields (the summary lists them so)."""
    rank = {name: i for i, name in enumerate(names)}
    return dict(sorted(errors.items(), key=lambda item: rank.get(item[0], len(rank))))


def _form(request, *names: str) -> dict[str, str]:
    return {name: request.POST.get(name, "") for name in names}


# ----------------------------------------------------------------- sign-up


def signup_page(request) -> Response:
    require_tenant(request)
    _ = request.gettext
    mode = signup_mode(request)
    if mode == "closed":
        return notice(
            request,
            _("Sign-up is closed"),
            _("This site does not accept new accounts. Ask an administrator for an invitation."),
            403,
        )
    invite_token = (request.params.get("invite") or "").strip() or None
    invitation = invitation_for(request, invite_token)
    if invite_token and invitation is None:
        return _private(
            notice(
                request,
                _("Invitation no longer valid"),
                _("This invitation link is unknown, used or expired. Ask for a new one."),
                400,
            )
        )
    if mode == "invite" and invitation is None:
        return notice(
            request,
            _("Invitation required"),
            _(
                "This site accepts new accounts by invitation only. "
                "Open the link of the invitation email you received."
            ),
            403,
        )
    values = {"email": invitation.email if invitation else "", "display_name": ""}
    if request.method == "POST":
        values = _form(request, "email", "display_name") | (
            {"email": invitation.email} if invitation else {}
        )
        body, errors = validate(
            SignupBody,
            {
                **values,
                "password": request.POST.get("password", ""),
                "invite_token": invite_token,
            },
            request,
        )
        general: list[str] = []
        if body is None and "password" not in errors:
            # show every problem at once: the policy runs even when other fields fail
            policy = validate_password(
                request.registry.settings,
                request.POST.get("password", ""),
                email=values["email"],
                display_name=values["display_name"],
            )
            if policy:
                errors["password"] = policy
        if body is not None:
            try:
                register(request, body.email, body.password, body.display_name, invite_token)
            except ProblemError as exc:
                errors, general = _problem_errors(exc, request)
            else:
                return _private(
                    notice(
                        request,
                        _("Check your inbox"),
                        _(
                            "We sent a link to %(email)s. Open it to confirm your address, "
                            "then sign in.",
                            email=body.email,
                        ),
                        sent=True,
                    )
                )
        return _private(_signup_form(request, values, invite_token, errors, general, status=400))
    return _private(_signup_form(request, values, invite_token, {}, []))


def _signup_form(request, values, invite_token, errors, general, status=200) -> Response:
    return render(
        request,
        "signup.jinja2",
        status,
        values=values,
        invite_token=invite_token,
        errors=in_form_order(errors, "display_name", "email", "password"),
        general=general,
        min_length=request.registry.settings.get("auth.password_min_length", DEFAULT_MIN_LENGTH),
    )


# ----------------------------------------------------------------- verification


def verify_email_page(request) -> Response:
    require_tenant(request)
    _ = request.gettext
    token = (request.params.get("token") or "").strip()
    if request.method == "POST":
        try:
            verify_email(request, token)
        except ProblemError:
            return _private(_expired(request))
        return _private(
            notice(
                request,
                _("Email address confirmed"),
                _("Thank you: your email address is confirmed."),
                link=(LOGIN_URL, _("Sign in")) if request.identity is None else ("/", _("Home")),
            )
        )
    if token_user(request, onetime.peek(request, onetime.VERIFY_EMAIL, token)) is None:
        return _private(_expired(request))
    return _private(
        render(
            request,
            "confirm.jinja2",
            title=_("Confirm your email address"),
            message=_("Press the button to confirm your email address."),
            action=request.route_path("accounts.page.verify_email"),
            token=token,
            button=_("Confirm my email address"),
        )
    )


def _expired(request) -> Response:
    return notice(
        request,
        request.gettext("Link no longer valid"),
        request.gettext("This confirmation link is unknown, already used or expired."),
        400,
    )


# ----------------------------------------------------------------- passwords


def forgot_password_page(request) -> Response:
    require_tenant(request)
    values = {"email": ""}
    errors: Errors = {}
    if request.method == "POST":
        values = _form(request, "email")
        body, errors = validate(EmailBody, values, request)
        if body is not None:
            request_password_reset(request, body.email)
            return notice(
                request,
                request.gettext("Check your inbox"),
                request.gettext(
                    "If an account uses that address, we sent it a link to choose a new "
                    "password. The link expires soon; ask again if it does."
                ),
                sent=True,
            )
    return render(
        request,
        "forgot_password.jinja2",
        400 if errors else 200,
        values=values,
        errors=errors,
        general=[],
    )


def reset_password_page(request) -> Response:
    require_tenant(request)
    token = (request.params.get("token") or "").strip()
    user = token_user(request, onetime.peek(request, onetime.RESET_PASSWORD, token))
    if user is None or not user.is_active:
        return _private(_expired_reset(request))
    _ = request.gettext
    errors: Errors = {}
    general: list[str] = []
    if request.method == "POST":
        password = request.POST.get("password", "")
        if password != request.POST.get("password_confirm", ""):
            errors = {"password_confirm": [_("The two passwords differ.")]}
        elif not password:
            errors = {"password": [_("Enter a new password.")]}
        else:
            try:
                reset_password(request, token, password)
            except ProblemError as exc:
                if exc.status == 400:
                    return _private(_expired_reset(request))
                errors, general = _problem_errors(exc, request)
            else:
                return _private(
                    notice(
                        request,
                        _("Password changed"),
                        _(
                            "Your new password is set, and every device signed in with the old "
                            "one was signed out."
                        ),
                        link=(LOGIN_URL, _("Sign in")),
                    )
                )
    return _private(
        render(
            request,
            "reset_password.jinja2",
            400 if errors or general else 200,
            token=token,
            email=user.email,
            errors=errors,
            general=general,
            min_length=request.registry.settings.get(
                "auth.password_min_length", DEFAULT_MIN_LENGTH
            ),
        )
    )


def _expired_reset(request) -> Response:
    _ = request.gettext
    return notice(
        request,
        _("Link no longer valid"),
        _("This password reset link is unknown, already used or expired."),
        400,
        link=(request.route_path("accounts.page.forgot_password"), _("Ask for a new link")),
    )


# ----------------------------------------------------------------- email change


def confirm_email_page(request) -> Response:
    require_tenant(request)
    _ = request.gettext
    token = (request.params.get("token") or "").strip()
    if request.method == "POST":
        try:
            user = confirm_email_change(request, token)
        except ProblemError as exc:
            if exc.status == 409:
                return _private(
                    notice(
                        request,
                        _("Address taken"),
                        _("Another account uses this email address now; nothing was changed."),
                        409,
                    )
                )
            return _private(_expired(request))
        return _private(
            notice(
                request,
                _("Email address changed"),
                _("Your email address is now %(email)s.", email=user.email),
            )
        )
    if onetime.peek(request, onetime.CHANGE_EMAIL, token) is None:
        return _private(_expired(request))
    return _private(
        render(
            request,
            "confirm.jinja2",
            title=_("Confirm your new email address"),
            message=_("Press the button to make this address the one of your account."),
            action=request.route_path("accounts.page.confirm_email"),
            token=token,
            button=_("Confirm the new address"),
        )
    )


# ----------------------------------------------------------------- profile


def _sign_in_redirect(request) -> HTTPSeeOther:
    return HTTPSeeOther(location=LOGIN_URL + "?" + urlencode({"next": request.path_qs}))


def _profile_values(user: User) -> dict[str, Any]:
    return {
        "display_name": user.display_name,
        "bio": user.bio,
        "locale": user.locale,
        "timezone": user.timezone,
        "public_profile": user.public_profile,
    }


def _profile_form(request, user: User, status: int = 200, **values: Any) -> Response:
    context: dict[str, Any] = {
        "values": _profile_values(user),
        "errors": {},
        "general": [],
        "email_values": {"new_email": ""},
        "email_errors": {},
        "email_general": [],
        "saved": request.GET.get("saved") == "1",
        "email_sent": request.GET.get("email_sent") == "1",
    }
    context.update(values)
    return render(
        request,
        "profile.jinja2",
        status,
        account=user,
        avatar=avatar_url(request, user, "accounts.page.avatar"),
        timezones=sorted(known_timezones()),
        bio_max_length=BIO_MAX_LENGTH,
        **context,
    )


def profile_page(request) -> Response:
    require_tenant(request)
    user = request.identity
    if user is None:
        return _sign_in_redirect(request)
    if request.method == "POST":
        values = _form(request, *PROFILE_FIELDS[:-1])
        data = {**values, "public_profile": request.POST.get("public_profile") == "on"}
        body, errors = validate(ProfileUpdate, data, request)
        if body is None:
            return _profile_form(
                request, user, 400, values=data, errors=in_form_order(errors, *PROFILE_FIELDS)
            )
        update_profile(request, user, body.model_dump(exclude_unset=True))
        return HTTPSeeOther(location=request.route_path("accounts.page.profile") + "?saved=1")
    return _profile_form(request, user)


def email_change_page(request) -> Response:
    require_tenant(request)
    user = request.identity
    if user is None:
        return _sign_in_redirect(request)
    values = _form(request, "new_email")
    body, errors = validate(
        EmailChangeBody, {**values, "password": request.POST.get("password", "")}, request
    )
    general: list[str] = []
    if body is not None:
        try:
            request_email_change(request, user, body.new_email, body.password)
        except ProblemError as exc:
            errors, general = _problem_errors(exc, request)
        else:
            return HTTPSeeOther(
                location=request.route_path("accounts.page.profile") + "?email_sent=1"
            )
    return _profile_form(
        request,
        user,
        400,
        email_values=values,
        email_errors=in_form_order(errors, "new_email", "password"),
        email_general=general,
    )


# ----------------------------------------------------------------- wiring

PAGES = {
    "accounts.page.signup": ("/signup", signup_page, ("GET", "POST")),
    "accounts.page.verify_email": ("/verify-email", verify_email_page, ("GET", "POST")),
    "accounts.page.forgot_password": ("/forgot-password", forgot_password_page, ("GET", "POST")),
    "accounts.page.reset_password": ("/reset-password", reset_password_page, ("GET", "POST")),
    "accounts.page.confirm_email": ("/confirm-email", confirm_email_page, ("GET", "POST")),
    "accounts.page.profile": ("/account/profile", profile_page, ("GET", "POST")),
    "accounts.page.email": ("/account/email", email_change_page, ("POST",)),
}
#: page routes that get the strict (sign-in class) rate limit on top of the API's
STRICT_PAGES = (
    "accounts.page.signup",
    "accounts.page.forgot_password",
    "accounts.page.reset_password",
    "accounts.page.email",
)


def includeme(config) -> None:
    for route_name, (pattern, view, methods) in PAGES.items():
        config.add_route(route_name, pattern)
        config.add_view(view, route_name=route_name, request_method=methods)
    if hasattr(config, "add_strict_rate_limit"):
        for route_name in STRICT_PAGES:
            config.add_strict_rate_limit(route_name)
