"""Background tasks of the audit plugin (the tenant travels with each task)."""

from __future__ import annotations

import logging

from learninghub.tasks import task

from .retention import RetentionRefused, apply_retention
from .sealer import RETENTION_TASK, SEAL_TASK, seal_pending, secret_of

log = logging.getLogger(__name__)


@task(SEAL_TASK, max_retries=5)
def seal(request) -> None:
    """Chain the tenant's pending rows (when the recording transaction could not:
    see :mod:`.sealer`). Idempotent: a second run finds nothing pending. Like every
    sealer it queues a retention run about once a day (the kernel has no periodic
    scheduler yet; ``learninghub audit retention`` from cron does the
    same)."""
    result = seal_pending(request.db, request.tenant.id, secret_of(request.registry))
    if result.retention_due:
        request.tasks.enqueue(RETENTION_TASK)


@task(RETENTION_TASK, max_retries=3)
def retention(request) -> None:
    """Summarise and remove the tenant's expired rows (see :mod:`.retention`). A
    broken chain is logged and left alone: retrying would not mend it."""
    try:
        result = apply_retention(request)
    except RetentionRefused as exc:
        log.error("%s (tenant %s)", exc, request.tenant.slug)
        return
    if result.removed:
        log.info("audit retention for %s: %s", request.tenant.slug, result.as_dict())
