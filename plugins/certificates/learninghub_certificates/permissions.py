"""Permissions of the certificates plugin and their default grants.

Learners see their own certificates; tenant admins see every certificate, revoke
and re-issue them and edit the tenant's default template. A course's template
(criteria and text) is edited by whoever may edit the course
(``learninghub_courses.services.can_edit``: its instructors and admins). Revocation
is kept to admins: it is an act of the institution, audited.
"""

from __future__ import annotations

import enum


class CertificatePermission(enum.StrEnum):
    #: see one's own certificates (pages, PDF, API)
    VIEW = "certificates:certificate:view"
    #: every certificate of the tenant: list, PDF, revoke, re-issue
    MANAGE = "certificates:certificate:manage"
    #: the tenant's default template
    TEMPLATE = "certificates:template:edit"


DEFAULT_GRANTS: dict[str, tuple[str, ...]] = {
    "admin": tuple(CertificatePermission),
    "instructor": (CertificatePermission.VIEW,),
    "learner": (CertificatePermission.VIEW,),
}
