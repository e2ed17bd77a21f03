"""Learning Hub plugin: notifications.

Tells people what happened in the other plugins. Each plugin describes what it notifies
with ``learninghub_notifications_types`` (:mod:`.hookspecs`, :mod:`.types`; the types
of the existing plugins are in :mod:`.builtin_types`). The domain events those types
react to are kept in the kernel's event inbox inside the emitting transaction and
fanned out exactly once by the ``notifications.process_event`` task (:mod:`.fanout`):
one in-app notification per recipient, one delivery per other channel the recipient
wants (email, push, or the daily/weekly digest), each sent by ``notifications.deliver``
with retries. The contract is docs/design/engagement-contracts.md.
"""

from __future__ import annotations

from learninghub.hookspecs import hookimpl
from learninghub.manifest import PluginManifest
from learninghub.web import NavItem

from . import fanout, models  # noqa: F401  (register the tables and tasks)
from .hookspecs import NotificationsSpecs
from .installer import NotificationsInstaller
from .permissions import DEFAULT_GRANTS, NotificationPermission
from .settings import NotificationsSettings

__version__ = "0.1.0"

manifest = PluginManifest(
    name="notifications",
    version=__version__,
    title="Notifications",
    description="Notifications of what happens in the courses: a bell with the unread "
    "count, a list, emails, daily or weekly digests and web push, with preferences per "
    "user and defaults per tenant.",
    requires=(),
    settings=NotificationsSettings,
    permissions=NotificationPermission,
    default_grants=DEFAULT_GRANTS,
    migrations="learninghub_notifications:migrations/versions",
    installer=NotificationsInstaller(),
)


def includeme(config) -> None:
    from pathlib import Path

    from learninghub.web import ContentHashCacheBuster

    # the bell's poll script (and the push helper's scripts)
    static = Path(__file__).resolve().parent / "static"
    max_age = int(config.registry.settings.get("static.max_age", 31536000))
    config.add_static_view("static/notifications", str(static), cache_max_age=max_age)
    config.add_cache_buster(str(static) + "/", ContentHashCacheBuster(static))

    # /notifications/unread-count and /read-all before /notifications/{id}/read
    config.add_route("notifications.page.list", "/notifications")
    config.add_route("notifications.page.unread_count", "/notifications/unread-count")
    config.add_route("notifications.page.read_all", "/notifications/read-all")
    config.add_route("notifications.page.read", "/notifications/{id}/read")
    config.add_route("notifications.page.preferences", "/account/notifications")
    config.add_route("notifications.admin.defaults", "/admin/notifications")
    config.scan(".api")
    config.scan(".views")
    _include_channels(config)


def _include_channels(config) -> None:
    """The channel modules (email, digest, push) register their senders at import and
    may add routes and views through their own ``includeme``."""
    import importlib

    from .channels import load_channels

    load_channels()
    for name in ("email", "digest", "push"):
        try:
            module = importlib.import_module(f"{__name__}.channels.{name}")
        except ModuleNotFoundError:
            continue
        if hasattr(module, "includeme"):
            config.include(module.includeme)


@hookimpl
def learninghub_addhooks(pluginmanager) -> None:
    pluginmanager.add_hookspecs(NotificationsSpecs)


@hookimpl
def learninghub_notifications_types(request) -> list:
    """The types of the plugins that existed before this one, each while its plugin is
    enabled for the tenant (:mod:`.builtin_types`)."""
    from .builtin_types import builtin_types

    return builtin_types(request)


@hookimpl
def learninghub_domain_event_emitted(request, event) -> None:
    """Keep the events some notification type reacts to, in the emitting transaction."""
    fanout.keep(request, event)


@hookimpl
def learninghub_header_items(request) -> list:
    from .bell import header_items

    return header_items(request)


@hookimpl
def learninghub_user_menu_items(request) -> list[NavItem]:
    if request.identity is None or not request.has_permission(NotificationPermission.VIEW):
        return []
    return [
        NavItem(
            order=815,
            title=request.gettext("Notifications"),
            url=request.route_path("notifications.page.preferences"),
        )
    ]


@hookimpl
def learninghub_admin_sections(request) -> list[NavItem]:
    if request.identity is None or not request.has_permission(NotificationPermission.MANAGE):
        return []
    return [
        NavItem(
            order=280,
            title=request.gettext("Notifications"),
            url=request.route_path("notifications.admin.defaults"),
        )
    ]


@hookimpl
def learninghub_audit_auditable_events(request) -> list:
    """Deliveries are logged, not audited; the tenant's defaults are."""
    return ["notifications.defaults.updated"]
