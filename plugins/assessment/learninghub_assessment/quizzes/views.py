"""Pages of the quizzes part (session cookie, CSRF on every POST; they work without
JavaScript, which only adds the timer's countdown and autosave):

* the quiz lesson's panel in the player (``assessment/quizzes/lesson.jinja2``,
  through the template global ``assessment_quiz_panel``) and ``POST
  /quizzes/{quiz_id}/start``;
* ``/quizzes/attempts/{id}`` — the quiz player (GET; POST saves, goes to the next
  question or submits); ``POST …/autosave`` — one question, from ``fetch``;
* ``/quizzes/attempts/{id}/result`` — the result (feedback as the mode allows);
* ``/teach/courses/{id}/grading`` (+ ``/{answer_id}``) — the manual-grading queue;
* ``/teach/courses/{id}/quizzes/{quiz_id}`` and ``/teach/courses/{id}/lessons/
  {lesson_id}/quiz`` — the quiz's settings (create / change); the opening and due
  dates are typed and shown in the editor's time zone and stored in UTC
  (:mod:`learninghub_assessment.timeinput`).
"""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import nh3
from markupsafe import Markup
from pydantic import ValidationError
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.response import Response
from pyramid.view import view_config

from learninghub.api import PageQuery, ProblemError
from learninghub.db import utcnow
from learninghub.shell import gate, render_page
from learninghub.web import render_error_page

from ..models.quizzes import Quiz
from ..permissions import AssessmentPermission as P
from ..timeinput import (
    NonexistentTime,
    local_input,
    nonexistent_time_message,
    read_local,
    zone_name,
)
from . import attempts as lifecycle
from . import grading, presenting, services
from .schemas import QuizFields
from .services import Refusal

PLAYER = "assessment/quizzes/player.jinja2"
RESULT = "assessment/quizzes/result.jinja2"
GRADING = "assessment/quizzes/grading.jinja2"
SETTINGS = "assessment/quizzes/settings.jinja2"


def _not_found_on_problem(fn, *args):
    try:
        return fn(*args)
    except ProblemError as exc:
        if exc.status == 403:
            return None
        raise HTTPNotFound() from None


# ----------------------------------------------------------------- lesson panel


def quiz_panel(request, course, lesson) -> dict[str, Any]:
    """What the quiz lesson shows in the player: intro, settings, the learner's
    attempts and the Start/Resume button (a template global)."""
    quiz = services.quiz_for_lesson(request.db, lesson.id)
    editor = services.can_edit(request, course)
    panel: dict[str, Any] = {
        "quiz": quiz,
        "editor": editor,
        "settings_url": request.route_path(
            "assessment.page.quiz", course_id=str(course.id), quiz_id=str(quiz.id)
        )
        if quiz is not None and editor
        else request.route_path(
            "assessment.page.new_quiz", course_id=str(course.id), lesson_id=str(lesson.id)
        )
        if editor
        else None,
    }
    if quiz is None:
        return panel
    # stored sanitized; cleaned again on output (a row written by other means)
    panel["intro"] = Markup(nh3.clean(quiz.intro or ""))
    if request.identity is None:
        return panel
    now = utcnow()
    mine = services.attempts_of(request.db, quiz, request.identity.id)
    for attempt in mine:
        lifecycle.close_if_expired(request, attempt, quiz, now)
    current = next((a for a in mine if a.status == "in_progress"), None)
    panel.update(
        attempts=[
            {
                "attempt": a,
                "url": request.route_path(
                    "assessment.page.attempt"
                    if a.status == "in_progress"
                    else "assessment.page.attempt_result",
                    attempt_id=str(a.id),
                ),
            }
            for a in mine
        ],
        current=current,
        window=services.window_state(quiz, now),
        left=services.attempts_left(quiz, len(mine)),
        start_url=request.route_path("assessment.page.start", quiz_id=str(quiz.id)),
        question_count=services.question_count(quiz),
    )
    return panel


@view_config(route_name="assessment.page.start", request_method="POST")
def start_page(request):
    denied = gate(request, P.TAKE)
    if denied is not None:
        return denied
    from learninghub_content.services import can_view_lesson

    try:
        quiz, course, lesson = services.visible_quiz(request, request.matchdict["quiz_id"])
    except ProblemError as exc:
        if exc.status == 403:
            return render_error_page(request, 403, "Forbidden")
        raise HTTPNotFound() from None
    if not can_view_lesson(request, course, lesson) or not lesson.is_published:
        return render_error_page(request, 403, "Forbidden")
    try:
        attempt, _new = lifecycle.start(request, quiz, course, request.identity)
    except Refusal as refusal:
        return render_page(
            request,
            RESULT,
            status=refusal.status,
            refusal=_refusal_text(request, refusal),
            attempt=None,
            course=course,
            lesson=lesson,
            back_url=_lesson_url(request, course, lesson),
        )
    return HTTPSeeOther(
        location=request.route_path("assessment.page.attempt", attempt_id=str(attempt.id))
    )


def _lesson_url(request, course, lesson) -> str:
    from learninghub_content.services import player_path

    return player_path(request, course, lesson)


def _refusal_text(request, refusal: Refusal) -> str:
    _ = request.gettext
    messages = {
        "time_is_up": _("Time is up: the attempt was closed with the answers saved in time."),
        "attempt_closed": _("This attempt was already submitted."),
        "sequence": _("This quiz is answered in order: that question is not open."),
        "not_open": _("The quiz is not open yet."),
        "closed": _("The quiz's due date has passed."),
        "no_attempts_left": _("You have used every attempt."),
        "no_questions": _("The quiz has no questions yet."),
        "last": _("This is the last question: submit the attempt."),
        "not_sequential": _("This quiz has free navigation."),
        "in_progress": _("The attempt is still in progress."),
    }
    return messages.get(refusal.type, refusal.detail)


# ----------------------------------------------------------------- player


def _own_attempt(request):
    """(attempt, quiz, course, lesson) of the signed-in learner, or a response."""
    denied = gate(request, None)
    if denied is not None:
        return None, denied
    try:
        found = lifecycle.visible_attempt(request, request.matchdict["attempt_id"])
    except ProblemError:
        raise HTTPNotFound() from None
    return found, None


def _player_values(request, attempt, quiz, course, lesson, **extra) -> dict[str, Any]:
    staff = attempt.user_id != request.identity.id
    now = utcnow()
    items = presenting.question_items(request, quiz, attempt, staff=False, feedback=False)
    return {
        "attempt": attempt,
        "quiz": quiz,
        "course": course,
        "lesson": lesson,
        "items": items,
        "readonly": staff or attempt.status != "in_progress",
        "server_now": now.isoformat(),
        "deadline": attempt.deadline_at.isoformat() if attempt.deadline_at else None,
        "remaining_s": lifecycle.remaining_s(attempt, now),
        "action": request.route_path("assessment.page.attempt", attempt_id=str(attempt.id)),
        "autosave_url": request.route_path("assessment.page.autosave", attempt_id=str(attempt.id)),
        "result_url": request.route_path(
            "assessment.page.attempt_result", attempt_id=str(attempt.id)
        ),
        "back_url": _lesson_url(request, course, lesson),
        "sequential": quiz.navigation == "sequential",
        "last": attempt.current_index >= len(attempt.questions) - 1,
        **extra,
    }


def _form_responses(request, attempt, quiz) -> list[tuple[str, dict]]:
    """(question id, response) for every open question the form carries."""
    from ..questions import types as qtypes

    posted = []
    for item in presenting.question_items(request, quiz, attempt, staff=False, feedback=False):
        if item["state"] != "open" or item["view"] is None:
            continue
        prefix = f"q{item['position']}-"
        if not any(key.startswith(prefix) for key in request.POST.keys()):
            continue
        response = qtypes.response_from_form(item["type"], item["view"], request.POST, prefix)
        posted.append((item["question_id"], response))
    return posted


@view_config(route_name="assessment.page.attempt", request_method=("GET", "POST"))
def attempt_page(request):
    found, denied = _own_attempt(request)
    if denied is not None:
        return denied
    attempt, quiz, course, lesson = found
    if request.method == "GET":
        if attempt.status != "in_progress":
            return HTTPSeeOther(
                location=request.route_path(
                    "assessment.page.attempt_result", attempt_id=str(attempt.id)
                )
            )
        return render_page(
            request, PLAYER, **_player_values(request, attempt, quiz, course, lesson)
        )
    if attempt.user_id != request.identity.id:
        return render_error_page(request, 403, "Forbidden")
    action = request.POST.get("action", "save")
    errors: dict[str, str] = {}
    try:
        for question_id, response in _form_responses(request, attempt, quiz):
            try:
                lifecycle.save_answer(request, attempt, quiz, question_id, response)
            except ProblemError as exc:
                errors[question_id] = (exc.errors or [{}])[0].get("message", exc.detail)
        if errors:
            return render_page(
                request,
                PLAYER,
                status=422,
                **_player_values(request, attempt, quiz, course, lesson, errors=errors),
            )
        if action == "next":
            lifecycle.advance(request, attempt, quiz)
        elif action == "submit":
            if request.POST.get("confirm") != "1":
                return render_page(
                    request,
                    PLAYER,
                    **_player_values(request, attempt, quiz, course, lesson, confirm=True),
                )
            lifecycle.submit(request, attempt, quiz, course, lesson)
            return HTTPSeeOther(
                location=request.route_path(
                    "assessment.page.attempt_result", attempt_id=str(attempt.id)
                )
            )
    except Refusal as refusal:
        if attempt.status != "in_progress":
            values = _result_values(request, attempt, quiz, course, lesson)
            values["refusal"] = _refusal_text(request, refusal)
            return render_page(request, RESULT, status=refusal.status, **values)
        return render_page(
            request,
            PLAYER,
            status=refusal.status,
            **_player_values(
                request, attempt, quiz, course, lesson, refusal=_refusal_text(request, refusal)
            ),
        )
    return HTTPSeeOther(
        location=request.route_path(
            "assessment.page.attempt", attempt_id=str(attempt.id), _anchor="saved"
        )
    )


@view_config(route_name="assessment.page.autosave", request_method="POST")
def autosave(request):
    """One question's fields, posted by the player's script (``X-CSRF-Token``);
    answers JSON: ``{"saved_at", "remaining_s"}`` or ``{"error", "closed"}``."""

    def answer(status: int, body: dict) -> Response:
        return Response(
            json.dumps(body), status=status, content_type="application/json", charset="utf-8"
        )

    if request.identity is None:
        return answer(401, {"error": request.gettext("Sign in again to keep saving.")})
    try:
        attempt, quiz, _course, _lesson = lifecycle.visible_attempt(
            request, request.matchdict["attempt_id"]
        )
    except ProblemError:
        raise HTTPNotFound() from None
    if attempt.user_id != request.identity.id:
        return answer(403, {"error": request.gettext("Forbidden")})
    try:
        posted = _form_responses(request, attempt, quiz)
        if attempt.status != "in_progress":
            lifecycle.check_writable(request, attempt, quiz)
        for question_id, response in posted:
            lifecycle.save_answer(request, attempt, quiz, question_id, response)
    except Refusal as refusal:
        return answer(
            refusal.status,
            {"error": _refusal_text(request, refusal), "closed": attempt.status != "in_progress"},
        )
    except ProblemError as exc:
        message = (exc.errors or [{}])[0].get("message", exc.detail)
        return answer(exc.status, {"error": message, "closed": False})
    now = utcnow()
    return answer(
        200,
        {"saved_at": now.isoformat(), "remaining_s": lifecycle.remaining_s(attempt, now)},
    )


# ----------------------------------------------------------------- result


def _result_values(request, attempt, quiz, course, lesson) -> dict[str, Any]:
    staff = services.is_staff(request, course) and attempt.user_id != request.identity.id
    feedback = presenting.feedback_allowed(quiz, attempt, staff=staff)
    return {
        "attempt": attempt,
        "quiz": quiz,
        "course": course,
        "lesson": lesson,
        "feedback": feedback,
        "items": presenting.question_items(request, quiz, attempt, staff=staff, feedback=feedback)
        if feedback
        else [],
        "back_url": _lesson_url(request, course, lesson),
        "refusal": None,
    }


@view_config(route_name="assessment.page.attempt_result", request_method="GET")
def result_page(request):
    found, denied = _own_attempt(request)
    if denied is not None:
        return denied
    attempt, quiz, course, lesson = found
    if attempt.status == "in_progress":
        return HTTPSeeOther(
            location=request.route_path("assessment.page.attempt", attempt_id=str(attempt.id))
        )
    return render_page(request, RESULT, **_result_values(request, attempt, quiz, course, lesson))


# ----------------------------------------------------------------- grading queue


def _staff_course(request):
    denied = gate(request, None)
    if denied is not None:
        return None, denied
    try:
        course = services.visible_course(request, request.matchdict["course_id"])
    except ProblemError:
        raise HTTPNotFound() from None
    if not services.is_staff(request, course):
        return None, render_error_page(request, 403, "Forbidden")
    return course, None


@view_config(route_name="assessment.page.grading", request_method="GET")
def grading_page(request):
    course, denied = _staff_course(request)
    if denied is not None:
        return denied
    from .api import queue_page

    try:
        query = PageQuery(
            limit=min(100, request.plugin_settings(services.PLUGIN).page_size),
            cursor=request.GET.get("cursor") or None,
        )
        page = queue_page(request, course, query)
    except (ValidationError, ProblemError):
        raise HTTPNotFound() from None
    return render_page(
        request,
        GRADING,
        course=course,
        items=page["items"],
        next_url=request.route_path(
            "assessment.page.grading",
            course_id=str(course.id),
            _query={"cursor": page["next_cursor"]},
        )
        if page["next_cursor"]
        else None,
        errors={},
    )


@view_config(route_name="assessment.page.grade", request_method="POST")
def grade_page(request):
    course, denied = _staff_course(request)
    if denied is not None:
        return denied
    try:
        answer, attempt, quiz, answer_course = grading.grading_answer(
            request, request.matchdict["answer_id"]
        )
    except ProblemError:
        raise HTTPNotFound() from None
    if answer_course.id != course.id:
        raise HTTPNotFound()
    raw = (request.POST.get("points") or "").strip().replace(",", ".")
    try:
        points = Decimal(raw)
        if not points.is_finite() or points < 0:
            raise InvalidOperation
    except InvalidOperation:
        return _grading_error(
            request, course, answer.id, request.gettext("Enter a number of points.")
        )
    try:
        grading.grade_by_hand(
            request,
            answer,
            attempt,
            quiz,
            points,
            (request.POST.get("feedback") or "").strip() or None,
        )
    except ProblemError:
        return _grading_error(
            request,
            course,
            answer.id,
            request.gettext("At most %(points)s points.", points=answer.max_points),
        )
    except Refusal as refusal:
        return _grading_error(request, course, answer.id, _refusal_text(request, refusal))
    return HTTPSeeOther(
        location=request.route_path("assessment.page.grading", course_id=str(course.id))
    )


def _grading_error(request, course, answer_id, message: str) -> Response:
    from .api import queue_page

    page = queue_page(request, course, PageQuery(limit=20))
    return render_page(
        request,
        GRADING,
        status=422,
        course=course,
        items=page["items"],
        next_url=None,
        errors={str(answer_id): message},
    )


# ----------------------------------------------------------------- settings


#: the date fields of the settings form
DATE_FIELDS = ("opens_at", "closes_at")


def _parse_settings(request, quiz: Quiz | None) -> tuple[dict[str, Any], dict[str, str]]:
    """Form fields -> values checked by the API's model; errors by field name. The
    dates are read in the editor's time zone; one posted back unchanged keeps the
    stored time of ``quiz`` exactly."""
    form = request.POST
    errors: dict[str, str] = {}
    tz = request.timezone

    def when(name: str) -> datetime | None:
        try:
            return read_local(form.get(name) or "", tz, getattr(quiz, name, None))
        except NonexistentTime:
            errors[name] = nonexistent_time_message(request)
        except ValueError:
            errors[name] = request.gettext("Enter a date and time.")
        return None

    def number(name: str) -> int | None:
        raw = (form.get(name) or "").strip()
        if not raw:
            return None
        try:
            return int(raw)
        except ValueError:
            errors[name] = request.gettext("Enter a whole number.")
            return None

    minutes = number("time_limit_min")
    values: dict[str, Any] = {
        "intro": form.get("intro", ""),
        "mode": form.get("mode", "fixed"),
        "question_ids": form.getall("question_ids"),
        "draw_rules": [],
        "shuffle_questions": form.get("shuffle_questions") == "1",
        "shuffle_options": form.get("shuffle_options") == "1",
        "time_limit_s": minutes * 60 if minutes is not None else None,
        "max_attempts": number("max_attempts"),
        "passing_percent": (form.get("passing_percent") or "0").strip(),
        "opens_at": when("opens_at"),
        "closes_at": when("closes_at"),
        "navigation": form.get("navigation", "free"),
        "feedback": form.get("feedback", "immediate"),
        "grading_policy": form.get("grading_policy", "highest"),
        "weight": (form.get("weight") or "1").strip(),
        "required": form.get("required") == "1",
    }
    for i in range(5):
        count = number(f"rule{i}_count")
        if count:
            tags = [t.strip() for t in (form.get(f"rule{i}_tags") or "").split(",") if t.strip()]
            values["draw_rules"].append(
                {
                    "tags": tags,
                    "difficulty": form.get(f"rule{i}_difficulty") or None,
                    "count": count,
                }
            )
    try:
        checked = QuizFields.model_validate(values)
    except ValidationError as exc:
        for err in exc.errors(include_url=False):
            name = str(err["loc"][0]) if err["loc"] else "form"
            errors.setdefault(name, err["msg"])
        return values, errors
    out = checked.model_dump()
    out["draw_rules"] = [rule.model_dump() for rule in checked.draw_rules]
    return out, errors


def _settings_values(
    request,
    course,
    lesson,
    quiz: Quiz | None,
    values,
    errors,
    stored: dict[str, datetime | None],
    typed: dict[str, str] | None = None,
) -> dict:
    """The settings page's values. ``stored``: the quiz's dates as stored (taken before
    a refused change touched the quiz); ``typed``: the date fields' text as posted
    (default: the stored dates in the editor's time zone)."""
    import sqlalchemy as sa

    from ..models import Question

    bank = list(
        request.db.scalars(
            sa.select(Question)
            .where(Question.course_id == course.id, Question.status == "active")
            .order_by(Question.created_at)
            .limit(500)
        )
    )
    return {
        "course": course,
        "lesson": lesson,
        "quiz": quiz,
        "values": values,
        "errors": errors,
        "stored_dates": stored,
        "dates": typed
        if typed is not None
        else {name: local_input(stored[name], request.timezone) for name in DATE_FIELDS},
        "timezone_name": zone_name(request.timezone),
        "bank": bank,
        "lesson_url": _lesson_url(request, course, lesson),
    }


def _stored_dates(quiz: Quiz | None) -> dict[str, datetime | None]:
    """The dates of ``quiz`` as stored (None for a new one)."""
    return {name: getattr(quiz, name, None) for name in DATE_FIELDS}


def _quiz_values(quiz: Quiz) -> dict[str, Any]:
    return {
        "intro": quiz.intro,
        "mode": quiz.mode,
        "question_ids": list(quiz.question_ids or []),
        "draw_rules": list(quiz.draw_rules or []),
        "shuffle_questions": quiz.shuffle_questions,
        "shuffle_options": quiz.shuffle_options,
        "time_limit_s": quiz.time_limit_s,
        "max_attempts": quiz.max_attempts,
        "passing_percent": quiz.passing_percent,
        "opens_at": quiz.opens_at,
        "closes_at": quiz.closes_at,
        "navigation": quiz.navigation,
        "feedback": quiz.feedback,
        "grading_policy": quiz.grading_policy,
        "weight": quiz.weight,
        "required": quiz.required,
    }


def _editable(request):
    denied = gate(request, None)
    if denied is not None:
        return None, denied
    try:
        course = services.visible_course(request, request.matchdict["course_id"])
    except ProblemError:
        raise HTTPNotFound() from None
    if not services.can_edit(request, course):
        return None, render_error_page(request, 403, "Forbidden")
    return course, None


def _save_settings(request, course, lesson, quiz: Quiz | None):
    # what was typed is shown back as is when the quiz is not saved
    typed = {name: (request.POST.get(name) or "").strip() for name in DATE_FIELDS}
    stored = _stored_dates(quiz)
    values, errors = _parse_settings(request, quiz)
    if not errors:
        if values["mode"] == "fixed":
            values.pop("draw_rules")
        else:
            values.pop("question_ids")
        try:
            if quiz is None:
                quiz = services.create_quiz(request, course, lesson, values)
            else:
                services.update_quiz(request, quiz, course, values)
        except ProblemError as exc:
            # the service may have changed (and flushed) some fields before refusing:
            # none of them may be kept
            request.tm.doom()
            for err in exc.errors or [{"path": ["body", "form"], "message": exc.detail}]:
                errors[str(err["path"][1]) if len(err["path"]) > 1 else "form"] = err["message"]
    if errors:
        return render_page(
            request,
            SETTINGS,
            status=422,
            **_settings_values(request, course, lesson, quiz, values, errors, stored, typed),
        )
    return HTTPSeeOther(
        location=request.route_path(
            "assessment.page.quiz", course_id=str(course.id), quiz_id=str(quiz.id)
        )
    )


@view_config(route_name="assessment.page.new_quiz", request_method=("GET", "POST"))
def new_quiz_page(request):
    from learninghub_content.services import get_lesson_by_id

    course, denied = _editable(request)
    if denied is not None:
        return denied
    lesson = get_lesson_by_id(request.db, request.matchdict["lesson_id"])
    if lesson is None or lesson.course_id != course.id or lesson.type != services.QUIZ_TYPE:
        raise HTTPNotFound()
    existing = services.quiz_for_lesson(request.db, lesson.id)
    if existing is not None:
        return HTTPSeeOther(
            location=request.route_path(
                "assessment.page.quiz", course_id=str(course.id), quiz_id=str(existing.id)
            )
        )
    if request.method == "POST":
        return _save_settings(request, course, lesson, None)
    defaults = QuizFields().model_dump()
    return render_page(
        request,
        SETTINGS,
        **_settings_values(request, course, lesson, None, defaults, {}, _stored_dates(None)),
    )


@view_config(route_name="assessment.page.quiz", request_method=("GET", "POST"))
def quiz_settings_page(request):
    from learninghub_content.services import get_lesson_by_id

    course, denied = _editable(request)
    if denied is not None:
        return denied
    quiz = services.get_quiz(request.db, request.matchdict["quiz_id"])
    if quiz is None or quiz.course_id != course.id:
        raise HTTPNotFound()
    lesson = get_lesson_by_id(request.db, quiz.lesson_id)
    if request.method == "POST":
        return _save_settings(request, course, lesson, quiz)
    return render_page(
        request,
        SETTINGS,
        **_settings_values(
            request, course, lesson, quiz, _quiz_values(quiz), {}, _stored_dates(quiz)
        ),
    )
