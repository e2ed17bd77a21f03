"""Deliveries to a real receiver on loopback: signatures, the retry schedule, the outbox,
automatic disabling, replay and test events."""

from __future__ import annotations

import json
from datetime import timedelta
from email.utils import parseaddr

import pytest
import sqlalchemy as sa

from learninghub.db import utcnow
from learninghub.tasks import run_task
from learninghub_webhooks.delivery import JITTER
from learninghub_webhooks.models import Delivery

EVENT = "tenant.settings_changed"

pytestmark = pytest.mark.usefixtures("allow_loopback")


def test_event_is_delivered_signed_with_the_documented_algorithm(
    tenant, receiver, make_endpoint, change_settings, rows, verify
):
    endpoint = make_endpoint(tenant, receiver.url())
    receiver.secret = endpoint["secret"]
    change_settings(tenant)
    [request] = receiver.requests
    assert receiver.bad == []
    headers = request["headers"]
    assert headers["content-type"] == "application/json"
    body = verify(
        endpoint["secret"], headers, request["body"], now=int(headers["webhook-timestamp"])
    )
    assert body["type"] == EVENT
    assert body["data"]["resource_type"] == "tenant"
    assert body["data"]["resource_id"] == str(tenant.id)
    assert set(body["data"]["payload"]["changed"]) == {"name"}
    assert body["data"]["event_id"] == headers["webhook-id"]
    [delivery] = rows.deliveries()
    assert delivery.status == "delivered" and delivery.attempts == 1
    assert str(delivery.message_id) == headers["webhook-id"]
    [attempt] = rows.attempts(delivery.id)
    assert attempt.succeeded and attempt.status_code == 200
    assert attempt.address == "127.0.0.1"
    assert attempt.response_excerpt == "thanks"
    assert attempt.request_headers["webhook-signature"] == headers["webhook-signature"]


def test_a_tampered_body_or_wrong_secret_does_not_verify(
    tenant, receiver, make_endpoint, change_settings, verify
):
    endpoint = make_endpoint(tenant, receiver.url())
    change_settings(tenant)
    [request] = receiver.requests
    headers, body = request["headers"], request["body"]
    now = int(headers["webhook-timestamp"])
    verify(endpoint["secret"], headers, body, now)
    with pytest.raises(ValueError):
        verify(endpoint["secret"], headers, body + b" ", now)
    other = make_endpoint(tenant, receiver.url("/other"))
    with pytest.raises(ValueError):
        verify(other["secret"], headers, body, now)
    with pytest.raises(ValueError, match="tolerance"):
        verify(endpoint["secret"], headers, body, now + 301)


def test_fails_twice_then_succeeds_on_the_third_attempt_with_backoff(
    tenant, receiver, make_endpoint, change_settings, rows, dispatch
):
    endpoint = make_endpoint(tenant, receiver.url())
    receiver.secret = endpoint["secret"]
    receiver.script = [
        (500, {}, b"down"),
        (503, {"Retry-After": "60"}, b"still down"),
    ]
    change_settings(tenant)  # attempt 1, right after the commit
    [delivery] = rows.deliveries()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("pending", 1, 500)
    first = delivery.last_attempt_at
    wait = delivery.next_attempt_at - first
    assert timedelta(seconds=60 * (1 - JITTER)) <= wait <= timedelta(seconds=60 * (1 + JITTER))

    # not due yet: the dispatcher leaves it alone
    receiver.clock = (first + timedelta(seconds=40)).timestamp()
    assert dispatch(tenant, first + timedelta(seconds=40)) == 0
    assert len(receiver.requests) == 1

    second = delivery.next_attempt_at
    receiver.clock = second.timestamp()
    assert dispatch(tenant, second) == 1  # attempt 2
    [delivery] = rows.deliveries()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("pending", 2, 503)
    wait = delivery.next_attempt_at - second
    assert timedelta(seconds=120 * (1 - JITTER)) <= wait <= timedelta(seconds=120 * (1 + JITTER))

    third = delivery.next_attempt_at
    receiver.clock = third.timestamp()
    assert dispatch(tenant, third - timedelta(seconds=1)) == 0
    assert dispatch(tenant, third) == 1  # attempt 3
    [delivery] = rows.deliveries()
    assert (delivery.status, delivery.attempts, delivery.delivered_at) == ("delivered", 3, third)
    assert delivery.next_attempt_at is None
    assert receiver.bad == []
    assert len(receiver.requests) == 3
    ids = {r["headers"]["webhook-id"] for r in receiver.requests}
    bodies = {r["body"] for r in receiver.requests}
    assert len(ids) == 1 and len(bodies) == 1  # the same message each time
    stamps = [int(r["headers"]["webhook-timestamp"]) for r in receiver.requests]
    assert stamps[1:] == [int(second.timestamp()), int(third.timestamp())]
    attempts = rows.attempts(delivery.id)
    assert [(a.number, a.status_code, a.succeeded) for a in attempts] == [
        (1, 500, False),
        (2, 503, False),
        (3, 200, True),
    ]
    assert attempts[0].response_excerpt == "down" and attempts[1].error == "HTTP 503"
    assert attempts[1].response_headers["retry-after"] == "60"
    assert dispatch(tenant, third + timedelta(days=1)) == 0  # nothing left to do
    assert rows.endpoint(delivery.endpoint_id).consecutive_failures == 0


def test_retries_stop_after_the_retry_window(
    tenant, receiver, make_endpoint, change_settings, rows, dispatch, plugin_admin
):
    plugin_admin.settings(tenant, disable_after_failures=1000)
    make_endpoint(tenant, receiver.url())
    receiver.script = [(500, {}, b"")] * 50
    change_settings(tenant)
    [delivery] = rows.deliveries()
    created = delivery.created_at
    gaps = []
    while delivery.status == "pending":
        gaps.append(delivery.next_attempt_at - delivery.last_attempt_at)
        assert dispatch(tenant, delivery.next_attempt_at) == 1
        [delivery] = rows.deliveries()
    assert delivery.status == "failed" and delivery.next_attempt_at is None
    assert delivery.last_attempt_at - created <= timedelta(hours=24)
    assert 10 <= delivery.attempts <= 14, delivery.attempts
    # exponential, then capped at 6 hours (jitter: ±20 %)
    assert gaps[0] < gaps[1] < gaps[2] < gaps[3]
    assert max(gaps) <= timedelta(hours=6 * (1 + JITTER))
    assert len(receiver.requests) == delivery.attempts


@pytest.fixture
def task_queue(monkeypatch):
    """Task messages handed to the back end are held (``hold = True``: the process
    "dies" before running them) or passed on to the real back end."""
    import learninghub.tasks

    real = learninghub.tasks.dispatch

    class Queue:
        hold = True
        messages: list = []

    queue = Queue()
    queue.messages = []

    def dispatch(registry, message):
        if queue.hold:
            if message.name.startswith("webhooks."):  # other plugins' tasks are dropped
                queue.messages.append(message)
        else:
            real(registry, message)

    monkeypatch.setattr(learninghub.tasks, "dispatch", dispatch)
    return queue


def test_rolled_back_transaction_creates_no_delivery(
    tenant, receiver, make_endpoint, tenant_tm, rows, task_queue
):
    make_endpoint(tenant, receiver.url())
    request, tm = tenant_tm
    request.emit(EVENT, resource_type="tenant", resource_id=tenant.id, payload={})
    assert len(request.db.scalars(sa.select(Delivery)).all()) == 1  # in the transaction ...
    tm.abort()  # ... and gone with it
    assert rows.deliveries() == []
    assert task_queue.messages == [] and receiver.requests == []
    tm.begin()
    request.emit(EVENT, resource_type="tenant", resource_id=tenant.id, payload={})
    tm.commit()
    assert [m.name for m in task_queue.messages] == ["webhooks.deliver"]
    assert len(rows.deliveries()) == 1


def test_pending_deliveries_left_by_a_dead_process_are_sent_by_the_dispatcher(
    tenant, receiver, make_endpoint, change_settings, rows, dispatch, task_queue
):
    make_endpoint(tenant, receiver.url())
    change_settings(tenant)  # committed; the task never runs (the process "died")
    assert len(task_queue.messages) == 1 and receiver.requests == []
    [delivery] = rows.deliveries()
    assert delivery.status == "pending" and delivery.attempts == 0
    task_queue.hold = False  # a new process: the dispatcher's round
    assert dispatch(tenant, utcnow()) == 1
    [delivery] = rows.deliveries()
    assert delivery.status == "delivered" and len(receiver.requests) == 1


def test_deliver_task_is_idempotent(
    registry, tenant, receiver, make_endpoint, change_settings, rows, task_queue
):
    make_endpoint(tenant, receiver.url())
    change_settings(tenant)
    [message] = task_queue.messages
    task_queue.hold = False
    [delivery] = rows.deliveries()
    early = (delivery.created_at - timedelta(seconds=5)).isoformat()
    run_task(registry, message.name, message.tenant_id, dict(message.kwargs, at=early))
    assert receiver.requests == []  # not due at that time
    for _ in range(2):
        assert run_task(registry, message.name, message.tenant_id, message.kwargs) == "done"
    assert len(receiver.requests) == 1
    assert rows.deliveries()[0].attempts == 1
    for bad in ({"delivery_id": "nope"}, {"delivery_id": str(delivery.id), "at": "x"}):
        assert run_task(registry, message.name, message.tenant_id, bad) == "done"


def test_a_task_of_one_tenant_cannot_send_another_tenants_delivery(
    registry, tenant, other_tenant, receiver, make_endpoint, change_settings, rows, task_queue
):
    make_endpoint(other_tenant, receiver.url())
    change_settings(other_tenant)
    [message] = task_queue.messages
    task_queue.hold = False
    assert run_task(registry, message.name, str(tenant.id), message.kwargs) == "done"
    assert receiver.requests == []
    assert rows.deliveries()[0].status == "pending"


def test_only_subscribed_enabled_endpoints_get_the_event(
    tenant, receiver, make_endpoint, change_settings, client, admin_of
):
    make_endpoint(tenant, receiver.url("/wants"))
    make_endpoint(tenant, receiver.url("/other"), event_types=["accounts.role.granted"])
    off = make_endpoint(tenant, receiver.url("/off"))
    client(tenant, admin_of(tenant)).patch_json(off["api_url"], {"enabled": False})
    change_settings(tenant)
    assert [r["path"] for r in receiver.requests] == ["/wants"]


def test_events_of_one_tenant_never_reach_another_tenants_endpoints(
    tenant, other_tenant, receiver, make_endpoint, change_settings, rows
):
    make_endpoint(tenant, receiver.url("/a"))
    make_endpoint(other_tenant, receiver.url("/b"))
    change_settings(other_tenant)
    assert [r["path"] for r in receiver.requests] == ["/b"]
    change_settings(tenant)
    assert [r["path"] for r in receiver.requests] == ["/b", "/a"]


def test_nothing_is_recorded_while_the_plugin_is_disabled(
    tenant, receiver, make_endpoint, change_settings, rows, plugin_admin
):
    make_endpoint(tenant, receiver.url())
    plugin_admin.disable(tenant)
    change_settings(tenant)
    assert rows.deliveries() == [] and receiver.requests == []


# ----------------------------------------------------------------- automatic disabling


def test_endpoint_is_disabled_after_repeated_failures_and_admins_are_emailed(
    tenant,
    receiver,
    make_endpoint,
    change_settings,
    rows,
    plugin_admin,
    user_factory,
    admin_of,
    mailbox,
    events,
    dispatch,
):
    plugin_admin.settings(tenant, disable_after_failures=3, disable_after_hours=0)
    admin = admin_of(tenant)
    second_admin = user_factory(tenant, "admin")
    user_factory(tenant, "learner")
    endpoint = make_endpoint(tenant, receiver.url())
    receiver.script = [(500, {}, b"")] * 10
    change_settings(tenant)
    change_settings(tenant)
    assert rows.endpoint(endpoint["id"]).enabled
    mailbox.refresh()
    assert mailbox == []
    change_settings(tenant)  # third failure in a row
    state = rows.endpoint(endpoint["id"])
    assert not state.enabled and state.disabled_reason == "failures"
    assert state.consecutive_failures == 3
    deliveries = rows.deliveries()
    assert [d.status for d in deliveries] == ["cancelled"] * 3
    assert all(d.next_attempt_at is None for d in deliveries)
    messages = mailbox.refresh()
    assert sorted(parseaddr(m["To"])[1] for m in messages) == sorted(
        [admin.email, second_admin.email]
    )
    text = messages[0].get_payload(decode=True).decode()
    assert endpoint["url"] in text and f"/admin/webhooks/{endpoint['id']}" in text
    assert "disabled" in messages[0]["Subject"]
    assert "webhooks.endpoint.disabled" in [e.name for e in events.events]
    # nothing more is sent to it
    change_settings(tenant)
    assert len(receiver.requests) == 3
    assert dispatch(tenant, deliveries[-1].created_at + timedelta(days=1)) == 0


def test_a_success_resets_the_failure_count(
    tenant, receiver, make_endpoint, change_settings, rows, plugin_admin
):
    plugin_admin.settings(tenant, disable_after_failures=3, disable_after_hours=0)
    endpoint = make_endpoint(tenant, receiver.url())
    receiver.script = [(500, {}, b""), (500, {}, b""), (200, {}, b"ok"), (500, {}, b"")]
    for _ in range(4):
        change_settings(tenant)
    state = rows.endpoint(endpoint["id"])
    assert state.enabled and state.consecutive_failures == 1


def test_failures_must_also_last_long_enough(
    tenant, receiver, make_endpoint, change_settings, rows, plugin_admin
):
    plugin_admin.settings(tenant, disable_after_failures=2, disable_after_hours=1)
    endpoint = make_endpoint(tenant, receiver.url())
    receiver.script = [(500, {}, b"")] * 5
    for _ in range(3):
        change_settings(tenant)
    state = rows.endpoint(endpoint["id"])
    assert state.enabled and state.consecutive_failures == 3  # a burst, not an outage


# ----------------------------------------------------------------- replay and test events


def test_replay_sends_the_same_message_again(
    tenant, receiver, make_endpoint, change_settings, rows, client, admin_of
):
    make_endpoint(tenant, receiver.url())
    change_settings(tenant)
    [original] = rows.deliveries()
    r = client(tenant, admin_of(tenant)).post_json(
        f"/api/v1/webhooks/deliveries/{original.id}/replay"
    )
    assert r.status_int == 202, r.text
    assert r.json["replay_of"] == str(original.id) and r.json["status"] == "pending"
    assert len(receiver.requests) == 2
    first, second = receiver.requests
    assert first["headers"]["webhook-id"] == second["headers"]["webhook-id"]
    assert first["body"] == second["body"]
    copy = next(d for d in rows.deliveries() if d.replay_of == original.id)
    assert copy.status == "delivered" and copy.message_id == original.message_id


def test_replay_is_refused_while_pending_or_when_the_endpoint_is_disabled(
    tenant, receiver, make_endpoint, change_settings, rows, client, admin_of
):
    endpoint = make_endpoint(tenant, receiver.url())
    receiver.script = [(500, {}, b"")]
    change_settings(tenant)
    [pending] = rows.deliveries()
    c = client(tenant, admin_of(tenant))
    r = c.post_json(f"/api/v1/webhooks/deliveries/{pending.id}/replay")
    assert r.status_int == 409 and r.content_type == "application/problem+json"
    c.patch_json(endpoint["api_url"], {"enabled": False})
    [cancelled] = rows.deliveries()
    assert cancelled.status == "cancelled"
    r = c.post_json(f"/api/v1/webhooks/deliveries/{cancelled.id}/replay")
    assert r.status_int == 409 and "enable" in r.json["detail"]
    c.patch_json(endpoint["api_url"], {"enabled": True})
    assert c.post_json(f"/api/v1/webhooks/deliveries/{cancelled.id}/replay").status_int == 202
    assert [d.status for d in rows.deliveries()] == ["cancelled", "delivered"]


def test_send_test_event(tenant, receiver, make_endpoint, rows, client, admin_of):
    endpoint = make_endpoint(tenant, receiver.url(), event_types=["accounts.role.granted"])
    receiver.secret = endpoint["secret"]
    r = client(tenant, admin_of(tenant)).post_json(endpoint["api_url"] + "/test")
    assert r.status_int == 202, r.text
    assert r.json["is_test"] is True and r.json["event_type"] == "webhooks.test"
    [request] = receiver.requests
    assert receiver.bad == []
    body = json.loads(request["body"])
    assert body["type"] == "webhooks.test"
    assert body["data"]["resource_id"] == endpoint["id"]
    [delivery] = rows.deliveries()
    assert delivery.is_test and delivery.status == "delivered"


def test_a_failed_test_event_is_not_retried_and_does_not_count(
    tenant, receiver, make_endpoint, rows, client, admin_of, dispatch
):
    endpoint = make_endpoint(tenant, receiver.url())
    receiver.script = [(500, {}, b"no")]
    assert (
        client(tenant, admin_of(tenant)).post_json(endpoint["api_url"] + "/test").status_int == 202
    )
    [delivery] = rows.deliveries()
    assert delivery.status == "failed" and delivery.next_attempt_at is None
    assert rows.endpoint(endpoint["id"]).consecutive_failures == 0
    assert dispatch(tenant, delivery.created_at + timedelta(hours=1)) == 0


def test_test_event_to_a_disabled_endpoint_is_allowed(
    tenant, receiver, make_endpoint, client, admin_of
):
    endpoint = make_endpoint(tenant, receiver.url(), enabled=False)
    assert endpoint["enabled"] is False and endpoint["disabled_reason"] == "manual"
    r = client(tenant, admin_of(tenant)).post_json(endpoint["api_url"] + "/test")
    assert r.status_int == 202
    assert len(receiver.requests) == 1
