"""Embedded and production back ends of the kernel's replaceable services.

Each module exposes ``factory(settings)`` which reads its typed settings and returns
one thread-safe instance per process; :mod:`learninghub.services.wiring` registers
them with pyramid_services.
"""

from __future__ import annotations

import uuid


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
