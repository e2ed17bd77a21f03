"""Learner pages of the quizzes part (session cookie, CSRF on every POST; they work
without JavaScript, which only adds the timer's countdown and autosave):

* the quiz lesson's panel in the player (``assessment/quizzes/lesson.jinja2``,
  through the template global ``assessment_quiz_panel``) and ``POST
  /quizzes/{quiz_id}/start``;
* ``/quizzes/attempts/{id}`` — the quiz player (GET; POST saves, goes to the next
  question or submits); ``POST …/autosave`` — one question, from ``fetch``;
* ``/quizzes/attempts/{id}/result`` — the result (feedback as the mode allows).

The staff's pages are in :mod:`.grading_views` (the manual-grading queue) and
:mod:`.settings_views` (the quiz's settings).
"""

from __future__ import annotations

import json
from typing import Any

import nh3
from markupsafe import Markup
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.response import Response
from pyramid.view import view_config

from learninghub.api import ProblemError
from learninghub.db import utcnow
from learninghub.shell import gate, render_page
from learninghub.web import render_error_page

from ..permissions import AssessmentPermission as P
from . import attempts as lifecycle
from . import presenting, services
from .services import Refusal

PLAYER = "assessment/quizzes/player.jinja2"
RESULT = "assessment/quizzes/result.jinja2"


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
