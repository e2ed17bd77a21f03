"""Template rendering through the override chain: tenant → theme → plugin → kernel.

Templates have *logical names*, the same whatever installs them:

* ``layout.jinja2``, ``error.jinja2``, ``accounts/login.jinja2``, ``email/layout.jinja2``
  — the kernel's (``learninghub/templates/<name>``);
* ``<plugin>/<name>`` — a plugin's (``<plugin package>/templates/<name>``), e.g.
  ``announcements/list.jinja2``.

A name is looked up, first hit wins, in:

1. the tenant's override folder ``<templates.tenant_path>/<tenant slug>/`` (files that
   the platform operator places; tenant admins change branding, not templates, because
   a template can run code);
2. the tenant's theme (``<theme package>/templates/<name>``), then the theme's parents;
3. the plugin that owns the name, or the kernel.

Prefixes address one level of the chain explicitly, so an override can extend what
it overrides: ``@theme/<name>`` starts at the theme (skipping the tenant level) and
``@plugin/<name>`` goes straight to the plugin or kernel default.

Asset specs of the earlier kernel (``learninghub:templates/base.jinja2``,
``learninghub_<plugin>:templates/<name>``) are translated to logical names, so a
``render_to_response`` with either spelling goes through the chain.

Every page is rendered with :func:`shell_context` (tenant, branding, user, navigation,
locale helpers...) underneath the view's own values.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

KERNEL_TEMPLATES = Path(__file__).resolve().parent / "templates"
THEME_PREFIX = "@theme/"
PLUGIN_PREFIX = "@plugin/"
LEGACY_NAMES = {"base.jinja2": "layout.jinja2"}


class TemplateSources:
    """Where each level of the chain looks, for one (theme, tenant) pair."""

    def __init__(
        self,
        plugin_dirs: dict[str, Path],
        theme_dirs: list[Path],
        tenant_dir: Path | None,
        package_to_plugin: dict[str, str],
    ) -> None:
        self.plugin_dirs = plugin_dirs
        self.theme_dirs = theme_dirs
        self.tenant_dir = tenant_dir
        self.package_to_plugin = package_to_plugin

    def logical(self, name: str) -> str:
        """Translate an asset spec (``pkg:templates/x.jinja2``) to a logical name."""
        if ":" in name and not name.startswith("@"):
            package, _, path = name.partition(":")
            path = path.removeprefix("templates/")
            if package == "learninghub":
                return LEGACY_NAMES.get(path, path)
            plugin = self.package_to_plugin.get(package)
            if plugin is None:
                raise jinja2.TemplateNotFound(name)
            return f"{plugin}/{path}"
        return LEGACY_NAMES.get(name, name)

    def candidates(self, name: str) -> list[Path]:
        """The files that may hold ``name``, in override order."""
        levels = ("tenant", "theme", "plugin")
        if name.startswith(THEME_PREFIX):
            name, levels = name[len(THEME_PREFIX) :], ("theme", "plugin")
        elif name.startswith(PLUGIN_PREFIX):
            name, levels = name[len(PLUGIN_PREFIX) :], ("plugin",)
        name = self.logical(name)
        parts = [p for p in name.split("/") if p]
        if not parts or any(p in (".", "..") or "\\" in p for p in parts):
            raise jinja2.TemplateNotFound(name)
        rel = Path(*parts)
        found: list[Path] = []
        if "tenant" in levels and self.tenant_dir is not None:
            found.append(self.tenant_dir / rel)
        if "theme" in levels:
            found.extend(d / rel for d in self.theme_dirs)
        owner = self.plugin_dirs.get(parts[0]) if len(parts) > 1 else None
        if owner is not None:
            found.append(owner / Path(*parts[1:]))
        else:
            found.append(KERNEL_TEMPLATES / rel)
        return found


class ChainLoader(jinja2.BaseLoader):
    def __init__(self, sources: TemplateSources) -> None:
        self.sources = sources

    def get_source(self, environment, template):
        for path in self.sources.candidates(template):
            if path.is_file():
                mtime = path.stat().st_mtime
                source = path.read_text(encoding="utf-8")
                return (
                    source,
                    str(path),
                    lambda p=path, m=mtime: p.is_file() and p.stat().st_mtime == m,
                )
        raise jinja2.TemplateNotFound(template)


class Templates:
    """One Jinja2 environment per (theme, tenant override folder), built lazily."""

    def __init__(self, registry) -> None:
        self.registry = registry
        settings = registry.settings
        self.tenant_root = Path(settings["templates.tenant_path"]).resolve()
        self.auto_reload = bool(settings.get("templates.auto_reload"))
        plugins = registry["plugins"]
        self.plugin_dirs: dict[str, Path] = {}
        self.package_to_plugin: dict[str, str] = {}
        for name, loaded in plugins.plugins.items():
            module = loaded.module
            package = module.__name__.split(".")[0]
            self.package_to_plugin[package] = name
            folder = Path(module.__file__).resolve().parent / "templates"
            self.plugin_dirs[name] = folder
        self._envs: dict[tuple[str, str], jinja2.Environment] = {}
        self._lock = threading.Lock()
        self.filters: dict[str, Callable[..., Any]] = {}
        self.globals: dict[str, Any] = {}

    def tenant_dir(self, slug: str | None) -> Path | None:
        if not slug:
            return None
        folder = self.tenant_root / slug
        return folder if folder.is_dir() else None

    def environment(self, theme_name: str | None, tenant_slug: str | None) -> jinja2.Environment:
        themes = self.registry["themes"]
        theme = themes.resolve(theme_name)
        tenant_dir = self.tenant_dir(tenant_slug)
        key = (theme.name if theme else "", str(tenant_dir or ""))
        env = self._envs.get(key)
        if env is not None:
            return env
        with self._lock:
            env = self._envs.get(key)
            if env is None:
                sources = TemplateSources(
                    self.plugin_dirs,
                    themes.template_dirs(theme),
                    tenant_dir,
                    self.package_to_plugin,
                )
                env = jinja2.Environment(
                    loader=ChainLoader(sources),
                    autoescape=jinja2.select_autoescape(
                        enabled_extensions=("jinja2", "html", "xml"), default_for_string=True
                    ),
                    extensions=["jinja2.ext.i18n", "jinja2.ext.do"],
                    auto_reload=self.auto_reload,
                    trim_blocks=False,
                    cache_size=800,
                )
                env.filters.update(self.filters)
                env.globals.update(self.globals)
                # gettext/ngettext come from the render context (the request's locale)
                env.globals["_"] = _gettext_alias
                self._envs[key] = env
        return env

    def for_request(self, request) -> jinja2.Environment:
        tenant = getattr(request, "tenant", None)
        return self.environment(
            tenant.theme if tenant else None, tenant.slug if tenant is not None else None
        )

    def render(self, name: str, values: dict[str, Any], request) -> str:
        env = self.for_request(request)
        template = env.get_template(name)
        context = shell_context(request)
        context.update(values)
        return template.render(context)


@jinja2.pass_context
def _gettext_alias(__context, __string, **variables):
    return __context.call(__context.resolve("gettext"), __string, **variables)


def _newstyle_gettext(translate: Callable[[str], str]):
    @jinja2.pass_context
    def gettext(__context, __string, **variables):
        rv = translate(__string)
        if __context.eval_ctx.autoescape:
            rv = Markup(rv)
        return rv % variables if variables else rv

    return gettext


def _newstyle_ngettext(translate: Callable[[str, str, int], str]):
    @jinja2.pass_context
    def ngettext(__context, __singular, __plural, __num, **variables):
        variables.setdefault("num", __num)
        rv = translate(__singular, __plural, __num)
        if __context.eval_ctx.autoescape:
            rv = Markup(rv)
        return rv % variables

    return ngettext


def shell_context(request) -> dict[str, Any]:
    """What every page and email sees: filled by the kernel, themes and hooks.

    Keys: ``request``, ``tenant``, ``user``, ``nav``, ``user_menu``, ``header_items``,
    ``footer_links``, ``theme``, ``branding`` (see :mod:`learninghub.branding`),
    ``locale`` (a babel Locale), ``lang`` (BCP 47 tag for ``<html lang>``),
    ``text_direction`` (``ltr``/``rtl``), ``prefs`` (accessibility preferences),
    ``asset_url``, ``gettext``/``ngettext`` (also ``_`` and ``{% trans %}``).
    """
    cached = getattr(request, "_lh_shell_context", None)
    if cached is not None:
        return dict(cached)
    from . import i18n

    tenant = getattr(request, "tenant", None)
    translations = i18n.translations_for(request)
    locale = i18n.request_locale(request)
    themes = request.registry["themes"]
    theme = themes.resolve(tenant.theme if tenant else None)
    context: dict[str, Any] = {
        "request": request,
        "tenant": tenant,
        "theme": theme,
        "locale": locale,
        "lang": i18n.language_tag(locale),
        "text_direction": locale.text_direction,
        "gettext": _newstyle_gettext(translations.gettext),
        "ngettext": _newstyle_ngettext(translations.ngettext),
        "asset_url": lambda spec: asset_url(request, spec),
    }
    # pages may be rendered for tasks (emails) where no user or hooks exist
    try:
        context["user"] = request.identity
    except Exception:
        context["user"] = None
    context["nav"] = _safe(lambda: request.nav_items, [])
    from .web import hook_list

    context["user_menu"] = _safe(lambda: hook_list(request, "learninghub_user_menu_items"), [])
    context["header_items"] = _safe(lambda: hook_list(request, "learninghub_header_items"), [])
    from . import branding

    context["branding"] = branding.resolved(request, theme)
    context["prefs"] = i18n.display_prefs(request)
    context["locale_choices"] = i18n.locale_choices(request.registry.settings)

    def get_csrf_token() -> str:
        from pyramid.csrf import get_csrf_token as token

        return token(request)

    context["get_csrf_token"] = get_csrf_token
    request._lh_shell_context = context
    return dict(context)


def _safe(fn: Callable[[], Any], default: Any) -> Any:
    try:
        return fn()
    except AttributeError:
        return default


def asset_url(request, spec: str) -> str:
    """A cache-busted URL of a static asset: ``learninghub:static/x.css`` or, for the
    request's theme, ``theme:css/theme.css``."""
    if spec.startswith("theme:"):
        tenant = getattr(request, "tenant", None)
        theme = request.registry["themes"].resolve(tenant.theme if tenant else None)
        if theme is None:
            raise ValueError("no theme installed")
        path = str(theme.static / spec[len("theme:") :])
    else:
        path = _package_path(spec)
    # the busting token is a hash kept for the process's life: so can the URL be
    key = (path, request.application_url)
    url = _STATIC_URLS.get(key)
    if url is None:
        if len(_STATIC_URLS) > 4096:  # many hosts: start again rather than grow
            _STATIC_URLS.clear()
        url = _STATIC_URLS[key] = request.static_url(path)
    return url


_STATIC_URLS: dict[tuple[str, str], str] = {}


@functools.lru_cache(maxsize=512)
def _package_path(spec: str) -> str:
    """``package:rel`` -> absolute path (resolving is a few system calls: once)."""
    import importlib

    package, _, rel = spec.partition(":")
    module = importlib.import_module(package)
    return str(Path(module.__file__).resolve().parent / rel)


class ThemedRenderer:
    """A Pyramid renderer factory for ``.jinja2`` names, going through the chain."""

    def __init__(self, info) -> None:
        self.name = info.name

    def __call__(self, value: dict[str, Any], system: dict[str, Any]) -> str:
        request = system.get("request")
        if request is None:
            raise ValueError("templates render for a request (tenant, locale, theme)")
        templates: Templates = request.registry["templates"]
        values = {k: v for k, v in system.items() if k not in ("renderer_info", "context")}
        values.update(value or {})
        return templates.render(self.name, values, request)


def includeme(config) -> None:
    registry = config.registry
    from . import themes

    registry["themes"] = themes.ThemeRegistry.discover(registry.settings)
    templates = Templates(registry)
    registry["templates"] = templates
    config.add_renderer(".jinja2", ThemedRenderer)
