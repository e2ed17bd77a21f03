"""Visitor preferences: language (``POST /preferences/locale``) and display and
accessibility (``/preferences/display``: high contrast, font size).

Signed-in users' choices are saved on their account (so they follow them to every
device); visitors' choices live in cookies (``lh_locale``, ``lh_display``).
"""

from __future__ import annotations

from pyramid.httpexceptions import HTTPSeeOther

from ..i18n import (
    DISPLAY_COOKIE,
    FONT_SCALES,
    LOCALE_COOKIE,
    available_locales,
    display_cookie_value,
    display_prefs,
    normalize_locale,
)
from ..identity import User
from ..web import render_error_page, require_tenant
from . import render_page

YEAR = 365 * 24 * 3600


def safe_next(value: str | None, default: str = "/") -> str:
    """A local path to go back to (never another site: ``//evil`` or ``https:`` refused)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return default
    return value


def _set_cookie(request, response, name: str, value: str) -> None:
    response.set_cookie(
        name,
        value,
        max_age=YEAR,
        httponly=True,
        samesite="Lax",
        secure=bool(request.registry.settings.get("auth.cookie_secure")),
        path="/",
    )


def _account(request) -> User | None:
    identity = request.identity
    if identity is None:
        return None
    return request.db.get(User, identity.id)


def locale_view(request):
    require_tenant(request)
    available = available_locales(request.registry.settings)
    locale = normalize_locale(request.POST.get("locale"))
    if locale not in available:
        return render_error_page(
            request, 400, request.gettext("Choose one of the offered languages.")
        )
    user = _account(request)
    if user is not None:
        user.locale = locale
        request.db.flush()
    response = HTTPSeeOther(location=safe_next(request.POST.get("next")))
    _set_cookie(request, response, LOCALE_COOKIE, locale)
    return response


def display_view(request):
    require_tenant(request)
    prefs = display_prefs(request)
    errors: dict[str, str] = {}
    if request.method == "POST":
        high_contrast = request.POST.get("high_contrast") in ("1", "on", "true")
        raw_scale = request.POST.get("font_scale", "100")
        scale = int(raw_scale) if raw_scale.isdigit() else 0
        if scale not in FONT_SCALES:
            errors["font_scale"] = request.gettext("Choose one of the offered text sizes.")
        else:
            user = _account(request)
            if user is not None:
                user.high_contrast = high_contrast
                user.font_scale = scale
                request.db.flush()
            response = HTTPSeeOther(location="/preferences/display?saved=1")
            _set_cookie(
                request, response, DISPLAY_COOKIE, display_cookie_value(high_contrast, scale)
            )
            return response
    return render_page(
        request,
        "preferences/display.jinja2",
        422 if errors else 200,
        values=prefs,
        scales=FONT_SCALES,
        errors=errors,
        saved=bool(request.GET.get("saved")),
    )


def includeme(config) -> None:
    config.add_route("preferences.locale", "/preferences/locale")
    config.add_view(locale_view, route_name="preferences.locale", request_method="POST")
    config.add_route("preferences.display", "/preferences/display")
    config.add_view(display_view, route_name="preferences.display", request_method=("GET", "POST"))
