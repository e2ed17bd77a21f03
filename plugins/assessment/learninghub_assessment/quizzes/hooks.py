"""Hook answers of the quizzes part (gathered by the plugin's ``__init__``)."""

from __future__ import annotations

import logging

from learninghub.web import NavItem

from . import attempts as lifecycle
from . import grading, services

log = logging.getLogger(__name__)

QUESTION_UPDATED = "assessment.question.updated"


def content_lesson_types(request) -> list:
    from learninghub_content import LessonType

    return [
        LessonType(
            services.QUIZ_TYPE,
            request.gettext("Quiz"),
            "assessment/quizzes/lesson.jinja2",
            completed_by_owner=True,  # complete when an attempt passes
        )
    ]


def courses_teach_links(request, course) -> list:
    """The grading queue for the course staff."""
    if not services.is_staff(request, course):
        return []
    return [
        NavItem(
            order=40,
            title=request.gettext("Grade quiz answers"),
            url=request.route_path("assessment.page.grading", course_id=str(course.id)),
        )
    ]


def domain_event(request, event) -> None:
    """A corrected question: regrade the answers graded against it (in a task: the
    request's transaction is over)."""
    if event.name == QUESTION_UPDATED:
        request.tasks.enqueue(grading.REGRADE_TASK, question_id=str(event.resource_id))


def audit_auditable_events(request) -> list:
    return [lifecycle.SCORE_CHANGED]


def demo_data(request) -> None:
    from .demo import seed_quiz

    seed_quiz(request)


def webhooks_event_types(request) -> list[tuple[str, str]]:
    """Attempts, for integrations (payload: course, quiz and learner ids, percent,
    passed; never answers or keys)."""
    return [
        ("assessment.attempt.started", "A learner started a quiz attempt."),
        ("assessment.attempt.submitted", "A quiz attempt was submitted or closed at its deadline."),
        ("assessment.attempt.graded", "A quiz attempt was graded (percent, passed)."),
    ]
