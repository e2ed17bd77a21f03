"""Embedded and production back ends of the kernel's replaceable services.

Each module exposes ``factory(settings)`` which reads its typed settings and returns
one thread-safe instance per process; :mod:`learninghub.services.wiring` registers
them with pyramid_services.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from learninghub.errors import ConfigurationError

T = TypeVar("T")


def tenant_segment(tenant_id: uuid.UUID | str) -> str:
    """Return the canonical string form of a tenant id, used to prefix its data.

    Only UUIDs (or their string form) are accepted, so a tenant id can never smuggle a
    path separator, a glob or a key separator into a prefix."""
    if isinstance(tenant_id, uuid.UUID):
        return str(tenant_id)
    if not isinstance(tenant_id, str):
        raise TypeError(
            f"tenant_id must be a UUID or its string form, not {type(tenant_id).__name__}"
        )
    try:
        return str(uuid.UUID(tenant_id))
    except ValueError:
        raise ValueError(f"tenant_id must be a UUID, got {tenant_id!r}") from None


def directory_backend(
    settings: dict[str, Any],
    backend_key: str,
    expected: str,
    path_key: str,
    default_path: str,
    cls: Callable[[str], T],
) -> T:
    """Build a directory-based back end (``cls(path)``), naming the key on errors."""
    backend = settings.get(backend_key) or expected
    if backend != expected:
        raise ConfigurationError(backend_key, f"must be {expected!r}, got {backend!r}")
    path = settings.get(path_key) or default_path
    if not isinstance(path, (str, os.PathLike)):
        raise ConfigurationError(path_key, "must be a directory path")
    try:
        return cls(path)
    except OSError as exc:
        raise ConfigurationError(path_key, f"cannot create {path!r}: {exc}") from exc


def url_backend(
    settings: dict[str, Any], key: str, memory: Callable[[], T], redis: Callable[[str], T]
) -> T:
    """Build a back end chosen by the scheme of a URL setting: ``memory://`` or Redis."""
    url = settings.get(key) or "memory://"
    scheme = str(url).partition("://")[0]
    if scheme == "memory":
        return memory()
    if scheme in ("redis", "rediss", "unix"):
        try:
            return redis(url)
        except ValueError as exc:
            raise ConfigurationError(key, str(exc)) from exc
    raise ConfigurationError(key, f"must be memory:// or redis://..., got {url!r}")
