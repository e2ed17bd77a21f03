"""Web push deliveries against a local push service (tests/channels/pushservice.py): a
notification made from a domain event reaches the browser's push service signed with
the tenant's VAPID key and encrypted for the browser; gone subscriptions expire, errors
of the push service are retried, refusals fail (docs/plugins/notifications-push.md)."""

from __future__ import annotations

import json
import socket
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa
import transaction

from learninghub.db import bind_tenant, system_session, utcnow
from learninghub.hookspecs import hookimpl
from learninghub.tasks import make_tenant_request
from learninghub_notifications.channels import push
from learninghub_notifications.models import Delivery, Notification, PushSubscription
from learninghub_notifications.types import NotificationType, Rendered

from .pushservice import FakeBrowser, PushService, verify_vapid

EVENT = "pushtest.thing.poked"
SUBSCRIPTIONS = "/api/v1/notifications/push-subscriptions"


class PokeTypes:
    """A notification type on a test event, delivered in-app and by push."""

    @hookimpl
    def learninghub_notifications_types(self, request):
        return [
            NotificationType(
                key="pushtest.poked",
                title="Poked",
                event=EVENT,
                recipients=lambda request, event: [uuid.UUID(event.payload["user_id"])],
                render=lambda request, event, user: Rendered(
                    subject=f"Poke №{event.payload['n']}",
                    body="Someone poked you.\nTwice, maybe.",
                    url=f"/courses/poke-{event.payload['n']}",
                ),
                default_channels=("in_app", "push"),
                category="Tests",
            )
        ]


@pytest.fixture
def push_service(registry, monkeypatch):
    """The local push service, with loopback endpoints allowed for the test (the
    instance setting) and the poke type registered."""
    plugins = registry["plugins"]
    instance = dict(plugins.instance_defaults.get("notifications", {}))
    monkeypatch.setitem(plugins.instance_defaults, "notifications", instance)
    instance["push_allow_loopback"] = True
    types = PokeTypes()
    plugins.pm.register(types, name="pushtest-types")
    service = PushService()
    try:
        yield service
    finally:
        service.close()
        plugins.pm.unregister(types)


@pytest.fixture
def poke(registry):
    """``poke(tenant, user, n)``: emit the test event in a committed request (its
    fan-out and deliveries run after commit, in-process)."""

    def emit(tenant, user, n: int = 1) -> None:
        tm = transaction.TransactionManager(explicit=True)
        tm.begin()
        request = make_tenant_request(registry, registry["tenancy.resolver"].by_id(tenant.id), tm)
        try:
            request.emit(
                EVENT,
                resource_type="thing",
                resource_id=str(n),
                payload={"user_id": str(user.id), "n": n},
            )
        except BaseException:
            tm.abort()
            raise
        tm.commit()

    return emit


@pytest.fixture
def subscribed(client):
    """``subscribed(tenant, user, service, name)``: a browser subscribed through the API."""

    def make(tenant, user, service: PushService, name: str) -> FakeBrowser:
        browser = FakeBrowser(service.endpoint(name))
        r = client(tenant, user).post_json(SUBSCRIPTIONS, browser.subscription())
        assert r.status_int == 201, r.text
        return browser

    return make


def push_deliveries(db, tenant) -> list[Delivery]:
    bind_tenant(db, tenant.id)
    try:
        stmt = (
            sa.select(Delivery)
            .join(Notification, Notification.id == Delivery.notification_id)
            .where(Delivery.channel == "push", Notification.type == "pushtest.poked")
            .order_by(Delivery.created_at)
            .execution_options(populate_existing=True)
        )
        return list(db.scalars(stmt))
    finally:
        system_session(db)


def subscriptions(db, tenant) -> dict[str, PushSubscription]:
    bind_tenant(db, tenant.id)
    try:
        stmt = sa.select(PushSubscription).execution_options(populate_existing=True)
        return {row.endpoint.rsplit("/", 1)[-1]: row for row in db.scalars(stmt)}
    finally:
        system_session(db)


def test_a_web_push_reaches_a_local_push_endpoint_with_a_valid_vapid_signature(
    db, tenant, user_factory, client, push_service, poke, subscribed, run_task
):
    learner = user_factory(tenant)
    laptop = subscribed(tenant, learner, push_service, "laptop")
    phone = subscribed(tenant, learner, push_service, "phone")
    public_key = (
        client(tenant, learner).get("/api/v1/notifications/vapid-public-key").json["public_key"]
    )

    poke(tenant, learner, 7)

    (delivery,) = push_deliveries(db, tenant)
    assert delivery.status == "sent" and delivery.attempts == 1, delivery.last_error
    for browser, name in ((laptop, "laptop"), (phone, "phone")):
        (received,) = push_service.requests_to(name)
        claims = verify_vapid(received, push_service.origin, public_key)
        assert claims["aud"] == push_service.origin
        assert received.headers["ttl"] == "86400"
        assert received.headers["urgency"] == "normal"
        message = browser.decrypt(received)
        assert message == {
            "title": "Poke №7",
            "body": "Someone poked you. Twice, maybe.",
            "url": "/courses/poke-7",
            "tag": str(delivery.notification_id),
            "lang": message["lang"],
        }
    assert all(s.last_success_at is not None for s in subscriptions(db, tenant).values())

    # the delivery task run again (a worker's redelivery) sends nothing more
    assert run_task(tenant, "notifications.deliver", delivery_id=str(delivery.id)) == "done"
    assert len(push_service.received) == 2


def test_a_gone_subscription_expires_and_is_not_called_again(
    db, tenant, user_factory, push_service, poke, subscribed
):
    learner = user_factory(tenant)
    subscribed(tenant, learner, push_service, "old")
    subscribed(tenant, learner, push_service, "new")
    push_service.answer("old", 410)

    poke(tenant, learner, 1)
    assert push_deliveries(db, tenant)[0].status == "sent"  # "new" took it
    rows = subscriptions(db, tenant)
    assert rows["old"].expired_at is not None and rows["new"].expired_at is None

    push_service.answer("new", 404)
    poke(tenant, learner, 2)
    assert len(push_service.requests_to("old")) == 1  # not called again
    assert len(push_service.requests_to("new")) == 2
    second = push_deliveries(db, tenant)[1]
    assert (second.status, second.last_error) == ("skipped", "every push subscription has expired")

    poke(tenant, learner, 3)  # no live subscription left: no push delivery at all
    assert len(push_deliveries(db, tenant)) == 2
    assert len(push_service.received) == 3


def test_a_push_service_error_is_retried_later(
    db, tenant, user_factory, push_service, poke, subscribed, delayed
):
    learner = user_factory(tenant)
    browser = subscribed(tenant, learner, push_service, "flaky")
    push_service.answer("flaky", 500)

    poke(tenant, learner, 1)
    (delivery,) = push_deliveries(db, tenant)
    assert (delivery.status, delivery.attempts) == ("pending", 1)
    assert "HTTP 500" in delivery.last_error

    # the retry, when due, reaches the push service again and succeeds
    assert delayed.run_due(utcnow() + timedelta(hours=1)) == 1
    (delivery,) = push_deliveries(db, tenant)
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("sent", 2, "")
    first, second = push_service.requests_to("flaky")
    assert browser.decrypt(first) == browser.decrypt(second)


def test_refusals_fail_without_retry(
    db, tenant, user_factory, client, push_service, poke, subscribed, monkeypatch
):
    """403 (a subscription made for another VAPID key) is not retried; an endpoint
    whose host resolves to a private address is never called."""
    learner = user_factory(tenant)
    subscribed(tenant, learner, push_service, "wrong-key")
    push_service.answer("wrong-key", 403)
    poke(tenant, learner, 1)
    (delivery,) = push_deliveries(db, tenant)
    assert delivery.status == "failed" and "HTTP 403" in delivery.last_error

    other = user_factory(tenant)
    inside = FakeBrowser("https://push.internal.example/x")
    assert client(tenant, other).post_json(SUBSCRIPTIONS, inside.subscription()).status_int == 201
    real = socket.getaddrinfo

    def fake(host, *args, **kwargs):
        if host == "push.internal.example":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.5", 443))]
        return real(host, *args, **kwargs)

    monkeypatch.setattr(push.socket, "getaddrinfo", fake)
    poke(tenant, other, 2)
    refused = push_deliveries(db, tenant)[1]
    assert refused.status == "failed"
    assert "resolves to 10.0.0.5, not a public address" in refused.last_error
    assert len(push_service.received) == 1


def test_a_long_notification_is_shortened_to_fit_a_push():
    """Push services take at most 4096 encrypted bytes: a body in a script of three
    bytes a character is shortened (with an ellipsis) until the payload fits."""
    from types import SimpleNamespace

    from pywebpush import WebPusher

    request = SimpleNamespace(route_path=lambda name: "/notifications", locale_name="zh")
    notification = SimpleNamespace(
        id=uuid.uuid4(), subject="通知" * 100, body="漢字" * 600, url="/x/" + "y" * 996
    )
    data = push.encoded_payload(request, notification)
    message = json.loads(data)
    assert len(data.encode()) <= push.MAX_PAYLOAD_BYTES
    assert message["body"].endswith("…") and len(message["body"]) > 500
    assert message["title"] == "通知" * 100 and message["url"] == notification.url
    browser = FakeBrowser("https://push.example.net/x")
    encrypted = WebPusher(browser.subscription()).encode(data.encode())["body"]
    assert len(encrypted) <= 4096
