"""Editor pages of the quizzes part (session cookie, CSRF on every POST; they work
without JavaScript):

* ``/teach/courses/{id}/quizzes/{quiz_id}`` and ``/teach/courses/{id}/lessons/
  {lesson_id}/quiz`` — the quiz's settings (create / change); the opening and due
  dates are typed and shown in the editor's time zone and stored in UTC
  (:mod:`learninghub_assessment.timeinput`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import ValidationError
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from learninghub.api import ProblemError
from learninghub.shell import render_page

from ..models.quizzes import Quiz
from ..pages import course_page, lesson_of_type
from ..timeinput import (
    NonexistentTime,
    local_input,
    nonexistent_time_message,
    read_local,
    zone_name,
)
from . import services
from .schemas import QuizFields
from .views import _lesson_url

SETTINGS = "assessment/quizzes/settings.jinja2"


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
    course, denied = course_page(request, services.can_edit)
    if denied is not None:
        return denied
    lesson = lesson_of_type(request, course, services.QUIZ_TYPE)
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

    course, denied = course_page(request, services.can_edit)
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
