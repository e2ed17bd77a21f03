"""Sealing: pending rows get the tenant's next ``seq`` and their chain hash.

Recording never waits for other transactions: rows are inserted pending. Sealing
runs afterwards in a short transaction of its own (the ``audit.seal`` task, queued
after commit by every transaction that recorded something, and before every
verification, export and retention run) and holds the tenant's head row locked
while it extends the chain:

* PostgreSQL: ``INSERT ... ON CONFLICT DO NOTHING`` creates the head once, then
  ``SELECT ... FOR UPDATE`` locks it: two sealers of one tenant take turns; other
  tenants are not affected.
* SQLite: the ``INSERT`` is the transaction's first write, so SQLite's database
  write lock is taken before anything is read (no stale read can be upgraded).

Rows are sealed in (occurred_at, id) order of the rows committed so far; a row
committed later is sealed by its own transaction's task. A sealer that dies
half-way rolls back: the rows stay pending and the next sealer takes them.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from learninghub.db import new_id, utcnow

from . import chain
from .models import AuditChainHead, AuditEvent

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SealResult:
    sealed: int
    last_seq: int
    last_hash: str


def secret_of(registry) -> str:
    return registry.settings["secret.key"]


def lock_head(db, tenant_id: uuid.UUID, secret: str) -> AuditChainHead:
    """The tenant's chain head, created if needed and locked for this transaction."""
    dialect = db.get_bind().dialect.name
    values = {
        "id": new_id(),
        "tenant_id": tenant_id,
        "last_seq": 0,
        "last_hash": chain.GENESIS,
        "signature": chain.sign_head(secret, tenant_id, 0, chain.GENESIS),
    }
    table = AuditChainHead.__table__
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    db.execute(insert(table).values(**values).on_conflict_do_nothing(index_elements=["tenant_id"]))
    head = db.scalars(
        sa.select(AuditChainHead)
        .where(AuditChainHead.tenant_id == tenant_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    return head


def append(head: AuditChainHead, row: AuditEvent, secret: str, now: datetime) -> None:
    """Make ``row`` the next link of ``head``'s chain (head must be locked)."""
    row.seq = head.last_seq + 1
    row.prev_hash = head.last_hash
    row.hash = chain.row_hash(row.prev_hash, row)
    head.last_seq = row.seq
    head.last_hash = row.hash
    head.signature = chain.sign_head(secret, head.tenant_id, head.last_seq, head.last_hash)
    head.sealed_at = now


def seal_pending(db, tenant_id: uuid.UUID, secret: str, *, batch: int = 1000) -> SealResult:
    """Seal every committed pending row of the tenant; returns how many."""
    head = lock_head(db, tenant_id, secret)
    sealed = 0
    now = utcnow()
    while True:
        rows = db.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.tenant_id == tenant_id, AuditEvent.seq.is_(None))
            .order_by(AuditEvent.occurred_at, AuditEvent.id)
            .limit(batch)
        ).all()
        if not rows:
            break
        for row in rows:
            append(head, row, secret, now)
        db.flush()
        sealed += len(rows)
    if sealed:
        # an anchor outside the database: shipped logs keep the heads, so that a
        # rewritten chain (which needs the secret key) cannot also rewrite history
        log.info(
            "audit chain sealed: tenant=%s sealed=%d head_seq=%d head_hash=%s",
            tenant_id,
            sealed,
            head.last_seq,
            head.last_hash,
        )
    return SealResult(sealed, head.last_seq, head.last_hash)
