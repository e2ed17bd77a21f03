"""Fan-out exactly once, channel choice, and the delivery task (retry, permanent
failure, never twice), at the service level with the real database and tasks."""

from __future__ import annotations

from datetime import timedelta

import pytest

from learninghub.db import utcnow
from learninghub.events import DomainEvent
from learninghub_notifications import fanout, services
from learninghub_notifications.channels import SENDERS, DeliveryError, SkipDelivery
from learninghub_notifications.models import (
    Delivery,
    DigestSetting,
    Notification,
    Preference,
    TenantDefault,
)
from learninghub_notifications.types import NotificationType


def tasks_named(dispatched, name):
    return [m for m in dispatched if m.name == name]


@pytest.fixture
def enrolled(nt_tenant, user_factory, make_course, tenant_request, dispatched):
    """A learner enrolled through the enrollment service (its event kept in the inbox,
    the fan-out task captured, not run): (learner, course, the process_event message)."""
    from learninghub_enrollment.services import enrol

    learner = user_factory(nt_tenant)
    course = make_course(nt_tenant, lessons=1, title="Algebra")
    with tenant_request(nt_tenant) as request:
        enrol(request, course.course, learner, "free")
    (message,) = tasks_named(dispatched, services.PROCESS_TASK)
    return learner, course, message


def test_replaying_an_event_changes_nothing(
    nt_tenant, enrolled, run_task, dispatched, snapshot, tenant_request, rows
):
    learner, course, message = enrolled
    run_task(nt_tenant, services.PROCESS_TASK, **message.kwargs)
    first = snapshot(nt_tenant)
    assert [n[2] for n in first["notifications"]] == ["enrollment.enrolled"]
    assert first["notifications"][0][4] == "You are enrolled in “Algebra”"
    assert [(d[2], d[3]) for d in first["deliveries"]] == [("email", "pending")]
    assert [e[2] for e in first["inbox"]] == ["done"]
    (deliver,) = tasks_named(dispatched, services.DELIVER_TASK)
    assert deliver.kwargs == {"delivery_id": first["deliveries"][0][0]}

    # the task again (a redelivered message), then the event kept again (a replay)
    run_task(nt_tenant, services.PROCESS_TASK, **message.kwargs)
    (entry_event,) = [e for e in rows(nt_tenant, fanout.inbox.InboxEntry)]
    with tenant_request(nt_tenant) as request:
        assert fanout.keep(request, entry_event.to_event()) is False
    # the handler itself run again on the same event (as a sweep with --failed would)
    with tenant_request(nt_tenant) as request:
        fanout.fan_out(request, entry_event.to_event())
    assert snapshot(nt_tenant) == first
    assert len(tasks_named(dispatched, services.DELIVER_TASK)) == 1
    assert len(tasks_named(dispatched, services.PROCESS_TASK)) == 1


def test_types_of_disabled_plugins_do_nothing(
    tenant_factory, user_factory, tenant_request, dispatched, snapshot
):
    """certificates is not enabled: its event is not kept and its type is unknown."""
    tenant = tenant_factory(plugins=("notifications",))
    learner = user_factory(tenant)
    event = DomainEvent(
        name="certificates.certificate.issued",
        tenant_id=tenant.id,
        actor_id=None,
        resource_type="certificate",
        resource_id="x",
        payload={"user_id": str(learner.id), "course_id": str(learner.id), "code": "C"},
    )
    with tenant_request(tenant) as request:
        assert services.types(request) == {}
        assert fanout.keep(request, event) is False
        request.emit("enrollment.enrollment.created", payload={"user_id": str(learner.id)})
        fanout.fan_out(request, event)
    assert snapshot(tenant) == {"notifications": [], "deliveries": [], "inbox": []}
    assert dispatched == []


def kind(key="t.one", channels=("in_app", "email")) -> NotificationType:
    return NotificationType(
        key=key,
        title="T",
        event="t.happened",
        recipients=lambda r, e: [],
        render=lambda r, e, u: None,
        default_channels=channels,
    )


def test_channel_choice_precedence():
    t = kind()
    assert services.enabled_channels(t, {}, {}) == ["in_app", "email"]
    # the tenant's default wins over the type's
    defaults = {("t.one", "email"): False, ("t.one", "push"): True}
    assert services.enabled_channels(t, {}, defaults) == ["in_app", "push"]
    # the user's choice wins over both
    prefs = {("t.one", "email"): True, ("t.one", "in_app"): False}
    assert services.enabled_channels(t, prefs, defaults) == ["email", "push"]
    with pytest.raises(ValueError):
        kind(channels=("in_app", "sms"))


def test_preferences_defaults_and_digest_pick_channels(
    nt_tenant, user_factory, make_course, tenant_request, dispatched, run_task, rows, db
):
    """Four learners enrolled in one request: default (email), email off (none), the
    in-app channel off (hidden row, email kept), daily digest (a pending digest row, no
    task); the tenant turned push on for everybody but nobody has a subscription."""
    from learninghub_enrollment.services import enrol

    plain, no_email, no_in_app, digest = (user_factory(nt_tenant) for _ in range(4))
    course = make_course(nt_tenant, lessons=1)
    db.add_all(
        [
            Preference(
                tenant_id=nt_tenant.id,
                user_id=no_email.id,
                type="enrollment.enrolled",
                channel="email",
                enabled=False,
            ),
            Preference(
                tenant_id=nt_tenant.id,
                user_id=no_in_app.id,
                type="enrollment.enrolled",
                channel="in_app",
                enabled=False,
            ),
            DigestSetting(tenant_id=nt_tenant.id, user_id=digest.id, frequency="daily"),
            TenantDefault(
                tenant_id=nt_tenant.id, type="enrollment.enrolled", channel="push", enabled=True
            ),
        ]
    )
    db.flush()
    with tenant_request(nt_tenant) as request:
        for user in (plain, no_email, no_in_app, digest):
            enrol(request, course.course, user, "free")
    for message in tasks_named(dispatched, services.PROCESS_TASK):
        run_task(nt_tenant, services.PROCESS_TASK, **message.kwargs)

    by_user = {n.user_id: n for n in rows(nt_tenant, Notification)}
    assert set(by_user) == {plain.id, no_email.id, no_in_app.id, digest.id}
    assert [by_user[u.id].in_app for u in (plain, no_email, no_in_app, digest)] == [
        True,
        True,
        False,
        True,
    ]
    channels = {(d.notification_id, d.channel, d.status) for d in rows(nt_tenant, Delivery)}
    assert channels == {
        (by_user[plain.id].id, "email", "pending"),
        (by_user[no_in_app.id].id, "email", "pending"),
        (by_user[digest.id].id, "digest", "pending"),
    }
    assert len(tasks_named(dispatched, services.DELIVER_TASK)) == 2
    with tenant_request(nt_tenant) as request:
        assert services.unread_count(request, no_in_app.id) == 0
        assert services.unread_count(request, plain.id) == 1


# ------------------------------------------------------------------ delivery


@pytest.fixture
def pending_email(nt_tenant, enrolled, run_task, dispatched, rows):
    """The enrolment's email delivery, pending; ``dispatched`` emptied."""
    _, _, message = enrolled
    run_task(nt_tenant, services.PROCESS_TASK, **message.kwargs)
    (delivery,) = rows(nt_tenant, Delivery)
    dispatched.clear()
    return delivery


class StandIn:
    """A sender that fails with the queued errors, then succeeds; records its calls."""

    def __init__(self, *errors):
        self.errors = list(errors)
        self.calls = []

    def __call__(self, request, notification, delivery, user):
        self.calls.append((notification.subject, delivery.channel, user.email))
        if self.errors:
            raise self.errors.pop(0)


def deliver(run_task, tenant, delivery):
    return run_task(tenant, services.DELIVER_TASK, delivery_id=str(delivery.id))


def test_delivery_retried_then_sent_once(
    nt_tenant, pending_email, monkeypatch, run_task, dispatched, rows
):
    sender = StandIn(ConnectionError("smtp down"), DeliveryError("greylisted"))
    monkeypatch.setitem(SENDERS, "email", sender)

    deliver(run_task, nt_tenant, pending_email)
    (row,) = rows(nt_tenant, Delivery)
    assert (row.status, row.attempts, row.last_error) == (
        "pending",
        1,
        "ConnectionError: smtp down",
    )
    (retry,) = dispatched
    assert retry.name == services.DELIVER_TASK and retry.kwargs == {"delivery_id": str(row.id)}
    assert timedelta(seconds=25) < retry.eta - utcnow() <= timedelta(seconds=30)

    deliver(run_task, nt_tenant, pending_email)
    (row,) = rows(nt_tenant, Delivery)
    assert (row.status, row.attempts, row.last_error) == ("pending", 2, "DeliveryError: greylisted")
    assert timedelta(seconds=55) < dispatched[-1].eta - utcnow() <= timedelta(seconds=60)

    deliver(run_task, nt_tenant, pending_email)
    (row,) = rows(nt_tenant, Delivery)
    assert (row.status, row.attempts, row.last_error) == ("sent", 3, "")
    assert row.sent_at is not None
    # a late retry, a redelivered message, the sweep: never sent twice
    deliver(run_task, nt_tenant, pending_email)
    assert len(sender.calls) == 3
    assert sender.calls[-1][0].startswith("You are enrolled in")


def test_delivery_permanent_failure_skip_and_max_attempts(
    nt_tenant, pending_email, monkeypatch, run_task, dispatched, rows, notify_plugin, db
):
    monkeypatch.setitem(SENDERS, "email", StandIn(DeliveryError("no such mailbox", True)))
    deliver(run_task, nt_tenant, pending_email)
    (row,) = rows(nt_tenant, Delivery)
    assert (row.status, row.attempts, row.last_error) == ("failed", 1, "no such mailbox")
    assert dispatched == []

    # a sender with nothing to send: skipped
    row.status, row.attempts = "pending", 0
    db.flush()
    monkeypatch.setitem(SENDERS, "email", StandIn(SkipDelivery("no address")))
    deliver(run_task, nt_tenant, pending_email)
    (row,) = rows(nt_tenant, Delivery)
    assert (row.status, row.last_error) == ("skipped", "no address")

    # transient errors up to max_attempts: failed, no more retries
    notify_plugin.settings(nt_tenant, max_attempts=2)
    row.status, row.attempts = "pending", 0
    db.flush()
    sender = StandIn(OSError("1"), OSError("2"), OSError("3"))
    monkeypatch.setitem(SENDERS, "email", sender)
    deliver(run_task, nt_tenant, pending_email)
    deliver(run_task, nt_tenant, pending_email)
    deliver(run_task, nt_tenant, pending_email)
    (row,) = rows(nt_tenant, Delivery)
    assert (row.status, row.attempts, row.last_error) == ("failed", 2, "OSError: 2")
    assert len(sender.calls) == 2
    assert len(dispatched) == 1  # one retry scheduled, after the first failure


def test_lost_deliveries_are_queued_again(nt_tenant, pending_email, tenant_request, dispatched, db):
    with tenant_request(nt_tenant) as request:
        assert fanout.requeue_pending(request) == 0
    pending_email.created_at = utcnow() - timedelta(minutes=11)
    db.flush()
    with tenant_request(nt_tenant) as request:
        assert fanout.requeue_pending(request) == 1
    assert [m.kwargs for m in dispatched] == [{"delivery_id": str(pending_email.id)}]
