"""Pages and public documents of the certificates plugin.

Signed-in: ``/certificates`` (my certificates), ``/certificates/{id}`` (detail, for
its learner and admins), ``/certificates/{id}/certificate.pdf``.

Public (no sign-in): ``/verify/{code}`` (valid / revoked / superseded; 404 unknown;
only the learner's name, the course, the date and the issuer are shown),
``/verify/{code}/credential.json`` (the signed Open Badges credential),
``/verify/{code}/status.json``, ``/.well-known/did.json`` and
``/certificates/keys.json`` (the tenant's public keys).
"""

from __future__ import annotations

import json
import uuid

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPBadRequest, HTTPNotFound
from pyramid.response import Response
from pyramid.view import view_config

from learninghub.api import PageQuery, ProblemError, paginate
from learninghub.shell import gate, render_page

from . import keys, pdf, services
from .links import linkedin_url
from .models import Certificate
from .permissions import CertificatePermission as P

PAGE_SIZE = 20


def _json(request, value, max_age: int = 300) -> Response:
    response = Response(
        json.dumps(value, ensure_ascii=False, indent=2),
        content_type="application/json",
        charset="utf-8",
    )
    # anyone may verify, also from a browser on another site
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def item(request, c: Certificate) -> dict:
    return {
        "certificate": c,
        "url": request.route_path("certificates.page.detail", id=str(c.id)),
        "pdf_url": request.route_path("certificates.pdf", id=str(c.id)),
        "verify_url": services.verify_url(c),
        "credential_url": services.credential_url(c),
        "linkedin_url": linkedin_url(c, request.tenant.name),
        "grade": services.hundredths_to_percent(c.grade),
    }


def _own_or_admin(request) -> Certificate:
    c = services.get_certificate(request.db, request.matchdict["id"])
    if c is None or (c.user_id != request.identity.id and not request.has_permission(P.MANAGE)):
        raise HTTPNotFound()
    return c


@view_config(route_name="certificates.page.mine", request_method="GET")
def my_certificates_page(request):
    denied = gate(request, P.VIEW)
    if denied is not None:
        return denied
    cursor = request.GET.get("cursor") or None
    try:
        rows, next_cursor = paginate(
            request.db,
            sa.select(Certificate).where(Certificate.user_id == request.identity.id),
            Certificate.issued_at,
            Certificate.id,
            PageQuery(limit=PAGE_SIZE, cursor=cursor),
            id_type=uuid.UUID,
        )
    except (ProblemError, ValueError):
        raise HTTPBadRequest() from None
    return render_page(
        request,
        "certificates/mine.jinja2",
        items=[item(request, c) for c in rows],
        next_url=request.route_path("certificates.page.mine", _query={"cursor": next_cursor})
        if next_cursor
        else None,
        first_page=not cursor,
    )


@view_config(route_name="certificates.page.detail", request_method="GET")
def certificate_page(request):
    denied = gate(request, P.VIEW)
    if denied is not None:
        return denied
    c = _own_or_admin(request)
    newer = services.superseding(request.db, c) if c.status == "superseded" else None
    return render_page(
        request,
        "certificates/detail.jinja2",
        newer=item(request, newer) if newer is not None else None,
        **item(request, c),
    )


@view_config(route_name="certificates.pdf", request_method="GET")
def certificate_pdf(request):
    denied = gate(request, P.VIEW)
    if denied is not None:
        return denied
    c = _own_or_admin(request)
    response = Response(body=pdf.certificate_pdf(request, c), content_type="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="certificate-{c.code}.pdf"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _by_code(request) -> Certificate:
    c = services.by_code(request.db, request.matchdict["code"])
    if c is None:
        raise HTTPNotFound()
    return c


@view_config(route_name="certificates.verify", request_method="GET")
def verify_page(request):
    c = _by_code(request)
    newer = services.superseding(request.db, c) if c.status == "superseded" else None
    response = render_page(
        request,
        "certificates/verify.jinja2",
        certificate=c,
        newer_url=services.verify_url(newer) if newer is not None else None,
        credential_url=services.credential_url(c),
        issuer=request.tenant.name,
    )
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@view_config(route_name="certificates.credential", request_method="GET")
def credential_json(request):
    return _json(request, _by_code(request).credential, max_age=86400)


@view_config(route_name="certificates.status", request_method="GET")
def status_json(request):
    c = _by_code(request)
    newer = services.superseding(request.db, c) if c.status == "superseded" else None
    return _json(
        request,
        {
            "id": services.verify_url(c),
            "status": c.status,
            "revoked_at": c.revoked_at.isoformat() if c.revoked_at else None,
            "revoked_reason": c.revoked_reason or None,
            "superseded_by": services.verify_url(newer) if newer is not None else None,
        },
        max_age=60,
    )


@view_config(route_name="certificates.did", request_method="GET")
def did_json(request):
    return _json(request, keys.did_document(request.host, keys.published_keys(request)))


@view_config(route_name="certificates.keys", request_method="GET")
def keys_json(request):
    return _json(request, keys.jwks(keys.published_keys(request)))
