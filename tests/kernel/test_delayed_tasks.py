"""``request.tasks.enqueue_at``: tasks run at a given time (Celery ``eta``; in-process,
the :class:`~learninghub.tasks.DelayedTasks` holder and its timer thread)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import transaction

from learninghub.db import utcnow
from learninghub.tasks import (
    DelayedTasks,
    TaskMessage,
    delayed_tasks,
    dispatch,
    make_tenant_request,
)

from .fakeplugins import lhfake_alpha
from .test_plugins import fake, fake_config, make_tenant  # noqa: F401  (fixtures)


def _request(registry, tenant_id):
    tm = transaction.TransactionManager(explicit=True)
    tenant = registry["tenancy.resolver"].by_id(tenant_id)
    return make_tenant_request(registry, tenant, tm), tm


@pytest.fixture
def holder(fake):  # noqa: F811
    registry, _ = fake
    registry.pop("tasks.delayed", None)
    yield delayed_tasks(registry)
    registry.pop("tasks.delayed", None)


def test_future_task_waits_until_due(fake, db, holder):  # noqa: F811
    registry, _ = fake
    t = make_tenant(registry, db, "later", ["alpha"])
    request, tm = _request(registry, t.id)
    eta = utcnow() + timedelta(minutes=5)
    tm.begin()
    request.tasks.enqueue_at(eta, "alpha.record", value="due")
    tm.commit()
    assert lhfake_alpha.RECORDED == []  # not at commit
    assert [(m.name, m.kwargs, m.eta) for m in holder.pending()] == [
        ("alpha.record", {"value": "due"}, eta)
    ]
    assert holder.run_due(eta - timedelta(seconds=1)) == 0
    assert lhfake_alpha.RECORDED == []
    assert holder.run_due(eta) == 1
    assert lhfake_alpha.RECORDED == [("task", "due", "later")]
    assert holder.pending() == []


def test_past_time_runs_right_after_commit(fake, db, holder):  # noqa: F811
    registry, _ = fake
    t = make_tenant(registry, db, "already", ["alpha"])
    request, tm = _request(registry, t.id)
    tm.begin()
    request.tasks.enqueue_at(utcnow() - timedelta(seconds=1), "alpha.record", value="now")
    assert lhfake_alpha.RECORDED == []  # not before commit
    tm.commit()
    assert lhfake_alpha.RECORDED == [("task", "now", "already")]
    assert holder.pending() == []


def test_rolled_back_request_schedules_nothing(fake, db, holder):  # noqa: F811
    registry, _ = fake
    t = make_tenant(registry, db, "rollback", ["alpha"])
    request, tm = _request(registry, t.id)
    tm.begin()
    request.tasks.enqueue_at(utcnow() + timedelta(minutes=1), "alpha.record", value="x")
    tm.abort()
    assert holder.pending() == []


def test_naive_time_and_unknown_task_are_refused(fake, db, holder):  # noqa: F811
    registry, _ = fake
    t = make_tenant(registry, db, "naive", ["alpha"])
    request, tm = _request(registry, t.id)
    tm.begin()
    with pytest.raises(ValueError, match="timezone-aware"):
        request.tasks.enqueue_at(utcnow().replace(tzinfo=None), "alpha.record", value="x")
    with pytest.raises(KeyError):
        request.tasks.enqueue_at(utcnow(), "alpha.nosuchtask")
    tm.abort()


def test_due_tasks_run_in_time_order_and_a_failure_does_not_stop_the_rest(
    fake,  # noqa: F811
    db,
    holder,
    monkeypatch,
):
    registry, _ = fake
    ran = []

    def fake_run(registry, name, tenant_id, kwargs, request_id=None):
        ran.append(kwargs["value"])
        if kwargs["value"] == "boom":
            raise RuntimeError("boom")
        return "done"

    monkeypatch.setattr("learninghub.tasks.run_task", fake_run)
    now = utcnow()
    for value, delta in (("third", 3), ("boom", 1), ("second", 2)):
        holder.schedule(
            TaskMessage("alpha.record", "t", {"value": value}, None, now + timedelta(seconds=delta))
        )
    assert holder.run_due(now + timedelta(seconds=10)) == 3
    assert ran == ["boom", "second", "third"]


def test_timer_thread_runs_a_task_when_due(fake, monkeypatch):  # noqa: F811
    registry, _ = fake
    done = threading.Event()

    def fake_run(registry, name, tenant_id, kwargs, request_id=None):
        done.set()
        return "done"

    monkeypatch.setattr("learninghub.tasks.run_task", fake_run)
    holder = DelayedTasks(registry, thread=True)
    holder.schedule(
        TaskMessage("alpha.record", "t", {}, None, utcnow() + timedelta(milliseconds=50))
    )
    assert done.wait(timeout=30), "the timer thread did not run the due task"
    assert holder.pending() == []


def test_celery_back_end_gets_the_eta(fake, monkeypatch):  # noqa: F811
    registry, _ = fake
    sent = []

    class FakeCelery:
        def send_task(self, name, **kwargs):
            sent.append((name, kwargs))

    monkeypatch.setitem(registry.settings, "tasks.backend", "celery")
    monkeypatch.setattr("learninghub.tasks.celery_app", lambda registry: FakeCelery())
    eta = utcnow() + timedelta(minutes=3)
    dispatch(registry, TaskMessage("alpha.record", "t", {"value": 1}, "rid", eta))
    assert sent == [
        (
            "learninghub.run_task",
            {
                "args": ["alpha.record", "t", {"value": 1}],
                "kwargs": {"request_id": "rid"},
                "queue": "default",
                "eta": eta,
            },
        )
    ]
