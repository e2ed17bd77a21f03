"""Learning Hub plugin: the audit trail.

Sensitive domain events (sign-ins, role and permission changes, tenant and
platform administration, exports, and the events other plugins declare auditable)
are stored per tenant with actor, action, resource, old and new values (secrets
redacted), IP, user agent, request id and time. Rows are recorded inside the
transaction of the change and chained per tenant by SHA-256 hashes; the chain is
checked by ``learninghub audit verify`` and ``/admin/audit/verify``.
Admins browse and export the trail at ``/admin/audit`` and through
``/api/v1/audit/...``; expired rows are summarised into signed checkpoints.
On PostgreSQL a trigger refuses UPDATE and DELETE of sealed rows.

Details: docs/plugins/audit.md.
"""

from __future__ import annotations

from learninghub.hookspecs import hookimpl
from learninghub.manifest import PluginManifest
from learninghub.web import NavItem

from . import guard, models, tasks  # noqa: F401  (register the tables and the tasks)
from .hookspecs import AuditSpecs
from .installer import AuditInstaller
from .interfaces import IAuditTrail
from .permissions import DEFAULT_GRANTS, AuditPermission
from .recorder import audit_trail_factory, record_domain_event
from .settings import AuditSettings

__version__ = "0.1.0"

manifest = PluginManifest(
    name="audit",
    version=__version__,
    title="Audit log",
    description=(
        "Tamper-evident trail of sign-ins, role changes, administration and exports, "
        "with a viewer, CSV export and retention."
    ),
    settings=AuditSettings,
    permissions=AuditPermission,
    default_grants=DEFAULT_GRANTS,
    migrations="learninghub_audit:migrations/versions",
    installer=AuditInstaller(),
)


def includeme(config) -> None:
    config.register_service_factory(audit_trail_factory, IAuditTrail)
    config.add_route("audit.page.events", "/admin/audit")
    config.add_route("audit.page.verify", "/admin/audit/verify")
    config.add_route("audit.page.export", "/admin/audit/export.csv")
    config.add_route("audit.page.retention", "/admin/audit/retention")
    config.scan(".api")
    config.scan(".views")


@hookimpl
def learninghub_addhooks(pluginmanager) -> None:
    pluginmanager.add_hookspecs(AuditSpecs)


@hookimpl
def learninghub_domain_event_emitted(request, event) -> None:
    record_domain_event(request, event)


@hookimpl
def learninghub_admin_sections(request) -> list[NavItem]:
    if request.identity is None or not request.has_permission(AuditPermission.VIEW):
        return []
    return [NavItem(400, request.gettext("Audit log"), "/admin/audit")]


@hookimpl
def learninghub_readiness_checks(request) -> list:
    registry = request.registry
    return [("audit_append_only_guard", lambda: guard.check(registry))]
