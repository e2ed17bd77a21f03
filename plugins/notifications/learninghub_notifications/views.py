"""Pages of the notifications plugin.

* ``/notifications`` — my notifications, newest first (cursor pagination, ``?unread=1``);
  ``POST /notifications/{id}/read`` and ``POST /notifications/read-all``;
* ``/notifications/unread-count`` — ``{"unread": n}`` for the bell's poll script (the
  page session's twin of ``GET /api/v1/notifications/unread-count``, which accepts
  bearer tokens only);
* ``/account/notifications`` — my channels per type and my digest frequency;
* ``/admin/notifications`` — the tenant's default channels per type (admins).

Forms are POSTs with a CSRF token; success redirects (303) with a notice.
"""

from __future__ import annotations

import json
import uuid

from pyramid.httpexceptions import HTTPBadRequest, HTTPNotFound, HTTPSeeOther
from pyramid.response import Response
from pyramid.view import view_config

from learninghub.api import PageQuery, ProblemError, paginate
from learninghub.i18n import N_
from learninghub.shell import gate, render_page

from . import services
from .models import CHANNELS, DIGEST_FREQUENCIES, Notification
from .permissions import NotificationPermission as P

PAGE_SIZE = 20
DONE = {
    "read": N_("Notification marked as read."),
    "all_read": N_("All notifications marked as read."),
    "saved": N_("Your notification settings were saved."),
    "defaults": N_("The default notification settings were saved."),
}


def _flash(request) -> str:
    done = request.GET.get("done")
    return request.gettext(DONE[done]) if done in DONE else ""


def channel_labels(request) -> dict[str, str]:
    _ = request.gettext
    return {"in_app": _("On the site"), "email": _("Email"), "push": _("Push")}


def frequency_labels(request) -> dict[str, str]:
    _ = request.gettext
    return {
        "off": _("Send each email at once"),
        "daily": _("One email a day with everything"),
        "weekly": _("One email a week with everything"),
    }


def safe_url(url: str) -> str:
    """A notification's link when it is a local path or an http(s) URL; else ''."""
    if url.startswith("/") and not url.startswith("//"):
        return url
    if url.startswith(("https://", "http://")):
        return url
    return ""


# ------------------------------------------------------------------ the list


@view_config(route_name="notifications.page.list", request_method="GET")
def list_page(request):
    denied = gate(request, P.VIEW)
    if denied is not None:
        return denied
    unread_only = request.GET.get("unread") == "1"
    cursor = request.GET.get("cursor") or None
    stmt = services.visible(request.identity.id)
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    try:
        rows, next_cursor = paginate(
            request.db,
            stmt,
            Notification.created_at,
            Notification.id,
            PageQuery(limit=PAGE_SIZE, cursor=cursor),
            id_type=uuid.UUID,
        )
    except (ProblemError, ValueError):
        raise HTTPBadRequest() from None
    query = {"cursor": next_cursor, **({"unread": "1"} if unread_only else {})}
    return render_page(
        request,
        "notifications/list.jinja2",
        items=[{"n": n, "url": safe_url(n.url)} for n in rows],
        unread=services.unread_count(request, request.identity.id),
        unread_only=unread_only,
        first_page=not cursor,
        next_url=request.route_path("notifications.page.list", _query=query)
        if next_cursor
        else None,
        flash=_flash(request),
    )


def _back(request, done: str):
    query = {"done": done}
    if request.POST.get("unread") == "1":
        query["unread"] = "1"
    return HTTPSeeOther(location=request.route_path("notifications.page.list", _query=query))


@view_config(route_name="notifications.page.read", request_method="POST")
def read_one(request):
    denied = gate(request, P.VIEW)
    if denied is not None:
        return denied
    n = services.get_own(request, request.identity.id, request.matchdict["id"])
    if n is None:
        raise HTTPNotFound()
    services.mark_read(request, n)
    return _back(request, "read")


@view_config(route_name="notifications.page.read_all", request_method="POST")
def read_all(request):
    denied = gate(request, P.VIEW)
    if denied is not None:
        return denied
    services.mark_all_read(request, request.identity.id)
    return _back(request, "all_read")


@view_config(route_name="notifications.page.unread_count", request_method="GET")
def unread_count(request):
    """The bell's poll: JSON, never cached; 401 once the session is gone."""
    if request.tenant is None:
        raise HTTPNotFound()
    if request.identity is None or not request.has_permission(P.VIEW):
        status, body = (401, {"unread": None}) if request.identity is None else (403, {})
    else:
        from .bell import unread_label

        count = services.unread_count(request, request.identity.id)
        # the label in the user's language with all its plural forms (Arabic has six)
        status, body = 200, {"unread": count, "label": unread_label(request, count)}
    response = Response(
        json.dumps(body), status=status, content_type="application/json", charset="utf-8"
    )
    response.headers["Cache-Control"] = "no-store"
    return response


# ------------------------------------------------------------------ preferences


def _rows(request, chosen, fallback_of):
    """Types grouped by category: (category, [(type, {channel: checked})])."""
    groups: dict[str, list] = {}
    for kind in sorted(services.types(request).values(), key=lambda t: (t.category, t.title)):
        groups.setdefault(kind.category, []).append(
            (kind, {c: chosen(kind, c, fallback_of(kind, c)) for c in CHANNELS})
        )
    return sorted(groups.items())


def _posted_choices(request) -> list[services.Choice]:
    """Every (type, channel) of the form: a checkbox ``<type>|<channel>`` sent is on, one
    not sent is off (HTML does not send unchecked boxes)."""
    posted = set(request.POST.getall("on"))
    return [
        services.Choice(kind.key, channel, f"{kind.key}|{channel}" in posted)
        for kind in services.types(request).values()
        for channel in CHANNELS
    ]


@view_config(route_name="notifications.page.preferences", request_method=("GET", "POST"))
def preferences_page(request):
    denied = gate(request, P.VIEW)
    if denied is not None:
        return denied
    user_id = request.identity.id
    errors = {}
    if request.method == "POST":
        frequency = request.POST.get("digest_frequency", "off")
        if frequency not in DIGEST_FREQUENCIES:
            errors["digest_frequency"] = request.gettext("Choose how often to get emails.")
        else:
            services.save_preferences(request, user_id, _posted_choices(request), frequency)
            return HTTPSeeOther(
                location=request.route_path(
                    "notifications.page.preferences", _query={"done": "saved"}
                )
            )
    prefs = services.user_preferences(request, user_id)
    defaults = services.tenant_defaults(request)
    return render_page(
        request,
        "notifications/preferences.jinja2",
        status=422 if errors else 200,
        groups=_rows(
            request,
            lambda kind, c, fallback: prefs.get((kind.key, c), fallback),
            lambda kind, c: services.default_enabled(kind, c, defaults),
        ),
        channels=channel_labels(request),
        frequencies=frequency_labels(request),
        frequency=services.digest_frequency(request, user_id),
        errors=errors,
        flash=_flash(request),
    )


@view_config(route_name="notifications.admin.defaults", request_method=("GET", "POST"))
def defaults_page(request):
    denied = gate(request, P.MANAGE)
    if denied is not None:
        return denied
    if request.method == "POST":
        changed = services.save_tenant_defaults(request, _posted_choices(request))
        if changed:
            request.emit(
                "notifications.defaults.updated",
                resource_type="tenant",
                resource_id=str(request.tenant.id),
                payload={"changed": ",".join(sorted(changed))[:2000]},
            )
        return HTTPSeeOther(
            location=request.route_path("notifications.admin.defaults", _query={"done": "defaults"})
        )
    defaults = services.tenant_defaults(request)
    return render_page(
        request,
        "notifications/admin.jinja2",
        groups=_rows(
            request,
            lambda kind, c, fallback: fallback,
            lambda kind, c: services.default_enabled(kind, c, defaults),
        ),
        channels=channel_labels(request),
        section=request.route_path("notifications.admin.defaults"),
        flash=_flash(request),
    )
