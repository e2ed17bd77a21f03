"""Plugin discovery, ordering, hook calls per tenant and per-tenant enablement.

Discovery (once per process): entry points of the group ``learninghub.plugins``
are imported (unless ``plugins.autoload`` is off, then only ``plugins.load``), minus
``plugins.blocked``. Each module exposes ``manifest`` (a
:class:`~learninghub.manifest.PluginManifest`), optionally ``includeme(config)``
and ``@hookimpl`` functions. Plugins are ordered topologically by ``requires``; a
missing dependency or a cycle stops the process with a message naming them.

Enablement (per tenant, data only): a ``tenant_plugins`` row records the
installed version, the enabled flag and the tenant's settings. For a tenant where
a plugin is not enabled, its views answer 404 (a view deriver), its hooks are not
called (:class:`HookRelay`), its navigation entries vanish (they come from hooks)
and its queued tasks skip (:mod:`learninghub.tasks`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib import metadata as importlib_metadata
from types import ModuleType
from typing import Any

import pluggy
import sqlalchemy as sa
from packaging.version import Version
from pydantic import ValidationError
from pyramid.httpexceptions import HTTPNotFound

from . import hookspecs
from .db import metadata as db_metadata
from .errors import ConfigurationError, PluginDependencyError, PluginError, UnknownPlugin
from .manifest import PluginManifest
from .tenancy import Tenant, TenantPlugin

log = logging.getLogger("learninghub.plugins")
ENTRY_POINT_GROUP = "learninghub.plugins"
KERNEL = "kernel"


@dataclass
class LoadedPlugin:
    manifest: PluginManifest
    module: ModuleType
    package: str
    distribution: str | None = None

    @property
    def name(self) -> str:
        return self.manifest.name


def toposort(plugins: dict[str, PluginManifest]) -> list[str]:
    """Order plugin names so that every plugin comes after its requirements."""
    order: list[str] = []
    state: dict[str, int] = {}  # 1 = visiting, 2 = done

    def visit(name: str, path: list[str]) -> None:
        if state.get(name) == 2:
            return
        if state.get(name) == 1:
            cycle = path[path.index(name) :] + [name]
            raise PluginDependencyError("plugin dependency cycle: " + " -> ".join(cycle))
        state[name] = 1
        for dep in plugins[name].requires:
            if dep not in plugins:
                raise PluginDependencyError(
                    f"plugin {name!r} requires {dep!r}, which is not installed "
                    f"(pip install learninghub-{dep.replace('_', '-')}) or is blocked"
                )
            visit(dep, path + [name])
        state[name] = 2
        order.append(name)

    for name in sorted(plugins):
        visit(name, [])
    return order


def plugin_tables(plugin: LoadedPlugin) -> set[str]:
    """Tables a plugin owns: those of the mapped classes defined in its package, and
    any table named ``<plugin>_*`` (the earlier naming rule)."""
    from .db import Base

    package = plugin.module.__name__.split(".")[0]
    owned = {
        m.local_table.name
        for m in Base.registry.mappers
        if m.class_.__module__ == package or m.class_.__module__.startswith(package + ".")
    }
    prefix = plugin.name + "_"
    owned |= {t.name for t in db_metadata.sorted_tables if t.name.startswith(prefix)}
    return owned


def instance_only_fields(model) -> frozenset[str]:
    """Settings fields a tenant may not change: declared with
    ``Field(..., json_schema_extra={"instance_only": True})`` (network safety switches,
    timeouts). Only the ini file / environment sets them; tenant values are ignored
    when settings are read and refused when they are written."""
    if model is None:
        return frozenset()
    return frozenset(
        name
        for name, field in model.model_fields.items()
        if isinstance(field.json_schema_extra, dict)
        and field.json_schema_extra.get("instance_only")
    )


class PluginRegistry:
    """The process-wide set of loaded plugins and the pluggy manager."""

    def __init__(self) -> None:
        self.pm = pluggy.PluginManager("learninghub")
        self.pm.add_hookspecs(hookspecs)
        self.plugins: dict[str, LoadedPlugin] = {}
        self.order: list[str] = []
        self.instance_defaults: dict[str, dict[str, Any]] = {}

    # ------------------------------------------------------------- discovery
    def discover(self, settings: dict[str, Any], extra: Iterable[ModuleType] = ()) -> None:
        blocked = set(settings.get("plugins.blocked", []))
        wanted = (
            None
            if settings.get("plugins.autoload", True)
            else set(settings.get("plugins.load", []))
        )
        found: dict[str, LoadedPlugin] = {}
        for ep in importlib_metadata.entry_points(group=ENTRY_POINT_GROUP):
            if ep.name in blocked or (wanted is not None and ep.name not in wanted):
                continue
            try:
                module = ep.load()
            except Exception as exc:
                raise PluginError(f"plugin {ep.name!r} failed to import: {exc!r}") from exc
            dist = ep.dist.name if getattr(ep, "dist", None) else None
            found[ep.name] = self._loaded(module, ep.name, dist)
        for module in extra:
            manifest = getattr(module, "manifest", None)
            if manifest is not None and manifest.name not in blocked:
                found[manifest.name] = self._loaded(module, manifest.name, None)
        if wanted is not None:
            missing = wanted - set(found)
            if missing:
                raise UnknownPlugin(sorted(missing)[0], list(found))
        manifests = {name: p.manifest for name, p in found.items()}
        self.order = toposort(manifests)
        self.plugins = {name: found[name] for name in self.order}
        for name in self.order:
            self.instance_defaults[name] = self._instance_defaults(found[name], settings)
        for name in self.order:
            self.pm.register(found[name].module, name=name)
        self.pm.hook.learninghub_addhooks.call_historic(kwargs={"pluginmanager": self.pm})
        known = set(self.plugins)
        for key in settings:
            if key.startswith("plugin."):
                pname = key.split(".")[1]
                if pname not in known:
                    raise ConfigurationError(key, f"plugin {pname!r} is not loaded")

    @staticmethod
    def _loaded(module: ModuleType, ep_name: str, dist: str | None) -> LoadedPlugin:
        manifest = getattr(module, "manifest", None)
        if not isinstance(manifest, PluginManifest):
            raise PluginError(
                f"plugin {ep_name!r}: module {module.__name__} has no "
                "`manifest` (a learninghub.manifest.PluginManifest)"
            )
        manifest.validate()
        if manifest.name != ep_name:
            raise PluginError(
                f"entry point {ep_name!r} loads a plugin named {manifest.name!r}; they must match"
            )
        return LoadedPlugin(manifest, module, module.__name__.split(".")[0], dist)

    @staticmethod
    def _instance_defaults(plugin: LoadedPlugin, settings: dict[str, Any]) -> dict[str, Any]:
        prefix = f"plugin.{plugin.name}."
        given = {k[len(prefix) :]: v for k, v in settings.items() if k.startswith(prefix)}
        model = plugin.manifest.settings
        if model is None:
            if given:
                raise ConfigurationError(
                    prefix + next(iter(given)), f"plugin {plugin.name!r} has no settings"
                )
            return {}
        unknown = set(given) - set(model.model_fields)
        if unknown:
            raise ConfigurationError(prefix + sorted(unknown)[0], "unknown plugin setting")
        try:
            return model.model_validate(given).model_dump(mode="json")
        except ValidationError as exc:
            err = exc.errors()[0]
            raise ConfigurationError(prefix + ".".join(map(str, err["loc"])), err["msg"]) from None

    # ------------------------------------------------------------- lookups
    def get(self, name: str) -> LoadedPlugin:
        try:
            return self.plugins[name]
        except KeyError:
            raise UnknownPlugin(name, list(self.plugins)) from None

    def plugin_for_module(self, module_name: str | None) -> str | None:
        """The plugin owning a module (by top-level package), or None for the kernel."""
        if not module_name:
            return None
        top = module_name.split(".")[0]
        for plugin in self.plugins.values():
            if plugin.package == top:
                return plugin.name
        return None

    def settings_for(self, name: str, tenant_settings: dict[str, Any] | None) -> Any:
        """Typed settings of plugin ``name`` for a tenant (defaults filled in). Tenant
        values of :func:`instance_only_fields` are ignored."""
        model = self.get(name).manifest.settings
        if model is None:
            return None
        data = dict(self.instance_defaults.get(name, {}))
        fixed = instance_only_fields(model)
        data.update({k: v for k, v in (tenant_settings or {}).items() if k not in fixed})
        return model.model_validate(data)

    def all_permissions(self) -> dict[str, str | None]:
        """permission -> owning plugin (None = kernel)."""
        from .permissions import KernelPermission

        perms: dict[str, str | None] = {str(p.value): None for p in KernelPermission}
        for plugin in self.plugins.values():
            for value in plugin.manifest.permission_values():
                perms[value] = plugin.name
        return perms


# ----------------------------------------------------------------- hook calls


class HookRelay:
    """``request.hooks``: call hooks for the kernel and the tenant's enabled plugins.

    An implementation that raises is logged and skipped. ``request.hooks.strict`` calls
    the same implementations in the same order but lets an exception propagate: for
    hooks whose answers are part of a transaction (a refusal must stop the request and
    roll it back, e.g. payments' ``learninghub_payments_adjustments``)."""

    def __init__(
        self, registry: PluginRegistry, enabled: frozenset[str] | None, *, strict: bool = False
    ):
        self._registry = registry
        self._enabled = enabled or frozenset()
        self._strict = strict

    @property
    def strict(self) -> HookRelay:
        return HookRelay(self._registry, self._enabled, strict=True)

    def _allowed(self, plugin_name: str) -> bool:
        if plugin_name not in self._registry.plugins:
            return True  # kernel and kernel-internal registrations
        return plugin_name in self._enabled

    def __getattr__(self, name: str) -> Callable[..., Any]:
        hook = getattr(self._registry.pm.hook, name)  # AttributeError for unknown hooks

        def call(**kwargs: Any) -> Any:
            firstresult = bool(hook.spec and hook.spec.opts.get("firstresult"))
            results = []
            for impl in reversed(hook.get_hookimpls()):  # pluggy calls LIFO
                if not self._allowed(impl.plugin_name):
                    continue
                if impl.hookwrapper or impl.wrapper:
                    continue  # wrappers are not supported by request.hooks (documented)
                args = [kwargs[a] for a in impl.argnames]
                if self._strict:
                    result = impl.function(*args)
                else:
                    try:
                        result = impl.function(*args)
                    except Exception:
                        log.exception(
                            "hook %s of plugin %s raised; skipped",
                            name,
                            impl.plugin_name,
                            extra={"plugin": impl.plugin_name},
                        )
                        continue
                if result is not None:
                    if firstresult:
                        return result
                    results.append(result)
            return None if firstresult else results

        return call


# ----------------------------------------------------------------- 404 when disabled


def plugin_enabled_view_deriver(view, info):
    """Wrap every view registered by a plugin: 404 unless enabled for the tenant."""
    registry = info.registry
    plugins: PluginRegistry | None = registry.get("plugins")
    package = getattr(info, "package", None)
    owner = plugins.plugin_for_module(getattr(package, "__name__", None)) if plugins else None
    if owner is None:
        return view

    def wrapper(context, request):
        tenant = request.tenant
        if tenant is None or not tenant.is_enabled(owner):
            raise HTTPNotFound()
        request.plugin = owner
        return view(context, request)

    return wrapper


# ----------------------------------------------------------------- per-tenant lifecycle


@dataclass
class InstallContext:
    """Given to installers: the tenant, a tenant-bound session and the registry."""

    tenant: Tenant
    db: Any
    registry: Any
    plugin: LoadedPlugin
    from_version: str | None = None


class Installer:
    """Default installer. Subclass and override; ``upgrade_steps`` maps a version to a
    callable ``step(context)`` run when upgrading past that version, in order."""

    upgrade_steps: dict[str, Callable[[InstallContext], None]] = {}

    def install(self, context: InstallContext) -> None:
        """Create initial data for the tenant (must be idempotent)."""

    def uninstall(self, context: InstallContext) -> None:
        """Called before the plugin's record is removed; data is kept."""

    def purge(self, context: InstallContext) -> None:
        """Delete the tenant's rows from every table the plugin owns
        (:func:`plugin_tables`), children first."""
        owned = plugin_tables(context.plugin)
        for table in reversed(db_metadata.sorted_tables):
            if table.name in owned and "tenant_id" in table.c:
                context.db.execute(table.delete().where(table.c.tenant_id == context.tenant.id))


class TenantPlugins:
    """Install / enable / disable / upgrade / uninstall / purge plugins for a tenant.

    Works on a session bound to the tenant; the caller commits. Every change
    invalidates the local tenant cache."""

    def __init__(self, registry, session, tenant: Tenant):
        self.registry = registry
        self.plugins: PluginRegistry = registry["plugins"]
        self.db = session
        self.tenant = tenant

    def _record(self, name: str) -> TenantPlugin | None:
        return self.db.scalar(sa.select(TenantPlugin).where(TenantPlugin.plugin == name))

    def records(self) -> dict[str, TenantPlugin]:
        return {r.plugin: r for r in self.db.scalars(sa.select(TenantPlugin))}

    def _context(self, plugin: LoadedPlugin, from_version: str | None = None) -> InstallContext:
        return InstallContext(self.tenant, self.db, self.registry, plugin, from_version)

    @staticmethod
    def _installer(plugin: LoadedPlugin) -> Installer:
        return plugin.manifest.installer or Installer()

    def _changed(self) -> None:
        self.db.flush()
        self.registry["tenancy.resolver"].invalidate()

    def enable(
        self, name: str, settings: dict[str, Any] | None = None, *, _seen: set[str] | None = None
    ) -> list[str]:
        """Install (if needed) and enable ``name`` and, first, its requirements.

        Returns the names that were newly enabled, in order."""
        # one call handles each plugin once: a shared requirement (courses, content...)
        # is not looked up again for every plugin that requires it
        seen = set() if _seen is None else _seen
        if name in seen and not settings:
            return []
        seen.add(name)
        plugin = self.plugins.get(name)
        changed: list[str] = []
        for dep in plugin.manifest.requires:
            changed += self.enable(dep, _seen=seen)
        record = self._record(name)
        if record is None:
            tenant_settings = {}
            if settings:
                tenant_settings = self._validated_settings(plugin, settings)
            self._installer(plugin).install(self._context(plugin))
            self.db.add(
                TenantPlugin(
                    plugin=name,
                    installed_version=plugin.manifest.version,
                    enabled=True,
                    settings=tenant_settings,
                )
            )
            changed.append(name)
        else:
            if Version(record.installed_version) < Version(plugin.manifest.version):
                self.upgrade(name)
            if not record.enabled:
                record.enabled = True
                changed.append(name)
            if settings:
                record.settings = self._validated_settings(plugin, settings)
        self._changed()
        return changed

    install = enable

    def enable_many(self, names: Iterable[str]) -> list[str]:
        changed: list[str] = []
        seen: set[str] = set()
        for name in names:
            changed += self.enable(name, _seen=seen)
        return changed

    def _validated_settings(self, plugin: LoadedPlugin, given: dict[str, Any]) -> dict:
        model = plugin.manifest.settings
        if model is None:
            raise PluginError(f"plugin {plugin.name!r} has no settings")
        fixed = sorted(instance_only_fields(model) & set(given))
        if fixed:
            raise PluginError(
                f"plugin {plugin.name!r}: {', '.join(fixed)} can only be set for the whole "
                f"instance (plugin.{plugin.name}.<field> in the ini file)"
            )
        data = dict(self.plugins.instance_defaults.get(plugin.name, {}))
        data.update(given)
        validated = model.model_validate(data).model_dump(mode="json")
        # store only what the tenant chose: later changes of instance defaults still apply
        chosen = {key: validated[key] for key in given}
        # fields typed learninghub.secrets.Secret are stored sealed, never in clear
        from .secrets import seal_settings

        return seal_settings(self.registry, model, chosen)

    def _dependents(self, name: str) -> list[str]:
        enabled = {r.plugin for r in self.records().values() if r.enabled}
        return sorted(
            p
            for p in enabled
            if p in self.plugins.plugins and name in self.plugins.plugins[p].manifest.requires
        )

    def disable(self, name: str) -> None:
        self.plugins.get(name)
        dependents = self._dependents(name)
        if dependents:
            raise PluginDependencyError(
                f"cannot disable {name!r}: enabled plugins require it: {', '.join(dependents)}"
            )
        record = self._record(name)
        if record is None or not record.enabled:
            return
        record.enabled = False
        self._changed()

    def upgrade(self, name: str) -> list[str]:
        """Run the ordered upgrade steps from the installed version to the current one."""
        plugin = self.plugins.get(name)
        record = self._record(name)
        if record is None:
            raise PluginError(f"plugin {name!r} is not installed for tenant {self.tenant.slug!r}")
        current, target = Version(record.installed_version), Version(plugin.manifest.version)
        if current > target:
            raise PluginError(
                f"plugin {name!r}: tenant has {current}, code has {target} "
                "(downgrades are not supported)"
            )
        installer = self._installer(plugin)
        ran = []
        for version in sorted(installer.upgrade_steps, key=Version):
            if current < Version(version) <= target:
                installer.upgrade_steps[version](self._context(plugin, str(current)))
                ran.append(version)
        record.installed_version = str(target)
        self._changed()
        return ran

    def uninstall(self, name: str) -> None:
        """Remove the plugin from the tenant, keeping its data."""
        plugin = self.plugins.get(name)
        if self._dependents(name):
            raise PluginDependencyError(
                f"cannot uninstall {name!r}: enabled plugins require it: "
                f"{', '.join(self._dependents(name))}"
            )
        record = self._record(name)
        if record is None:
            return
        self._installer(plugin).uninstall(self._context(plugin))
        self.db.delete(record)
        self._changed()

    def purge(self, name: str) -> None:
        """Uninstall and delete every row the plugin holds for the tenant."""
        plugin = self.plugins.get(name)
        self.uninstall(name)
        self._installer(plugin).purge(self._context(plugin))
        self._changed()


def includeme(config) -> None:
    from pyramid.viewderivers import INGRESS

    # outermost, before permission and CSRF checks: a disabled plugin's views answer
    # 404 to everyone, never 403 or 400
    config.add_view_deriver(
        plugin_enabled_view_deriver,
        name="learninghub_plugin_enabled",
        under=INGRESS,
        over="secured_view",
    )

    def hooks(request) -> HookRelay:
        tenant = request.tenant
        return HookRelay(request.registry["plugins"], tenant.enabled_plugins if tenant else None)

    config.add_request_method(hooks, "hooks", reify=True)

    def plugin_settings(request, name: str):
        tenant = request.tenant
        overrides = tenant.plugin_settings.get(name) if tenant else None
        return request.registry["plugins"].settings_for(name, overrides)

    config.add_request_method(plugin_settings, "plugin_settings")
