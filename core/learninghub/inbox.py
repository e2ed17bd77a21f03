"""The event inbox: domain events a plugin must act on exactly once, even when a worker
crashes.

``learninghub_domain_event`` runs after commit and is lost if the process stops before
its task runs; a plugin that must never miss an event (and never act twice on one:
notifications, points, badges) keeps it in its **inbox** instead, inside the
transaction that emitted it, and processes it in a task::

    from learninghub import inbox

    CONSUMER = "gamification"


    @hookimpl
    def learninghub_domain_event_emitted(request, event):
        if event.name in WANTED:
            inbox.keep(request, CONSUMER, event, "gamification.process_event")


    @task("gamification.process_event")
    def process_event(request, event_id):
        inbox.process(request, CONSUMER, event_id, apply_points)  # apply_points(request, event)

* :func:`keep` writes one ``event_inbox`` row per consumer and event (unique: a replayed
  event is kept once) in the emitting transaction (it commits or rolls back with the
  change) and queues the task after commit.
* :func:`process` locks the row, skips it unless it is pending, runs the handler and
  marks the row done **in the handler's transaction**: what the handler writes and the
  "done" mark commit together, so a crash before the commit leaves the row pending and a
  retry (or the sweep) does the whole work once. A handler that raises has its writes
  rolled back (a savepoint); the row records the attempt and the error and the task is
  queued again with a backoff, until the row is marked ``failed``.
* :func:`requeue` queues again the rows left pending by a lost task (an in-process task
  dies with its process), or the failed ones: ``learninghub events retry-inbox``.

Handlers must still be idempotent on their own effects when they talk to the outside
world (an email sent right before a crash may be sent again: deduplicate on the
event's id where it matters, e.g. a unique delivery row written before sending).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from .db import Base, TenantScoped, new_id, utcnow
from .events import DomainEvent

log = logging.getLogger(__name__)

PENDING = "pending"
DONE = "done"
FAILED = "failed"


class InboxEntry(TenantScoped, Base):
    """One domain event kept for one consumer (a plugin name)."""

    __tablename__ = "event_inbox"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "consumer", "event_id"),
        sa.Index("ix_event_inbox_pending", "consumer", "status", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=new_id)
    consumer: Mapped[str] = mapped_column(sa.String(60))
    task: Mapped[str] = mapped_column(sa.String(100))
    event_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    name: Mapped[str] = mapped_column(sa.String(120))
    actor_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid, default=None)
    resource_type: Mapped[str] = mapped_column(sa.String(60), default="")
    resource_id: Mapped[str] = mapped_column(sa.String(100), default="")
    payload: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    occurred_at: Mapped[datetime] = mapped_column()
    status: Mapped[str] = mapped_column(sa.String(10), default=PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(default=None)

    def to_event(self) -> DomainEvent:
        return DomainEvent(
            name=self.name,
            tenant_id=self.tenant_id,
            actor_id=self.actor_id,
            resource_type=self.resource_type,
            resource_id=self.resource_id,
            payload=dict(self.payload or {}),
            id=self.event_id,
            occurred_at=self.occurred_at,
        )


def keep(request, consumer: str, event: DomainEvent, task: str) -> bool:
    """Keep ``event`` for ``consumer`` in the request's transaction and queue ``task``
    (called as ``task(request, event_id=...)``) after commit. Call it from
    ``learninghub_domain_event_emitted``. Returns False when the event was already kept
    (a replay): nothing is written or queued then."""
    db = request.db
    entry = InboxEntry(
        consumer=consumer,
        task=task,
        event_id=event.id,
        name=event.name,
        actor_id=event.actor_id,
        resource_type=str(event.resource_type or "")[:60],
        resource_id=str(event.resource_id or "")[:100],
        payload=event.payload or {},
        occurred_at=event.occurred_at,
    )
    try:
        with db.begin_nested():
            db.add(entry)
            db.flush()
    except IntegrityError:
        return False
    request.tasks.enqueue(task, event_id=str(event.id))
    return True


def _entry(db, consumer: str, event_id: Any, *, lock: bool) -> InboxEntry | None:
    try:
        key = event_id if isinstance(event_id, uuid.UUID) else uuid.UUID(str(event_id))
    except ValueError:
        return None
    stmt = sa.select(InboxEntry).where(InboxEntry.consumer == consumer, InboxEntry.event_id == key)
    if lock:
        stmt = stmt.with_for_update()
    return db.scalar(stmt)


def process(
    request,
    consumer: str,
    event_id: Any,
    handler: Callable[[Any, DomainEvent], None],
    *,
    max_attempts: int = 8,
) -> bool:
    """Run ``handler(request, event)`` once for the kept event, in the request's
    transaction (a savepoint), and mark it done there. Returns True when it ran, False
    when there was nothing to do (unknown id, already done or failed) or the handler
    raised: its writes are then rolled back, the error recorded on the row, and the task
    queued again with an exponential backoff (10 s, 20 s, 40 s, ... at most an hour)
    until ``max_attempts`` attempts, after which the row is ``failed`` (the sweep with
    ``--failed`` tries those again)."""
    db = request.db
    entry = _entry(db, consumer, event_id, lock=True)
    if entry is None or entry.status != PENDING:
        return False
    entry.attempts += 1
    try:
        with db.begin_nested():
            handler(request, entry.to_event())
    except Exception as exc:
        log.warning(
            "event inbox: %s failed on %s (%s), attempt %d",
            consumer,
            entry.name,
            entry.event_id,
            entry.attempts,
            exc_info=True,
        )
        entry.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        if entry.attempts >= max_attempts:
            entry.status = FAILED
        else:
            delay = timedelta(seconds=min(3600, 10 * 2 ** (entry.attempts - 1)))
            request.tasks.enqueue_at(utcnow() + delay, entry.task, event_id=str(entry.event_id))
        db.flush()
        return False
    entry.status = DONE
    entry.last_error = ""
    entry.processed_at = utcnow()
    db.flush()
    return True


def pending_ids(
    db, consumer: str | None = None, *, older_than: timedelta = timedelta(minutes=5), failed=False
) -> list:
    """``(event_id, task)`` of the events left pending for ``older_than`` (their task was
    lost with a stopped process), or of the ``failed`` ones, oldest first (at most 1000
    per call): for sweeps. ``consumer`` None: every consumer."""
    stmt = sa.select(InboxEntry.event_id, InboxEntry.task).order_by(InboxEntry.created_at)
    if consumer is not None:
        stmt = stmt.where(InboxEntry.consumer == consumer)
    if failed:
        stmt = stmt.where(InboxEntry.status == FAILED)
    else:
        stmt = stmt.where(
            InboxEntry.status == PENDING, InboxEntry.created_at <= utcnow() - older_than
        )
    return list(db.execute(stmt.limit(1000)).all())


def requeue(
    request,
    consumer: str | None = None,
    *,
    older_than: timedelta = timedelta(minutes=5),
    failed: bool = False,
) -> int:
    """Queue again (after commit) the task of every event left pending (or ``failed``,
    which become pending again with their attempts reset); returns how many."""
    rows = pending_ids(request.db, consumer, older_than=older_than, failed=failed)
    if failed and rows:
        ids = [event_id for event_id, _ in rows]
        stmt = sa.update(InboxEntry).where(
            InboxEntry.event_id.in_(ids), InboxEntry.status == FAILED
        )
        if consumer is not None:
            stmt = stmt.where(InboxEntry.consumer == consumer)
        request.db.execute(stmt.values(status=PENDING, attempts=0))
    for event_id, task in rows:
        request.tasks.enqueue(task, event_id=str(event_id))
    return len(rows)
