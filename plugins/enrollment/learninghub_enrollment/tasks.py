"""Background tasks of the enrollment plugin."""

from __future__ import annotations

import logging

from learninghub.tasks import task

from . import services

log = logging.getLogger(__name__)


@task(services.EXPIRE_TASK, max_retries=3)
def expire_enrollments(request) -> None:
    """Mark the tenant's lapsed enrolments ``expired`` (and uncount them). Queued when
    a request meets a lapsed enrolment and by ``learninghub enrollment expire`` (cron).
    Idempotent: a second run finds nothing to do. Access never waits for it: the
    window is checked on every access."""
    count = services.expire_lapsed(request.db)
    if count:
        log.info("%d enrolments expired for tenant %s", count, request.tenant.slug)


@task(services.RECOMPUTE_TASK, max_retries=3)
def recompute_course_progress(request, course_id: str) -> None:
    """Recompute every enrolment's progress in a course whose published lessons
    changed (queued on ``content.lesson.published``). Idempotent."""
    course = services.as_uuid(course_id)
    if course is None:
        log.warning("recompute task got a malformed course id %r", course_id)
        return
    changed = services.recompute_course(request, course)
    if changed:
        log.info("progress of %d enrolments recomputed in course %s", changed, course)
