"""Settlement at the service level: paid, failed, expired, cancelled; forward-only,
idempotent, all-or-nothing; the expiry task and sweep; the settled hook."""

from __future__ import annotations

import sqlalchemy as sa

from learninghub_payments.orders import settlement
from learninghub_payments.orders.models import Order, Transaction


def test_mark_paid_fulfils_once(
    tenant,
    user_factory,
    make_course,
    place,
    tenant_request,
    adjuster,
    enrollment_row,
    order_row,
    db,
    events,
):
    buyer = user_factory(tenant)
    a, b = make_course(tenant), make_course(tenant)
    order_id = place(tenant, buyer, a, seats=[(b, 3)])
    with tenant_request(tenant) as request:
        assert settlement.mark_paid(request, request.db.get(Order, order_id), "pi_1", 1999 * 4)
    with tenant_request(tenant) as request:
        assert not settlement.mark_paid(request, request.db.get(Order, order_id), "pi_1")
        assert not settlement.expire(request, request.db.get(Order, order_id))
    order = order_row(order_id)
    assert (
        order.status == "paid" and order.paid_at is not None and order.gateway_reference == "pi_1"
    )
    assert enrollment_row(a.id, buyer).source == "purchase"
    assert enrollment_row(b.id, buyer) is None  # seats are for others
    from learninghub.db import system_session
    from learninghub_payments.orders.models import SeatCode

    s = system_session(db)
    assert len(s.scalars(sa.select(SeatCode).where(SeatCode.order_id == order_id)).all()) == 3
    assert len(s.scalars(sa.select(Transaction).where(Transaction.order_id == order_id)).all()) == 1
    assert adjuster.settled == [(order_id, "paid")]
    assert events.names().count("payments.order.paid") == 1


def test_a_wrong_amount_is_refused(
    tenant, user_factory, make_course, place, tenant_request, order_row
):
    from learninghub.api import ProblemError

    order_id = place(tenant, user_factory(tenant), make_course(tenant))
    with tenant_request(tenant) as request:
        try:
            settlement.mark_paid(request, request.db.get(Order, order_id), "pi", 5)
        except ProblemError as exc:
            assert exc.status == 409
        else:
            raise AssertionError("accepted a wrong amount")
    assert order_row(order_id).status == "pending"


def test_a_failure_inside_mark_paid_leaves_the_order_pending(
    tenant,
    user_factory,
    make_course,
    place,
    tenant_request,
    enrollment_row,
    order_row,
    monkeypatch,
    adjuster,
):
    import learninghub_enrollment.services as enrolment

    buyer = user_factory(tenant)
    a, b = make_course(tenant), make_course(tenant)
    order_id = place(tenant, buyer, a, b)
    real = enrolment.enrol
    calls = []

    def enrol_then_fail(request, course, user, source, **kw):
        calls.append(course.id)
        if len(calls) == 2:
            raise RuntimeError("the database went away")
        return real(request, course, user, source, **kw)

    monkeypatch.setattr(enrolment, "enrol", enrol_then_fail)
    with tenant_request(tenant) as request:
        try:
            settlement.mark_paid(request, request.db.get(Order, order_id), "pi")
        except RuntimeError:
            pass
        else:
            raise AssertionError("the failure was swallowed")
        # even a caller that catches the error keeps nothing of the settlement
        assert request.db.get(Order, order_id).status == "pending"
    assert len(calls) == 2
    assert order_row(order_id).status == "pending"
    assert enrollment_row(a.id, buyer) is None and enrollment_row(b.id, buyer) is None
    assert adjuster.settled == []


def test_statuses_only_move_forward(
    tenant, user_factory, make_course, place, tenant_request, adjuster, order_row
):
    buyer = user_factory(tenant)
    failed = place(tenant, buyer, make_course(tenant))
    cancelled = place(tenant, buyer, make_course(tenant))
    with tenant_request(tenant) as request:
        assert settlement.mark_failed(request, request.db.get(Order, failed))
        assert settlement.cancel(request, request.db.get(Order, cancelled))
    with tenant_request(tenant) as request:
        for order_id in (failed, cancelled):
            order = request.db.get(Order, order_id)
            assert not settlement.mark_paid(request, order, "late")
            assert not settlement.expire(request, order)
            assert not settlement.cancel(request, order)
    assert order_row(failed).status == "failed" and order_row(cancelled).status == "cancelled"
    assert adjuster.settled == [(failed, "failed"), (cancelled, "cancelled")]


def test_expiry_task_and_sweep_release_through_the_settled_hook(
    tenant,
    user_factory,
    make_course,
    place,
    tenant_request,
    adjuster,
    dispatched,
    run_task,
    order_row,
    db,
):
    from datetime import timedelta

    from learninghub.db import system_session, utcnow

    buyer = user_factory(tenant)
    first = place(tenant, buyer, make_course(tenant))
    second = place(tenant, buyer, make_course(tenant))
    # queued for its expiry time at placement
    queued = [m for m in dispatched if m.name == "payments.expire_order"]
    assert [m.kwargs["order_id"] for m in queued] == [str(first), str(second)]
    assert queued[0].eta == order_row(first).expires_at
    assert run_task(tenant, "payments.expire_order", order_id=str(first)) == "done"
    assert order_row(first).status == "pending"  # too early: nothing happens
    s = system_session(db)
    for order_id in (first, second):
        s.get(Order, order_id).expires_at = utcnow() - timedelta(minutes=1)
    s.flush()
    assert run_task(tenant, "payments.expire_order", order_id=str(first)) == "done"
    assert order_row(first).status == "expired"
    with tenant_request(tenant) as request:
        assert settlement.expire_due(request) == 1
        assert settlement.expire_due(request) == 0
    assert order_row(second).status == "expired"
    assert adjuster.settled == [(first, "expired"), (second, "expired")]
