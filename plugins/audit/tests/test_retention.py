"""Retention: expired rows become a signed checkpoint; the chain keeps verifying; a
tampered checkpoint is detected; a broken chain is never trimmed."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

import learninghub.tasks
from learninghub.db import utcnow
from learninghub.testing.plugin import SECRET
from learninghub_audit import chain
from learninghub_audit.models import AuditChainHead, AuditEvent
from learninghub_audit.retention import CHECKPOINT_ACTION, RetentionRefused, apply_retention
from learninghub_audit.sealer import seal_pending
from learninghub_audit.service import in_own_transaction
from learninghub_audit.verify import verify_chain

IN = "accounts.signin.succeeded"
OUT = "accounts.signin.failed"


@pytest.fixture
def aged(db):
    """``aged(tenant, (days_ago, action), ...)``: insert rows of that age and seal
    them (oldest first, as the sealer orders them)."""

    def make(tenant, *specs):
        now = utcnow()
        for i, (days, action) in enumerate(specs):
            db.add(
                AuditEvent(
                    tenant_id=tenant.id,
                    occurred_at=now - timedelta(days=days, seconds=-i),
                    action=action,
                    details={"n": i},
                )
            )
        db.flush()
        seal_pending(db, tenant.id, SECRET)
        db.flush()

    return make


@pytest.fixture
def retain(registry):
    """``retain(tenant, now=None)``: one retention run in its own transaction."""

    def run(tenant, now=None):
        registry["tenancy.resolver"].invalidate()
        info = registry["tenancy.resolver"].by_id(tenant.id)
        return in_own_transaction(registry, info, lambda r: apply_retention(r, now=now))

    return run


def verified(db, tenant):
    return verify_chain(db, tenant.id, SECRET)


def test_expired_rows_become_a_signed_checkpoint(tenant, aged, retain, rows, db, head):
    aged(tenant, (400, IN), (399, IN), (398, OUT), (397, IN), (396, OUT), (100, IN), (1, OUT))
    before = rows(tenant)
    assert [r.seq for r in before] == [1, 2, 3, 4, 5, 6, 7]
    hashes = [r.hash for r in before]
    result = retain(tenant)
    assert (result.removed, result.through_seq, result.checkpoint_seq) == (5, 5, 8)
    left = rows(tenant)
    assert [r.seq for r in left] == [6, 7, 8]
    checkpoint = left[-1]
    assert checkpoint.kind == "checkpoint" and checkpoint.action == CHECKPOINT_ACTION
    assert checkpoint.through_seq == 5
    assert chain.checkpoint_is_valid(SECRET, checkpoint)
    d = checkpoint.details
    assert (d["from_seq"], d["through_seq"], d["removed"]) == (1, 5, 5)
    assert d["actions"] == {IN: 3, OUT: 2}
    assert d["from_prev_hash"] == chain.GENESIS
    assert d["through_hash"] == hashes[4] == left[0].prev_hash
    assert d["previous_checkpoint"] is None and d["totals"] == {
        "removed": 5,
        "actions": d["actions"],
    }
    assert d["retention_days"] == 365
    assert head(tenant).last_seq == 8
    result = verified(db, tenant)
    assert result.ok, result.broken
    assert (result.first_seq, result.last_seq, result.checked, result.checkpoints) == (6, 8, 3, 1)
    # nothing more has expired: a second run changes nothing
    assert retain(tenant).removed == 0
    assert [r.seq for r in rows(tenant)] == [6, 7, 8]


def test_later_checkpoints_chain_to_earlier_ones(tenant, aged, retain, rows, db, plugin_admin):
    aged(tenant, (400, IN), (400, OUT), (100, IN), (100, IN), (1, OUT))
    first = retain(tenant)
    assert (first.removed, first.checkpoint_seq) == (2, 6)
    plugin_admin.settings(tenant, retention_days=30)
    second = retain(tenant)
    assert (second.removed, second.through_seq, second.checkpoint_seq) == (2, 4, 7)
    cp = rows(tenant)[-1]
    assert cp.details["previous_checkpoint"]["seq"] == 6
    assert cp.details["totals"] == {"removed": 4, "actions": {IN: 3, OUT: 1}}
    assert verified(db, tenant).ok
    # a year later everything has expired, the checkpoints too: one summary remains
    third = retain(tenant, now=utcnow() + timedelta(days=400))
    assert (third.removed, third.through_seq, third.checkpoint_seq) == (3, 7, 8)
    (only,) = rows(tenant)
    assert only.seq == 8 and only.details["totals"]["removed"] == 7
    assert only.details["totals"]["actions"] == {IN: 3, OUT: 2, CHECKPOINT_ACTION: 2}
    result = verified(db, tenant)
    assert result.ok and result.first_seq == 8 and result.checked == 1


def test_a_tampered_checkpoint_is_detected(
    tenant, aged, retain, rows, db, tamper, key, client, admin, cli
):
    aged(tenant, (400, IN), (400, OUT), (1, IN))
    retain(tenant)
    checkpoint = rows(tenant)[-1]
    assert checkpoint.seq == 4
    # fewer rows claimed removed: the summary's signature (and its hash) no longer match
    tamper(
        "UPDATE audit_events SET details = :d WHERE id = :id",
        d=chain.canonical_json({**checkpoint.details, "removed": 1}),
        id=key(checkpoint),
    )
    result = client(tenant, admin).get("/api/v1/audit/verify").json
    # row 3, the first that rests on the checkpoint, is the first untrusted one
    assert result["ok"] is False and result["broken"]["seq"] == 3
    assert "checkpoint at seq 4" in result["broken"]["reason"]
    assert "invalid signature" in result["broken"]["reason"]
    out = cli("verify", "--tenant", tenant.slug)
    assert out.exit_code == 1 and "BROKEN at seq 3" in out.output


def test_a_checkpoint_forged_without_the_key_fails_its_signature(
    tenant, aged, retain, rows, db, tamper, key
):
    """An attacker who could even re-sign the head (but not checkpoints) rewrites
    the summary and every hash after it: the checkpoint's signature gives it away,
    both where it stands and where the remaining rows start from it."""
    aged(tenant, (400, IN), (400, OUT), (1, IN))
    retain(tenant)
    checkpoint = rows(tenant)[-1]
    db.expunge(checkpoint)
    checkpoint.details = {**checkpoint.details, "removed": 0, "actions": {}}
    checkpoint.hash = chain.row_hash(checkpoint.prev_hash, checkpoint)
    tamper(
        "UPDATE audit_events SET details = :d, hash = :h WHERE id = :id",
        d=chain.canonical_json(checkpoint.details),
        h=checkpoint.hash,
        id=key(checkpoint),
    )
    tamper(
        "UPDATE audit_chain_heads SET last_hash = :h, signature = :s WHERE tenant_id = :t",
        h=checkpoint.hash,
        s=chain.sign_head(SECRET, tenant.id, checkpoint.seq, checkpoint.hash),
        t=key(tenant.id),
    )
    result = verified(db, tenant)
    assert result.ok is False
    assert result.broken.seq == 3  # the first remaining row links to a forged summary
    assert "invalid signature" in result.broken.reason


def test_rows_removed_without_a_checkpoint_are_reported(tenant, aged, rows, db, tamper, key):
    aged(tenant, (400, IN), (400, OUT), (1, IN))
    first, second, _ = rows(tenant)
    for row in (first, second):
        tamper("DELETE FROM audit_events WHERE id = :id", id=key(row))
    result = verified(db, tenant)
    assert result.broken.seq == 1
    assert "no retention checkpoint accounts for them" in result.broken.reason


def test_a_broken_chain_is_never_trimmed(tenant, aged, retain, rows, tamper, key):
    aged(tenant, (400, IN), (400, OUT), (1, IN))
    victim = rows(tenant)[1]
    tamper("UPDATE audit_events SET actor_label = 'x' WHERE id = :id", id=key(victim))
    with pytest.raises(RetentionRefused, match="broken at seq 2"):
        retain(tenant)
    assert [r.seq for r in rows(tenant)] == [1, 2, 3]


def test_the_sealer_queues_retention_at_most_daily(registry, tenant, db, monkeypatch):
    messages = []
    monkeypatch.setattr(learninghub.tasks, "dispatch", lambda reg, m: messages.append(m))
    db.add(AuditEvent(tenant_id=tenant.id, occurred_at=utcnow(), action=IN))  # pending
    db.flush()
    for _ in range(2):
        learninghub.tasks.run_task(registry, "audit.seal", str(tenant.id), {})
    assert [m.name for m in messages] == ["audit.apply_retention"]
    db.expire_all()
    h = db.scalar(sa.select(AuditChainHead).where(AuditChainHead.tenant_id == tenant.id))
    assert h.retention_checked_at is not None
    assert (
        learninghub.tasks.run_task(registry, "audit.apply_retention", str(tenant.id), {}) == "done"
    )


def test_cli_retention(tenant, aged, cli, rows):
    aged(tenant, (400, IN), (1, IN))
    out = cli("retention", "--tenant", tenant.slug)
    assert out.exit_code == 0, out.output
    assert f"{tenant.slug}: removed 1 rows (up to seq 1) into checkpoint seq 3" in out.output
    again = cli("retention", "--tenant", tenant.slug)
    assert f"{tenant.slug}: nothing has expired" in again.output


# ----------------------------------------------------------------- the retention page

PAGE = "/admin/audit/retention"


def test_retention_page_saves_the_period_and_records_the_change(
    tenant, admin, page_browser, rows, registry
):
    b = page_browser(tenant, admin)
    page = b.get(PAGE)
    assert page.status_int == 200 and 'value="365"' in page.text
    bad = b.submit(page, PAGE, {"action": "save", "retention_days": "5"})
    assert bad.status_int == 422 and 'id="e-retention_days"' in bad.text
    assert 'href="#f-retention_days"' in bad.text
    saved = b.submit(page, PAGE, {"action": "save", "retention_days": "90"})
    assert saved.status_int == 303 and saved.location.endswith(f"{PAGE}?saved=1")
    registry["tenancy.resolver"].invalidate()
    info = registry["tenancy.resolver"].by_id(tenant.id)
    assert info.plugin_settings["audit"] == {"retention_days": 90}
    assert 'value="90"' in b.get(PAGE).text
    (row,) = rows(tenant, "audit.settings.changed")
    assert row.actor_id == admin.id
    assert (row.old_values, row.new_values) == ({"retention_days": 365}, {"retention_days": 90})


def test_retention_page_applies_retention_now(tenant, admin, aged, page_browser, rows):
    aged(tenant, (400, IN), (400, OUT), (1, IN))
    b = page_browser(tenant, admin)
    page = b.get(PAGE)
    applied = b.submit(page, PAGE, {"action": "apply"})
    assert applied.status_int == 303 and applied.location.endswith(f"{PAGE}?removed=2")
    after = b.get(applied.location)
    assert "2 rows summarised into a checkpoint" in after.text
    assert "rows 1 to 2" in after.text
    (request_row,) = rows(tenant, "audit.retention.applied")
    assert request_row.actor_id == admin.id and request_row.details["removed"] == 2


def test_retention_page_is_for_managers_only(tenant, user_factory, page_browser, admin):
    visitor = page_browser(tenant).get(PAGE)
    assert visitor.status_int == 303 and "/login?next=" in visitor.location
    for role in ("learner", "instructor"):
        assert page_browser(tenant, user_factory(tenant, role)).get(PAGE).status_int == 403
    b = page_browser(tenant, admin)
    page = b.get(PAGE)
    no_csrf = b.submit(page, PAGE, {"action": "save", "retention_days": "90"}, csrf=False)
    assert no_csrf.status_int in (400, 403)


def test_retention_page_of_another_tenant_is_refused(
    tenant, other_tenant, admin, page_browser, session_cookie
):
    replayed = page_browser(other_tenant, cookie=session_cookie(tenant, admin)).get(PAGE)
    assert replayed.status_int == 303  # not signed in there: sent to sign in
