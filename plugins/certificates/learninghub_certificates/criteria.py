"""Criteria (:func:`check_criteria`): the enrolment is completed (``completed_at`` set
and not cancelled), every ``learninghub_certificates_requirements`` answer is met, and
when the course's template sets ``min_grade_percent`` the
``learninghub_certificates_course_grade`` answer is at least that. The two hooks are
called *strictly*: an implementation that raises makes the learner not eligible
(fail closed) instead of being skipped. Re-exported by
:mod:`learninghub_certificates.services`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from .certificate_templates import min_grade
from .constants import CRITERIA_FAILED, GRADE_MISSING, GRADE_TOO_LOW, NOT_COMPLETED
from .hookspecs import Requirement

# the logger's name from before services.py was split (log filters may name it)
log = logging.getLogger("learninghub_certificates.services")


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
