"""Learning Hub plugin: configuration management and feature flags.

* Per-tenant settings of every plugin, typed by the plugin's settings model, edited
  on ``/admin/settings/{plugin}`` and through ``/api/v1/config/plugins/{plugin}/settings``,
  with a version history (who, when, what changed) and rollback. A change reaches
  every web node on its next request (the kernel's tenant generation, see
  :class:`learninghub.tenancy.TenantResolver`).
* Secret fields (typed :class:`learninghub.secrets.Secret`) are sealed before they are
  stored, shown only as set / not set, never logged; ``learninghub config
  rotate-secrets`` re-seals every stored secret with the newest key.
* Feature flags per tenant: on/off, percentage roll-out by stable user bucket,
  targeting by role; ``request.feature("name")``, ``{{ feature("name") }}`` in
  templates and :func:`learninghub_config.flags.feature` in tasks. Every change is
  versioned and emitted as a domain event (audited).
"""

from __future__ import annotations

from learninghub.hookspecs import hookimpl
from learninghub.manifest import PluginManifest
from learninghub.web import NavItem

from . import models  # noqa: F401  (register the tables)
from .permissions import DEFAULT_GRANTS, ConfigPermission

__version__ = "0.1.0"

manifest = PluginManifest(
    name="config",
    version=__version__,
    title="Configuration",
    description="Plugin settings with history and rollback, encrypted secrets, feature flags.",
    permissions=ConfigPermission,
    default_grants=DEFAULT_GRANTS,
    migrations="learninghub_config:migrations/versions",
)


def includeme(config) -> None:
    from . import flags

    config.add_route("config.page.settings", "/admin/settings")
    config.add_route("config.page.plugin", "/admin/settings/{plugin}")
    config.add_route("config.page.flags", "/admin/flags")
    config.add_route("config.page.flag", "/admin/flags/{key}")
    config.add_request_method(flags.request_feature, "feature")
    config.registry["templates"].globals["feature"] = flags.template_feature
    config.scan(".api")
    config.scan(".views")


@hookimpl
def learninghub_audit_auditable_events(request) -> list:
    """Settings and feature-flag changes go to the audit trail (when it is enabled)."""
    return ["config.settings.*", "config.flag.*"]


@hookimpl
def learninghub_admin_sections(request) -> list[NavItem]:
    items = []
    if request.has_permission(ConfigPermission.SETTINGS_VIEW):
        items.append(NavItem(210, request.gettext("Plugin settings"), "/admin/settings"))
    if request.has_permission(ConfigPermission.FLAGS_VIEW):
        items.append(NavItem(220, request.gettext("Feature flags"), "/admin/flags"))
    return items
