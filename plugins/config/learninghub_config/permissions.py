"""Permissions of the config plugin and their default grants."""

from __future__ import annotations

import enum


class ConfigPermission(enum.StrEnum):
    #: read plugin settings (secrets only as set / not set) and their history
    SETTINGS_VIEW = "config:settings:view"
    #: change plugin settings, replace secrets, roll back to a version
    SETTINGS_MANAGE = "config:settings:manage"
    #: read feature flags and their history
    FLAGS_VIEW = "config:flag:view"
    #: create, change and delete feature flags
    FLAGS_MANAGE = "config:flag:manage"


DEFAULT_GRANTS: dict[str, tuple[str, ...]] = {
    "admin": tuple(ConfigPermission),
}
