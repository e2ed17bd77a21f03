"""Background tasks of the certificates plugin (queued after commit; idempotent)."""

from __future__ import annotations

import logging

from learninghub.tasks import task

from . import services

log = logging.getLogger(__name__)


@task(services.ISSUE_TASK, max_retries=3)
def issue_certificate(request, course_id: str, user_id: str, base_url: str = "") -> None:
    """Issue the course's certificate to the learner if the criteria hold. Running
    it twice (a retried or duplicated event) leaves one certificate."""
    course_key, user_key = services.as_uuid(course_id), services.as_uuid(user_id)
    if course_key is None or user_key is None:
        log.warning("certificates.issue got malformed ids %r %r", course_id, user_id)
        return
    course = services.get_course(request.db, course_key)
    if course is None:
        return
    base = request.plugin_settings(services.PLUGIN).public_url or base_url
    services.issue(
        request, course, user_key, base_url=(base or request.application_url).rstrip("/")
    )


@task(services.RENAME_TASK, max_retries=3)
def reissue_renamed(request, user_id: str, base_url: str = "") -> None:
    """Supersede the user's valid certificates that carry an old name."""
    user_key = services.as_uuid(user_id)
    if user_key is None:
        return
    base = request.plugin_settings(services.PLUGIN).public_url or base_url
    services.rename(request, user_key, base_url=(base or request.application_url).rstrip("/"))
