"""Certificate templates: the tenant's default and the courses' own, the fields a
certificate is drawn with (:func:`effective_template`), ``{name}`` placeholders, the
minimum grade, and an editor's changes (:func:`save_template`). Re-exported by
:mod:`learninghub_certificates.services`.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from learninghub.db import utcnow
from learninghub.i18n import N_

from .constants import DEFAULT_BODY, DEFAULT_TITLE, PLACEHOLDER_RE, TEMPLATE_UPDATED_EVENT
from .models import CertificateTemplate
from .queries import hundredths_to_percent, percent_to_hundredths

# ----------------------------------------------------------------- templates


def get_template(db, course_id: uuid.UUID | None) -> CertificateTemplate | None:
    cond = (
        CertificateTemplate.course_id.is_(None)
        if course_id is None
        else CertificateTemplate.course_id == course_id
    )
    return db.scalar(sa.select(CertificateTemplate).where(cond))


TEMPLATE_FIELDS = ("title", "body", "signer_name", "signer_title")


def effective_template(request, course) -> dict[str, Any]:
    """The fields a certificate of ``course`` is drawn with: the course's template
    over the tenant's default over the built-in text (a course field left empty
    takes the default's). ``custom_fields`` of both are shown, the course's winning
    on a repeated key."""
    default = get_template(request.db, None)
    own = get_template(request.db, course.id) if course is not None else None
    out: dict[str, Any] = {
        "title": request.gettext(DEFAULT_TITLE),
        "body": request.gettext(DEFAULT_BODY),
        "signer_name": "",
        "signer_title": "",
        "signature_asset_id": None,
    }
    fields: dict[str, dict[str, str]] = {}
    for template in (default, own):
        if template is None:
            continue
        for name in TEMPLATE_FIELDS:
            value = getattr(template, name)
            if value:
                out[name] = value
        if template.signature_asset_id is not None:
            out["signature_asset_id"] = str(template.signature_asset_id)
        for item in template.custom_fields or []:
            fields[item["key"]] = {
                "key": item["key"],
                "label": item["label"],
                "value": item["value"],
            }
    out["custom_fields"] = list(fields.values())
    return out


def fill(text: str, values: dict[str, str]) -> str:
    """Replace ``{name}`` placeholders with ``values`` (unknown ones stay as they are;
    no attribute or index access, unlike ``str.format``)."""
    return PLACEHOLDER_RE.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def min_grade(db, course_id) -> Decimal | None:
    template = get_template(db, course_id)
    if template is None or template.min_grade_percent is None:
        return None
    return hundredths_to_percent(template.min_grade_percent)


# ----------------------------------------------------------------- template edits


class TemplateError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


BAD_SIGNATURE = N_("Choose an image you uploaded that is ready.")


def check_signature_asset(request, asset_id) -> None:
    """The signature must be a ready image of the media plugin that the editor may
    see (their own upload, or any for admins)."""
    if asset_id is None:
        return
    try:
        from learninghub_media.services import can_access, get_asset
    except ImportError:
        raise TemplateError("signature_asset_id", BAD_SIGNATURE) from None
    asset = get_asset(request.db, asset_id)
    if (
        asset is None
        or asset.status != "ready"
        or not asset.content_type.startswith("image/")
        or not can_access(request, asset)
    ):
        raise TemplateError("signature_asset_id", BAD_SIGNATURE)


def save_template(request, course_id: uuid.UUID | None, data) -> CertificateTemplate:
    """Create or replace the tenant default (``course_id`` None) or a course's template
    from a validated :class:`.schemas.TemplateIn`. ``min_grade_percent`` is kept only
    for courses. Emits ``certificates.template.updated`` (audited)."""
    check_signature_asset(request, data.signature_asset_id)
    template = get_template(request.db, course_id)
    old = template_values(template) if template is not None else None
    if template is None:
        template = CertificateTemplate(course_id=course_id)
        request.db.add(template)
    template.title = data.title
    template.body = data.body
    template.signer_name = data.signer_name
    template.signer_title = data.signer_title
    template.signature_asset_id = data.signature_asset_id
    template.custom_fields = [f.model_dump() for f in data.custom_fields]
    template.min_grade_percent = (
        percent_to_hundredths(data.min_grade_percent)
        if course_id is not None and data.min_grade_percent is not None
        else None
    )
    template.updated_at = utcnow()
    template.updated_by = request.identity.id if request.identity is not None else None
    request.db.flush()
    request.emit(
        TEMPLATE_UPDATED_EVENT,
        resource_type="certificate_template",
        resource_id=template.id,
        payload={
            "course_id": str(course_id) if course_id else None,
            "old": old,
            "new": template_values(template),
        },
    )
    return template


def template_values(template: CertificateTemplate | None) -> dict[str, Any]:
    if template is None:
        return {
            "title": "",
            "body": "",
            "signer_name": "",
            "signer_title": "",
            "signature_asset_id": None,
            "custom_fields": [],
            "min_grade_percent": None,
        }
    minimum = hundredths_to_percent(template.min_grade_percent)
    return {
        "title": template.title,
        "body": template.body,
        "signer_name": template.signer_name,
        "signer_title": template.signer_title,
        "signature_asset_id": str(template.signature_asset_id)
        if template.signature_asset_id
        else None,
        "custom_fields": list(template.custom_fields or []),
        "min_grade_percent": str(minimum) if minimum is not None else None,
    }
