"""What gets recorded, with which facts, and only for committed changes."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
import transaction

from learninghub.hookspecs import hookimpl
from learninghub.identity import User
from learninghub.tasks import make_tenant_request
from learninghub.testing.plugin import PASSWORD
from learninghub_audit.interfaces import IAuditTrail
from learninghub_audit.redact import REDACTED

from .conftest import AGENT


def test_sign_in_is_recorded_with_ip_user_agent_and_request_id(tenant, user_factory, sign_in, rows):
    user = user_factory(tenant, "learner")
    r = sign_in(tenant, user.email, PASSWORD, request_id="req-signin-42")
    assert r.status_int == 200, r.text
    (row,) = rows(tenant, "accounts.signin.succeeded")
    assert row.actor_id == user.id and row.actor_label == user.email  # the user signed in
    assert (row.resource_type, row.resource_id) == ("user", str(user.id))
    assert row.ip == "203.0.113.7"
    assert row.user_agent == AGENT
    assert row.request_id == "req-signin-42"
    assert row.event_id is not None and row.occurred_at.tzinfo is not None
    # sealed by the task that ran after commit
    assert row.seq is not None and len(row.hash) == 64 and len(row.prev_hash) == 64


def test_failed_sign_in_is_recorded_without_an_actor(tenant, user_factory, sign_in, rows):
    user = user_factory(tenant, "learner")
    r = sign_in(tenant, user.email, "wrong password entirely")
    assert r.status_int == 401
    (row,) = rows(tenant, "accounts.signin.failed")
    assert row.actor_id is None and row.actor_label == ""
    assert row.resource_id == str(user.id)
    assert row.details == {"ip": "203.0.113.7"}
    assert row.user_agent == AGENT


def test_role_change_records_actor_and_role(tenant, admin, user_factory, client, rows):
    learner = user_factory(tenant, "learner")
    r = client(tenant, admin).post_json(
        f"/api/v1/admin/users/{learner.id}/roles", {"role": "instructor"}
    )
    assert r.status_int == 200, r.text
    (row,) = rows(tenant, "accounts.role.granted")
    assert row.actor_id == admin.id and row.actor_label == admin.email
    assert row.resource_id == str(learner.id)
    assert row.details["role"] == "instructor"


def test_settings_change_keeps_old_and_new_values(tenant, admin, client, rows):
    before = client(tenant, admin).get("/api/v1/tenant/settings").json["name"]
    client(tenant, admin).patch_json("/api/v1/tenant/settings", {"name": "Renamed school"})
    (row,) = rows(tenant, "tenant.settings_changed")
    assert row.old_values == {"name": before}
    assert row.new_values == {"name": "Renamed school"}
    assert row.details == {}


class Doomer:
    """Dooms the transaction of every request that emits an event: the change (and
    its audit row) must roll back. ``trylast``: after the audit plugin recorded the
    event (the kernel's ``after_commit`` runs callbacks at once for a transaction
    that is already doomed, so dooming first would test that quirk instead)."""

    @hookimpl(trylast=True)
    def learninghub_domain_event_emitted(self, request, event):
        request.tm.doom()


@pytest.fixture
def doomed_requests(registry):
    pm = registry["plugins"].pm
    pm.register(Doomer(), name="audit-test-doomer")
    try:
        yield
    finally:
        pm.unregister(name="audit-test-doomer")


def test_a_rolled_back_change_records_nothing(
    tenant, admin, client, rows, head, db, dispatched, doomed_requests
):
    c = client(tenant, admin)
    before = c.get("/api/v1/tenant/settings").json["name"]
    c.patch_json("/api/v1/tenant/settings", {"name": "Never saved"})
    assert c.get("/api/v1/tenant/settings").json["name"] == before  # the change rolled back
    assert rows(tenant) == []
    assert head(tenant).last_seq == 0  # the chain did not move
    assert [m for m in dispatched if m.name.startswith("audit.")] == []


def test_an_aborted_transaction_records_nothing_and_queues_no_seal(
    registry, tenant, rows, dispatched
):
    tm = transaction.TransactionManager(explicit=True)
    request = make_tenant_request(registry, registry["tenancy.resolver"].by_id(tenant.id), tm)
    tm.begin()
    request.emit("accounts.user.suspended", resource_type="user", resource_id=uuid.uuid4())
    request.find_service(IAuditTrail).record("reports.grades.exported", details={"rows": 3})
    tm.abort()
    request.db.close()
    assert rows(tenant) == []
    assert dispatched == []


def _commit_events(registry, tenant, count):
    tm = transaction.TransactionManager(explicit=True)
    request = make_tenant_request(registry, registry["tenancy.resolver"].by_id(tenant.id), tm)
    tm.begin()
    for _ in range(count):
        request.emit("accounts.user.suspended", resource_type="user", resource_id=uuid.uuid4())
    tm.commit()
    request.db.close()


def test_rows_are_sealed_when_their_transaction_commits(registry, tenant, rows, dispatched):
    _commit_events(registry, tenant, 3)
    assert [r.seq for r in rows(tenant)] == [1, 2, 3]
    # nothing left for the seal task; only the tenant's first daily retention check
    assert [m.name for m in dispatched] == ["audit.apply_retention"]
    _commit_events(registry, tenant, 1)
    assert [r.seq for r in rows(tenant)] == [1, 2, 3, 4]
    assert [m.name for m in dispatched] == ["audit.apply_retention"]


def test_a_transaction_that_cannot_seal_leaves_it_to_the_task(
    registry, tenant, rows, dispatched, monkeypatch
):
    import learninghub_audit.sealer

    # as when another transaction holds the head (FOR UPDATE SKIP LOCKED finds none)
    monkeypatch.setattr(learninghub_audit.sealer, "try_seal", lambda db, tid, secret: None)
    _commit_events(registry, tenant, 2)
    assert [r.seq for r in rows(tenant)] == [None, None]
    assert [m.name for m in dispatched] == ["audit.seal"]  # one per transaction
    monkeypatch.undo()
    import learninghub.tasks

    learninghub.tasks.run_task(registry, "audit.seal", str(tenant.id), {})
    assert [r.seq for r in rows(tenant)] == [1, 2]


def test_a_failing_sealer_does_not_fail_the_change(registry, tenant, rows, dispatched, monkeypatch):
    import learninghub_audit.sealer

    def broken(db, tid, secret):
        raise RuntimeError("sealer bug")

    monkeypatch.setattr(learninghub_audit.sealer, "try_seal", broken)
    _commit_events(registry, tenant, 1)
    (row,) = rows(tenant)
    assert row.seq is None  # recorded, committed, pending
    assert [m.name for m in dispatched] == ["audit.seal"]


def _emit(registry, tenant, name, **kw):
    tm = transaction.TransactionManager(explicit=True)
    request = make_tenant_request(registry, registry["tenancy.resolver"].by_id(tenant.id), tm)
    with tm:
        request.emit(name, **kw)
    request.db.close()


def test_only_auditable_events_are_recorded(registry, tenant, rows, declare):
    _emit(registry, tenant, "forum.thread.created", resource_type="thread", resource_id="t1")
    _emit(registry, tenant, "reports.grades.exported", resource_type="report", resource_id="r1")
    assert [r.action for r in rows(tenant)] == ["reports.grades.exported"]
    declare(["forum.thread.*", {"events": ["forum.post.deleted"], "secret_fields": ["body"]}])
    _emit(
        registry,
        tenant,
        "forum.thread.created",
        resource_type="thread",
        resource_id="t2",
        payload={"new": {"title": "Hi"}},
    )
    _emit(
        registry,
        tenant,
        "forum.post.deleted",
        resource_type="post",
        resource_id="p1",
        payload={"old": {"body": "private words", "author": "x"}},
    )
    _emit(registry, tenant, "forum.post.created", resource_type="post", resource_id="p2")
    recorded = {r.action: r for r in rows(tenant)}
    assert set(recorded) == {
        "reports.grades.exported",
        "forum.thread.created",
        "forum.post.deleted",
    }
    assert recorded["forum.thread.created"].new_values == {"title": "Hi"}
    assert recorded["forum.post.deleted"].old_values == {"body": REDACTED, "author": "x"}


def test_declared_plugin_events_are_recorded_through_the_api(tenant, admin, client, rows, declare):
    c = client(tenant, admin)
    c.post_json("/api/v1/announcements", {"title": "Quiet", "body": "<p>x</p>", "publish": True})
    assert rows(tenant, "announcements.announcement.published") == []
    declare(["announcements.announcement.*"])
    c.post_json("/api/v1/announcements", {"title": "Loud", "body": "<p>x</p>", "publish": True})
    (row,) = rows(tenant, "announcements.announcement.published")
    assert row.details["title"] == "Loud" and row.actor_id == admin.id


def test_explicit_api_redacts_secrets(registry, tenant, admin, rows, db):
    tm = transaction.TransactionManager(explicit=True)
    request = make_tenant_request(registry, registry["tenancy.resolver"].by_id(tenant.id), tm)
    with tm:
        request.__dict__["_lh_identity"] = request.db.get(User, admin.id)
        row = request.find_service(IAuditTrail).record(
            "payments.gateway.configured",
            resource_type="gateway",
            resource_id="stripe",
            old={"api_key": "sk_live_old", "mode": "test"},
            new={"api_key": "sk_live_new", "mode": "live"},
            details={
                "password": "hunter2",
                "nested": {"clientSecret": "s", "key_id": "k1", "codes": ["1", "2"]},
                "header": "Bearer abc.def",
                "when": uuid.UUID(int=1),
            },
        )
        assert row is not None
    request.db.close()
    (stored,) = rows(tenant, "payments.gateway.configured")
    assert stored.actor_id == admin.id and stored.actor_label == admin.email
    assert stored.old_values == {"api_key": REDACTED, "mode": "test"}
    assert stored.new_values == {"api_key": REDACTED, "mode": "live"}
    assert stored.details == {
        "password": REDACTED,
        "nested": {"clientSecret": REDACTED, "key_id": "k1", "codes": REDACTED},
        "header": REDACTED,
        "when": str(uuid.UUID(int=1)),
    }
    raw = db.execute(
        sa.text("SELECT old_values, new_values, details FROM audit_events WHERE id = :id"),
        {"id": stored.id if db.get_bind().dialect.name == "postgresql" else stored.id.hex},
    ).one()
    assert "hunter2" not in str(raw) and "sk_live" not in str(raw)


def test_explicit_api_is_a_no_op_without_the_plugin(registry, tenant_factory, rows):
    bare = tenant_factory(plugins=[])
    tm = transaction.TransactionManager(explicit=True)
    request = make_tenant_request(registry, registry["tenancy.resolver"].by_id(bare.id), tm)
    with tm:
        assert request.find_service(IAuditTrail).record("x.y.exported") is None
    request.db.close()
    assert rows(bare) == []
