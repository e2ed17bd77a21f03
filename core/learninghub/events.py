"""Domain events and the after-commit queue.

``request.emit(name, ...)`` records a :class:`DomainEvent`; when (and only when) the
request's transaction commits, the kernel calls the ``learninghub_domain_event``
hook for the tenant's enabled plugins. A rolled-back request emits nothing.

:func:`after_commit` is the primitive under events and task enqueueing (the mailer
joins the transaction with its own after-commit hook): callbacks run in order after
a successful commit; a callback added while the
queue drains (an event handler enqueueing a task) runs in the same drain; outside
a transaction the callback runs at once.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import transaction
from transaction._transaction import Status
from transaction.interfaces import NoTransaction

from .db import utcnow

log = logging.getLogger("learninghub.events")
_QUEUE_KEY = "learninghub.after_commit"


class _Queue:
    def __init__(self) -> None:
        self.callbacks: list[Callable[[], Any]] = []
        self.draining = False

    def drain(self, success: bool) -> None:
        if not success:
            self.callbacks.clear()
            return
        self.draining = True
        try:
            while self.callbacks:
                callback = self.callbacks.pop(0)
                try:
                    callback()
                except Exception:
                    log.exception("after-commit callback %r failed", callback)
        finally:
            self.draining = False


def after_commit(
    transaction_manager: transaction.TransactionManager | None, callback: Callable[[], Any]
) -> None:
    """Run ``callback()`` after the current transaction of ``transaction_manager``
    commits; never if it aborts; at once when there is no open transaction."""
    if transaction_manager is None:
        callback()
        return
    try:
        txn = transaction_manager.get()
    except NoTransaction:
        callback()
        return
    if txn.status in (Status.DOOMED, Status.COMMITFAILED):
        return  # the transaction will roll back: nothing happened
    if txn.status != Status.ACTIVE:
        callback()  # already committing/committed: we are inside the drain
        return
    try:
        queue = txn.data(_QUEUE_KEY)
    except KeyError:
        queue = _Queue()
        txn.set_data(_QUEUE_KEY, queue)
        txn.addAfterCommitHook(queue.drain)
    queue.callbacks.append(callback)


@dataclass(frozen=True)
class DomainEvent:
    """Something that happened in one tenant.

    ``name`` is ``<plugin>.<resource>.<verb>`` in the past tense, e.g.
    ``announcements.announcement.published``."""

    name: str
    tenant_id: uuid.UUID
    actor_id: uuid.UUID | None
    resource_type: str
    resource_id: str
    payload: dict[str, Any] = field(default_factory=dict)
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    occurred_at: datetime = field(default_factory=utcnow)
    request_id: str | None = None


def emit(
    request,
    name: str,
    *,
    resource_type: str = "",
    resource_id: Any = "",
    payload: dict[str, Any] | None = None,
) -> DomainEvent:
    """Record a domain event for the request's tenant; delivered after commit."""
    tenant = request.tenant
    if tenant is None:
        raise RuntimeError("domain events need a tenant")
    user = getattr(request, "identity", None)
    event = DomainEvent(
        name=name,
        tenant_id=tenant.id,
        actor_id=user.id if user is not None else None,
        resource_type=resource_type,
        resource_id=str(resource_id),
        payload=payload or {},
        request_id=getattr(request, "request_id", None),
    )

    def deliver() -> None:
        # every committed event is logged (the audit trail until the audit plugin stores it)
        log.info(
            "domain event %s",
            event.name,
            extra={
                "event": event.name,
                "event_id": str(event.id),
                "actor": str(event.actor_id) if event.actor_id else None,
                "resource": f"{event.resource_type}:{event.resource_id}",
            },
        )
        request.hooks.learninghub_domain_event(request=request, event=event)

    # in-transaction observers (e.g. the audit trail) write atomically with the change
    request.hooks.learninghub_domain_event_emitted(request=request, event=event)
    after_commit(getattr(request, "tm", None), deliver)
    return event


def includeme(config) -> None:
    config.add_request_method(emit, "emit")
