"""The typed plugin manifest."""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from packaging.version import InvalidVersion, Version
from pydantic import BaseModel

from .errors import InvalidManifest

NAME_RE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
PERMISSION_RE = re.compile(r"^[a-z][a-z0-9_]*:[a-z][a-z0-9_]*:[a-z][a-z0-9_]*$")
KERNEL_ROLES = ("admin", "instructor", "learner")


@dataclass(frozen=True)
class PluginManifest:
    """What a plugin declares about itself; the module attribute ``manifest``.

    * ``name`` — lower-case identifier; also the entry point name, the alembic branch
      label, the prefix of its tables (``<name>_``) and of its routes' names.
    * ``requires`` — names of plugins that must be enabled for the same tenant.
    * ``settings`` — a pydantic model of per-tenant settings; every field needs a
      default. Instance-wide defaults come from ``plugin.<name>.<field>`` in the ini.
    * ``permissions`` — a StrEnum whose values are ``scope:resource:action``.
    * ``default_grants`` — role name -> permissions granted by default.
    * ``migrations`` — ``"package:folder"`` of the plugin's alembic versions (branch
      label = ``name``), or None for a plugin without tables.
    * ``installer`` — an :class:`learninghub.plugins.Installer` (or None for the
      default one).
    * ``hidden`` — not listed to tenant admins (infrastructure plugins).
    """

    name: str
    version: str
    title: str
    description: str = ""
    requires: tuple[str, ...] = ()
    settings: type[BaseModel] | None = None
    permissions: type[enum.StrEnum] | None = None
    default_grants: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    migrations: str | None = None
    installer: Any = None
    hidden: bool = False

    def validate(self) -> None:
        def fail(msg: str) -> None:
            raise InvalidManifest(f"plugin {self.name!r}: {msg}")

        if not isinstance(self.name, str) or not NAME_RE.match(self.name):
            raise InvalidManifest(
                f"invalid plugin name {self.name!r} (lower-case letters, "
                "digits and _; 2-40 characters)"
            )
        try:
            Version(self.version)
        except (InvalidVersion, TypeError):
            fail(f"invalid version {self.version!r}")
        if not self.title:
            fail("title is required")
        if isinstance(self.requires, str):
            fail("requires must be a tuple of names, not a string")
        for dep in self.requires:
            if not NAME_RE.match(dep):
                fail(f"invalid dependency name {dep!r}")
            if dep == self.name:
                fail("a plugin cannot require itself")
        if self.settings is not None:
            if not (isinstance(self.settings, type) and issubclass(self.settings, BaseModel)):
                fail("settings must be a pydantic BaseModel subclass")
            for fname, finfo in self.settings.model_fields.items():
                if finfo.is_required():
                    fail(f"setting {fname!r} needs a default")
        declared: set[str] = set()
        if self.permissions is not None:
            for perm in self.permissions:
                if not PERMISSION_RE.match(str(perm.value)):
                    fail(f"permission {perm.value!r} is not scope:resource:action")
                declared.add(str(perm.value))
        for role, perms in self.default_grants.items():
            if not NAME_RE.match(role):
                fail(f"invalid role name {role!r}")
            for perm in perms:
                if str(perm) not in declared:
                    fail(f"default grant {perm!r} for role {role!r} is not a declared permission")
        if self.migrations is not None and ":" not in self.migrations:
            fail("migrations must look like 'package:folder'")

    def permission_values(self) -> list[str]:
        return [str(p.value) for p in self.permissions] if self.permissions else []
