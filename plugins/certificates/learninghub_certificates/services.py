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
"""

from __future__ import annotations

import logging
import re
import secrets
import uuid
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from learninghub.db import utcnow
from learninghub.i18n import N_

from . import credential as vc
from . import keys
from .hookspecs import Requirement
from .models import Certificate, CertificateTemplate

log = logging.getLogger(__name__)

PLUGIN = "certificates"
ISSUE_TASK = "certificates.issue"
RENAME_TASK = "certificates.rename"
ISSUED_EVENT = "certificates.certificate.issued"
REVOKED_EVENT = "certificates.certificate.revoked"
SUPERSEDED_EVENT = "certificates.certificate.superseded"
REISSUED_EVENT = "certificates.certificate.reissued"
TEMPLATE_UPDATED_EVENT = "certificates.template.updated"
#: events after which a learner may have become eligible (payload user_id; course in
#: payload course_id or, for course.completed, the resource id)
TRIGGER_EVENTS = ("course.completed", "assessment.grade.changed")
CODE_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"  # no 0/o, 1/l: read off paper
CODE_LENGTH = 16
CODE_RE = re.compile(rf"^[{CODE_ALPHABET}]{{{CODE_LENGTH}}}$")
PLACEHOLDER_RE = re.compile(r"\{([a-z][a-z0-9_]{0,39})\}")

DEFAULT_TITLE = N_("Certificate of completion")
DEFAULT_BODY = N_("This certifies that {learner_name} has completed the course {course_title}.")
NOT_COMPLETED = N_("The course is not completed yet.")
GRADE_MISSING = N_("The course has no grade yet.")
GRADE_TOO_LOW = N_("The course grade is below the minimum.")
CRITERIA_FAILED = N_("The criteria could not be checked.")


# ----------------------------------------------------------------- helpers


def as_uuid(value: Any) -> uuid.UUID | None:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError):
        return None


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def percent_to_hundredths(value: Decimal) -> int:
    return int((Decimal(value) * 100).to_integral_value(ROUND_HALF_UP))


def hundredths_to_percent(value: int | None) -> Decimal | None:
    return None if value is None else (Decimal(value) / 100).quantize(Decimal("0.01"))


def public_base(request) -> str:
    """Base URL for new certificates: the tenant's ``public_url`` setting, else the
    request's own address."""
    configured = request.plugin_settings(PLUGIN).public_url
    return (configured or request.application_url).rstrip("/")


def host_of(base_url: str) -> str:
    return urlsplit(base_url).netloc


def verify_url(certificate: Certificate) -> str:
    return f"{certificate.base_url}/verify/{certificate.code}"


def credential_url(certificate: Certificate) -> str:
    return verify_url(certificate) + "/credential.json"


def status_url(certificate: Certificate) -> str:
    return verify_url(certificate) + "/status.json"


def get_certificate(db, certificate_id) -> Certificate | None:
    key = as_uuid(certificate_id)
    return None if key is None else db.get(Certificate, key)


def by_code(db, code: str) -> Certificate | None:
    """The session tenant's certificate with ``code`` (None for malformed codes and
    other tenants' codes)."""
    if not isinstance(code, str) or not CODE_RE.match(code):
        return None
    return db.scalar(sa.select(Certificate).where(Certificate.code == code))


def valid_certificate(db, course_id, user_id) -> Certificate | None:
    return db.scalar(
        sa.select(Certificate).where(
            Certificate.course_id == course_id,
            Certificate.user_id == user_id,
            Certificate.status == "valid",
        )
    )


def has_revoked(db, course_id, user_id) -> bool:
    return (
        db.scalar(
            sa.select(Certificate.id)
            .where(
                Certificate.course_id == course_id,
                Certificate.user_id == user_id,
                Certificate.status == "revoked",
            )
            .limit(1)
        )
        is not None
    )


def user_name(db, user_id) -> str:
    from learninghub.identity import User

    user = db.get(User, user_id)
    return (user.display_name or user.email.split("@")[0]) if user is not None else ""


def get_course(db, course_id):
    from learninghub_courses.services import get_course as find

    return find(db, course_id)


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


# ----------------------------------------------------------------- criteria


@dataclass
class Verdict:
    eligible: bool
    grade: Decimal | None = None
    #: English messages (N_) and requirement labels (already translated) of what is unmet
    reasons: list[str] = field(default_factory=list)
    requirements: list[Requirement] = field(default_factory=list)


class CriteriaUnavailable(Exception):
    pass


def _strict(hook_request, hook_name: str, **kwargs) -> list[Any]:
    """Answers of the tenant's enabled implementations of ``hook_name``, in pluggy's
    order; an implementation that raises raises :class:`CriteriaUnavailable`."""
    plugins = hook_request.registry["plugins"]
    enabled = hook_request.tenant.enabled_plugins or frozenset()
    hook = getattr(plugins.pm.hook, hook_name)
    answers = []
    for impl in reversed(hook.get_hookimpls()):
        if impl.plugin_name in plugins.plugins and impl.plugin_name not in enabled:
            continue
        try:
            answer = impl.function(*[kwargs[name] for name in impl.argnames])
        except Exception as exc:
            log.exception("%s of %s raised", hook_name, impl.plugin_name)
            raise CriteriaUnavailable(impl.plugin_name) from exc
        if answer is not None:
            answers.append(answer)
    return answers


def requirements(request, course, user_id) -> list[Requirement]:
    found: list[Requirement] = []
    for answer in _strict(
        request,
        "learninghub_certificates_requirements",
        request=request,
        course=course,
        user_id=user_id,
    ):
        found.extend(r for r in answer if isinstance(r, Requirement))
    return found


def course_grade(request, course, user_id) -> Decimal | None:
    for answer in _strict(
        request,
        "learninghub_certificates_course_grade",
        request=request,
        course=course,
        user_id=user_id,
    ):
        try:
            value = Decimal(answer)
        except (InvalidOperation, TypeError, ValueError):
            continue
        if value.is_finite() and 0 <= value <= 100:
            return value.quantize(Decimal("0.01"), ROUND_HALF_UP)
    return None


def enrolment_completed(db, course_id, user_id) -> bool:
    from learninghub_enrollment.services import find_enrollment

    enrollment = find_enrollment(db, course_id, user_id)
    return (
        enrollment is not None
        and enrollment.completed_at is not None
        and enrollment.status != "cancelled"
    )


def check_criteria(request, course, user_id) -> Verdict:
    """May ``user_id`` get ``course``'s certificate now? (See the module docstring.)"""
    if not enrolment_completed(request.db, course.id, user_id):
        return Verdict(False, reasons=[NOT_COMPLETED])
    try:
        reqs = requirements(request, course, user_id)
        grade = course_grade(request, course, user_id)
    except CriteriaUnavailable:
        return Verdict(False, reasons=[CRITERIA_FAILED])
    reasons = [r.label for r in reqs if not r.met]
    minimum = min_grade(request.db, course.id)
    if minimum is not None:
        if grade is None:
            reasons.append(GRADE_MISSING)
        elif grade < minimum:
            reasons.append(GRADE_TOO_LOW)
    return Verdict(not reasons, grade=grade, reasons=reasons, requirements=reqs)


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


def superseding(db, certificate: Certificate) -> Certificate | None:
    """The newest certificate in the chain that replaced ``certificate``."""
    seen = set()
    current = certificate
    while current.superseded_by_id is not None and current.superseded_by_id not in seen:
        seen.add(current.superseded_by_id)
        nxt = db.get(Certificate, current.superseded_by_id)
        if nxt is None:
            break
        current = nxt
    return current if current is not certificate else None


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
