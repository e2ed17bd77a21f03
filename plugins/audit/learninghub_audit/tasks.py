"""Background tasks of the audit plugin (the tenant travels with each task)."""

from __future__ import annotations

import logging
from datetime import timedelta

from learninghub.db import utcnow
from learninghub.tasks import task

from .recorder import SEAL_TASK
from .retention import RetentionRefused, apply_retention
from .sealer import lock_head, seal_pending, secret_of

log = logging.getLogger(__name__)
RETENTION_TASK = "audit.apply_retention"
#: the sealer asks for a retention run at most this often per tenant
RETENTION_EVERY = timedelta(days=1)


@task(SEAL_TASK, max_retries=5)
def seal(request) -> None:
    """Chain the tenant's pending rows. Idempotent: a second run finds nothing
    pending. About once a day it also queues a retention run (the kernel has no
    periodic scheduler yet; ``python -m learninghub_audit retention`` from cron
    does the same)."""
    secret = secret_of(request.registry)
    tenant_id = request.tenant.id
    seal_pending(request.db, tenant_id, secret)
    head = lock_head(request.db, tenant_id, secret)
    now = utcnow()
    if head.retention_checked_at is None or now - head.retention_checked_at >= RETENTION_EVERY:
        head.retention_checked_at = now
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
