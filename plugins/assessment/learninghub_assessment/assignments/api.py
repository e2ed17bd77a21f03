"""JSON API of assignments and submissions (see docs/plugins/assessment-assignments.md)."""

from __future__ import annotations

import sqlalchemy as sa

from learninghub.api import Page, PageQuery, ProblemError, api_view, paginate
from learninghub.identity import User

from ..models.assignments import Assignment, Submission
from ..permissions import AssessmentPermission as P
from . import services
from .schemas import (
    AssignmentCreate,
    AssignmentOut,
    AssignmentUpdate,
    GradeIn,
    SubmissionIn,
    SubmissionOut,
    SubmissionQuery,
)

COURSE_ASSIGNMENTS = "/api/v1/courses/{course_id}/assignments"
ASSIGNMENT = "/api/v1/assignments/{id}"
MY_SUBMISSION = "/api/v1/assignments/{id}/submission"
MY_SUBMISSION_FILE = "/api/v1/assignments/{id}/submission/file"
SUBMISSIONS = "/api/v1/assignments/{id}/submissions"
GRADE = "/api/v1/submissions/{id}/grade"


def assignment_out(request, assignment: Assignment, lesson) -> AssignmentOut:
    return AssignmentOut(
        id=assignment.id,
        course_id=assignment.course_id,
        lesson_id=assignment.lesson_id,
        title=lesson.title if lesson is not None else "",
        instructions=assignment.instructions,
        submission_type=assignment.submission_type,
        due_at=assignment.due_at,
        closed=services.is_closed(request, assignment),
        max_points=assignment.max_points,
        passing_percent=assignment.passing_percent,
        weight=assignment.weight,
        required=assignment.required,
        created_at=assignment.created_at,
        updated_at=assignment.updated_at,
    )


def submission_out(
    request, assignment: Assignment, submission: Submission, user=None
) -> SubmissionOut:
    percent = services.percent_of(assignment, submission)
    url, name = services.file_url(request, submission)
    graded = submission.status == "graded"
    return SubmissionOut(
        id=submission.id,
        assignment_id=submission.assignment_id,
        user_id=submission.user_id,
        user_name=user.display_name if user is not None else None,
        user_email=user.email if user is not None else None,
        text=submission.text,
        media_asset_id=submission.media_asset_id,
        file_url=url,
        file_name=name,
        status=submission.status,
        submitted_at=submission.submitted_at,
        updated_at=submission.updated_at,
        late=assignment.due_at is not None and submission.submitted_at > assignment.due_at,
        points=submission.points if graded else None,
        percent=percent,
        passed=services.is_passed(assignment.passing_percent, percent),
        feedback=submission.feedback if graded else None,
        graded_at=submission.graded_at,
    )


# ----------------------------------------------------------------- assignments


@api_view(
    "assessment.course_assignments",
    COURSE_ASSIGNMENTS,
    "GET",
    query=PageQuery,
    response=Page[AssignmentOut],
    authenticated=True,
    summary="List a course's assignments (staff: all; learners with access: published lessons)",
)
def list_assignments(request, query: PageQuery):
    from learninghub_content import services as content

    course = services.visible_course(request, request.matchdict["course_id"])
    stmt = sa.select(Assignment).where(Assignment.course_id == course.id)
    if not services.is_staff(request, course):
        if not content.has_full_access(request, course):
            raise ProblemError(403, "Forbidden", "enrol in the course to see its assignments")
        published = [lesson.id for lesson in content.published_lessons(request.db, course.id)]
        stmt = stmt.where(Assignment.lesson_id.in_(published))
    rows, next_cursor = paginate(request.db, stmt, Assignment.created_at, Assignment.id, query)
    lessons = content.get_lessons(request.db, [row.lesson_id for row in rows])
    return Page[AssignmentOut](
        items=[assignment_out(request, row, lessons.get(row.lesson_id)) for row in rows],
        next_cursor=next_cursor,
    )


@api_view(
    "assessment.course_assignments",
    COURSE_ASSIGNMENTS,
    "POST",
    body=AssignmentCreate,
    response=AssignmentOut,
    status=201,
    authenticated=True,
    summary="Set up the assignment of a lesson of type assignment (course editors)",
)
def create_assignment(request, body: AssignmentCreate):
    course = services.visible_course(request, request.matchdict["course_id"])
    if not services.can_edit(request, course):
        raise ProblemError(403, "Forbidden", "only the course's editors set up assignments")
    assignment, lesson = services.create_assignment(request, course, body.lesson_id, body)
    request.response.location = request.route_url("assessment.assignment", id=str(assignment.id))
    return assignment_out(request, assignment, lesson)


@api_view(
    "assessment.assignment",
    ASSIGNMENT,
    "GET",
    response=AssignmentOut,
    authenticated=True,
    summary="One assignment (staff, and learners who may see its lesson)",
)
def get_assignment(request):
    assignment, _course, lesson = services.visible_assignment(request, request.matchdict["id"])
    return assignment_out(request, assignment, lesson)


@api_view(
    "assessment.assignment",
    ASSIGNMENT,
    "PATCH",
    body=AssignmentUpdate,
    response=AssignmentOut,
    authenticated=True,
    summary="Change an assignment (course editors)",
)
def update_assignment(request, body: AssignmentUpdate):
    assignment, course, lesson = services.visible_assignment(request, request.matchdict["id"])
    if not services.can_edit(request, course):
        raise ProblemError(403, "Forbidden", "only the course's editors change assignments")
    services.update_assignment(request, assignment, body.model_dump(exclude_unset=True))
    return assignment_out(request, assignment, lesson)


# ----------------------------------------------------------------- my submission


@api_view(
    "assessment.my_submission",
    MY_SUBMISSION,
    "GET",
    response=SubmissionOut,
    permission=P.TAKE,
    summary="Your submission to an assignment (404 until you submit)",
)
def get_my_submission(request):
    assignment, _course, _lesson = services.visible_assignment(request, request.matchdict["id"])
    submission = services.my_submission(request, assignment)
    if submission is None:
        raise services.not_found("submission")
    return submission_out(request, assignment, submission)


@api_view(
    "assessment.my_submission",
    MY_SUBMISSION,
    "PUT",
    body=SubmissionIn,
    response=SubmissionOut,
    permission=P.TAKE,
    summary="Submit or replace your work (until the due date and until it is graded)",
)
def put_my_submission(request, body: SubmissionIn):
    assignment, course, lesson = services.visible_assignment(request, request.matchdict["id"])
    services.enrollment_for_submitting(request, course, lesson)
    services.check_open(request, assignment, services.my_submission(request, assignment))
    asset_id = None
    if body.media_asset_id is not None:
        asset_id = services.usable_asset(request, body.media_asset_id).id
    submission = services.submit(
        request, assignment, course, lesson, text=body.text, asset_id=asset_id
    )
    return submission_out(request, assignment, submission)


def read_upload(request):
    """``(file, size, filename)`` of the multipart field ``file``, with the media
    plugin's refusals (415, 411, 413, 422, 400)."""
    from learninghub_media.api import read_multipart

    return read_multipart(request)


def store_upload(request, file, size: int, filename: str):
    """Store the bytes as a media asset of the learner, through the media plugin's
    pipeline (tenant size limit, quota, allowed types, scan, tenant storage). Returns
    the asset or raises a 422 problem when the scanner did not let it through."""
    from learninghub_media import ingest

    ingest.check_size(request, size)
    ingest.check_quota(request, size)
    asset = ingest.ingest(request, file, size, filename)
    if not asset.is_ready:
        raise ProblemError(
            422,
            "Upload rejected",
            f"the file was not accepted: {asset.status_reason}",
            type=services.PROBLEMS + "upload-" + asset.status,
        )
    return asset


@api_view(
    "assessment.my_submission_file",
    MY_SUBMISSION_FILE,
    "POST",
    response=SubmissionOut,
    permission=P.TAKE,
    summary="Submit a file (multipart/form-data: file, optional text), stored by the media plugin",
)
def post_my_submission_file(request):
    assignment, course, lesson = services.visible_assignment(request, request.matchdict["id"])
    # every refusal comes before the bytes are read or stored
    services.enrollment_for_submitting(request, course, lesson)
    previous = services.my_submission(request, assignment)
    services.check_open(request, assignment, previous)
    if assignment.submission_type == "text":
        raise services.invalid(["file"], "this assignment takes no file", "not_allowed")
    file, size, filename = read_upload(request)
    asset = store_upload(request, file, size, filename)
    text = request.POST.get("text")
    if text is None and previous is not None:
        text = previous.text
    if text is not None and len(text) > 100_000:
        raise services.invalid(["text"], "at most 100000 characters", "too_long")
    submission = services.submit(request, assignment, course, lesson, text=text, asset_id=asset.id)
    return submission_out(request, assignment, submission)


# ----------------------------------------------------------------- staff


@api_view(
    "assessment.submissions",
    SUBMISSIONS,
    "GET",
    query=SubmissionQuery,
    response=Page[SubmissionOut],
    authenticated=True,
    summary="The submissions to an assignment, newest first (course staff)",
)
def list_submissions(request, query: SubmissionQuery):
    assignment, course, _lesson = services.visible_assignment(request, request.matchdict["id"])
    if not services.is_staff(request, course):
        raise ProblemError(403, "Forbidden", "only the course's staff see submissions")
    stmt = sa.select(Submission).where(Submission.assignment_id == assignment.id)
    if query.status is not None:
        stmt = stmt.where(Submission.status == query.status)
    rows, next_cursor = paginate(request.db, stmt, Submission.submitted_at, Submission.id, query)
    users = users_by_id(request.db, [row.user_id for row in rows])
    return Page[SubmissionOut](
        items=[submission_out(request, assignment, row, users.get(row.user_id)) for row in rows],
        next_cursor=next_cursor,
    )


def users_by_id(db, ids) -> dict:
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return {}
    return {u.id: u for u in db.scalars(sa.select(User).where(User.id.in_(wanted)))}


def staff_submission(request, raw_id):
    """``(submission, assignment, course)`` for the course staff; 404 for others."""
    submission = request.db.get(Submission, services.parse_id(raw_id, "submission"))
    if submission is None:
        raise services.not_found("submission")
    assignment = request.db.get(Assignment, submission.assignment_id)
    from learninghub_courses import services as courses

    course = courses.get_course(request.db, assignment.course_id) if assignment else None
    if course is None:
        raise services.not_found("submission")
    if not services.is_staff(request, course):
        if request.identity is not None and submission.user_id == request.identity.id:
            raise ProblemError(403, "Forbidden", "only the course's staff grade submissions")
        raise services.not_found("submission")
    return submission, assignment, course


@api_view(
    "assessment.grade_submission",
    GRADE,
    "POST",
    body=GradeIn,
    response=SubmissionOut,
    authenticated=True,
    summary="Grade a submission: points and feedback (course staff, teaching assistants too)",
)
def grade_submission(request, body: GradeIn):
    submission, assignment, course = staff_submission(request, request.matchdict["id"])
    services.grade(request, assignment, course, submission, body.points, body.feedback)
    user = request.db.get(User, submission.user_id)
    return submission_out(request, assignment, submission, user)
