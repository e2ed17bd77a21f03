"""JSON API of the question bank: ``/api/v1/courses/{course_id}/questions``.

Only the course's editors (instructors, tenant admins) read or write it: 401 for
anonymous callers, 403 for others who may see the course, 404 for unknown courses,
other tenants' and drafts the caller may not see. DELETE archives (an archived
question is kept for the attempts that used it, and never drawn again).
"""

from __future__ import annotations

from pyramid.response import Response

from learninghub.api import Page, api_view, paginate

from ..models.questions import Question
from . import services
from .schemas import QuestionCreate, QuestionListQuery, QuestionOut, QuestionUpdate

COLLECTION = "/api/v1/courses/{course_id}/questions"
ITEM = COLLECTION + "/{id}"


def question_out(request, question: Question) -> QuestionOut:
    return QuestionOut(
        id=question.id,
        course_id=question.course_id,
        type=question.type,
        title=question.title,
        prompt=question.prompt,
        spec=question.spec,
        points=question.points,
        tags=list(question.tags or []),
        difficulty=question.difficulty,
        media_asset_id=question.media_asset_id,
        version=question.version,
        status=question.status,
        created_by=question.created_by,
        created_at=question.created_at,
        updated_at=question.updated_at,
        url=request.route_url(
            "assessment.question", course_id=str(question.course_id), id=str(question.id)
        ),
    )


@api_view(
    "assessment.questions",
    COLLECTION,
    "GET",
    query=QuestionListQuery,
    response=Page[QuestionOut],
    authenticated=True,
    summary="The course's question bank, newest first (course editors)",
)
def list_questions(request, query: QuestionListQuery):
    course = services.editable_course(request, request.matchdict["course_id"])
    stmt = services.list_statement(
        course.id,
        tag=query.tag,
        difficulty=query.difficulty,
        question_type=query.type,
        status=None if query.status == "all" else query.status,
        text=query.q,
    )
    rows, next_cursor = paginate(request.db, stmt, Question.created_at, Question.id, query)
    return Page[QuestionOut](
        items=[question_out(request, q) for q in rows], next_cursor=next_cursor
    )


@api_view(
    "assessment.questions",
    COLLECTION,
    "POST",
    body=QuestionCreate,
    response=QuestionOut,
    status=201,
    authenticated=True,
    summary="Add a question to the course's bank (course editors)",
)
def create_question(request, body: QuestionCreate):
    course = services.editable_course(request, request.matchdict["course_id"])
    question = services.create_question(request, course, body.model_dump())
    out = question_out(request, question)
    response = Response(
        out.model_dump_json(), status=201, content_type="application/json", charset="utf-8"
    )
    response.location = out.url
    return response


@api_view(
    "assessment.question",
    ITEM,
    "GET",
    response=QuestionOut,
    authenticated=True,
    summary="One question with its answer key (course editors)",
)
def get_question(request):
    course = services.editable_course(request, request.matchdict["course_id"])
    return question_out(request, services.get_question(request, course, request.matchdict["id"]))


@api_view(
    "assessment.question",
    ITEM,
    "PATCH",
    body=QuestionUpdate,
    response=QuestionOut,
    authenticated=True,
    summary="Change a question; a new type, prompt, spec or points makes a new version "
    "(and a regrade of the answers given to it)",
)
def update_question(request, body: QuestionUpdate):
    course = services.editable_course(request, request.matchdict["course_id"])
    question = services.get_question(request, course, request.matchdict["id"])
    services.update_question(request, course, question, body.model_dump(exclude_unset=True))
    return question_out(request, question)


@api_view(
    "assessment.question",
    ITEM,
    "DELETE",
    status=204,
    authenticated=True,
    summary="Archive a question (kept for past attempts, never drawn again)",
)
def archive_question(request):
    course = services.editable_course(request, request.matchdict["course_id"])
    services.archive_question(
        request, services.get_question(request, course, request.matchdict["id"])
    )
