"""Verification: walk a tenant's chain and report the first broken link.

The walk, in ``seq`` order:

1. the first remaining row is ``seq = 1`` linking to :data:`~.chain.GENESIS`, or
   the row right after a retention checkpoint's ``through_seq``, linking to the
   checkpoint's signed ``through_hash``;
2. every row follows the previous one without a gap (a deleted row leaves one),
   links to it (``prev_hash``) and still hashes to its ``hash`` (an edited field
   changes it);
3. every checkpoint's HMAC signature is valid (a forged or edited summary);
4. the signed head names the last row (rows removed at the end of the chain).

Pending rows (not yet sealed) are counted, not checked: they are not part of the
chain yet. Callers seal first (see :func:`.service.seal_now`).
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field
from typing import Any

import sqlalchemy as sa

from . import chain
from .models import AuditChainHead, AuditEvent

COLUMNS = [c for c in AuditEvent.__table__.c]


@dataclass(frozen=True)
class BrokenLink:
    #: the first seq that cannot be trusted
    seq: int
    reason: str
    row_id: str | None = None


@dataclass
class VerifyResult:
    tenant_id: str
    ok: bool = True
    checked: int = 0
    first_seq: int | None = None
    last_seq: int | None = None
    last_hash: str | None = None
    pending: int = 0
    checkpoints: int = 0
    broken: BrokenLink | None = None
    notes: list[str] = field(default_factory=list)

    def fail(self, seq: int, reason: str, row_id: Any = None) -> VerifyResult:
        self.ok = False
        self.broken = BrokenLink(seq, reason, str(row_id) if row_id is not None else None)
        return self

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _rows(db, tenant_id: uuid.UUID, *conditions):
    stmt = (
        sa.select(*COLUMNS)
        .where(AuditEvent.__table__.c.tenant_id == tenant_id, *conditions)
        .order_by(AuditEvent.__table__.c.seq)
        .execution_options(yield_per=2000)
    )
    return db.execute(stmt)


def verify_chain(
    db, tenant_id: uuid.UUID, secret: str, *, through_seq: int | None = None
) -> VerifyResult:
    """Check the tenant's chain (up to ``through_seq`` when given: then the head is
    not compared). Stops at the first broken link."""
    c = AuditEvent.__table__.c
    result = VerifyResult(str(tenant_id))
    result.pending = db.scalar(
        sa.select(sa.func.count()).where(c.tenant_id == tenant_id, c.seq.is_(None))
    )
    checkpoints = {
        row.through_seq: row
        for row in _rows(db, tenant_id, c.kind == "checkpoint", c.seq.is_not(None))
    }
    result.checkpoints = len(checkpoints)
    rows = _rows(db, tenant_id, c.seq.is_not(None))
    try:
        outcome = _walk(rows, checkpoints, secret, result, through_seq)
    finally:
        rows.close()
    if outcome is not None or through_seq is not None:
        return result
    return _check_head(db, tenant_id, secret, result)


def _walk(rows, checkpoints, secret, result, through_seq) -> VerifyResult | None:
    """The walk proper; returns the failed result at the first broken link."""
    expected_seq: int | None = None
    expected_prev = chain.GENESIS
    for row in rows:
        if through_seq is not None and row.seq > through_seq:
            break
        if expected_seq is None:  # the first remaining row
            result.first_seq = row.seq
            expected_seq = row.seq
            if row.seq != 1:
                start = checkpoints.get(row.seq - 1)
                if start is None:
                    covered = max((t for t in checkpoints if t < row.seq - 1), default=0)
                    return result.fail(
                        covered + 1,
                        f"rows {covered + 1}–{row.seq - 1} are missing and no retention "
                        "checkpoint accounts for them",
                    )
                if not chain.checkpoint_is_valid(secret, start):
                    return result.fail(
                        row.seq,
                        f"the retention checkpoint at seq {start.seq} that stands for rows "
                        f"up to {row.seq - 1} has an invalid signature",
                        start.id,
                    )
                expected_prev = (start.details or {}).get("through_hash", "")
        if row.seq != expected_seq:
            return result.fail(expected_seq, f"row {expected_seq} is missing (deleted)")
        if row.prev_hash != expected_prev:
            return result.fail(
                row.seq, "the row does not link to the previous row (prev_hash differs)", row.id
            )
        if row.hash != chain.row_hash(row.prev_hash, row):
            return result.fail(
                row.seq, "the row was changed after it was sealed (its hash differs)", row.id
            )
        if row.kind == "checkpoint" and not chain.checkpoint_is_valid(secret, row):
            return result.fail(row.seq, "the retention checkpoint's signature is invalid", row.id)
        result.checked += 1
        result.last_seq, result.last_hash = row.seq, row.hash
        expected_seq = row.seq + 1
        expected_prev = row.hash
    return None


def _check_head(db, tenant_id: uuid.UUID, secret: str, result: VerifyResult) -> VerifyResult:
    head = db.scalar(sa.select(AuditChainHead).where(AuditChainHead.tenant_id == tenant_id))
    last_seq = result.last_seq or 0
    if head is None:
        if result.checked:
            return result.fail(last_seq, "the chain head is missing")
        return result
    if not chain.head_is_valid(secret, head):
        return result.fail(head.last_seq, "the chain head's signature is invalid")
    if head.last_seq > last_seq:
        return result.fail(
            last_seq + 1,
            f"rows {last_seq + 1}–{head.last_seq} are missing at the end of the chain",
        )
    if head.last_seq < last_seq or head.last_hash != (result.last_hash or chain.GENESIS):
        return result.fail(
            head.last_seq + 1, "the rows after the signed chain head were not sealed by it"
        )
    return result
