"""The event inbox (learninghub.inbox): kept once in the emitting transaction, processed
once with the handler's writes, retried with a backoff, swept when lost. And two task
queue behaviours the engagement plugins rely on: coalescing tasks, https links from
task requests."""

from __future__ import annotations

import contextlib
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa
import transaction

from learninghub import inbox
from learninghub.db import utcnow
from learninghub.events import DomainEvent
from learninghub.tasks import task
from learninghub.tenancy import TenantPlugin

CONSUMER = "test-inbox"
TASK = "testinbox.process"
#: what the handler of the test task does, set per test
HANDLER: dict = {}


@task(TASK)
def process_task(request, event_id):
    inbox.process(request, CONSUMER, event_id, HANDLER["run"])


@pytest.fixture
def open_request(registry):
    """``with open_request(tenant) as request``: a tenant request in a transaction of its
    own, committed at the end of the block (aborted when it raises)."""
    from learninghub.tasks import make_tenant_request

    @contextlib.contextmanager
    def make(tenant):
        tm = transaction.TransactionManager(explicit=True)
        tm.begin()
        request = make_tenant_request(registry, registry["tenancy.resolver"].by_id(tenant.id), tm)
        try:
            yield request
        except BaseException:
            tm.abort()
            raise
        else:
            tm.commit()

    return make


def event(tenant, **kw) -> DomainEvent:
    return DomainEvent(
        name="test.thing.happened",
        tenant_id=tenant.id,
        actor_id=None,
        resource_type="thing",
        resource_id="t1",
        payload={"n": 1},
        **kw,
    )


def entries(db, tenant):
    stmt = sa.select(inbox.InboxEntry).where(inbox.InboxEntry.tenant_id == tenant.id)
    return list(db.scalars(stmt.execution_options(populate_existing=True)))


def marks(db, tenant) -> list[str]:
    """What the handler wrote (a row it adds per run: a tenant_plugin setting)."""
    stmt = sa.select(TenantPlugin.plugin).where(
        TenantPlugin.tenant_id == tenant.id, TenantPlugin.plugin.like("mark-%")
    )
    return sorted(db.scalars(stmt))


def add_mark(request, happened: DomainEvent) -> None:
    request.db.add(
        TenantPlugin(
            plugin=f"mark-{happened.id.hex[:8]}",
            installed_version="0",
            enabled=False,
            settings={},
        )
    )
    request.db.flush()


def test_kept_once_processed_once_with_the_handlers_writes(
    tenant, open_request, dispatched, run_task, db
):
    happened = event(tenant)
    with open_request(tenant) as request:
        assert inbox.keep(request, CONSUMER, happened, TASK) is True
    with open_request(tenant) as request:  # a replay of the same event
        assert inbox.keep(request, CONSUMER, happened, TASK) is False
    assert [m.name for m in dispatched] == [TASK]  # queued once, after commit
    (entry,) = entries(db, tenant)
    assert (entry.status, entry.name, entry.payload) == ("pending", "test.thing.happened", {"n": 1})
    HANDLER["run"] = add_mark
    for _ in range(2):  # a redelivered task does nothing the second time
        run_task(tenant, TASK, **dispatched[0].kwargs)
    (entry,) = entries(db, tenant)
    assert entry.status == "done" and entry.attempts == 1 and entry.processed_at is not None
    assert marks(db, tenant) == [f"mark-{happened.id.hex[:8]}"]


def test_nothing_is_kept_when_the_emitting_transaction_rolls_back(
    tenant, open_request, dispatched, db
):
    with pytest.raises(RuntimeError), open_request(tenant) as request:
        inbox.keep(request, CONSUMER, event(tenant), TASK)
        raise RuntimeError("the change failed")
    assert entries(db, tenant) == [] and dispatched == []


def test_a_failing_handler_writes_nothing_and_is_retried_with_a_backoff(
    tenant, open_request, dispatched, run_task, db
):
    happened = event(tenant)
    with open_request(tenant) as request:
        inbox.keep(request, CONSUMER, happened, TASK)

    def broken(request, happened):
        add_mark(request, happened)
        raise ValueError("the mail server is down")

    HANDLER["run"] = broken
    before = utcnow()
    run_task(tenant, TASK, event_id=str(happened.id))
    (entry,) = entries(db, tenant)
    assert (entry.status, entry.attempts) == ("pending", 1)
    assert entry.last_error == "ValueError: the mail server is down"
    assert marks(db, tenant) == []  # the handler's write was rolled back
    retry = dispatched[-1]
    assert retry.name == TASK and retry.eta is not None
    assert timedelta(seconds=9) <= retry.eta - before <= timedelta(seconds=11)
    HANDLER["run"] = add_mark
    run_task(tenant, TASK, **retry.kwargs)
    (entry,) = entries(db, tenant)
    assert (entry.status, entry.attempts, entry.last_error) == ("done", 2, "")
    assert len(marks(db, tenant)) == 1


def test_after_the_last_attempt_the_event_is_failed_until_retried(
    tenant, open_request, dispatched, db
):
    happened = event(tenant)
    with open_request(tenant) as request:
        inbox.keep(request, CONSUMER, happened, TASK)

    def broken(request, happened):
        raise ValueError("still down")

    for _ in range(3):
        with open_request(tenant) as request:
            inbox.process(request, CONSUMER, happened.id, broken, max_attempts=3)
    (entry,) = entries(db, tenant)
    assert (entry.status, entry.attempts) == ("failed", 3)
    with open_request(tenant) as request:  # failed: not run again by a late task
        assert inbox.process(request, CONSUMER, happened.id, add_mark) is False
    del dispatched[:]
    with open_request(tenant) as request:
        assert inbox.requeue(request, CONSUMER, failed=True) == 1
    (entry,) = entries(db, tenant)
    assert (entry.status, entry.attempts) == ("pending", 0)
    assert [m.kwargs for m in dispatched] == [{"event_id": str(happened.id)}]


def test_a_crash_before_commit_leaves_it_pending_and_the_sweep_finishes_it(
    tenant, open_request, dispatched, db, registry
):
    from click.testing import CliRunner

    from learninghub import cli

    happened = event(tenant, occurred_at=utcnow())
    with open_request(tenant) as request:
        inbox.keep(request, CONSUMER, happened, TASK)
    # the worker ran the handler, then died before its transaction committed
    with pytest.raises(SystemExit), open_request(tenant) as request:
        inbox.process(request, CONSUMER, happened.id, add_mark)
        raise SystemExit("worker killed")
    (entry,) = entries(db, tenant)
    assert entry.status == "pending" and marks(db, tenant) == []
    # too recent for the sweep (its task may still be on its way)
    with open_request(tenant) as request:
        assert inbox.requeue(request, CONSUMER) == 0
    del dispatched[:]
    env = cli.Env(config_path="unused.ini")
    env._config = type("Config", (), {"registry": registry})()
    result = CliRunner().invoke(
        cli.events_retry_inbox,
        ["--tenant", tenant.slug, "--consumer", CONSUMER, "--older-than", "0"],
        obj=env,
    )
    assert result.exit_code == 0, result.output
    assert result.output == f"{tenant.slug}: 1 event(s) queued again\n"
    assert [m.kwargs for m in dispatched] == [{"event_id": str(happened.id)}]
    with open_request(tenant) as request:
        assert inbox.process(request, CONSUMER, happened.id, add_mark) is True
    assert len(marks(db, tenant)) == 1


def test_unknown_ids_and_other_tenants_events_are_nothing_to_do(
    tenant, tenant_factory, open_request, dispatched
):
    happened = event(tenant)
    with open_request(tenant) as request:
        inbox.keep(request, CONSUMER, happened, TASK)
    other = tenant_factory()
    with open_request(other) as request:
        assert inbox.process(request, CONSUMER, happened.id, add_mark) is False
        assert inbox.process(request, CONSUMER, "not-a-uuid", add_mark) is False
        assert inbox.process(request, CONSUMER, uuid.uuid4(), add_mark) is False


@task("testinbox.refresh", coalesce=True)
def refresh_task(request, thing):
    """A coalescing task (learninghub.tasks.task(coalesce=True)), for the test below."""


def test_a_coalescing_task_is_sent_once_per_transaction_and_arguments(
    tenant, open_request, dispatched
):
    with open_request(tenant) as request:
        for thing in ("a", "b", "a", "a"):
            request.tasks.enqueue("testinbox.refresh", thing=thing)
        request.tasks.enqueue(TASK, event_id="x")  # not coalescing: sent each time
        request.tasks.enqueue(TASK, event_id="x")
    assert [(m.name, m.kwargs) for m in dispatched] == [
        ("testinbox.refresh", {"thing": "a"}),
        ("testinbox.refresh", {"thing": "b"}),
        (TASK, {"event_id": "x"}),
        (TASK, {"event_id": "x"}),
    ]
    with open_request(tenant) as request:  # a new transaction sends it again
        request.tasks.enqueue("testinbox.refresh", thing="a")
    assert dispatched[-1].kwargs == {"thing": "a"} and len(dispatched) == 5


def test_task_requests_link_over_https_when_the_site_is_served_over_https(registry, tenant):
    from learninghub.tasks import make_tenant_request

    info = registry["tenancy.resolver"].by_id(tenant.id)
    assert make_tenant_request(registry, info, None).application_url == (
        f"http://{tenant.host}"  # the test app: auth.cookie_secure off
    )
    settings = registry.settings
    previous = settings["auth.cookie_secure"]
    settings["auth.cookie_secure"] = True
    try:
        url = make_tenant_request(registry, info, None).route_url("home")
    finally:
        settings["auth.cookie_secure"] = previous
    assert url == f"https://{tenant.host}/"
