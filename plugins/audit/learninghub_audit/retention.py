"""Retention: expired rows are summarised into a signed checkpoint, then removed.

One run, for the request's tenant, holding the chain head locked:

1. seal pending rows;
2. the expired prefix is every row up to the one before the oldest row that has
   not expired (``occurred_at >= now - retention_days``); rows are only ever removed
   from the *start* of the chain, so the rest stays one unbroken chain;
3. that prefix is verified first — a broken one is never removed (removing it
   would hide the tampering): the run is refused and the broken link logged;
4. a checkpoint row is appended to the chain (``kind = 'checkpoint'``): counts per
   action, first and last ``seq``, the ``prev_hash`` of the first removed row and
   the ``hash`` of the last one (``through_hash``, to which the first remaining row
   links), the previous checkpoint, cumulative totals, all HMAC-signed;
5. the prefix is deleted: on PostgreSQL through the ``SECURITY DEFINER`` function
   ``audit_apply_retention(tenant, checkpoint)`` (the only path the trigger lets
   delete rows, and only rows a sealed checkpoint covers); on SQLite directly.

Nothing is silently dropped: every removed row is counted in a signed checkpoint
that stays in the chain, and ``verify`` checks the link from it.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from learninghub.db import new_id, utcnow

from . import chain
from .models import AuditEvent
from .sealer import append, lock_head, seal_pending, secret_of
from .verify import VerifyResult, verify_chain

log = logging.getLogger(__name__)
PLUGIN = "audit"
CHECKPOINT_ACTION = "audit.retention.checkpoint"


class RetentionRefused(Exception):
    """The expired part of the chain does not verify; nothing was removed."""

    def __init__(self, result: VerifyResult):
        broken = result.broken
        super().__init__(
            f"retention refused: the chain is broken at seq {broken.seq}: {broken.reason}"
            if broken
            else "retention refused"
        )
        self.result = result


@dataclass(frozen=True)
class RetentionResult:
    removed: int = 0
    checkpoint_seq: int | None = None
    through_seq: int | None = None
    cutoff: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "removed": self.removed,
            "checkpoint_seq": self.checkpoint_seq,
            "through_seq": self.through_seq,
            "cutoff": self.cutoff.isoformat() if self.cutoff else None,
        }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def apply_retention(request, *, now: datetime | None = None) -> RetentionResult:
    """Run retention for ``request.tenant`` in ``request.db``'s transaction."""
    db = request.db
    tenant_id = request.tenant.id
    secret = secret_of(request.registry)
    days = request.plugin_settings(PLUGIN).retention_days
    now = now or utcnow()
    cutoff = now - timedelta(days=days)
    seal_pending(db, tenant_id, secret)
    head = lock_head(db, tenant_id, secret)  # already ours: refreshes the object
    c = AuditEvent.__table__.c
    sealed = (c.tenant_id == tenant_id, c.seq.is_not(None))
    start = db.scalar(sa.select(sa.func.min(c.seq)).where(*sealed))
    first_kept = db.scalar(sa.select(sa.func.min(c.seq)).where(*sealed, c.occurred_at >= cutoff))
    through = first_kept - 1 if first_kept is not None else head.last_seq
    if start is None or through < start:
        return RetentionResult(cutoff=cutoff)
    checked = verify_chain(db, tenant_id, secret, through_seq=through)
    if not checked.ok:
        log.error("audit retention refused for tenant %s: %s", tenant_id, checked.broken)
        raise RetentionRefused(checked)
    in_range = (*sealed, c.seq >= start, c.seq <= through)
    actions = Counter(
        dict(
            db.execute(
                sa.select(c.action, sa.func.count()).where(*in_range).group_by(c.action)
            ).all()
        )
    )
    first_at, last_at = db.execute(
        sa.select(sa.func.min(c.occurred_at), sa.func.max(c.occurred_at)).where(*in_range)
    ).one()
    from_prev_hash = db.scalar(sa.select(c.prev_hash).where(*sealed, c.seq == start))
    through_hash = db.scalar(sa.select(c.hash).where(*sealed, c.seq == through))
    previous = db.execute(
        sa.select(c.seq, c.hash, c.details).where(
            *sealed, c.kind == "checkpoint", c.through_seq == start - 1
        )
    ).first()
    earlier = (previous.details or {}).get("totals", {}) if previous is not None else {}
    totals = Counter(earlier.get("actions", {}))
    totals.update(actions)
    removed = sum(actions.values())
    details = {
        "from_seq": start,
        "through_seq": through,
        "from_prev_hash": from_prev_hash,
        "through_hash": through_hash,
        "removed": removed,
        "actions": dict(sorted(actions.items())),
        "first_occurred_at": _iso(first_at),
        "last_occurred_at": _iso(last_at),
        "cutoff": _iso(cutoff),
        "retention_days": days,
        "previous_checkpoint": (
            {"seq": previous.seq, "hash": previous.hash} if previous is not None else None
        ),
        "totals": {"removed": sum(totals.values()), "actions": dict(sorted(totals.items()))},
    }
    checkpoint = AuditEvent(
        id=new_id(),
        tenant_id=tenant_id,
        kind="checkpoint",
        occurred_at=now,
        action=CHECKPOINT_ACTION,
        actor_id=None,
        actor_label="",
        resource_type="audit_trail",
        resource_id=str(tenant_id),
        old_values=None,
        new_values=None,
        details=details,
        ip="",
        user_agent="",
        request_id=(getattr(request, "request_id", None) or "")[:100],
        through_seq=through,
    )
    checkpoint.signature = chain.sign_checkpoint(secret, checkpoint)
    db.add(checkpoint)
    append(head, checkpoint, secret, now)
    db.flush()
    deleted = _delete_through(db, tenant_id, checkpoint, through)
    if deleted != removed:  # the head lock makes this impossible; never hide it
        raise RuntimeError(f"retention removed {deleted} rows, summarised {removed}")
    log.info(
        "audit retention: tenant=%s removed seq %d-%d (%d rows) into checkpoint seq %d",
        tenant_id,
        start,
        through,
        removed,
        checkpoint.seq,
    )
    return RetentionResult(removed, checkpoint.seq, through, cutoff)


def _delete_through(db, tenant_id, checkpoint: AuditEvent, through: int) -> int:
    if db.get_bind().dialect.name == "postgresql":
        return int(
            db.scalar(
                sa.text("SELECT audit_apply_retention(:tenant, :checkpoint)"),
                {"tenant": tenant_id, "checkpoint": checkpoint.id},
            )
        )
    c = AuditEvent.__table__.c
    return db.execute(
        sa.delete(AuditEvent.__table__).where(
            c.tenant_id == tenant_id, c.seq.is_not(None), c.seq <= through
        )
    ).rowcount
