"""place_order, quote and begin_payment at the service level."""

from __future__ import annotations

import sqlalchemy as sa

from learninghub.identity import User
from learninghub_payments import checkout
from learninghub_payments.orders.models import Order


def test_place_order_offline_then_begin_payment(
    tenant, user_factory, make_course, line, tenant_request, enrollment_row
):
    buyer = user_factory(tenant)
    course = make_course(tenant)
    with tenant_request(tenant) as request:
        user = request.db.get(User, buyer.id)
        order = checkout.place_order(request, user, [line(course)], origin="buy_now")
        assert order.status == "pending" and order.total_minor == 1999
        assert order.number.endswith("-000001") and order.expires_at is not None
        url = checkout.begin_payment(request, order)
        assert url == f"/orders/{order.id}"
    assert enrollment_row(course.id, buyer) is None


def _user(request, handle):
    return request.db.get(User, handle.id)


def _orders(db):
    from learninghub.db import system_session

    return system_session(db).scalars(sa.select(Order)).all()


def test_a_refusal_while_reserving_leaves_nothing(
    tenant, user_factory, make_course, line, tenant_request, adjuster, db
):
    from learninghub.api import ProblemError
    from learninghub_payments.orders.models import OrderAdjustment, OrderItem

    buyer = user_factory(tenant)
    course = make_course(tenant)
    adjuster.refuse = ProblemError(409, "Conflict", "this code has been used up")
    try:
        with tenant_request(tenant) as request:
            checkout.place_order(request, _user(request, buyer), [line(course)], codes=["X"])
    except ProblemError as exc:
        assert exc.status == 409
    else:
        raise AssertionError("the refusal did not reach the caller")
    assert adjuster.drafts[0].reserve and adjuster.drafts[0].codes == ("X",)
    assert _orders(db) == []
    from learninghub.db import system_session

    s = system_session(db)
    assert (
        s.scalars(sa.select(OrderItem)).all() == []
        and s.scalars(sa.select(OrderAdjustment)).all() == []
    )
