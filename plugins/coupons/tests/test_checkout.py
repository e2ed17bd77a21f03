"""Coupons through payments' real checkout (``learninghub_payments.checkout``):
``place_order`` holds, settlement uses or releases, and a failure anywhere in the
checkout's transaction leaves neither an order nor a hold."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from learninghub.api import ProblemError
from learninghub.db import system_session
from learninghub.identity import User
from learninghub_payments import checkout
from learninghub_payments.drafts import DraftLine
from learninghub_payments.orders import settlement
from learninghub_payments.orders.models import Order, OrderAdjustment


def buy(course, quantity=1):
    return DraftLine(
        course_id=course.id,
        quantity=quantity,
        unit_price_minor=course.course.price_minor,
        title=course.course.title,
        kind="seats" if quantity > 1 else "course",
    )


def orders(db):
    db.expire_all()
    return system_session(db).scalars(sa.select(Order)).all()


def test_place_order_holds_and_payment_uses(
    tenant, user_factory, make_course, tenant_request, make_coupon, coupon_row, redemptions, db
):
    buyer = user_factory(tenant)
    a = make_course(tenant, lessons=1, price_minor=3000)
    b = make_course(tenant, lessons=1, price_minor=1000)
    coupon = make_coupon(tenant, "WELCOME", percent_bp=2500, max_uses=10, course_ids=[a.id])
    with tenant_request(tenant) as request:
        user = request.db.get(User, buyer.id)
        quote = checkout.quote(request, user, [buy(a), buy(b)], codes=["welcome"])
        assert (quote.discount_minor, quote.total_minor) == (750, 3250)
        order = checkout.place_order(request, user, [buy(a), buy(b)], codes=["Welcome"])
        order_id = order.id
    assert (order.discount_minor, order.total_minor) == (750, 3250)
    (adj,) = system_session(db).scalars(sa.select(OrderAdjustment)).all()
    assert (adj.provider, adj.reference, adj.code, adj.amount_minor) == (
        "coupons",
        str(coupon.id),
        "WELCOME",
        750,
    )
    assert adj.item_id is not None  # on course a's line only
    assert coupon_row(coupon).held_count == 1
    with tenant_request(tenant) as request:
        settlement.mark_paid(request, settlement.lock_order(request, order_id), gateway="offline")
    row = coupon_row(coupon)
    assert (row.used_count, row.held_count) == (1, 0)
    assert [r.status for r in redemptions(coupon)] == ["used"]


def test_failed_payment_and_exceptions_mid_checkout_consume_nothing(
    tenant, user_factory, make_course, tenant_request, make_coupon, coupon_row, redemptions, db
):
    buyer = user_factory(tenant)
    course = make_course(tenant, lessons=1, price_minor=2000)
    coupon = make_coupon(tenant, "ONLYONE", max_uses=1)
    # an exception after the hold, in the checkout's transaction (e.g. the gateway call)
    with pytest.raises(RuntimeError):
        with tenant_request(tenant) as request:
            user = request.db.get(User, buyer.id)
            checkout.place_order(request, user, [buy(course)], codes=["onlyone"])
            raise RuntimeError("the payment session could not be created")
    assert orders(db) == [] and redemptions(coupon) == []
    assert coupon_row(coupon).held_count == 0
    # a payment that fails releases the hold
    with tenant_request(tenant) as request:
        user = request.db.get(User, buyer.id)
        order_id = checkout.place_order(request, user, [buy(course)], codes=["onlyone"]).id
    with pytest.raises(ProblemError) as used_up:
        with tenant_request(tenant) as request:
            user = request.db.get(User, user_factory(tenant).id)
            checkout.place_order(request, user, [buy(course)], codes=["onlyone"])
    assert used_up.value.status == 409 and len(orders(db)) == 1
    with tenant_request(tenant) as request:
        settlement.mark_failed(request, settlement.lock_order(request, order_id))
    row = coupon_row(coupon)
    assert (row.used_count, row.held_count) == (0, 0)
    assert [r.status for r in redemptions(coupon)] == ["released"]
