"""Exceptions the kernel raises. Each carries a message meant for a person."""

from __future__ import annotations


class LearningHubError(Exception):
    """Base class of kernel errors."""


class ConfigurationError(LearningHubError):
    """A setting is unknown, missing or invalid. The message names the key."""

    def __init__(self, key: str, message: str):
        self.key = key
        super().__init__(f"configuration error in {key!r}: {message}")


class InvalidStorageKey(LearningHubError, ValueError):
    """A storage key is not a safe relative path."""


class TenantNotBound(LearningHubError):
    """A tenant-scoped query or write ran on a session without a tenant."""


class CrossTenantWrite(LearningHubError):
    """A row of another tenant was about to be written."""


class PluginError(LearningHubError):
    """Base class of plugin discovery and enablement errors."""


class UnknownPlugin(PluginError):
    def __init__(self, name: str, known: list[str] | None = None):
        self.name = name
        hint = f" (installed: {', '.join(sorted(known))})" if known is not None else ""
        super().__init__(f"unknown plugin {name!r}{hint}")


class PluginDependencyError(PluginError):
    """A required plugin is missing or the requirements form a cycle."""


class InvalidManifest(PluginError):
    """A plugin's manifest is malformed."""
