"""The platform administration API: operators managing every tenant.

Platform administrators are ordinary users of one designated tenant (setting
``platform.tenant``, default ``platform``) holding the role ``platform_admin``; that
role exists only there, and the endpoints below answer only on that tenant's host
(elsewhere nobody holds their permission: 403 for the signed-in, 401 for others). So a tenant admin, however powerful in their tenant, never reaches
other tenants, and platform admins get every account protection for free (sessions,
MFA — required for the role by default —, rate limits, lockout).

``/api/v1/platform/tenants`` (list, create), ``/api/v1/platform/tenants/{slug}`` (read,
change name or status), ``/api/v1/platform/tenants/{slug}/plugins/{name}`` (PUT enables,
DELETE disables). Work on other tenants goes through explicit system sessions and the
same ``TenantPlugins`` manager as the CLI.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field

from .api import Page, PageQuery, ProblemError, api_view, paginate
from .db import bind_tenant, system_session
from .errors import PluginError
from .permissions import KernelPermission as K
from .plugins import TenantPlugins
from .tenancy import SLUG_RE, Tenant, TenantPlugin

PERMISSION = K.PLATFORM_TENANTS


class TenantOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    slug: str
    name: str
    status: str
    created_at: datetime
    plugins: list[str] = Field(default_factory=list, description="enabled plugins")


class TenantCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    slug: str = Field(min_length=1, max_length=40, pattern=SLUG_RE.pattern)
    name: str = Field(min_length=1, max_length=200)
    plugins: list[str] = Field(default_factory=list, max_length=100)


class TenantChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(None, min_length=1, max_length=200)
    status: Literal["active", "suspended"] | None = None


def _only_on_platform(request) -> None:
    platform = request.registry.settings.get("platform.tenant")
    if not platform or request.tenant is None or request.tenant.slug != platform:
        raise ProblemError(404, "Not found", "no such resource")


class _System:
    """A cross-tenant session on the request's transaction, restored afterwards."""

    def __init__(self, request):
        self.db = request.db
        self.previous = self.db.info.get("tenant_id")

    def __enter__(self):
        self.db.flush()
        return system_session(self.db)

    def __exit__(self, *exc):
        self.db.flush()
        bind_tenant(self.db, self.previous)


def _out(db, tenant: Tenant) -> TenantOut:
    enabled = db.scalars(
        sa.select(TenantPlugin.plugin)
        .where(TenantPlugin.tenant_id == tenant.id, TenantPlugin.enabled.is_(True))
        .order_by(TenantPlugin.plugin)
    ).all()
    out = TenantOut.model_validate(tenant)
    out.plugins = list(enabled)
    return out


def _tenant(db, slug: str) -> Tenant:
    tenant = db.scalar(sa.select(Tenant).where(Tenant.slug == slug))
    if tenant is None:
        raise ProblemError(404, "Not found", f"no tenant {slug!r}")
    return tenant


@api_view(
    "api.platform.tenants",
    "/api/v1/platform/tenants",
    "GET",
    query=PageQuery,
    response=Page[TenantOut],
    permission=PERMISSION,
    summary="Every tenant (platform admins)",
)
def list_tenants(request, query: PageQuery):
    _only_on_platform(request)
    with _System(request) as db:
        rows, cursor = paginate(db, sa.select(Tenant), Tenant.created_at, Tenant.id, query)
        return Page[TenantOut](items=[_out(db, t) for t in rows], next_cursor=cursor)


@api_view(
    "api.platform.tenants",
    "/api/v1/platform/tenants",
    "POST",
    body=TenantCreate,
    response=TenantOut,
    status=201,
    permission=PERMISSION,
    summary="Create a tenant with plugins (platform admins)",
)
def create_tenant(request, body: TenantCreate):
    _only_on_platform(request)
    known = request.registry["plugins"].plugins
    unknown = [p for p in body.plugins if p not in known]
    if unknown:
        raise ProblemError(
            422,
            "Validation failed",
            "unknown plugin",
            errors=[
                {
                    "path": ["body", "plugins"],
                    "message": f"unknown plugin {p}",
                    "type": "value_error",
                }
                for p in unknown
            ],
        )
    with _System(request) as db:
        if db.scalar(sa.select(Tenant).where(Tenant.slug == body.slug)) is not None:
            raise ProblemError(409, "Conflict", f"tenant {body.slug!r} exists")
        tenant = Tenant(slug=body.slug, name=body.name)
        db.add(tenant)
        db.flush()
        bind_tenant(db, tenant.id)
        TenantPlugins(request.registry, db, tenant).enable_many(body.plugins)
        system_session(db)
        out = _out(db, tenant)
    request.emit(
        "platform.tenant.created",
        resource_type="tenant",
        resource_id=tenant.id,
        payload={"slug": tenant.slug, "plugins": out.plugins},
    )
    return out


@api_view(
    "api.platform.tenant",
    "/api/v1/platform/tenants/{slug}",
    "GET",
    response=TenantOut,
    permission=PERMISSION,
    summary="One tenant (platform admins)",
)
def get_tenant(request):
    _only_on_platform(request)
    with _System(request) as db:
        return _out(db, _tenant(db, request.matchdict["slug"]))


@api_view(
    "api.platform.tenant",
    "/api/v1/platform/tenants/{slug}",
    "PATCH",
    body=TenantChange,
    response=TenantOut,
    permission=PERMISSION,
    summary="Rename or suspend/reactivate a tenant (platform admins)",
)
def change_tenant(request, body: TenantChange):
    _only_on_platform(request)
    with _System(request) as db:
        tenant = _tenant(db, request.matchdict["slug"])
        if tenant.slug == request.tenant.slug and body.status == "suspended":
            raise ProblemError(409, "Conflict", "the platform tenant cannot be suspended")
        if body.name is not None:
            tenant.name = body.name
        if body.status is not None:
            tenant.status = body.status
        out = _out(db, tenant)
    request.registry["tenancy.resolver"].invalidate(request.tm)
    request.emit(
        "platform.tenant.changed",
        resource_type="tenant",
        resource_id=tenant.id,
        payload=body.model_dump(exclude_none=True),
    )
    return out


def _plugin_change(request, enable: bool) -> TenantOut:
    _only_on_platform(request)
    name = request.matchdict["name"]
    with _System(request) as db:
        tenant = _tenant(db, request.matchdict["slug"])
        bind_tenant(db, tenant.id)
        manager = TenantPlugins(request.registry, db, tenant)
        try:
            manager.enable(name) if enable else manager.disable(name)
        except PluginError as exc:
            status = 404 if "unknown plugin" in str(exc) else 409
            raise ProblemError(status, "Plugin change refused", str(exc)) from None
        finally:
            system_session(db)
        out = _out(db, tenant)
    request.emit(
        f"platform.plugin.{'enabled' if enable else 'disabled'}",
        resource_type="tenant",
        resource_id=tenant.id,
        payload={"plugin": name},
    )
    return out


@api_view(
    "api.platform.tenant.plugin",
    "/api/v1/platform/tenants/{slug}/plugins/{name}",
    "PUT",
    response=TenantOut,
    permission=PERMISSION,
    summary="Enable a plugin (and what it requires) for a tenant",
)
def enable_plugin(request):
    return _plugin_change(request, True)


@api_view(
    "api.platform.tenant.plugin",
    "/api/v1/platform/tenants/{slug}/plugins/{name}",
    "DELETE",
    response=TenantOut,
    permission=PERMISSION,
    summary="Disable a plugin for a tenant (data kept)",
)
def disable_plugin(request):
    return _plugin_change(request, False)


def includeme(config) -> None:
    config.scan(__name__)
