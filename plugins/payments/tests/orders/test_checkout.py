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


def _problem(call):
    from learninghub.api import ProblemError

    try:
        call()
    except ProblemError as exc:
        return exc
    raise AssertionError("no problem raised")


def test_discounts_are_spread_and_tax_applied(
    bare_tenant,
    user_factory,
    make_course,
    place,
    adjuster,
    tenant_request,
    db,
    plugin_admin,
    order_row,
):
    tenant = bare_tenant
    from learninghub.db import system_session
    from learninghub_payments.drafts import Adjustment
    from learninghub_payments.orders.models import OrderAdjustment, OrderItem, TaxRate

    buyer = user_factory(tenant)
    a = make_course(tenant, price_minor=3000)
    b = make_course(tenant, price_minor=1000)
    with tenant_request(tenant) as request:
        request.db.add(TaxRate(country="FR", rate_bp=2000))
    # 50.00 off the second line (clamped to its 10.00) and 10.00 off the order (spread
    # over what is left: all on the first line)
    adjuster.grants = [
        Adjustment("coupons", "c1", "TEN", "Ten off", 1000),
        Adjustment("coupons", "c2", "BIG", "Big", 5000, line_index=1),
    ]
    plugin_admin.settings(tenant, tax_inclusive=False)
    order_id = place(tenant, buyer, a, b, country="fr", codes=["TEN", "big", "ten"])
    assert adjuster.drafts[-1].codes == ("TEN", "big")
    order = order_row(order_id)
    s = system_session(db)
    items = s.scalars(
        sa.select(OrderItem).where(OrderItem.order_id == order_id).order_by(OrderItem.position)
    ).all()
    # line b: 10.00 clamped to 10.00 -> 0; the 10.00 on the order all goes to line a
    assert [i.discount_minor for i in items] == [1000, 1000]
    assert [i.tax_minor for i in items] == [400, 0]
    assert [i.total_minor for i in items] == [2400, 0]
    assert (order.subtotal_minor, order.discount_minor, order.tax_minor, order.total_minor) == (
        4000,
        2000,
        400,
        2400,
    )
    assert (order.tax_country, order.tax_rate_bp, order.tax_inclusive) == ("FR", 2000, False)
    adjs = s.scalars(sa.select(OrderAdjustment).where(OrderAdjustment.order_id == order_id)).all()
    assert sorted(a.amount_minor for a in adjs) == [1000, 1000]


def test_quote_writes_nothing_and_inclusive_tax_is_extracted(
    tenant, user_factory, make_course, line, tenant_request, db
):
    from learninghub.db import system_session
    from learninghub_payments.orders.models import TaxRate

    buyer = user_factory(tenant)
    course = make_course(tenant, price_minor=1200)
    with tenant_request(tenant) as request:
        request.db.add(TaxRate(country="DE", rate_bp=2000))
    with tenant_request(tenant) as request:
        q = checkout.quote(request, _user(request, buyer), [line(course)], country="DE")
        assert (q.total_minor, q.tax_minor, q.tax_rate_bp) == (1200, 200, 2000)
        assert checkout.quote(request, None, [line(course)], country="US").tax_minor == 0
    assert system_session(db).scalars(sa.select(Order)).all() == []


def test_same_key_same_user_same_order(tenant, user_factory, make_course, place, order_row):
    buyer, other = user_factory(tenant), user_factory(tenant)
    course = make_course(tenant)
    first = place(tenant, buyer, course, idempotency_key="k-1")
    assert place(tenant, buyer, course, idempotency_key="k-1") == first
    assert place(tenant, other, course, idempotency_key="k-1") != first
    assert order_row(first).number.endswith("-000001")


def test_a_free_total_is_paid_at_once(
    tenant, user_factory, make_course, place, order_row, enrollment_row, dispatched
):
    buyer = user_factory(tenant)
    course = make_course(tenant, price_minor=0)
    order = order_row(place(tenant, buyer, course))
    assert order.status == "paid" and order.total_minor == 0 and order.gateway == "free"
    assert enrollment_row(course.id, buyer).source == "purchase"
    assert not [m for m in dispatched if m.name == "payments.expire_order"]


def test_what_cannot_be_bought_is_refused(
    tenant, user_factory, make_course, line, tenant_request, enrol_directly, db
):
    from learninghub.db import system_session
    from learninghub_payments.drafts import DraftLine

    buyer = user_factory(tenant)
    course = make_course(tenant)
    draft = make_course(tenant, status="draft")
    dollars = make_course(tenant)
    owned = make_course(tenant)
    system_session(db).get(type(dollars.course), dollars.id).currency = "USD"
    system_session(db).flush()
    enrol_directly(tenant, owned.course, buyer)
    with tenant_request(tenant, commit=False) as request:
        user = _user(request, buyer)

        def place(lines, **kw):
            return _problem(lambda: checkout.place_order(request, user, lines, **kw))

        assert place([]).status == 422
        assert place([line(course, 1001)]).status == 422
        assert place([line(course, 0, kind="seats")]).status == 422
        assert place([line(course, 2, kind="course")]).status == 422
        assert place([line(course), line(course)]).status == 422
        assert place([line(course)], country="France").status == 422
        assert place([line(draft)]).status == 409
        exc = place([line(dollars)])
        assert exc.status == 409 and "USD" in exc.detail and "EUR" in exc.detail
        assert place([line(owned)]).status == 409
        changed = DraftLine(course_id=course.id, quantity=1, unit_price_minor=1, title="x")
        assert place([changed]).status == 409
        gone = DraftLine(
            course_id=Order.__table__.c.id.type.python_type(int=1),
            quantity=1,
            unit_price_minor=1,
            title="x",
        )
        assert place([gone]).status == 404
        # owners may buy seats
        assert checkout.place_order(request, user, [line(owned, 2)]).total_minor == 2 * 1999
