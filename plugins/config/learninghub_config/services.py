"""Per-tenant plugin settings: read, change with validation, history, rollback.

Pages, API and CLI call these functions; they check no permission themselves.
The tenant's overrides stay in the kernel's ``tenant_plugins.settings`` (read by
``request.plugin_settings(name)``); each change also writes a
:class:`~learninghub_config.models.SettingsVersion`, emits
``config.settings.changed`` (secret values masked) and invalidates the tenant
snapshot on every node (:meth:`learninghub.tenancy.TenantResolver.invalidate`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, ValidationError

from learninghub.api import ProblemError
from learninghub.plugins import LoadedPlugin, instance_only_fields
from learninghub.secrets import MASK, Secret, is_token, secret_box, secret_fields
from learninghub.tenancy import TenantPlugin

from .models import SettingsVersion

_MISSING = object()


class SettingsInvalid(ProblemError):
    """Invalid settings: a 422 problem whose ``errors`` name each field."""

    def __init__(self, errors: list[dict[str, Any]]):
        super().__init__(
            422,
            "Invalid settings",
            "; ".join(f"{e['path'][-1]}: {e['message']}" for e in errors),
            errors=errors,
        )

    @property
    def by_field(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for e in self.errors or []:
            field = str(e["path"][2]) if len(e["path"]) > 2 else str(e["path"][-1])
            out.setdefault(field, e["message"])
        return out


def not_found(what: str) -> ProblemError:
    return ProblemError(404, "Not found", what)


# ----------------------------------------------------------------- lookups


def configurable(request) -> list[LoadedPlugin]:
    """Plugins with a settings model that are installed for the request's tenant."""
    plugins = request.registry["plugins"]
    installed = set(request.db.scalars(sa.select(TenantPlugin.plugin)))
    return [
        plugins.plugins[name]
        for name in plugins.order
        if name in installed and plugins.plugins[name].manifest.settings is not None
    ]


def plugin_and_record(request, name: str, lock: bool = False) -> tuple[LoadedPlugin, TenantPlugin]:
    """The loaded plugin and the tenant's record, or a 404 problem."""
    plugins = request.registry["plugins"]
    loaded = plugins.plugins.get(name)
    if loaded is None or loaded.manifest.settings is None:
        raise not_found("no such plugin with settings")
    stmt = sa.select(TenantPlugin).where(TenantPlugin.plugin == name)
    if lock:
        stmt = stmt.with_for_update()
    record = request.db.scalar(stmt)
    if record is None:
        raise not_found("the plugin is not installed for this tenant")
    return loaded, record


@dataclass
class FieldView:
    """One field of a settings form or API answer."""

    name: str
    title: str
    description: str
    kind: str  # bool | int | float | str | choice | list | secret | json
    value: Any  # effective value (None for secrets)
    overridden: bool  # the tenant set it (else: instance default)
    default: Any  # instance default (None for secrets)
    choices: list[str]
    minimum: float | None
    maximum: float | None
    max_length: int | None
    is_set: bool  # secrets: a value is present


def _constraints(field) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for meta in field.metadata:
        for attr, key in (
            ("ge", "minimum"),
            ("gt", "minimum"),
            ("le", "maximum"),
            ("lt", "maximum"),
            ("max_length", "max_length"),
        ):
            value = getattr(meta, attr, None)
            if value is not None:
                out[key] = value
    return out


def field_kind(annotation: Any) -> tuple[str, list[str]]:
    """The form widget of a field's annotation and its choices."""
    import enum
    import typing

    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    origin = typing.get_origin(annotation)
    if annotation is Secret or Secret in args:
        return "secret", []
    if origin is typing.Literal:
        return "choice", [str(a) for a in typing.get_args(annotation)]
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return "choice", [str(m.value) for m in annotation]
    if annotation is bool:
        return "bool", []
    if annotation is int:
        return "int", []
    if annotation is float:
        return "float", []
    if annotation is str:
        return "str", []
    if origin in (list, tuple, set, frozenset) and args and all(a is str for a in args[:1]):
        return "list", []
    if len(args) == 1 and origin is not None and str(origin).endswith("Union"):
        return field_kind(args[0])
    return "json", []


def effective(request, loaded: LoadedPlugin, record: TenantPlugin) -> BaseModel:
    return request.registry["plugins"].settings_for(loaded.name, record.settings or {})


def field_views(request, loaded: LoadedPlugin, record: TenantPlugin) -> list[FieldView]:
    model = loaded.manifest.settings
    current = effective(request, loaded, record)
    defaults = request.registry["plugins"].instance_defaults.get(loaded.name, {})
    overrides = record.settings or {}
    views = []
    fixed = instance_only_fields(model)
    for name, field in model.model_fields.items():
        if name in fixed:  # set in the ini file only: not the tenant's to see or change
            continue
        kind, choices = field_kind(field.annotation)
        value = getattr(current, name)
        c = _constraints(field)
        secret = kind == "secret"
        views.append(
            FieldView(
                name=name,
                title=field.title or name.replace("_", " ").capitalize(),
                description=field.description or "",
                kind=kind,
                value=None if secret else _plain(value),
                overridden=name in overrides,
                default=None if secret else defaults.get(name),
                choices=choices,
                minimum=c.get("minimum"),
                maximum=c.get("maximum"),
                max_length=c.get("max_length"),
                is_set=bool(value) if secret else value is not None,
            )
        )
    return views


def _plain(value: Any) -> Any:
    import enum

    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    return value


# ----------------------------------------------------------------- changes


def _diff(model, old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, Any]]:
    secrets = set(secret_fields(model))
    changes = []
    for key in sorted(set(old) | set(new)):
        before, after = old.get(key, _MISSING), new.get(key, _MISSING)
        if before == after:
            continue
        secret = key in secrets

        def shown(v: Any, secret: bool = secret) -> Any:
            if v is _MISSING:
                return None
            return (MASK if v else "") if secret else v

        changes.append(
            {
                "field": key,
                "old": shown(before),
                "new": shown(after),
                "old_set": before is not _MISSING,
                "new_set": after is not _MISSING,
                "secret": secret,
            }
        )
    return changes


def _next_version(request, plugin: str) -> int:
    latest = request.db.scalar(
        sa.select(sa.func.max(SettingsVersion.version)).where(SettingsVersion.plugin == plugin)
    )
    return (latest or 0) + 1


def _author(request) -> tuple[Any, str]:
    user = getattr(request, "identity", None)
    return (user.id, user.email) if user is not None else (None, "system")


def set_plugin_settings(
    request,
    plugin: str,
    values: dict[str, Any],
    reset: list[str] | tuple[str, ...] = (),
    *,
    comment: str = "",
    from_user: bool = True,
    rollback_of: int | None = None,
) -> SettingsVersion | None:
    """Change the tenant's settings of ``plugin``: set ``values`` as tenant overrides
    and drop the overrides named in ``reset`` (back to the instance default).

    Values are validated with the plugin's settings model (:class:`SettingsInvalid`,
    a 422 problem, names each bad field). With ``from_user`` (forms, API), secret
    fields are plain values and are sealed whatever they look like. Returns the new
    version, or None when nothing changed."""
    loaded, record = plugin_and_record(request, plugin, lock=True)
    model = loaded.manifest.settings
    fields = model.model_fields
    secrets = set(secret_fields(model))
    fixed = instance_only_fields(model)
    errors = [
        {"path": ["body", where, key], "message": "unknown setting", "type": "extra_forbidden"}
        for where, keys in (("values", values), ("reset", reset))
        for key in keys
        if key not in fields
    ] + [
        {
            "path": ["body", where, key],
            "message": "set for the whole instance only (ini file)",
            "type": "instance_only",
        }
        for where, keys in (("values", values), ("reset", reset))
        for key in keys
        if key in fixed
    ]
    if errors:
        raise SettingsInvalid(errors)
    old = dict(record.settings or {})
    new = {k: v for k, v in old.items() if k not in reset and k in fields}
    box = secret_box(request.registry)
    for key, value in values.items():
        if key in secrets and from_user:
            if isinstance(value, Secret):
                value = value.stored
            if not isinstance(value, str):
                raise SettingsInvalid(
                    [
                        {
                            "path": ["body", "values", key],
                            "message": "Input should be a valid string",
                            "type": "string_type",
                        }
                    ]
                )
            value = box.seal(value) if value else ""
        new[key] = value
    data = dict(request.registry["plugins"].instance_defaults.get(plugin, {}))
    data.update(new)
    try:
        validated = model.model_validate(data).model_dump(mode="json")
    except ValidationError as exc:
        raise SettingsInvalid(
            [
                {
                    "path": ["body", "values", *err["loc"]],
                    "message": err["msg"],
                    "type": err["type"],
                }
                for err in exc.errors(include_url=False)
            ]
        ) from None
    stored = {key: validated[key] for key in new}
    for key in secrets & set(stored):  # never store a plain secret (e.g. from a rollback)
        value = stored[key]
        if isinstance(value, str) and value and not is_token(value):
            stored[key] = box.seal(value)
    changes = _diff(model, old, stored)
    if not changes:
        return None
    author_id, author_label = _author(request)
    version = _next_version(request, plugin)
    if version == 1:  # keep the state before the first change, so it can be restored
        request.db.add(
            SettingsVersion(
                plugin=plugin,
                version=1,
                values=old,
                changes=[],
                comment="State before the first change",
            )
        )
        version = 2
    record.settings = stored
    row = SettingsVersion(
        plugin=plugin,
        version=version,
        values=stored,
        changes=changes,
        comment=comment[:300],
        rollback_of=rollback_of,
        author_id=author_id,
        author_label=author_label,
    )
    request.db.add(row)
    request.db.flush()
    request.emit(
        "config.settings.changed",
        resource_type="plugin_settings",
        resource_id=plugin,
        payload={
            "plugin": plugin,
            "version": version,
            "rollback_of": rollback_of,
            "changes": changes,
        },
    )
    request.registry["tenancy.resolver"].invalidate(getattr(request, "tm", None))
    return row


def get_version(request, plugin: str, number: int) -> SettingsVersion:
    row = request.db.scalar(
        sa.select(SettingsVersion).where(
            SettingsVersion.plugin == plugin, SettingsVersion.version == number
        )
    )
    if row is None:
        raise not_found("no such version")
    return row


def rollback(request, plugin: str, number: int) -> SettingsVersion | None:
    """Restore the settings of version ``number`` as a new version (None when the
    settings already are that version's)."""
    _, record = plugin_and_record(request, plugin)
    target = get_version(request, plugin, number)
    reset = [k for k in (record.settings or {}) if k not in target.values]
    return set_plugin_settings(
        request,
        plugin,
        dict(target.values),
        reset,
        comment=f"Rollback to version {number}",
        from_user=False,
        rollback_of=number,
    )


def versions(request, plugin: str, limit: int = 50) -> list[SettingsVersion]:
    return list(
        request.db.scalars(
            sa.select(SettingsVersion)
            .where(SettingsVersion.plugin == plugin)
            .order_by(SettingsVersion.version.desc())
            .limit(limit)
        )
    )
