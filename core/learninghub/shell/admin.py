"""Tenant admin shell: site settings (name, theme, language, time zone) and plugin
management (enable, disable, upgrade, uninstall, purge with confirmation).

Pages: ``/admin`` and ``/admin/plugins``. API: ``GET/PATCH /api/v1/tenant/settings``
and ``GET /api/v1/tenant/plugins``. Pages and API call the same functions and check
the same permissions (``tenant:settings:manage``, ``tenant:plugins:manage``).
"""

from __future__ import annotations

import zoneinfo
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pyramid.httpexceptions import HTTPSeeOther

from ..api import Page, ProblemError, api_view
from ..errors import PluginError
from ..i18n import N_, available_locales, locale_choices
from ..permissions import KernelPermission as K
from ..plugins import TenantPlugins
from ..tenancy import Tenant
from . import gate, render_page

SETTINGS_PAGE = "admin/settings.jinja2"
PLUGINS_PAGE = "admin/plugins.jinja2"


class SiteSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", from_attributes=True)
    name: str = Field(min_length=1, max_length=200)
    theme: str = Field(min_length=1, max_length=60)
    default_locale: str = Field(
        "", max_length=20, description='a locale offered by the platform, or "" to follow browsers'
    )
    default_timezone: str = Field("UTC", max_length=60)


class SiteSettingsChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(None, max_length=200)  # emptiness: validate_change
    theme: str | None = Field(None, min_length=1, max_length=60)
    default_locale: str | None = Field(None, max_length=20)
    default_timezone: str | None = Field(None, max_length=60)


class PluginOut(BaseModel):
    name: str
    title: str
    description: str
    version: str
    installed_version: str | None
    enabled: bool
    upgrade_available: bool
    depends_on: list[str]
    required_by: list[str] = Field(description="enabled plugins that need this one")


def _tenant_row(request) -> Tenant:
    tenant = request.db.get(Tenant, request.tenant.id)
    if tenant is None:  # deleted between resolution and now
        raise ProblemError(404, "Not found", "no tenant answers on this host")
    return tenant


def current_settings(request) -> SiteSettings:
    return SiteSettings.model_validate(_tenant_row(request))


def validate_change(request, change: SiteSettingsChange) -> dict[str, str]:
    """Field → message for every invalid value (empty when all are fine)."""
    _ = request.gettext
    errors: dict[str, str] = {}
    if change.theme is not None and change.theme not in request.registry["themes"].themes:
        errors["theme"] = _("Choose one of the installed themes.")
    if change.default_locale and change.default_locale not in available_locales(
        request.registry.settings
    ):
        errors["default_locale"] = _("Choose one of the offered languages.")
    if change.default_timezone is not None and change.default_timezone not in (
        zoneinfo.available_timezones() | {"UTC"}
    ):
        errors["default_timezone"] = _("Choose a time zone such as Europe/Madrid.")
    if change.name is not None and not change.name.strip():
        errors["name"] = _("Enter the site's name.")
    return errors


def apply_change(request, change: SiteSettingsChange) -> SiteSettings:
    errors = validate_change(request, change)
    if errors:
        raise ProblemError(
            422,
            "Invalid settings",
            "; ".join(f"{k}: {v}" for k, v in errors.items()),
            errors=[
                {"path": ["body", k], "message": v, "type": "value_error"}
                for k, v in errors.items()
            ],
        )
    tenant = _tenant_row(request)
    before = SiteSettings.model_validate(tenant).model_dump()
    for key, value in change.model_dump(exclude_none=True).items():
        setattr(tenant, key, value.strip() if isinstance(value, str) else value)
    request.db.flush()
    after = SiteSettings.model_validate(tenant)
    changed = {k: [before[k], v] for k, v in after.model_dump().items() if before[k] != v}
    if changed:
        request.emit(
            "tenant.settings_changed",
            resource_type="tenant",
            resource_id=str(tenant.id),
            payload={"changed": changed},
        )
        request.registry["tenancy.resolver"].invalidate(request.tm)
    return after


@api_view(
    "api.tenant.settings",
    "/api/v1/tenant/settings",
    "GET",
    response=SiteSettings,
    permission=K.SETTINGS_MANAGE,
    summary="The tenant's site settings",
)
def settings_get(request) -> SiteSettings:
    return current_settings(request)


@api_view(
    "api.tenant.settings",
    "/api/v1/tenant/settings",
    "PATCH",
    body=SiteSettingsChange,
    response=SiteSettings,
    permission=K.SETTINGS_MANAGE,
    summary="Change the tenant's name, theme, default language or time zone",
)
def settings_patch(request, body: SiteSettingsChange) -> SiteSettings:
    return apply_change(request, body)


def settings_page(request):
    denied = gate(request, K.SETTINGS_MANAGE)
    if denied is not None:
        return denied
    themes = request.registry["themes"]
    values: dict[str, Any] = current_settings(request).model_dump()
    errors: dict[str, str] = {}
    flash = ""
    status = 200
    if request.method == "POST":
        form = {k: request.POST.get(k, "") for k in SiteSettings.model_fields}
        try:
            change = SiteSettingsChange(**{k: v for k, v in form.items()})
        except ValidationError as exc:
            errors = {
                str(e["loc"][0]): request.gettext("Enter a shorter value.") for e in exc.errors()
            }
            change = None
        if change is not None:
            errors = validate_change(request, change)
        if errors:
            values.update(form)
            status = 422
        else:
            values = apply_change(request, change).model_dump()
            return HTTPSeeOther(location="/admin?saved=1")
    if request.GET.get("saved"):
        flash = request.gettext("Settings saved.")
    return render_page(
        request,
        SETTINGS_PAGE,
        status,
        section="/admin",
        values=values,
        errors=errors,
        flash=flash,
        themes=[themes.themes[n] for n in themes.names()],
        locales=locale_choices(request.registry.settings),
        timezones=sorted(zoneinfo.available_timezones()),
    )


# -- plugins ---------------------------------------------------------------------------


def plugin_rows(request) -> list[PluginOut]:
    registry = request.registry["plugins"]
    tenant = _tenant_row(request)
    manager = TenantPlugins(request.registry, request.db, tenant)
    records = manager.records()
    rows = []
    for name in registry.order:
        loaded = registry.get(name)
        manifest = loaded.manifest
        record = records.get(name)
        required_by = [
            other
            for other in registry.order
            if other != name
            and name in registry.get(other).manifest.requires
            and records.get(other) is not None
            and records[other].enabled
        ]
        rows.append(
            PluginOut(
                name=name,
                title=manifest.title or name,
                description=manifest.description or "",
                version=manifest.version,
                installed_version=record.installed_version if record else None,
                enabled=bool(record and record.enabled),
                upgrade_available=bool(record and record.installed_version != manifest.version),
                depends_on=list(manifest.requires),
                required_by=required_by,
            )
        )
    return rows


@api_view(
    "api.tenant.plugins",
    "/api/v1/tenant/plugins",
    "GET",
    response=Page[PluginOut],
    permission=K.PLUGINS_MANAGE,
    summary="Installed plugins and their state for this tenant (one page: every plugin)",
)
def plugins_get(request) -> Page[PluginOut]:
    return Page[PluginOut](items=plugin_rows(request), next_cursor=None)


PLUGIN_ACTIONS = ("enable", "disable", "upgrade", "uninstall", "purge")
#: the notice after each action (translated when shown)
PLUGIN_DONE = {
    "enable": N_("Enable: %(name)s."),
    "disable": N_("Disable: %(name)s."),
    "upgrade": N_("Upgrade: %(name)s."),
    "uninstall": N_("Uninstall: %(name)s."),
    "purge": N_("Purge: %(name)s."),
}


def plugins_page(request):
    denied = gate(request, K.PLUGINS_MANAGE)
    if denied is not None:
        return denied
    _ = request.gettext
    flash = ""
    error = ""
    status = 200
    confirm = None
    if request.method == "POST":
        action = request.POST.get("action", "")
        name = request.POST.get("plugin", "")
        registry = request.registry["plugins"]
        if action not in PLUGIN_ACTIONS or name not in registry.plugins:
            error = _("Unknown plugin or action.")
            status = 400
        elif action == "purge" and request.POST.get("confirm", "") != name:
            # purging deletes the plugin's data: ask for the name to be typed
            confirm = name
            if request.POST.get("confirm"):
                error = _("Type the plugin's name exactly to confirm.")
                status = 422
        else:
            manager = TenantPlugins(request.registry, request.db, _tenant_row(request))
            try:
                done = getattr(manager, action)(name)
            except PluginError as exc:
                error = str(exc)
                status = 409
            else:
                request.emit(
                    f"tenant.plugin.{action}",
                    resource_type="plugin",
                    resource_id=name,
                    payload={"also": list(done or [])},
                )
                request.registry["tenancy.resolver"].invalidate(request.tm)
                also = [n for n in (done or []) if n != name] if action == "enable" else []
                flash = _(PLUGIN_DONE[action], name=name)
                if also:
                    flash += " " + _("Also enabled: %(names)s.", names=", ".join(also))
    rows = plugin_rows(request)
    return render_page(
        request,
        PLUGINS_PAGE,
        status,
        section="/admin/plugins",
        plugins=rows,
        flash=flash,
        error=error,
        confirm=confirm,
    )


def includeme(config) -> None:
    config.add_route("admin.settings", "/admin")
    config.add_view(settings_page, route_name="admin.settings", request_method=("GET", "POST"))
    config.add_route("admin.plugins", "/admin/plugins")
    config.add_view(plugins_page, route_name="admin.plugins", request_method=("GET", "POST"))
    config.scan(__name__)
