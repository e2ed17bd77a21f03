"""JSON API of quizzes, attempts and grading (see docs/plugins/assessment-quizzes.md).

Refusals that close an expired attempt on the way (:class:`services.Refusal`) are
*returned* as problem responses so that the closing commits; every other error is a
raised :class:`ProblemError` (the transaction rolls back).
"""

from __future__ import annotations

import functools
from datetime import datetime

import sqlalchemy as sa
from pyramid.response import Response

from learninghub.api import (
    Page,
    PageQuery,
    ProblemError,
    api_view,
    decode_cursor,
    encode_cursor,
    paginate,
    problem_response,
)
from learninghub.db import utcnow

from ..models.quizzes import Answer, Attempt, Quiz, ScoreChange
from ..permissions import AssessmentPermission as P
from . import attempts as lifecycle
from . import grading, presenting, services
from .schemas import (
    AnswerIn,
    AnswerOut,
    AttemptDetail,
    AttemptOut,
    AttemptsQuery,
    GradeIn,
    GradeOut,
    QueueItem,
    QuizCreate,
    QuizOut,
    QuizUpdate,
    RegradeOut,
    ScoreChangeOut,
)
from .services import Refusal

COURSE_QUIZZES = "/api/v1/courses/{course_id}/quizzes"
QUIZ = "/api/v1/quizzes/{quiz_id}"
QUIZ_ATTEMPTS = QUIZ + "/attempts"
ATTEMPT = "/api/v1/attempts/{attempt_id}"
QUEUE = "/api/v1/courses/{course_id}/grading-queue"


def refusals(view):
    """Answer a :class:`Refusal` as a returned problem response (committed)."""

    @functools.wraps(view)
    def wrapper(request, **kwargs):
        try:
            return view(request, **kwargs)
        except Refusal as refusal:
            return problem_response(
                request,
                refusal.status,
                refusal.title,
                refusal.detail,
                errors=[{"path": ["attempt"], "message": refusal.detail, "type": refusal.type}],
            )

    return wrapper


def created(out, url: str, status: int = 201) -> Response:
    response = Response(
        out.model_dump_json(), status=status, content_type="application/json", charset="utf-8"
    )
    response.location = url
    return response


def quiz_out(request, quiz: Quiz, course, *, editor: bool) -> QuizOut:
    used = left = None
    if request.identity is not None:
        used = len(services.attempts_of(request.db, quiz, request.identity.id))
        left = services.attempts_left(quiz, used)
    return QuizOut(
        id=quiz.id,
        lesson_id=quiz.lesson_id,
        course_id=quiz.course_id,
        intro=quiz.intro,
        mode=quiz.mode,
        question_ids=quiz.question_ids if editor else None,
        draw_rules=quiz.draw_rules if editor else None,
        question_count=services.question_count(quiz),
        shuffle_questions=quiz.shuffle_questions,
        shuffle_options=quiz.shuffle_options,
        time_limit_s=quiz.time_limit_s,
        max_attempts=quiz.max_attempts,
        passing_percent=quiz.passing_percent,
        opens_at=quiz.opens_at,
        closes_at=quiz.closes_at,
        navigation=quiz.navigation,
        feedback=quiz.feedback,
        grading_policy=quiz.grading_policy,
        weight=quiz.weight,
        required=quiz.required,
        window=services.window_state(quiz, utcnow()),
        attempts_used=used,
        attempts_left=left,
        created_at=quiz.created_at,
        updated_at=quiz.updated_at,
        url=request.route_url("assessment.quiz", quiz_id=str(quiz.id)),
    )


def attempt_out(request, attempt: Attempt) -> AttemptOut:
    return AttemptOut(**presenting.attempt_summary(request, attempt))


def attempt_detail(request, attempt: Attempt, quiz: Quiz, course) -> AttemptDetail:
    staff = services.is_staff(request, course) and attempt.user_id != request.identity.id
    feedback = presenting.feedback_allowed(quiz, attempt, staff=staff)
    return AttemptDetail(
        **presenting.attempt_summary(request, attempt),
        questions=presenting.question_items(request, quiz, attempt, staff=staff, feedback=feedback),
        feedback_available=feedback,
    )


def own_attempt(request, raw_id):
    """An attempt its learner writes to (the staff read it, never write to it)."""
    attempt, quiz, course, lesson = lifecycle.visible_attempt(request, raw_id)
    if attempt.user_id != request.identity.id:
        raise ProblemError(403, "Forbidden", "only the learner writes to an attempt")
    return attempt, quiz, course, lesson


# ----------------------------------------------------------------- quizzes


@api_view(
    "assessment.course_quizzes",
    COURSE_QUIZZES,
    "GET",
    query=PageQuery,
    response=Page[QuizOut],
    authenticated=True,
    summary="The course's quizzes (course staff)",
)
def list_quizzes(request, query: PageQuery):
    course = services.staff_course(request, request.matchdict["course_id"])
    stmt = sa.select(Quiz).where(Quiz.course_id == course.id)
    rows, next_cursor = paginate(request.db, stmt, Quiz.created_at, Quiz.id, query)
    editor = services.can_edit(request, course)
    items = [quiz_out(request, quiz, course, editor=editor) for quiz in rows]
    return Page[QuizOut](items=items, next_cursor=next_cursor)


@api_view(
    "assessment.course_quizzes",
    COURSE_QUIZZES,
    "POST",
    body=QuizCreate,
    response=QuizOut,
    status=201,
    authenticated=True,
    summary="Create the quiz of a lesson of type quiz (course editors)",
)
def create_quiz(request, body: QuizCreate):
    from learninghub_content.services import get_lesson_by_id

    course = services.editable_course(request, request.matchdict["course_id"])
    lesson = get_lesson_by_id(request.db, body.lesson_id)
    if lesson is None or lesson.course_id != course.id:
        raise services.invalid(["lesson_id"], "no such lesson in this course", "lesson")
    values = body.model_dump(exclude={"lesson_id"})
    values["draw_rules"] = [rule.model_dump() for rule in body.draw_rules]
    if body.mode == "fixed" and not body.question_ids:
        raise services.invalid(
            ["question_ids"], "a fixed quiz needs at least one question", "empty"
        )
    if body.mode == "random" and not body.draw_rules:
        raise services.invalid(["draw_rules"], "a random quiz needs at least one rule", "empty")
    if body.mode == "fixed":
        values.pop("draw_rules")
    else:
        values.pop("question_ids")
    quiz = services.create_quiz(request, course, lesson, values)
    out = quiz_out(request, quiz, course, editor=True)
    return created(out, out.url)


@api_view(
    "assessment.quiz",
    QUIZ,
    "GET",
    response=QuizOut,
    permission=P.TAKE,
    summary="One quiz (editors see its questions; learners its settings)",
)
def get_quiz(request):
    quiz, course, _lesson = services.visible_quiz(request, request.matchdict["quiz_id"])
    return quiz_out(request, quiz, course, editor=services.can_edit(request, course))


def _quiz_of_url(request, allowed, refusal: str):
    """``(quiz, course)`` of the URL (``quiz_id``) when ``allowed(request, course)``;
    404 for unknown quizzes, 403 with ``refusal`` otherwise."""
    quiz = services.get_quiz(request.db, request.matchdict["quiz_id"])
    if quiz is None:
        raise services.not_found("quiz")
    course, _lesson = services.quiz_parts(request, quiz)
    if not allowed(request, course):
        raise ProblemError(403, "Forbidden", refusal)
    return quiz, course


@api_view(
    "assessment.quiz",
    QUIZ,
    "PATCH",
    body=QuizUpdate,
    response=QuizOut,
    authenticated=True,
    summary="Change a quiz (course editors)",
)
def update_quiz(request, body: QuizUpdate):
    quiz, course = _quiz_of_url(
        request, services.can_edit, "only the course's editors may change a quiz"
    )
    changes = body.model_dump(exclude_unset=True)
    for name, value in changes.items():
        if value is None and name in QuizUpdate.NOT_NULL:
            raise services.invalid([name], "may be left out, but not null", "not_null")
    if "draw_rules" in changes:
        changes["draw_rules"] = [rule.model_dump() for rule in body.draw_rules or []]
    services.update_quiz(request, quiz, course, changes)
    return quiz_out(request, quiz, course, editor=True)


@api_view(
    "assessment.regrade",
    QUIZ + "/regrade",
    "POST",
    response=RegradeOut,
    authenticated=True,
    summary="Regrade every automatically graded answer of the quiz (course editors)",
)
def regrade(request):
    quiz, _course = _quiz_of_url(
        request, services.can_edit, "only the course's editors may regrade"
    )
    return RegradeOut(changed=grading.regrade_quiz(request, quiz))


@api_view(
    "assessment.score_changes",
    QUIZ + "/score-changes",
    "GET",
    query=PageQuery,
    response=Page[ScoreChangeOut],
    authenticated=True,
    summary="Changed scores of the quiz's answers, newest first (course staff)",
)
def score_changes(request, query: PageQuery):
    quiz, _course = _quiz_of_url(
        request, services.is_staff, "only the course staff see score changes"
    )
    stmt = sa.select(ScoreChange).where(ScoreChange.quiz_id == quiz.id)
    rows, next_cursor = paginate(request.db, stmt, ScoreChange.changed_at, ScoreChange.id, query)
    return Page[ScoreChangeOut](
        items=[ScoreChangeOut.model_validate(row, from_attributes=True) for row in rows],
        next_cursor=next_cursor,
    )


# ----------------------------------------------------------------- attempts


@api_view(
    "assessment.quiz_attempts",
    QUIZ_ATTEMPTS,
    "POST",
    response=AttemptDetail,
    status=201,
    permission=P.TAKE,
    summary="Start an attempt (201), or resume the open one (200)",
)
@refusals
def start_attempt(request):
    quiz, course, lesson = services.visible_quiz(request, request.matchdict["quiz_id"])
    from learninghub_content.services import can_view_lesson

    if not can_view_lesson(request, course, lesson) or not lesson.is_published:
        raise ProblemError(403, "Forbidden", "this quiz is not open to you")
    attempt, new = lifecycle.start(request, quiz, course, request.identity)
    out = attempt_detail(request, attempt, quiz, course)
    return created(out, out.url, 201 if new else 200)


@api_view(
    "assessment.quiz_attempts",
    QUIZ_ATTEMPTS,
    "GET",
    query=AttemptsQuery,
    response=Page[AttemptOut],
    permission=P.TAKE,
    summary="Your attempts at the quiz (course staff: every learner's)",
)
def list_attempts(request, query: AttemptsQuery):
    quiz, course, _lesson = services.visible_quiz(request, request.matchdict["quiz_id"])
    stmt = sa.select(Attempt).where(Attempt.quiz_id == quiz.id)
    if services.is_staff(request, course):
        if query.user_id is not None:
            stmt = stmt.where(Attempt.user_id == query.user_id)
    else:
        stmt = stmt.where(Attempt.user_id == request.identity.id)
    rows, next_cursor = paginate(request.db, stmt, Attempt.started_at, Attempt.id, query)
    for attempt in rows:
        lifecycle.close_if_expired(request, attempt, quiz)
    return Page[AttemptOut](items=[attempt_out(request, a) for a in rows], next_cursor=next_cursor)


@api_view(
    "assessment.attempt",
    ATTEMPT,
    "GET",
    response=AttemptDetail,
    authenticated=True,
    summary="An attempt with its questions (never the key before feedback is allowed)",
)
def get_attempt(request):
    attempt, quiz, course, _lesson = lifecycle.visible_attempt(
        request, request.matchdict["attempt_id"]
    )
    return attempt_detail(request, attempt, quiz, course)


@api_view(
    "assessment.answer",
    ATTEMPT + "/answers/{question_id}",
    "PUT",
    body=AnswerIn,
    response=AnswerOut,
    permission=P.TAKE,
    summary="Save (autosave) the response to one question",
)
@refusals
def save_answer(request, body: AnswerIn):
    attempt, quiz, _course, _lesson = own_attempt(request, request.matchdict["attempt_id"])
    answer = lifecycle.save_answer(
        request, attempt, quiz, request.matchdict["question_id"], body.response
    )
    now = utcnow()
    return AnswerOut(
        question_id=answer.question_id,
        position=answer.position,
        response=answer.response,
        saved_at=answer.saved_at,
        server_now=now,
        remaining_s=lifecycle.remaining_s(attempt, now),
    )


@api_view(
    "assessment.attempt_next",
    ATTEMPT + "/next",
    "POST",
    response=AttemptDetail,
    permission=P.TAKE,
    summary="Sequential quizzes: lock the current question and go to the next",
)
@refusals
def next_question(request):
    attempt, quiz, course, _lesson = own_attempt(request, request.matchdict["attempt_id"])
    lifecycle.advance(request, attempt, quiz)
    return attempt_detail(request, attempt, quiz, course)


@api_view(
    "assessment.attempt_submit",
    ATTEMPT + "/submit",
    "POST",
    response=AttemptDetail,
    permission=P.TAKE,
    summary="Submit the attempt (graded automatically; essays wait for a person)",
)
@refusals
def submit_attempt(request):
    attempt, quiz, course, lesson = own_attempt(request, request.matchdict["attempt_id"])
    lifecycle.submit(request, attempt, quiz, course, lesson)
    return attempt_detail(request, attempt, quiz, course)


@api_view(
    "assessment.attempt_result",
    ATTEMPT + "/result",
    "GET",
    response=AttemptDetail,
    authenticated=True,
    summary="The result of a submitted attempt (feedback as the quiz's mode allows)",
)
def attempt_result(request):
    attempt, quiz, course, _lesson = lifecycle.visible_attempt(
        request, request.matchdict["attempt_id"]
    )
    if attempt.status == "in_progress":
        raise ProblemError(409, "Conflict", "the attempt is still in progress")
    return attempt_detail(request, attempt, quiz, course)


# ----------------------------------------------------------------- grading


@api_view(
    "assessment.grading_queue",
    QUEUE,
    "GET",
    query=PageQuery,
    response=Page[QueueItem],
    authenticated=True,
    summary="Answers waiting to be graded by hand, oldest first (course staff)",
)
def grading_queue(request, query: PageQuery):
    course = services.staff_course(request, request.matchdict["course_id"])
    return Page[QueueItem](**queue_page(request, course, query))


def queue_page(request, course, query: PageQuery) -> dict:
    stmt = grading.queue_statement(course.id)
    if query.cursor:
        submitted, answer_id = decode_cursor(query.cursor, [datetime, str])
        answer_uuid = services.as_uuid(answer_id)
        if answer_uuid is None:
            raise ProblemError(400, "Invalid cursor", "the cursor is malformed")
        stmt = stmt.where(
            sa.tuple_(Attempt.submitted_at, Answer.id)
            > sa.tuple_(
                sa.literal(submitted, Attempt.submitted_at.type),
                sa.literal(answer_uuid, Answer.id.type),
            )
        )
    rows = list(
        request.db.execute(
            stmt.order_by(Attempt.submitted_at, Answer.id).limit(query.limit + 1)
        ).all()
    )
    next_cursor = None
    if len(rows) > query.limit:
        rows = rows[: query.limit]
        last_answer, last_attempt = rows[-1]
        next_cursor = encode_cursor([last_attempt.submitted_at, last_answer.id])
    questions = services.bank_questions(request.db, [a.question_id for a, _ in rows])
    items = []
    for answer, attempt in rows:
        question = questions.get(answer.question_id)
        items.append(
            QueueItem(
                answer_id=answer.id,
                attempt_id=attempt.id,
                quiz_id=attempt.quiz_id,
                user_id=attempt.user_id,
                question_id=answer.question_id,
                prompt=question.prompt if question else None,
                rubric=(question.spec or {}).get("rubric") if question else None,
                response=answer.response,
                max_points=answer.max_points,
                submitted_at=attempt.submitted_at,
            )
        )
    return {"items": items, "next_cursor": next_cursor}


@api_view(
    "assessment.grade",
    "/api/v1/answers/{answer_id}/grade",
    "POST",
    body=GradeIn,
    response=GradeOut,
    authenticated=True,
    summary="Grade an answer by hand (course staff, teaching assistants included)",
)
@refusals
def grade_answer(request, body: GradeIn):
    answer, attempt, quiz, _course = grading.grading_answer(request, request.matchdict["answer_id"])
    grading.grade_by_hand(request, answer, attempt, quiz, body.points, body.feedback)
    return GradeOut(
        answer_id=answer.id,
        points=answer.points,
        feedback=answer.feedback,
        attempt=attempt_out(request, attempt),
    )
