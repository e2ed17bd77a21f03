"""The bell in the page header (``learninghub_header_items``): a link to
``/notifications`` whose text says how many notifications are unread, in a polite live
region that ``static/bell.js`` refreshes every ``poll_seconds`` from
``/notifications/unread-count`` (which answers the count and its label, translated on
the server so every plural form of the language is used)."""

from __future__ import annotations

from markupsafe import Markup, escape

from learninghub.templating import asset_url

from . import services
from .permissions import NotificationPermission as P


def unread_label(request, count: int) -> str:
    return request.ngettext(
        "%(num)s unread notification", "%(num)s unread notifications", count, num=count
    )


def header_items(request) -> list[Markup]:
    if request.identity is None or not request.has_permission(P.VIEW):
        return []
    count = services.unread_count(request, request.identity.id)
    seconds = request.plugin_settings(services.PLUGIN).poll_seconds
    _ = request.gettext
    html = (
        '<a class="lh-bell" href="{href}" id="lh-bell"'
        ' data-count-url="{count_url}" data-poll-seconds="{seconds}">'
        '<span aria-hidden="true" class="lh-bell-icon">&#128276;</span>'
        '<span class="visually-hidden">{title}: </span>'
        '<span id="lh-bell-count" class="lh-bell-count" aria-live="polite" aria-atomic="true"'
        ' data-count="{count}">{label}</span></a>'
        '<script defer src="{script}"></script>'
    ).format(
        href=escape(request.route_path("notifications.page.list")),
        count_url=escape(request.route_path("notifications.page.unread_count")),
        seconds=int(seconds),
        title=escape(_("Notifications")),
        count=count,
        label=escape(unread_label(request, count)),
        script=escape(asset_url(request, "learninghub_notifications:static/bell.js")),
    )
    return [Markup(html)]
