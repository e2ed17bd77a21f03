"""The certificates plugin's rules: criteria, issuing, re-issue on rename, revocation.

Issuing (:func:`issue`) is idempotent: at most one ``valid`` certificate per course and
learner, enforced by a partial unique index; a concurrent issue that loses the race
gets the winner's certificate. Issuing happens in the ``certificates.issue`` task
(queued after commit on ``course.completed`` and ``assessment.grade.changed``, and by
``learninghub certificates evaluate``). A revoked certificate is not replaced
automatically: only an admin re-issues (:func:`reissue`).

Criteria (:func:`check_criteria`): the enrolment is completed (``completed_at`` set and
not cancelled), every ``learninghub_certificates_requirements`` answer is met, and
when the course's template sets ``min_grade_percent`` the
``learninghub_certificates_course_grade`` answer is at least that. The two hooks are
called *strictly*: an implementation that raises makes the learner not eligible
(fail closed) instead of being skipped.

This module issues, re-issues, revokes and renames. The names, the lookups, the
criteria and the templates live in :mod:`.constants`, :mod:`.queries`,
:mod:`.criteria` and :mod:`.certificate_templates`, and are re-exported here: import
them from ``learninghub_certificates.services`` as before.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from learninghub.db import utcnow

from . import credential as vc
from . import keys
from .certificate_templates import (
    BAD_SIGNATURE,
    TEMPLATE_FIELDS,
    TemplateError,
    check_signature_asset,
    effective_template,
    fill,
    get_template,
    min_grade,
    save_template,
    template_values,
)
from .constants import (
    CODE_ALPHABET,
    CODE_LENGTH,
    CODE_RE,
    CRITERIA_FAILED,
    DEFAULT_BODY,
    DEFAULT_TITLE,
    GRADE_MISSING,
    GRADE_TOO_LOW,
    ISSUE_TASK,
    ISSUED_EVENT,
    NOT_COMPLETED,
    PLACEHOLDER_RE,
    PLUGIN,
    REISSUED_EVENT,
    RENAME_TASK,
    REVOKED_EVENT,
    SUPERSEDED_EVENT,
    TEMPLATE_UPDATED_EVENT,
    TRIGGER_EVENTS,
)
from .criteria import (
    CriteriaUnavailable,
    Verdict,
    check_criteria,
    course_grade,
    enrolment_completed,
    requirements,
)
from .models import Certificate
from .queries import (
    as_uuid,
    by_code,
    credential_url,
    get_certificate,
    get_course,
    has_revoked,
    host_of,
    hundredths_to_percent,
    new_code,
    percent_to_hundredths,
    public_base,
    status_url,
    superseding,
    user_name,
    valid_certificate,
    verify_url,
)

__all__ = [
    # constants
    "PLUGIN",
    "ISSUE_TASK",
    "RENAME_TASK",
    "ISSUED_EVENT",
    "REVOKED_EVENT",
    "SUPERSEDED_EVENT",
    "REISSUED_EVENT",
    "TEMPLATE_UPDATED_EVENT",
    "TRIGGER_EVENTS",
    "CODE_ALPHABET",
    "CODE_LENGTH",
    "CODE_RE",
    "PLACEHOLDER_RE",
    "DEFAULT_TITLE",
    "DEFAULT_BODY",
    "NOT_COMPLETED",
    "GRADE_MISSING",
    "GRADE_TOO_LOW",
    "CRITERIA_FAILED",
    # queries
    "as_uuid",
    "new_code",
    "percent_to_hundredths",
    "hundredths_to_percent",
    "public_base",
    "host_of",
    "verify_url",
    "credential_url",
    "status_url",
    "get_certificate",
    "by_code",
    "valid_certificate",
    "has_revoked",
    "user_name",
    "get_course",
    "superseding",
    # certificate_templates
    "get_template",
    "TEMPLATE_FIELDS",
    "effective_template",
    "fill",
    "min_grade",
    "TemplateError",
    "BAD_SIGNATURE",
    "check_signature_asset",
    "save_template",
    "template_values",
    # criteria
    "Verdict",
    "CriteriaUnavailable",
    "requirements",
    "course_grade",
    "enrolment_completed",
    "check_criteria",
    # this module
    "issue",
    "NotEligible",
    "reissue",
    "revoke",
    "rename",
]

# Issuing stays in this module and looks its helpers up here (valid_certificate,
# check_criteria, ...): patching ``services.<name>`` still reaches issue() and reissue(),
# as the race test of test_issuing.py does.


# ----------------------------------------------------------------- issuing


def _sign(request, certificate: Certificate, course) -> dict[str, Any]:
    key = keys.ensure_key(request)
    host = host_of(certificate.base_url)
    did = vc.did_web(host)
    template = certificate.template or {}
    document = vc.build_credential(
        credential_id=verify_url(certificate),
        issuer_did=did,
        issuer_name=request.tenant.name,
        issuer_url=certificate.base_url,
        learner_name=certificate.learner_name,
        course_id=str(certificate.course_id),
        course_title=certificate.course_title,
        course_url=f"{certificate.base_url}/courses/{course.slug}"
        if course is not None
        else certificate.base_url,
        criteria=template.get("criteria") or certificate.course_title,
        valid_from=certificate.issued_at,
        status_url=status_url(certificate),
    )
    return vc.sign_credential(
        document, keys.private_key(request, key), f"{did}#{key.key_id}", utcnow()
    )


def _criteria_text(request, minimum: Decimal | None) -> str:
    text = request.gettext("Completed every lesson of the course and met its requirements.")
    if minimum is not None:
        text += " " + request.gettext("Minimum grade: %(grade)s %%.", grade=str(minimum))
    return text


def _create(
    request,
    course,
    user_id: uuid.UUID,
    *,
    base_url: str,
    grade: Decimal | None,
    learner_name: str | None = None,
    course_title: str | None = None,
    template: dict[str, Any] | None = None,
    issued_at=None,
    replaces: Certificate | None = None,
) -> Certificate:
    """Insert a valid certificate (in a savepoint: a concurrent valid one makes it
    raise IntegrityError after rolling back only this insert)."""
    if template is None:
        template = effective_template(request, course)
        template["criteria"] = _criteria_text(request, min_grade(request.db, course.id))
    certificate = Certificate(
        id=uuid.uuid4(),
        code=new_code(),
        course_id=course.id if course is not None else replaces.course_id,
        user_id=user_id,
        learner_name=(learner_name if learner_name is not None else user_name(request.db, user_id))[
            :200
        ],
        course_title=(course_title if course_title is not None else course.title)[:200],
        grade=None if grade is None else percent_to_hundredths(grade),
        issued_at=issued_at or utcnow(),
        status="valid",
        replaces_id=replaces.id if replaces is not None else None,
        base_url=base_url,
        template=template,
    )
    certificate.credential = _sign(request, certificate, course)
    with request.db.begin_nested():
        request.db.add(certificate)
    return certificate


def _emit(request, name: str, certificate: Certificate, **payload: Any) -> None:
    request.emit(
        name,
        resource_type="certificate",
        resource_id=certificate.id,
        payload={
            "course_id": str(certificate.course_id),
            "user_id": str(certificate.user_id),
            "code": certificate.code,
            **payload,
        },
    )


def issue(request, course, user_id, *, base_url: str) -> Certificate | None:
    """Issue ``course``'s certificate to ``user_id`` when the criteria hold. Returns
    the valid certificate (new or already there), or None when not eligible or when
    a revoked certificate exists (only an admin re-issues those). Idempotent."""
    user_id = as_uuid(user_id)
    existing = valid_certificate(request.db, course.id, user_id)
    if existing is not None:
        return existing
    if has_revoked(request.db, course.id, user_id):
        return None
    verdict = check_criteria(request, course, user_id)
    if not verdict.eligible:
        return None
    try:
        certificate = _create(request, course, user_id, base_url=base_url, grade=verdict.grade)
    except IntegrityError:
        # another transaction issued it between our check and our insert
        return valid_certificate(request.db, course.id, user_id)
    _emit(request, ISSUED_EVENT, certificate)
    return certificate


class NotEligible(Exception):
    def __init__(self, reasons: list[str]):
        super().__init__("; ".join(reasons))
        self.reasons = reasons


def reissue(request, revoked: Certificate, *, base_url: str) -> Certificate:
    """An admin's re-issue of a revoked certificate: a new valid certificate (new
    code) replacing it, when the criteria hold now. Raises :class:`NotEligible`
    (reasons), ``ValueError`` when ``revoked`` is not revoked or a valid one exists."""
    if revoked.status != "revoked":
        raise ValueError("only a revoked certificate is re-issued")
    if valid_certificate(request.db, revoked.course_id, revoked.user_id) is not None:
        raise ValueError("the learner already holds a valid certificate for this course")
    course = get_course(request.db, revoked.course_id)
    if course is None:
        raise NotEligible([NOT_COMPLETED])
    verdict = check_criteria(request, course, revoked.user_id)
    if not verdict.eligible:
        raise NotEligible(verdict.reasons)
    try:
        certificate = _create(
            request,
            course,
            revoked.user_id,
            base_url=base_url,
            grade=verdict.grade,
            replaces=revoked,
        )
    except IntegrityError:
        raise ValueError("the learner already holds a valid certificate for this course") from None
    _emit(request, REISSUED_EVENT, certificate, replaces=revoked.code)
    return certificate


def revoke(request, certificate: Certificate, reason: str) -> None:
    """Revoke a valid certificate with a reason (audited: ``certificates.certificate.revoked``)."""
    if certificate.status != "valid":
        raise ValueError("only a valid certificate is revoked")
    certificate.status = "revoked"
    certificate.revoked_at = utcnow()
    certificate.revoked_reason = reason
    certificate.revoked_by = request.identity.id if request.identity is not None else None
    request.db.flush()
    _emit(
        request,
        REVOKED_EVENT,
        certificate,
        old={"status": "valid"},
        new={"status": "revoked", "reason": reason},
    )


def rename(request, user_id, *, base_url: str) -> list[Certificate]:
    """Supersede ``user_id``'s valid certificates whose learner name differs from
    the user's current display name by new ones carrying it (same course title,
    grade, template and award date; new code, new credential). Idempotent."""
    user_id = as_uuid(user_id)
    name = user_name(request.db, user_id)
    if not name:
        return []
    created = []
    olds = request.db.scalars(
        sa.select(Certificate).where(Certificate.user_id == user_id, Certificate.status == "valid")
    ).all()
    for old in olds:
        if old.learner_name == name:
            continue
        old.status = "superseded"
        request.db.flush()
        course = get_course(request.db, old.course_id)
        new = _create(
            request,
            course,
            user_id,
            base_url=base_url,
            grade=hundredths_to_percent(old.grade),
            learner_name=name,
            course_title=old.course_title,
            template=dict(old.template or {}),
            issued_at=old.issued_at,
            replaces=old,
        )
        old.superseded_by_id = new.id
        request.db.flush()
        _emit(request, SUPERSEDED_EVENT, old, superseded_by=new.code)
        _emit(request, ISSUED_EVENT, new, replaces=old.code)
        created.append(new)
    return created
