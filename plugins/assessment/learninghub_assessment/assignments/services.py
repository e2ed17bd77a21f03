"""Assignments: who may see, submit and grade, the due date, and the writes.

Every path that writes a submission (the API's ``PUT``, its file upload and the
player's form) goes through :func:`check_open` before anything is stored, so a due
date (plus the tenant's ``deadline_grace_s``) and a grade close every path alike.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import nh3
import sqlalchemy as sa

from learninghub.api import ProblemError
from learninghub.db import utcnow
from learninghub_courses import services as courses

from .. import scoring
from ..lookups import not_found, parse_id, visible_course  # noqa: F401  (the parts' API)
from ..models.assignments import Assignment, Submission
from ..permissions import AssessmentPermission as P
from .schemas import AssignmentFields

PLUGIN = "assessment"
LESSON_TYPE = "assignment"
ATTACHMENT_KIND = "assessment_submission"
SUBMITTED_EVENT = "assessment.submission.submitted"
GRADED_EVENT = "assessment.submission.graded"
GRADE_CHANGED_EVENT = "assessment.grade.changed"
PROBLEMS = "https://learninghub.dev/problems/"


# ----------------------------------------------------------------- errors


def invalid(path: list[str], message: str, type_: str = "value_error") -> ProblemError:
    return ProblemError(
        422,
        "Validation failed",
        message,
        errors=[{"path": ["body", *path], "message": message, "type": type_}],
    )


def deadline_passed_problem(assignment: Assignment) -> ProblemError:
    return ProblemError(
        409,
        "Deadline passed",
        "the due date of this assignment has passed: submissions are closed",
        type=PROBLEMS + "deadline-passed",
    )


def already_graded_problem() -> ProblemError:
    return ProblemError(
        409,
        "Already graded",
        "this submission has been graded and can no longer be replaced",
        type=PROBLEMS + "already-graded",
    )


# ----------------------------------------------------------------- reading


def sanitize(html: str) -> str:
    """Instructions as stored: nh3's default allow-list (no scripts, styles, event
    handlers or ``javascript:`` URLs)."""
    return nh3.clean(html or "")


def is_staff(request, course) -> bool:
    """Course staff (instructors, teaching assistants, admins) or the tenant's graders."""
    if request.identity is None:
        return False
    return bool(courses.is_staff(request, course)) or bool(request.has_permission(P.MANAGE))


def can_edit(request, course) -> bool:
    return request.identity is not None and bool(courses.can_edit(request, course))


def lesson_of(request, assignment: Assignment):
    from learninghub_content import services as content

    return content.get_lesson_by_id(request.db, assignment.lesson_id)


def may_view(request, course, lesson) -> bool:
    """Staff always; others when the lesson is published and they may see it."""
    from learninghub_content import services as content

    if lesson is None:
        return False
    if is_staff(request, course):
        return True
    return lesson.is_published and bool(content.can_view_lesson(request, course, lesson))


def visible_assignment(request, raw_id: Any):
    """``(assignment, course, lesson)`` if the caller may see the assignment; 404
    otherwise (malformed ids, other tenants' ids, unpublished lessons alike)."""
    assignment = request.db.get(Assignment, parse_id(raw_id, "assignment"))
    if assignment is None:
        raise not_found("assignment")
    course = courses.get_course(request.db, assignment.course_id)
    if course is None or not courses.can_view(request, course):
        raise not_found("assignment")
    lesson = lesson_of(request, assignment)
    if not may_view(request, course, lesson):
        raise not_found("assignment")
    return assignment, course, lesson


def assignment_for_lesson(db, lesson_id) -> Assignment | None:
    return db.scalar(sa.select(Assignment).where(Assignment.lesson_id == lesson_id))


def my_submission(request, assignment: Assignment) -> Submission | None:
    user = request.identity
    if user is None:
        return None
    return request.db.scalar(
        sa.select(Submission).where(
            Submission.assignment_id == assignment.id, Submission.user_id == user.id
        )
    )


def percent_of(assignment: Assignment, submission: Submission | None) -> Decimal | None:
    """The submission's percent of the assignment's points (None until graded)."""
    if submission is None or submission.status != "graded" or submission.points is None:
        return None
    return scoring.percent(submission.points, assignment.max_points)


def is_passed(passing_percent: Decimal | None, percent: Decimal | None) -> bool | None:
    """Passed when graded at or above the passing percent (any grade passes when there
    is none); None while not graded."""
    if percent is None:
        return None
    return passing_percent is None or percent >= passing_percent


# ----------------------------------------------------------------- due date


def closes_at(request, assignment: Assignment):
    """The moment submissions close: the due date plus the tenant's grace (None: never)."""
    if assignment.due_at is None:
        return None
    grace = request.plugin_settings(PLUGIN).deadline_grace_s
    return assignment.due_at + timedelta(seconds=grace)


def is_closed(request, assignment: Assignment, now=None) -> bool:
    closing = closes_at(request, assignment)
    return closing is not None and (now or utcnow()) > closing


def enrollment_for_submitting(request, course, lesson):
    """The caller's active enrolment when they may hand in work for ``lesson``; a
    403 problem otherwise (not enrolled, no permission, unpublished)."""
    from learninghub_enrollment import services as enrollment

    forbidden = ProblemError(
        403, "Forbidden", "only learners enrolled in the course may submit this assignment"
    )
    if request.identity is None or not request.has_permission(P.TAKE):
        raise forbidden
    if course.status != "published" or lesson is None or not lesson.is_published:
        raise forbidden
    found = enrollment.active_enrollment(request, course)
    if found is None:
        raise forbidden
    return found


def check_open(request, assignment: Assignment, submission: Submission | None) -> None:
    """Raise 409 when submissions are closed for the caller: past the due date (and
    grace), or their submission is graded."""
    if is_closed(request, assignment):
        raise deadline_passed_problem(assignment)
    if submission is not None and submission.status == "graded":
        raise already_graded_problem()


def check_content(assignment: Assignment, text: str | None, asset_id) -> None:
    has_text = bool(text and text.strip())
    kind = assignment.submission_type
    if kind == "text" and not has_text:
        raise invalid(["text"], "this assignment is answered with text", "missing")
    if kind == "text" and asset_id is not None:
        raise invalid(["media_asset_id"], "this assignment takes no file", "not_allowed")
    if kind == "file" and asset_id is None:
        raise invalid(["media_asset_id"], "this assignment is answered with a file", "missing")
    if kind == "text_or_file" and not has_text and asset_id is None:
        raise invalid(["text"], "write an answer or attach a file", "missing")


def usable_asset(request, raw_id):
    """A ready media asset the caller uploaded (422 otherwise)."""
    from learninghub_media import services as media

    asset = media.get_asset(request.db, raw_id)
    if (
        asset is None
        or not asset.is_ready
        or request.identity is None
        or asset.owner_id != request.identity.id
    ):
        raise invalid(["media_asset_id"], "no such ready file of yours", "media")
    return asset


# ----------------------------------------------------------------- set-up (editors)

#: fields of an assignment that ``null`` may not clear (the others: no due date, no
#: pass mark)
NOT_NULL = ("instructions", "submission_type", "max_points", "weight", "required")
_HUNDREDTHS = ("max_points", "passing_percent", "weight")


def _stored(field: str, value: Any) -> Any:
    """A checked value as stored: instructions sanitized, points and percents in
    hundredths (the schema allows no more places)."""
    if field == "instructions":
        return sanitize(value)
    if field in _HUNDREDTHS and value is not None:
        return scoring.round_points(value)
    return value


def create_assignment(
    request, course, lesson_id: Any, fields: AssignmentFields
) -> tuple[Assignment, Any]:
    """Set up the assignment of ``lesson_id``, a lesson of type ``assignment`` of
    ``course``, with ``fields`` (an ``AssignmentFields``: checked by the API's body or
    the editor's form). Returns ``(assignment, lesson)``; 422 when the lesson is not
    such a lesson, 409 when it has an assignment. The caller checked :func:`can_edit`."""
    from learninghub_content import services as content

    lesson = content.get_lesson_by_id(request.db, lesson_id)
    if lesson is None or lesson.course_id != course.id:
        raise invalid(["lesson_id"], "no such lesson in this course", "lesson")
    if lesson.type != LESSON_TYPE:
        raise invalid(["lesson_id"], "the lesson is not of type assignment", "lesson")
    if assignment_for_lesson(request.db, lesson.id) is not None:
        raise ProblemError(
            409,
            "Conflict",
            "this lesson already has an assignment: PATCH it",
            errors=[{"path": ["body", "lesson_id"], "message": "taken", "type": "unique"}],
        )
    # only the settings: an AssignmentCreate also carries lesson_id
    values = {name: getattr(fields, name) for name in AssignmentFields.model_fields}
    assignment = Assignment(
        course_id=course.id,
        lesson_id=lesson.id,
        created_by=request.identity.id,
        **{name: _stored(name, value) for name, value in values.items()},
    )
    request.db.add(assignment)
    request.db.flush()
    return assignment, lesson


def update_assignment(request, assignment: Assignment, changes: dict[str, Any]) -> Assignment:
    """Change the fields in ``changes`` (checked by ``AssignmentUpdate`` or
    ``AssignmentFields``); 422 when one of :data:`NOT_NULL` is null. The caller
    checked :func:`can_edit`."""
    for field in NOT_NULL:
        if field in changes and changes[field] is None:
            raise invalid([field], "may not be null", "null")
    for field, value in changes.items():
        setattr(assignment, field, _stored(field, value))
    assignment.updated_at = utcnow()
    request.db.flush()
    return assignment


# ----------------------------------------------------------------- writes


def _drop_old_file(request, submission: Submission, old_asset_id) -> None:
    """Forget the file a replaced submission pointed at, and delete it when nothing
    else uses it (it was uploaded for this submission)."""
    from learninghub_media import services as media

    if old_asset_id is None:
        return
    media.detach(request, old_asset_id, ATTACHMENT_KIND, submission.id)
    asset = media.get_asset(request.db, old_asset_id)
    if (
        asset is not None
        and asset.owner_id == submission.user_id
        and not media.attachments(request.db, asset.id)
    ):
        media.delete_asset(request, asset)


def submit(
    request, assignment: Assignment, course, lesson, *, text: str | None, asset_id
) -> Submission:
    """Create or replace the caller's submission (the caller checked access with
    :func:`enrollment_for_submitting` and :func:`check_open`)."""
    from learninghub_media import services as media

    enrolment = enrollment_for_submitting(request, course, lesson)
    submission = my_submission(request, assignment)
    check_open(request, assignment, submission)
    text = text if text and text.strip() else None
    check_content(assignment, text, asset_id)
    now = utcnow()
    old_asset_id = None
    if submission is None:
        submission = Submission(
            assignment_id=assignment.id,
            user_id=request.identity.id,
            status="submitted",
            submitted_at=now,
            updated_at=now,
        )
        request.db.add(submission)
    else:
        old_asset_id = submission.media_asset_id
    submission.text = text
    submission.media_asset_id = asset_id
    submission.submitted_at = now
    submission.updated_at = now
    request.db.flush()
    if asset_id is not None:
        media.attach(request, asset_id, ATTACHMENT_KIND, submission.id)
    if old_asset_id is not None and old_asset_id != asset_id:
        _drop_old_file(request, submission, old_asset_id)
    request.emit(
        SUBMITTED_EVENT,
        resource_type="submission",
        resource_id=submission.id,
        payload={
            "course_id": str(course.id),
            "assignment_id": str(assignment.id),
            "user_id": str(submission.user_id),
        },
    )
    if assignment.passing_percent is None:
        _complete_lesson(request, enrolment, lesson)
    return submission


def _complete_lesson(request, enrolment, lesson) -> None:
    from learninghub_enrollment import services as enrollment

    if enrolment is None or lesson is None or not lesson.is_published:
        return
    enrollment.record_progress(request, enrolment, lesson, completed=True)


def grade(
    request, assignment: Assignment, course, submission: Submission, points: Decimal, feedback
) -> Submission:
    """Grade (or re-grade) a submission. Passing marks the learner's lesson complete."""
    from learninghub_enrollment import services as enrollment

    if points > assignment.max_points:
        raise invalid(
            ["points"], f"at most {assignment.max_points} points for this assignment", "too_large"
        )
    now = utcnow()
    submission.points = scoring.round_points(points)
    submission.feedback = feedback or None
    submission.status = "graded"
    submission.graded_by = request.identity.id
    submission.graded_at = now
    submission.updated_at = now
    request.db.flush()
    payload = {
        "course_id": str(course.id),
        "assignment_id": str(assignment.id),
        "user_id": str(submission.user_id),
    }
    request.emit(
        GRADED_EVENT, resource_type="submission", resource_id=submission.id, payload=payload
    )
    request.emit(
        GRADE_CHANGED_EVENT,
        resource_type="course",
        resource_id=course.id,
        payload={"course_id": str(course.id), "user_id": str(submission.user_id)},
    )
    if is_passed(assignment.passing_percent, percent_of(assignment, submission)):
        enrolment = enrollment.find_enrollment(request.db, course.id, submission.user_id)
        if enrolment is not None and enrolment.status in ("active", "completed"):
            _complete_lesson(request, enrolment, lesson_of(request, assignment))
    return submission


def file_url(request, submission: Submission) -> tuple[str | None, str | None]:
    """``(signed URL, file name)`` of the submission's file for the caller (who may
    see the submission), or ``(None, None)``."""
    from learninghub_media import services as media

    if submission.media_asset_id is None:
        return None, None
    asset = media.get_asset(request.db, submission.media_asset_id)
    if asset is None or not asset.is_ready:
        return None, None
    return media.signed_url(request, asset, ttl=None), asset.filename
