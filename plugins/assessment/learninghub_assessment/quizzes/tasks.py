"""Background tasks of the quizzes part (registered on import: ``quizzes/__init__``)."""

from __future__ import annotations

import logging

from learninghub.tasks import task

from ..models.quizzes import Quiz
from . import attempts as lifecycle
from . import grading, services

log = logging.getLogger(__name__)


@task(lifecycle.CLOSE_TASK, max_retries=3)
def close_attempt(request, attempt_id: str) -> None:
    """Close and grade an attempt whose time is up (queued at its start for
    ``deadline_at + grace``). Idempotent: an attempt already submitted, or not expired
    yet (the task ran early: it is queued again for the right time), is left alone."""
    attempt = lifecycle.get_attempt(request.db, attempt_id)
    if attempt is None or attempt.status != "in_progress":
        return
    quiz = request.db.get(Quiz, attempt.quiz_id)
    if quiz is None:
        return
    if not lifecycle.close_if_expired(request, attempt, quiz):
        end = lifecycle.hard_deadline(request, attempt)
        if end is not None:
            request.tasks.enqueue_at(end, lifecycle.CLOSE_TASK, attempt_id=attempt_id)
        return
    log.info("attempt %s closed at its deadline", attempt_id)


@task(grading.REGRADE_TASK, max_retries=3)
def regrade_question(request, question_id: str) -> None:
    """Regrade the automatically graded answers of a corrected question (queued on
    ``assessment.question.updated``). Idempotent: answers already graded against the
    question as it is change nothing and record nothing."""
    if services.as_uuid(question_id) is None:
        return
    changed = grading.regrade_question(request, question_id)
    if changed:
        log.info("%d answers regraded for question %s", changed, question_id)
