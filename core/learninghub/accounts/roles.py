"""Which roles may be granted in a tenant, and granting or revoking them.

A role is *known* when the kernel defines it (admin, instructor, learner) or when a
plugin enabled for the tenant names it in its manifest's ``default_grants``. Only known
roles can be granted through the admin API or carried by an invitation: a typo would
otherwise create a role that grants nothing.
"""

from __future__ import annotations

import sqlalchemy as sa

from ..identity import KERNEL_ROLES, RoleGrant, User, grant_role, role_grants


def known_roles(request) -> list[str]:
    """Roles grantable in the request's tenant, sorted."""
    return sorted(set(KERNEL_ROLES) | set(role_grants(request.registry, request.tenant)))


def tenant_permissions(request, roles: set[str]) -> list[str]:
    """The permissions that tenant-wide ``roles`` give in the request's tenant."""
    grants = role_grants(request.registry, request.tenant)
    perms: set[str] = set()
    for role in roles:
        perms |= grants.get(role, set())
    return sorted(perms)


def grants_of(db, user: User) -> list[RoleGrant]:
    return list(
        db.scalars(
            sa.select(RoleGrant)
            .where(RoleGrant.user_id == user.id)
            .order_by(RoleGrant.role, RoleGrant.resource_type, RoleGrant.resource_id)
        )
    )


def grant(db, user: User, role: str, resource_type: str = "", resource_id: str = "") -> bool:
    """Grant ``role``; return False when the user already held it."""
    existing = _find(db, user, role, resource_type, resource_id)
    if existing:
        return False
    grant_role(db, user, role, resource_type, resource_id)
    return True


def revoke(db, user: User, role: str, resource_type: str = "", resource_id: str = "") -> bool:
    """Revoke ``role``; return False when the user did not hold it."""
    rows = _find(db, user, role, resource_type, resource_id)
    for row in rows:
        db.delete(row)
    db.flush()
    return bool(rows)


def _find(db, user: User, role: str, resource_type: str, resource_id: str) -> list[RoleGrant]:
    return list(
        db.scalars(
            sa.select(RoleGrant).where(
                RoleGrant.user_id == user.id,
                RoleGrant.role == role,
                RoleGrant.resource_type == resource_type,
                RoleGrant.resource_id == resource_id,
            )
        )
    )
