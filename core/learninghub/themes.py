"""Installable themes (entry point group ``learninghub.themes``).

A theme distribution registers one :class:`Theme`::

    [options.entry_points]
    learninghub.themes =
        campus = learninghub_theme_campus:THEME

and ships, inside its package, ``templates/`` (overrides by logical name, see
:mod:`learninghub.templating`; at least ``layout.jinja2``), ``static/`` (served under
``/static/themes/<name>/`` with cache-busted URLs) and optionally ``locale/`` (its
message catalog, domain ``theme_<name>``).

A tenant names its theme in ``tenants.theme``; an unknown or uninstalled name falls
back to ``themes.default`` (setting), then to any installed theme, then to the
kernel's bare ``layout.jinja2``.
"""

from __future__ import annotations

import functools
import importlib
import logging
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

log = logging.getLogger("learninghub.themes")
GROUP = "learninghub.themes"


@dataclass(frozen=True)
class Theme:
    name: str
    title: str
    package: str
    description: str = ""
    parent: str | None = None
    #: default design tokens (see :data:`learninghub.branding.TOKENS`); tenant branding
    #: overrides them
    tokens: dict[str, str] = field(default_factory=dict)
    #: the default font key (one of :data:`learninghub.branding.FONTS`)
    font: str = "system"
    heading_font: str = ""
    #: stylesheets under the package's ``static/``, in order
    stylesheets: tuple[str, ...] = ("theme.css",)

    @property
    def folder(self) -> Path:
        return _package_folder(self.package)

    @property
    def templates(self) -> Path:
        return self.folder / "templates"

    @property
    def static(self) -> Path:
        return self.folder / "static"

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "parent": self.parent,
        }


@functools.lru_cache(maxsize=64)
def _package_folder(package: str) -> Path:
    """A package's folder (resolving is a few system calls: once per process)."""
    module = importlib.import_module(package)
    return Path(module.__file__).resolve().parent


class ThemeRegistry:
    def __init__(self, default: str = "default") -> None:
        self.themes: dict[str, Theme] = {}
        self.default = default

    @classmethod
    def discover(cls, settings: dict[str, Any]) -> ThemeRegistry:
        registry = cls(default=settings.get("themes.default", "default"))
        for ep in entry_points(group=GROUP):
            try:
                theme = ep.load()
                if callable(theme) and not isinstance(theme, Theme):
                    theme = theme()
            except Exception:
                log.exception("theme %s could not be loaded; skipped", ep.name)
                continue
            if not isinstance(theme, Theme) or theme.name != ep.name:
                log.error("entry point %s does not name a Theme called %r; skipped", ep, ep.name)
                continue
            registry.register(theme)
        return registry

    def register(self, theme: Theme) -> None:
        self.themes[theme.name] = theme

    def names(self) -> list[str]:
        return sorted(self.themes)

    def resolve(self, name: str | None) -> Theme | None:
        if name and name in self.themes:
            return self.themes[name]
        if self.default in self.themes:
            return self.themes[self.default]
        return next(iter(self.themes.values()), None) if self.themes else None

    def lineage(self, theme: Theme | None) -> list[Theme]:
        """The theme, then its parents (cycles and unknown parents end the chain)."""
        chain: list[Theme] = []
        while theme is not None and theme not in chain:
            chain.append(theme)
            theme = self.themes.get(theme.parent) if theme.parent else None
        return chain

    def template_dirs(self, theme: Theme | None) -> list[Path]:
        return [t.templates for t in self.lineage(theme)]


def includeme(config) -> None:
    """Serve every installed theme's ``static/`` under ``/static/themes/<name>/``."""
    themes: ThemeRegistry = config.registry["themes"]
    max_age = int(config.registry.settings.get("static.max_age", 31536000))
    for theme in themes.themes.values():
        if theme.static.is_dir():
            config.add_static_view(
                f"static/themes/{theme.name}", str(theme.static), cache_max_age=max_age
            )
