"""Kernel permissions and default grants.

Permissions are named ``scope:resource:action``. Each plugin declares its own as a
StrEnum in its manifest, with default grants per role. A user's permissions in a
tenant are the union of the grants of the roles they hold tenant-wide, plus, for a
resource-scoped context, the roles they hold on that resource.
"""

from __future__ import annotations

import enum


class KernelPermission(enum.StrEnum):
    PLUGINS_MANAGE = "tenant:plugins:manage"
    USERS_MANAGE = "tenant:users:manage"
    USERS_VIEW = "tenant:users:view"
    SETTINGS_MANAGE = "tenant:settings:manage"
    PROFILE_VIEW = "account:profile:view"
    #: only on the platform tenant (setting ``platform.tenant``), for role platform_admin
    PLATFORM_TENANTS = "platform:tenants:manage"


KERNEL_ROLES = ("admin", "instructor", "learner")

KERNEL_GRANTS: dict[str, tuple[str, ...]] = {
    "admin": tuple(p.value for p in KernelPermission if p is not KernelPermission.PLATFORM_TENANTS),
    # instructors see the learners of their own courses through the courses plugin,
    # not the tenant's whole user list
    "instructor": (KernelPermission.PROFILE_VIEW,),
    "learner": (KernelPermission.PROFILE_VIEW,),
}
