"""Permissions of the audit plugin and their default grants.

The trail belongs to the tenant's administration (``tenant:`` scope, like the kernel's
``tenant:users:view``): only admins hold these permissions by default.
"""

from __future__ import annotations

import enum


class AuditPermission(enum.StrEnum):
    #: read the trail (viewer, ``/api/v1/audit/events``) and run the chain check
    VIEW = "tenant:audit:view"
    #: download the trail as CSV (each download is itself recorded)
    EXPORT = "tenant:audit:export"
    #: change the retention period and apply retention now
    MANAGE = "tenant:audit:manage"


DEFAULT_GRANTS: dict[str, tuple[str, ...]] = {
    "admin": tuple(AuditPermission),
}
