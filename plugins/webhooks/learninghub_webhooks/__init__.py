"""Learning Hub plugin: outbound webhooks.

Tenant admins register endpoints (URL, events chosen from a registry that plugins
fill through ``learninghub_webhooks_event_types``, a signing secret shown once).
Every subscribed domain event becomes a delivery row in the transaction that
emitted it (an outbox), is sent after commit by the ``webhooks.deliver`` task,
signed in the Standard Webhooks style, and retried with exponential backoff and
jitter for a day by ``learninghub webhooks dispatch``. Endpoints that keep failing
are disabled and their admins emailed. Targets on private, loopback and link-local
addresses are refused before and after DNS resolution. See docs/plugins/webhooks.md.
"""

from __future__ import annotations

from learninghub.hookspecs import hookimpl
from learninghub.manifest import PluginManifest
from learninghub.web import NavItem

from . import models, tasks  # noqa: F401  (register the tables and the tasks)
from .eventtypes import KERNEL_EVENT_TYPES
from .hookspecs import WebhooksSpecs
from .installer import WebhooksInstaller
from .permissions import DEFAULT_GRANTS, WebhookPermission
from .settings import WebhooksSettings

__version__ = "0.1.0"

manifest = PluginManifest(
    name="webhooks",
    version=__version__,
    title="Webhooks",
    description="Signed HTTP notifications of the site's events to the systems you choose.",
    settings=WebhooksSettings,
    permissions=WebhookPermission,
    default_grants=DEFAULT_GRANTS,
    migrations="learninghub_webhooks:migrations/versions",
    installer=WebhooksInstaller(),
)


def includeme(config) -> None:
    config.add_route("webhooks.page.list", "/admin/webhooks")
    config.add_route("webhooks.page.endpoint", "/admin/webhooks/{id}")
    config.scan(".api")
    config.scan(".views")


@hookimpl
def learninghub_addhooks(pluginmanager) -> None:
    pluginmanager.add_hookspecs(WebhooksSpecs)


@hookimpl
def learninghub_webhooks_event_types(request) -> list[tuple[str, str]]:
    """The kernel's events (the kernel cannot depend on this plugin's hook)."""
    return list(KERNEL_EVENT_TYPES.items())


@hookimpl
def learninghub_audit_auditable_events(request) -> list:
    """Endpoint changes, secret rotations and replays go to the audit trail."""
    return [
        {
            "events": ["webhooks.endpoint.*", "webhooks.delivery.replayed"],
            "secret_fields": ["secret"],
        }
    ]


@hookimpl
def learninghub_domain_event_emitted(request, event) -> None:
    """Write the event's deliveries in the emitting transaction (the outbox)."""
    from .services import record_event

    record_event(request, event)


@hookimpl
def learninghub_admin_sections(request) -> list[NavItem]:
    if request.identity is None or not request.has_permission(WebhookPermission.MANAGE):
        return []
    return [NavItem(order=400, title=request.gettext("Webhooks"), url="/admin/webhooks")]
