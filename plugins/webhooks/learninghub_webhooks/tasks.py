"""Background work: the delivery task and the dispatcher of due deliveries.

``webhooks.deliver`` is enqueued after the commit that wrote a delivery, and by the
dispatcher for every delivery whose next attempt is due. Retries are the
dispatcher's job (``next_attempt_at`` on each delivery), not the task back end's:
in-process tasks are never retried and Celery's retry state is lost with its
broker, while a row in the database is not. Run the dispatcher every minute
(``learninghub webhooks dispatch``, from cron or a systemd timer, or
``--every 60`` as a long-running process).
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime

import sqlalchemy as sa
import transaction

from learninghub.db import get_tm_session
from learninghub.tasks import make_tenant_request, task
from learninghub.tenancy import Tenant

from .delivery import attempt, due_delivery_ids, lock_delivery
from .services import DELIVER_TASK, PLUGIN

log = logging.getLogger(__name__)


@task(DELIVER_TASK, max_retries=0)
def deliver(request, delivery_id: str, at: str | None = None) -> None:
    """Attempt one delivery if it is still pending and due (at ``at``, an ISO time
    given by the dispatcher's clock, else now). The row is locked (``FOR UPDATE`` on
    PostgreSQL) for the attempt, so two runs cannot send the same attempt twice; a
    run that finds it delivered or not yet due does nothing."""
    try:
        key = uuid.UUID(delivery_id)
        now = datetime.fromisoformat(at) if at else None
    except (TypeError, ValueError):
        log.warning("webhooks.deliver got malformed arguments %r %r", delivery_id, at)
        return
    delivery = lock_delivery(request, key)
    if delivery is None:
        return
    attempt(request, delivery, now)


def tenants_with_webhooks(registry, slug: str | None = None) -> list:
    """:class:`~learninghub.tenancy.TenantInfo` of the active tenants that enabled
    the plugin (only ``slug`` when given)."""
    resolver = registry["tenancy.resolver"]
    resolver.invalidate()
    if slug is not None:
        info = resolver.by_slug(slug)
        return [info] if info is not None and info.is_enabled(PLUGIN) else []
    tm = transaction.TransactionManager(explicit=True)
    tm.begin()
    try:
        session = get_tm_session(registry, tm)
        ids = list(session.scalars(sa.select(Tenant.id).where(Tenant.status == "active")))
    finally:
        tm.abort()
    found = []
    for tenant_id in ids:
        info = resolver.by_id(tenant_id)
        if info is not None and info.is_enabled(PLUGIN):
            found.append(info)
    return found


def dispatch_due(
    registry, now: datetime | None = None, slug: str | None = None, limit: int = 100
) -> int:
    """Enqueue ``webhooks.deliver`` for every due delivery of every tenant with the
    plugin (or of tenant ``slug``); returns how many were enqueued. With the
    in-process back end the attempts run before this returns."""
    total = 0
    for info in tenants_with_webhooks(registry, slug):
        tm = transaction.TransactionManager(explicit=True)
        request = make_tenant_request(registry, info, tm)
        tm.begin()
        try:
            ids = due_delivery_ids(request, now, limit)
            for delivery_id in ids:
                request.tasks.enqueue(
                    DELIVER_TASK,
                    delivery_id=str(delivery_id),
                    at=now.isoformat() if now is not None else None,
                )
        except Exception:
            tm.abort()
            log.exception("webhook dispatch failed for tenant %s", info.slug)
            continue
        else:
            tm.commit()  # dispatches the tasks (in-process: runs them now)
        finally:
            if "db" in request.__dict__:
                request.db.close()
        total += len(ids)
    return total
