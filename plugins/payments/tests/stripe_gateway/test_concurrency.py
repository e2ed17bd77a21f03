"""The same Stripe event delivered 10 times at once fulfils the order once.

The app runs on a database of its own whose rows are really committed (the test
transaction of the other tests would hide the race): a fresh SQLite file, or a fresh
PostgreSQL database in the PostgreSQL pass. Ten threads post the same signed event
through the WSGI app at the same moment."""

from __future__ import annotations

import json
import os
import threading
import uuid

import pytest
import sqlalchemy as sa
import webtest

from learninghub.hookspecs import hookimpl
from learninghub.testing.plugin import create_database, drop_database

from .conftest import WEBHOOK, make_event, session_object, sign, stripe_settings

pytestmark = pytest.mark.slow
DELIVERIES = 10


class _Recorder:
    def __init__(self):
        self.names: list[str] = []
        self.lock = threading.Lock()

    @hookimpl
    def learninghub_domain_event(self, request, event):
        with self.lock:
            self.names.append(event.name)


@pytest.fixture(scope="module")
def committed_app(tmp_path_factory, lh_raw_settings):
    from learninghub import configure
    from learninghub.config import collect_settings
    from learninghub.migrate import upgrade
    from learninghub.testing.browser import LiveApp, live_settings

    folder = tmp_path_factory.mktemp("paycc")
    base = os.environ.get("LEARNINGHUB_TEST_DATABASE_URL")
    url = create_database(base, "lhpaycc") if base else f"sqlite:///{folder}/cc.sqlite"
    raw = live_settings(lh_raw_settings, folder, **{"db.url": url})
    try:
        upgrade(collect_settings(raw, environ={}))
        config = configure(raw, environ={})
        live = LiveApp(config.registry, 0, folder)
        yield live, config.make_wsgi_app()
        config.registry["db.engine"].dispose()
    finally:
        if base:
            drop_database(url)


def test_ten_concurrent_deliveries_fulfil_once(committed_app):
    import transaction

    from learninghub.identity import User
    from learninghub.plugins import TenantPlugins
    from learninghub.tasks import make_tenant_request
    from learninghub.tenancy import Tenant
    from learninghub_courses.models import Course
    from learninghub_enrollment.models import Enrollment
    from learninghub_payments.checkout import place_order
    from learninghub_payments.drafts import DraftLine
    from learninghub_payments.orders.models import Order, Transaction
    from learninghub_payments.stripe_gateway.models import GatewayEvent

    live, wsgi = committed_app
    registry = live.registry
    tenant = live.create_tenant(plugins=["payments"])
    with live.session(tenant) as db:
        TenantPlugins(registry, db, db.get(Tenant, tenant.id)).enable(
            "payments", settings=stripe_settings()
        )
    user_id = live.create_user(tenant)
    course_id = uuid.uuid4()
    with live.session(tenant) as db:
        db.add(
            Course(
                id=course_id,
                slug=f"c-{course_id.hex[:8]}",
                title="Concurrency",
                price_minor=1999,
                currency="EUR",
                status="published",
            )
        )
    tm = transaction.TransactionManager(explicit=True)
    with tm:
        request = make_tenant_request(registry, registry["tenancy.resolver"].by_id(tenant.id), tm)
        line = DraftLine(course_id=course_id, quantity=1, unit_price_minor=1999, title="C")
        order_id = place_order(request, request.db.get(User, user_id), [line]).id
    live.invalidate()

    event = make_event("checkout.session.completed", session_object(order_id, tenant))
    body = json.dumps(event)
    headers = {"Stripe-Signature": sign(body), "Content-Type": "application/json"}
    recorder = _Recorder()
    registry["plugins"].pm.register(recorder, name="test-payments-cc-recorder")
    barrier = threading.Barrier(DELIVERIES)
    answers: list[tuple[int, str]] = []
    lock = threading.Lock()

    def deliver() -> None:
        client = webtest.TestApp(wsgi, extra_environ={"HTTP_HOST": f"{tenant.slug}.localhost"})
        barrier.wait()
        r = client.post(WEBHOOK, body, headers=headers, expect_errors=True)
        with lock:
            answers.append((r.status_int, r.json.get("outcome", r.text)))

    try:
        threads = [threading.Thread(target=deliver) for _ in range(DELIVERIES)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        registry["plugins"].pm.unregister(recorder)

    assert sorted(answers) == sorted(
        [(200, "applied: paid")] + [(200, "duplicate")] * (DELIVERIES - 1)
    ), answers
    with live.session(tenant) as db:
        assert db.get(Order, order_id).status == "paid"
        assert db.scalar(sa.select(sa.func.count(Transaction.id))) == 1
        assert db.scalar(sa.select(sa.func.count(GatewayEvent.id))) == 1
        assert db.scalar(sa.select(sa.func.count(Enrollment.id))) == 1
    assert recorder.names.count("enrollment.enrollment.created") == 1
    assert recorder.names.count("payments.order.paid") == 1
