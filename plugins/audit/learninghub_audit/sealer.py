"""Sealing: pending rows get the tenant's next ``seq`` and their chain hash.

Rows are inserted *pending* in the transaction of the change they record, so
recording never waits for the chain. Sealing extends the chain while holding the
tenant's head row (``audit_chain_heads``) locked, in one of two places:

1. **At commit, if the head is free** (the common case). A before-commit hook of
   the recording transaction locks the head with ``FOR UPDATE SKIP LOCKED`` and
   seals inside a savepoint. The lock is held only from that moment until the
   commit completes; a transaction that finds the head busy (or missing) never
   waits: it leaves its rows pending and queues the ``audit.seal`` task instead.
   A failure while sealing rolls the savepoint back and queues the task too: it
   never fails the change (a failure to *record* does, see :mod:`.recorder`).
2. **In a transaction of its own**: the ``audit.seal`` task (after commit), and
   before every verification, export and retention run. It creates the head if
   needed (``INSERT ... ON CONFLICT DO NOTHING``) and waits for the lock.

On SQLite there is no row lock: the whole database has one writer at a time, and
a transaction that recorded a row already holds the write lock, so the at-commit
path always finds the head free. The task path starts with a write (the insert),
so SQLite's write lock is taken before anything is read.

Rows are sealed in (occurred_at, id) order of the rows visible to the sealer: its
own and those of committed transactions. A sealer that fails rolls back; the rows
stay pending and the next sealer takes them.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from learninghub.db import new_id, utcnow

from . import chain
from .models import AuditChainHead, AuditEvent

log = logging.getLogger(__name__)
SEAL_TASK = "audit.seal"
RETENTION_TASK = "audit.apply_retention"
#: a sealer asks for a retention run at most this often per tenant
RETENTION_EVERY = timedelta(days=1)


@dataclass(frozen=True)
class SealResult:
    sealed: int
    last_seq: int
    last_hash: str
    #: the sealer marked the tenant's daily retention run as due
    retention_due: bool = False


def secret_of(registry) -> str:
    return registry.settings["secret.key"]


def ensure_head(db, tenant_id: uuid.UUID, secret: str) -> None:
    """Create the tenant's (empty, signed) chain head unless it exists."""
    dialect = db.get_bind().dialect.name
    values = {
        "id": new_id(),
        "tenant_id": tenant_id,
        "last_seq": 0,
        "last_hash": chain.GENESIS,
        "signature": chain.sign_head(secret, tenant_id, 0, chain.GENESIS),
    }
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    db.execute(
        insert(AuditChainHead.__table__)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["tenant_id"])
    )


#: the sealer filters by tenant itself (row-level security still applies): skipping
#: the session's loader criteria keeps its statements cacheable on the hot path
_OWN_FILTER = {"skip_tenant_filter": True}


def _head_query(tenant_id: uuid.UUID, *, skip_locked: bool):
    return (
        sa.select(AuditChainHead)
        .where(AuditChainHead.tenant_id == tenant_id)
        .with_for_update(skip_locked=skip_locked)
        .execution_options(populate_existing=True, **_OWN_FILTER)
    )


def lock_head(db, tenant_id: uuid.UUID, secret: str) -> AuditChainHead:
    """The tenant's chain head, created if needed and locked for this transaction
    (waiting for another sealer to finish)."""
    ensure_head(db, tenant_id, secret)
    return db.scalars(_head_query(tenant_id, skip_locked=False)).one()


def append(head: AuditChainHead, row: AuditEvent, secret: str, now: datetime) -> None:
    """Make ``row`` the next link of ``head``'s chain (head must be locked)."""
    row.seq = head.last_seq + 1
    row.prev_hash = head.last_hash
    row.hash = chain.row_hash(row.prev_hash, row)
    head.last_seq = row.seq
    head.last_hash = row.hash
    head.signature = chain.sign_head(secret, head.tenant_id, head.last_seq, head.last_hash)
    head.sealed_at = now


def _seal_into(db, head: AuditChainHead, secret: str, batch: int = 1000) -> SealResult:
    tenant_id = head.tenant_id
    sealed = 0
    now = utcnow()
    while True:
        rows = db.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.tenant_id == tenant_id, AuditEvent.seq.is_(None))
            .order_by(AuditEvent.occurred_at, AuditEvent.id)
            .limit(batch)
            .execution_options(**_OWN_FILTER)
        ).all()
        for row in rows:
            append(head, row, secret, now)
        sealed += len(rows)
        if len(rows) < batch:
            break
        db.flush()
    due = head.retention_checked_at is None or now - head.retention_checked_at >= RETENTION_EVERY
    if due:
        head.retention_checked_at = now
    db.flush()
    if sealed:
        # heads in the logs are an anchor outside the database: a chain rewritten
        # by someone holding the secret key still disagrees with them
        log.info(
            "audit chain sealed: tenant=%s sealed=%d head_seq=%d head_hash=%s",
            tenant_id,
            sealed,
            head.last_seq,
            head.last_hash,
        )
    return SealResult(sealed, head.last_seq, head.last_hash, due)


def seal_pending(db, tenant_id: uuid.UUID, secret: str) -> SealResult:
    """Seal every pending row of the tenant visible to ``db``, waiting for the head
    lock (the task, verification, export and retention path)."""
    return _seal_into(db, lock_head(db, tenant_id, secret), secret)


def try_seal(db, tenant_id: uuid.UUID, secret: str) -> SealResult | None:
    """Seal like :func:`seal_pending` if the head exists and is not locked by
    another transaction; None (and nothing done) otherwise. Never waits."""
    head = db.scalars(_head_query(tenant_id, skip_locked=True)).first()
    if head is None:
        return None
    return _seal_into(db, head, secret)


def seal_at_commit(request) -> None:
    """Before-commit hook of a transaction that recorded rows (see the module
    docstring); queues the seal task when it cannot seal at once, and the
    retention task when the tenant's daily run is due."""
    db = request.db
    result = None
    try:
        with db.begin_nested():
            result = try_seal(db, request.tenant.id, secret_of(request.registry))
    except Exception:
        log.exception("audit: sealing at commit failed; the seal task will retry")
        result = None
    if result is None:
        request.tasks.enqueue(SEAL_TASK)
    elif result.retention_due:
        request.tasks.enqueue(RETENTION_TASK)
