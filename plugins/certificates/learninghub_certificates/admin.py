"""Admin and course staff pages of the certificates plugin.

* ``/admin/certificates`` — every certificate (filters: status, text), paginated;
  ``POST /admin/certificates/{id}/revoke`` (reason) and ``/reissue`` (admins:
  ``certificates:certificate:manage``);
* ``/admin/certificates/template`` — the tenant's default template (admins:
  ``certificates:template:edit``), ``.../preview.pdf``;
* ``/teach/courses/{course_id}/certificate`` — a course's template and criteria, for
  those who may edit the course; ``.../preview.pdf``.

Forms are POSTs with a CSRF token; success redirects (303) with a notice, invalid
input re-renders the form (422) with its errors.
"""

from __future__ import annotations

import uuid
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from pydantic import ValidationError
from pyramid.httpexceptions import HTTPBadRequest, HTTPNotFound, HTTPSeeOther
from pyramid.response import Response
from pyramid.view import view_config

from learninghub.api import PageQuery, ProblemError, paginate
from learninghub.db import utcnow
from learninghub.i18n import N_
from learninghub.shell import gate, render_page
from learninghub.web import render_error_page

from . import pdf, services
from .models import Certificate
from .permissions import CertificatePermission as P
from .schemas import MAX_CUSTOM_FIELDS, RevokeIn, TemplateIn
from .views import item

PAGE_SIZE = 25
DONE = {
    "revoked": N_("Certificate revoked."),
    "reissued": N_("A new certificate was issued."),
    "saved": N_("Template saved."),
}
STATUS_FILTERS = ("valid", "revoked", "superseded")


def _flash(request) -> str:
    done = request.GET.get("done")
    return request.gettext(DONE[done]) if done in DONE else ""


# ----------------------------------------------------------------- certificates


def _list(request, status: int = 200, **values):
    cursor = request.GET.get("cursor") or None
    state = request.GET.get("status") or ""
    text = (request.GET.get("q") or "").strip()[:100]
    stmt = sa.select(Certificate)
    if state in STATUS_FILTERS:
        stmt = stmt.where(Certificate.status == state)
    if text:
        like = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(
            sa.or_(
                Certificate.learner_name.ilike(like, escape="\\"),
                Certificate.course_title.ilike(like, escape="\\"),
                Certificate.code == text,
            )
        )
    try:
        rows, next_cursor = paginate(
            request.db,
            stmt,
            Certificate.issued_at,
            Certificate.id,
            PageQuery(limit=PAGE_SIZE, cursor=cursor),
            id_type=uuid.UUID,
        )
    except (ProblemError, ValueError):
        raise HTTPBadRequest() from None
    query = {k: v for k, v in (("status", state), ("q", text)) if v}
    return render_page(
        request,
        "certificates/admin_list.jinja2",
        status,
        section=request.route_path("certificates.admin.list"),
        items=[item(request, c) for c in rows],
        state=state,
        text=text,
        next_url=request.route_path(
            "certificates.admin.list", _query={**query, "cursor": next_cursor}
        )
        if next_cursor
        else None,
        flash=_flash(request),
        **values,
    )


@view_config(route_name="certificates.admin.list", request_method="GET")
def admin_list_page(request):
    denied = gate(request, P.MANAGE)
    if denied is not None:
        return denied
    return _list(request)


@view_config(route_name="certificates.admin.action", request_method="POST")
def admin_action(request):
    denied = gate(request, P.MANAGE)
    if denied is not None:
        return denied
    action = request.matchdict["action"]
    c = services.get_certificate(request.db, request.matchdict["id"])
    if c is None or action not in ("revoke", "reissue"):
        raise HTTPNotFound()
    back = request.route_path("certificates.admin.list", _query={"done": f"{action}d"})
    if action == "revoke":
        try:
            body = RevokeIn(reason=request.POST.get("reason", ""))
        except ValidationError:
            return _list(
                request,
                422,
                errors={
                    "reason": request.gettext("Give a reason of 3 to 500 characters."),
                },
                error_id=str(c.id),
            )
        try:
            services.revoke(request, c, body.reason)
        except ValueError:
            return _list(
                request,
                409,
                errors={"form": request.gettext("Only a valid certificate can be revoked.")},
            )
        return HTTPSeeOther(location=back)
    try:
        services.reissue(request, c, base_url=services.public_base(request))
    except services.NotEligible as exc:
        return _list(
            request, 409, errors={"form": "; ".join(request.gettext(r) for r in exc.reasons)}
        )
    except ValueError:
        return _list(
            request,
            409,
            errors={
                "form": request.gettext(
                    "Only a revoked certificate of a learner without a valid one can be re-issued."
                )
            },
        )
    return HTTPSeeOther(
        location=request.route_path("certificates.admin.list", _query={"done": "reissued"})
    )


# ----------------------------------------------------------------- templates


def _form_values(request) -> dict:
    """The template form's fields as posted (strings), custom fields as rows."""
    rows = []
    for i in range(MAX_CUSTOM_FIELDS):
        key = (request.POST.get(f"cf_key_{i}") or "").strip()
        label = (request.POST.get(f"cf_label_{i}") or "").strip()
        value = (request.POST.get(f"cf_value_{i}") or "").strip()
        if key or label or value:
            rows.append({"key": key, "label": label, "value": value})
    return {
        "title": request.POST.get("title", ""),
        "body": request.POST.get("body", ""),
        "signer_name": request.POST.get("signer_name", ""),
        "signer_title": request.POST.get("signer_title", ""),
        "signature_asset_id": request.POST.get("signature_asset_id") or None,
        "custom_fields": rows,
        "min_grade_percent": (request.POST.get("min_grade_percent") or "").strip() or None,
    }


FIELD_MESSAGES = {
    "title": N_("Enter at most 200 characters."),
    "body": N_("Enter at most 2000 characters."),
    "signer_name": N_("Enter at most 200 characters."),
    "signer_title": N_("Enter at most 200 characters."),
    "signature_asset_id": services.BAD_SIGNATURE,
    "custom_fields": N_(
        "Each custom field needs a key (lower-case letters, digits and _; not a built-in "
        "placeholder), a label and a value; keys must differ."
    ),
    "min_grade_percent": N_("Enter a number from 0 to 100 with at most two decimals."),
}


def _parse(request, values: dict) -> tuple[TemplateIn | None, dict[str, str]]:
    raw = dict(values)
    if raw["min_grade_percent"] is not None:
        try:
            raw["min_grade_percent"] = Decimal(raw["min_grade_percent"])
        except InvalidOperation:
            return None, {"min_grade_percent": request.gettext(FIELD_MESSAGES["min_grade_percent"])}
    try:
        return TemplateIn(**raw), {}
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for err in exc.errors():
            field = str(err["loc"][0]) if err["loc"] else "form"
            errors.setdefault(
                field, request.gettext(FIELD_MESSAGES.get(field, N_("Check this field.")))
            )
        return None, errors


def _image_choices(request) -> list[dict]:
    """Ready images the editor may use as a signature (their own; every one for
    media managers)."""
    try:
        from learninghub_media.models import MediaAsset
        from learninghub_media.services import can_manage
    except ImportError:
        return []
    stmt = sa.select(MediaAsset).where(
        MediaAsset.status == "ready", MediaAsset.content_type.like("image/%")
    )
    if not can_manage(request):
        stmt = stmt.where(MediaAsset.owner_id == request.identity.id)
    stmt = stmt.order_by(MediaAsset.created_at.desc()).limit(100)
    return [{"id": str(a.id), "name": a.filename} for a in request.db.scalars(stmt)]


def _template_page(request, course, status: int = 200, values=None, errors=None):
    template = services.get_template(request.db, course.id if course else None)
    if values is None:
        values = services.template_values(template)
    rows = list(values["custom_fields"])
    rows += [{"key": "", "label": "", "value": ""}] * max(0, min(3, MAX_CUSTOM_FIELDS - len(rows)))
    if course is None:
        action = request.route_path("certificates.admin.template")
        preview = request.route_path("certificates.admin.template_preview")
    else:
        action = request.route_path("certificates.teach", course_id=str(course.id))
        preview = request.route_path("certificates.teach_preview", course_id=str(course.id))
    return render_page(
        request,
        "certificates/template_admin.jinja2"
        if course is None
        else "certificates/template_teach.jinja2",
        status,
        section=request.route_path("certificates.admin.list") if course is None else None,
        course=course,
        values=values,
        rows=rows,
        errors=errors or {},
        images=_image_choices(request),
        action=action,
        preview_url=preview,
        flash=_flash(request),
        placeholders=["{learner_name}", "{course_title}", "{date}", "{grade}", "{tenant_name}"],
    )


def _save(request, course):
    values = _form_values(request)
    data, errors = _parse(request, values)
    if data is not None:
        try:
            services.save_template(request, course.id if course else None, data)
        except services.TemplateError as exc:
            errors = {exc.field: request.gettext(exc.message)}
    if errors:
        return _template_page(request, course, 422, values=values, errors=errors)
    if course is None:
        location = request.route_path("certificates.admin.template", _query={"done": "saved"})
    else:
        location = request.route_path(
            "certificates.teach", course_id=str(course.id), _query={"done": "saved"}
        )
    return HTTPSeeOther(location=location)


def _preview(request, course) -> Response:
    template = services.effective_template(request, course)
    body = pdf.render(
        request,
        learner_name=request.identity.display_name or "Ada Lovelace",
        course_title=course.title if course is not None else request.gettext("Sample course"),
        issued_at=utcnow(),
        grade="92.50",
        template=template,
        code="preview0preview0",
        verify_url=request.route_url("certificates.verify", code="preview0preview0"),
    )
    response = Response(body=body, content_type="application/pdf")
    response.headers["Content-Disposition"] = 'inline; filename="certificate-preview.pdf"'
    response.headers["Cache-Control"] = "no-store"
    return response


@view_config(route_name="certificates.admin.template", request_method=("GET", "POST"))
def tenant_template_page(request):
    denied = gate(request, P.TEMPLATE)
    if denied is not None:
        return denied
    if request.method == "POST":
        return _save(request, None)
    return _template_page(request, None)


@view_config(route_name="certificates.admin.template_preview", request_method="GET")
def tenant_template_preview(request):
    denied = gate(request, P.TEMPLATE)
    if denied is not None:
        return denied
    return _preview(request, None)


def _course(request):
    """(course, None) when the user may edit the course; else (None, response)."""
    from learninghub_courses.services import can_edit, can_view

    denied = gate(request, None)
    if denied is not None:
        return None, denied
    course = services.get_course(request.db, request.matchdict["course_id"])
    if course is None or not can_view(request, course):
        raise HTTPNotFound()
    if not can_edit(request, course):
        return None, render_error_page(request, 403, "Forbidden")
    return course, None


@view_config(route_name="certificates.teach", request_method=("GET", "POST"))
def course_template_page(request):
    course, denied = _course(request)
    if denied is not None:
        return denied
    if request.method == "POST":
        return _save(request, course)
    return _template_page(request, course)


@view_config(route_name="certificates.teach_preview", request_method="GET")
def course_template_preview(request):
    course, denied = _course(request)
    if denied is not None:
        return denied
    return _preview(request, course)
