"""JSON API of the config plugin (``/api/v1/config/...``).

Secrets are never returned: a secret field's value is ``null`` in ``values`` and its
state is in ``secrets`` (``true``: a value is set).
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field

from learninghub.api import Page, PageQuery, ProblemError, api_view, paginate

from . import flags as F
from . import services
from .models import FeatureFlag, FlagVersion, SettingsVersion
from .permissions import ConfigPermission as P

PLUGIN_NAME = re.compile(r"^[a-z][a-z0-9_]{1,39}$")


# ----------------------------------------------------------------- schemas


class SettingsOut(BaseModel):
    plugin: str
    title: str
    version: int | None = Field(description="Latest saved version (None: never changed here)")
    values: dict[str, Any] = Field(description="Effective values; secrets are null")
    overridden: list[str] = Field(description="Fields the tenant set (others: instance default)")
    defaults: dict[str, Any] = Field(description="Instance defaults (secrets left out)")
    secrets: dict[str, bool] = Field(description="Secret fields and whether a value is set")


class SettingsPut(BaseModel):
    """Set ``values`` as the tenant's values and reset the fields named in ``reset``
    to the instance default; fields in neither stay as they are. A secret is replaced
    by sending its new plain value, cleared by listing it in ``reset``."""

    model_config = ConfigDict(extra="forbid")

    values: dict[str, Any] = Field(default_factory=dict)
    reset: list[str] = Field(default_factory=list, max_length=200)
    comment: str = Field("", max_length=300, description="Why (kept in the history)")


class ChangeOut(BaseModel):
    field: str
    old: Any = None
    new: Any = None
    old_set: bool = Field(description="The tenant had set the field before")
    new_set: bool = Field(description="The tenant sets the field now")
    secret: bool = Field(description="Values of secrets are masked")


class VersionOut(BaseModel):
    version: int
    created_at: datetime
    author_id: uuid.UUID | None
    author: str = Field(description="The author's email at the time ('system': no user)")
    comment: str
    rollback_of: int | None
    changes: list[ChangeOut]


class FlagOut(BaseModel):
    key: str
    description: str
    enabled: bool
    percentage: int
    roles: list[str]
    version: int
    created_at: datetime
    updated_at: datetime
    updated_by: uuid.UUID | None
    url: str


class FlagVersionOut(BaseModel):
    version: int
    action: str
    state: dict[str, Any]
    changes: list[dict[str, Any]]
    author_id: uuid.UUID | None
    author: str
    created_at: datetime


class FeaturesOut(BaseModel):
    features: dict[str, bool] = Field(description="Every flag, evaluated for the caller")


class PluginOut(BaseModel):
    name: str
    title: str
    version: int | None
    url: str


# ----------------------------------------------------------------- helpers


def _plugin(request) -> str:
    name = request.matchdict["plugin"]
    if not PLUGIN_NAME.match(name):
        raise services.not_found("no such plugin with settings")
    return name


def _latest(request, plugin: str) -> int | None:
    return request.db.scalar(
        sa.select(sa.func.max(SettingsVersion.version)).where(SettingsVersion.plugin == plugin)
    )


def settings_out(request, plugin: str) -> SettingsOut:
    loaded, record = services.plugin_and_record(request, plugin)
    views = services.field_views(request, loaded, record)
    return SettingsOut(
        plugin=plugin,
        title=loaded.manifest.title or plugin,
        version=_latest(request, plugin),
        values={v.name: v.value for v in views},
        overridden=[v.name for v in views if v.overridden],
        defaults={v.name: v.default for v in views if v.kind != "secret"},
        secrets={v.name: v.is_set for v in views if v.kind == "secret"},
    )


def version_out(row: SettingsVersion) -> VersionOut:
    return VersionOut(
        version=row.version,
        created_at=row.created_at,
        author_id=row.author_id,
        author=row.author_label or "system",
        comment=row.comment,
        rollback_of=row.rollback_of,
        changes=[ChangeOut(**c) for c in row.changes or []],
    )


def flag_out(request, flag: FeatureFlag) -> FlagOut:
    return FlagOut(
        key=flag.key,
        description=flag.description,
        enabled=flag.enabled,
        percentage=flag.percentage,
        roles=list(flag.roles or []),
        version=flag.version,
        created_at=flag.created_at,
        updated_at=flag.updated_at,
        updated_by=flag.updated_by,
        url=request.route_path("config.api.flag", key=flag.key),
    )


def _flag_key(request) -> str:
    key = request.matchdict["key"]
    if not re.match(F.KEY_PATTERN, key):
        raise ProblemError(404, "Not found", "no such flag")
    return key


def _version_number(request) -> int:
    try:
        number = int(request.matchdict["n"])
    except ValueError:
        raise services.not_found("no such version") from None
    if not 0 < number < 2**31:
        raise services.not_found("no such version")
    return number


# ----------------------------------------------------------------- settings


@api_view(
    "config.api.plugins",
    "/api/v1/config/plugins",
    "GET",
    response=Page[PluginOut],
    permission=P.SETTINGS_VIEW,
    summary="Installed plugins that have settings (one page: every plugin)",
)
def plugins_list(request) -> Page[PluginOut]:
    items = [
        PluginOut(
            name=p.name,
            title=p.manifest.title or p.name,
            version=_latest(request, p.name),
            url=request.route_path("config.api.settings", plugin=p.name),
        )
        for p in services.configurable(request)
    ]
    return Page[PluginOut](items=items, next_cursor=None)


@api_view(
    "config.api.settings",
    "/api/v1/config/plugins/{plugin}/settings",
    "GET",
    response=SettingsOut,
    permission=P.SETTINGS_VIEW,
    summary="A plugin's settings for this tenant (secrets only as set / not set)",
)
def settings_get(request) -> SettingsOut:
    return settings_out(request, _plugin(request))


@api_view(
    "config.api.settings",
    "/api/v1/config/plugins/{plugin}/settings",
    "PUT",
    body=SettingsPut,
    response=SettingsOut,
    permission=P.SETTINGS_MANAGE,
    summary="Change a plugin's settings for this tenant (validated; a new version)",
)
def settings_put(request, body: SettingsPut) -> SettingsOut:
    plugin = _plugin(request)
    services.set_plugin_settings(request, plugin, body.values, body.reset, comment=body.comment)
    return settings_out(request, plugin)


class VersionQuery(PageQuery):
    pass


@api_view(
    "config.api.versions",
    "/api/v1/config/plugins/{plugin}/versions",
    "GET",
    query=VersionQuery,
    response=Page[VersionOut],
    permission=P.SETTINGS_VIEW,
    summary="History of a plugin's settings, newest first",
)
def versions_list(request, query: VersionQuery) -> Page[VersionOut]:
    plugin = _plugin(request)
    services.plugin_and_record(request, plugin)
    rows, next_cursor = paginate(
        request.db,
        sa.select(SettingsVersion).where(SettingsVersion.plugin == plugin),
        SettingsVersion.version,
        SettingsVersion.id,
        query,
        sort_type=int,
    )
    return Page[VersionOut](items=[version_out(r) for r in rows], next_cursor=next_cursor)


@api_view(
    "config.api.rollback",
    "/api/v1/config/plugins/{plugin}/versions/{n}/rollback",
    "POST",
    response=SettingsOut,
    permission=P.SETTINGS_MANAGE,
    summary="Restore the settings of version n (recorded as a new version)",
)
def rollback(request) -> SettingsOut:
    plugin = _plugin(request)
    services.rollback(request, plugin, _version_number(request))
    return settings_out(request, plugin)


# ----------------------------------------------------------------- flags


class FlagQuery(PageQuery):
    pass


@api_view(
    "config.api.flags",
    "/api/v1/config/flags",
    "GET",
    query=FlagQuery,
    response=Page[FlagOut],
    permission=P.FLAGS_VIEW,
    summary="Feature flags, by key",
)
def flags_list(request, query: FlagQuery) -> Page[FlagOut]:
    rows, next_cursor = paginate(
        request.db,
        sa.select(FeatureFlag),
        FeatureFlag.key,
        FeatureFlag.id,
        query,
        descending=False,
        sort_type=str,
    )
    return Page[FlagOut](items=[flag_out(request, f) for f in rows], next_cursor=next_cursor)


@api_view(
    "config.api.flags",
    "/api/v1/config/flags",
    "POST",
    body=F.FlagCreate,
    response=FlagOut,
    status=201,
    permission=P.FLAGS_MANAGE,
    summary="Create a feature flag",
)
def flag_create(request, body: F.FlagCreate) -> FlagOut:
    flag = F.create_flag(request, body)
    out = flag_out(request, flag)
    request.response.headers["Location"] = out.url
    return out


@api_view(
    "config.api.flag",
    "/api/v1/config/flags/{key}",
    "GET",
    response=FlagOut,
    permission=P.FLAGS_VIEW,
    summary="One feature flag",
)
def flag_get(request) -> FlagOut:
    return flag_out(request, F.get_flag(request, _flag_key(request)))


@api_view(
    "config.api.flag",
    "/api/v1/config/flags/{key}",
    "PATCH",
    body=F.FlagChange,
    response=FlagOut,
    permission=P.FLAGS_MANAGE,
    summary="Change a feature flag (absent fields stay)",
)
def flag_patch(request, body: F.FlagChange) -> FlagOut:
    return flag_out(request, F.update_flag(request, _flag_key(request), body))


@api_view(
    "config.api.flag",
    "/api/v1/config/flags/{key}",
    "DELETE",
    status=204,
    permission=P.FLAGS_MANAGE,
    summary="Delete a feature flag (its history is kept)",
)
def flag_delete(request) -> None:
    F.delete_flag(request, _flag_key(request))


@api_view(
    "config.api.flag_versions",
    "/api/v1/config/flags/{key}/versions",
    "GET",
    query=FlagQuery,
    response=Page[FlagVersionOut],
    permission=P.FLAGS_VIEW,
    summary="History of a feature flag, newest first (also after deletion)",
)
def flag_versions(request, query: FlagQuery) -> Page[FlagVersionOut]:
    key = _flag_key(request)
    stmt = sa.select(FlagVersion).where(FlagVersion.flag_key == key)
    rows, next_cursor = paginate(
        request.db, stmt, FlagVersion.version, FlagVersion.id, query, sort_type=int
    )
    if not rows and query.cursor is None:
        raise ProblemError(404, "Not found", "no such flag")
    return Page[FlagVersionOut](
        items=[
            FlagVersionOut(
                version=r.version,
                action=r.action,
                state=r.state or {},
                changes=r.changes or [],
                author_id=r.author_id,
                author=r.author_label or "system",
                created_at=r.created_at,
            )
            for r in rows
        ],
        next_cursor=next_cursor,
    )


@api_view(
    "config.api.features",
    "/api/v1/config/features",
    "GET",
    response=FeaturesOut,
    authenticated=True,
    summary="Every feature flag evaluated for the signed-in caller",
)
def features(request) -> FeaturesOut:
    return FeaturesOut(features=F.evaluate_all(request))
