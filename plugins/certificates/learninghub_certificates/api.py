"""JSON API of the certificates plugin.

* ``GET /api/v1/me/certificates`` — the caller's certificates (every status), newest first;
* ``GET /api/v1/certificates`` — every certificate of the tenant (admins), filters
  ``status``, ``course_id``, ``user_id``;
* ``GET /api/v1/certificates/{id}`` — its learner or an admin;
* ``POST /api/v1/certificates/{id}/revoke`` ``{reason}`` and
  ``POST /api/v1/certificates/{id}/reissue`` — admins;
* ``GET/PUT /api/v1/courses/{course_id}/certificate-template`` — the course's
  template and criteria, for those who may edit the course.

Unknown, malformed, other tenants' and other learners' ids answer 404 alike.
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from learninghub.api import Page, PageQuery, ProblemError, api_view, paginate

from . import services
from .links import linkedin_url
from .models import Certificate
from .permissions import CertificatePermission as P
from .schemas import (
    CertificateListQuery,
    CertificateOut,
    RevokeIn,
    TemplateIn,
    TemplateOut,
)

ITEM = "/api/v1/certificates/{id}"
TEMPLATE = "/api/v1/courses/{course_id}/certificate-template"


def to_out(request, c: Certificate) -> CertificateOut:
    return CertificateOut(
        id=c.id,
        code=c.code,
        course_id=c.course_id,
        user_id=c.user_id,
        learner_name=c.learner_name,
        course_title=c.course_title,
        grade=services.hundredths_to_percent(c.grade),
        issued_at=c.issued_at,
        status=c.status,
        revoked_at=c.revoked_at,
        revoked_reason=c.revoked_reason,
        replaces_id=c.replaces_id,
        superseded_by_id=c.superseded_by_id,
        verify_url=services.verify_url(c),
        credential_url=services.credential_url(c),
        pdf_url=request.route_url("certificates.pdf", id=str(c.id)),
        linkedin_url=linkedin_url(c, request.tenant.name),
    )


def _page(request, stmt, query) -> Page[CertificateOut]:
    rows, next_cursor = paginate(
        request.db, stmt, Certificate.issued_at, Certificate.id, query, id_type=uuid.UUID
    )
    return Page[CertificateOut](items=[to_out(request, c) for c in rows], next_cursor=next_cursor)


def _not_found() -> ProblemError:
    return ProblemError(404, "Not found", "no such certificate")


def readable(request, certificate_id) -> Certificate:
    """The certificate when the caller is its learner or an admin; else 404."""
    c = services.get_certificate(request.db, certificate_id)
    if c is None:
        raise _not_found()
    if c.user_id != request.identity.id and not request.has_permission(P.MANAGE):
        raise _not_found()
    return c


@api_view(
    "certificates.api.mine",
    "/api/v1/me/certificates",
    "GET",
    query=PageQuery,
    response=Page[CertificateOut],
    permission=P.VIEW,
    summary="My certificates, newest first",
    tags=["certificates"],
)
def my_certificates(request, query: PageQuery):
    stmt = sa.select(Certificate).where(Certificate.user_id == request.identity.id)
    return _page(request, stmt, query)


@api_view(
    "certificates.api.list",
    "/api/v1/certificates",
    "GET",
    query=CertificateListQuery,
    response=Page[CertificateOut],
    permission=P.MANAGE,
    summary="Every certificate of the tenant, newest first",
    tags=["certificates"],
)
def list_certificates(request, query: CertificateListQuery):
    stmt = sa.select(Certificate)
    if query.status is not None:
        stmt = stmt.where(Certificate.status == query.status)
    if query.course_id is not None:
        stmt = stmt.where(Certificate.course_id == query.course_id)
    if query.user_id is not None:
        stmt = stmt.where(Certificate.user_id == query.user_id)
    return _page(request, stmt, query)


@api_view(
    "certificates.api.item",
    ITEM,
    "GET",
    response=CertificateOut,
    permission=P.VIEW,
    summary="A certificate (its learner or an admin)",
    tags=["certificates"],
)
def get_certificate(request):
    return to_out(request, readable(request, request.matchdict["id"]))


def _conflict(detail: str, errors=None) -> ProblemError:
    return ProblemError(409, "Conflict", detail, errors=errors)


@api_view(
    "certificates.api.revoke",
    ITEM + "/revoke",
    "POST",
    body=RevokeIn,
    response=CertificateOut,
    permission=P.MANAGE,
    summary="Revoke a valid certificate, with a reason (audited)",
    tags=["certificates"],
)
def revoke_certificate(request, body: RevokeIn):
    c = readable(request, request.matchdict["id"])
    try:
        services.revoke(request, c, body.reason)
    except ValueError:
        raise _conflict(f"the certificate is {c.status}, not valid") from None
    return to_out(request, c)


@api_view(
    "certificates.api.reissue",
    ITEM + "/reissue",
    "POST",
    response=CertificateOut,
    status=201,
    permission=P.MANAGE,
    summary="Issue a new certificate replacing a revoked one (when the criteria hold)",
    tags=["certificates"],
)
def reissue_certificate(request):
    c = readable(request, request.matchdict["id"])
    try:
        new = services.reissue(request, c, base_url=services.public_base(request))
    except services.NotEligible as exc:
        raise _conflict(
            "the learner does not meet the criteria",
            errors=[
                {"path": ["criteria"], "message": request.gettext(r), "type": "not_eligible"}
                for r in exc.reasons
            ],
        ) from None
    except ValueError as exc:
        raise _conflict(str(exc)) from None
    request.response.location = request.route_url("certificates.api.item", id=str(new.id))
    return to_out(request, new)


def editable_course(request, write: bool):
    """The course of the URL when the caller may edit it (404 when unknown or not
    visible, 403 when visible but not editable)."""
    from learninghub_courses.services import can_edit, can_view

    course = services.get_course(request.db, request.matchdict["course_id"])
    if course is None or not can_view(request, course):
        raise ProblemError(404, "Not found", "no such course")
    if not can_edit(request, course):
        raise ProblemError(403, "Forbidden", "you may not edit this course's certificate")
    return course


def template_out(request, course) -> TemplateOut:
    template = services.get_template(request.db, course.id)
    values = services.template_values(template)
    return TemplateOut(
        **values,
        course_id=course.id,
        updated_at=template.updated_at if template is not None else None,
    )


@api_view(
    "certificates.api.template",
    TEMPLATE,
    "GET",
    response=TemplateOut,
    permission=P.VIEW,
    summary="The course's certificate template and criteria (empty fields: the default's)",
    tags=["certificates"],
)
def get_template(request):
    return template_out(request, editable_course(request, write=False))


@api_view(
    "certificates.api.template",
    TEMPLATE,
    "PUT",
    body=TemplateIn,
    response=TemplateOut,
    permission=P.VIEW,
    summary="Replace the course's certificate template and criteria",
    tags=["certificates"],
)
def put_template(request, body: TemplateIn):
    course = editable_course(request, write=True)
    try:
        services.save_template(request, course.id, body)
    except services.TemplateError as exc:
        raise ProblemError(
            422,
            "Unprocessable Entity",
            request.gettext(exc.message),
            errors=[{"path": ["body", exc.field], "message": exc.message, "type": "value_error"}],
        ) from None
    return template_out(request, course)
