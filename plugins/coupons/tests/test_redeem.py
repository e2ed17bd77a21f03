"""The payments hooks: every validation rule, holds, settlement, rollback, stacking."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from learninghub.api import ProblemError
from learninghub.db import utcnow


def refused(call, status=422) -> str:
    with pytest.raises(ProblemError) as error:
        call()
    assert error.value.status == status, error.value.detail
    assert error.value.errors and error.value.errors[0]["path"] == ["body", "codes"]
    return error.value.detail


def test_each_rule_refuses_with_a_clear_message(
    line, tenant, user_factory, make_coupon, adjust, make_course, db
):
    from learninghub_courses.models import CourseCategory

    buyer = user_factory(tenant)
    now = utcnow()
    lines = [line(5000)]
    make_coupon(tenant, "OFF", active=False)
    make_coupon(tenant, "SOON", valid_from=now + timedelta(days=1))
    make_coupon(tenant, "GONE", valid_until=now - timedelta(seconds=1))
    make_coupon(tenant, "DOLLARS", kind="fixed", amount_minor=500, currency="USD")
    make_coupon(tenant, "BIG", min_purchase_minor=10000, currency="EUR")
    make_coupon(tenant, "ONLYX", course_ids=[uuid.uuid4()])
    category = CourseCategory(id=uuid.uuid4(), tenant_id=tenant.id, name="Art", slug="art")
    db.add(category)
    db.flush()
    make_coupon(tenant, "ARTONLY", category_ids=[category.id])
    make_coupon(tenant, "ONCE", max_uses_per_user=1)
    make_coupon(tenant, "USEDUP", max_uses=3, used_count=2, held_count=1)

    def q(code):
        return lambda: adjust(tenant, lines, [code], user=buyer)

    assert refused(q("nope")) == "Unknown code: NOPE."
    assert refused(q("off")) == "The code OFF is no longer active."
    assert refused(q("soon")) == "The code SOON is not valid yet."
    assert refused(q("gone")) == "The code GONE has expired."
    assert refused(q("dollars")) == "The code DOLLARS applies only to purchases in USD."
    assert refused(q("big")) == "The code BIG needs a purchase of at least €100.00."
    msg = "The code ONLYX does not apply to the courses in this order."
    assert refused(q("onlyx")) == msg
    assert "ARTONLY does not apply" in refused(q("artonly"))
    assert refused(q("usedup")) == "The code USEDUP has been used up."
    assert refused(lambda: adjust(tenant, lines, ["usedup"], buyer, reserve=True), 409) == (
        "The code USEDUP has been used up."
    )
    # per user: the first order holds the only use of this buyer
    assert adjust(tenant, lines, ["once"], buyer, reserve=True)[0].amount_minor == 500
    assert refused(q("once")) == "You have already used the code ONCE."
    assert adjust(tenant, lines, ["once"], user_factory(tenant))[0].amount_minor == 500
    # boundaries: exactly the minimum, the last second of the window
    make_coupon(
        tenant,
        "EDGE",
        min_purchase_minor=5000,
        currency="EUR",
        valid_until=now + timedelta(hours=1),
    )
    assert adjust(tenant, lines, [" edge "], buyer)[0].amount_minor == 500


def test_quote_writes_nothing_and_reserve_holds_one_use(
    line, tenant, user_factory, make_coupon, adjust, coupon_row, redemptions
):
    buyer = user_factory(tenant)
    coupon = make_coupon(tenant, "Spring25", percent_bp=2500, max_uses=2)
    (a,) = adjust(tenant, [line(1999), line(1)], ["SPRING25"], buyer)
    assert (a.provider, a.reference, a.code, a.line_index) == (
        "coupons",
        str(coupon.id),
        "SPRING25",
        None,
    )
    assert a.amount_minor == 500 and a.label == "Coupon SPRING25"  # 25 % of 20.00
    assert coupon_row(coupon).held_count == 0 and redemptions(coupon) == []

    order_id = uuid.uuid4()
    adjust(tenant, [line(2000)], ["spring25"], buyer, reserve=True, order_id=order_id)
    assert coupon_row(coupon).held_count == 1
    (held,) = redemptions(coupon)
    assert (held.order_id, held.user_id, held.status, held.amount_minor) == (
        order_id,
        buyer.id,
        "held",
        500,
    )
    # placing the same order again does not hold a second use
    adjust(tenant, [line(2000)], ["spring25"], buyer, reserve=True, order_id=order_id)
    assert coupon_row(coupon).held_count == 1 and len(redemptions(coupon)) == 1


def test_paid_converts_exactly_once(
    line, tenant, user_factory, make_coupon, adjust, settle, coupon_row, redemptions, events
):
    buyer = user_factory(tenant)
    coupon = make_coupon(tenant, "ONCEPAID", max_uses=5)
    order_id = uuid.uuid4()
    adjust(tenant, [line(3000)], ["oncepaid"], buyer, reserve=True, order_id=order_id)
    for outcome in ("paid", "paid", "failed", "expired", "refunded"):
        settle(tenant, order_id, outcome)
    row = coupon_row(coupon)
    assert (row.used_count, row.held_count) == (1, 0)
    (r,) = redemptions(coupon)
    assert r.status == "used" and r.settled_at is not None
    (event,) = events.named("coupons.coupon.redeemed")
    assert event.payload["order_id"] == str(order_id) and event.payload["amount_minor"] == 300


@pytest.mark.parametrize("outcome", ["failed", "expired", "cancelled"])
def test_failure_releases_the_hold(
    line, outcome, tenant, user_factory, make_coupon, adjust, settle, coupon_row, redemptions
):
    buyer = user_factory(tenant)
    coupon = make_coupon(tenant, "LASTONE", max_uses=1)
    order_id = uuid.uuid4()
    adjust(tenant, [line(3000)], ["lastone"], buyer, reserve=True, order_id=order_id)
    assert refused(lambda: adjust(tenant, [line(3000)], ["lastone"], buyer, reserve=True), 409)
    settle(tenant, order_id, outcome)
    settle(tenant, order_id, "paid")  # a late or repeated call changes nothing
    row = coupon_row(coupon)
    assert (row.used_count, row.held_count) == (0, 0)
    assert [r.status for r in redemptions(coupon)] == ["released"]
    # the use is free again
    assert adjust(tenant, [line(3000)], ["lastone"], buyer, reserve=True)[0].amount_minor == 300


def test_refund_keeps_the_use(line, tenant, user_factory, make_coupon, adjust, settle, coupon_row):
    coupon = make_coupon(tenant, "KEEP", max_uses=1)
    order_id = uuid.uuid4()
    adjust(tenant, [line(1000)], ["keep"], user_factory(tenant), reserve=True, order_id=order_id)
    settle(tenant, order_id, "paid")
    settle(tenant, order_id, "refunded")
    row = coupon_row(coupon)
    assert (row.used_count, row.held_count) == (1, 0)


def test_exception_after_the_hold_leaves_nothing(
    line, tenant, user_factory, make_coupon, tenant_request, coupon_row, redemptions
):
    from learninghub_coupons import learninghub_payments_adjustments
    from learninghub_payments.drafts import OrderDraft

    coupon = make_coupon(tenant, "ROLLBACK", max_uses=1)
    draft = OrderDraft(
        uuid.uuid4(), user_factory(tenant), "EUR", (line(1000),), ("rollback",), True
    )
    with pytest.raises(RuntimeError, match="gateway down"):
        with tenant_request(tenant) as request:
            assert learninghub_payments_adjustments(request=request, draft=draft)
            assert request.db.get(type(coupon), coupon.id).held_count == 1
            raise RuntimeError("gateway down")  # e.g. the order insert or begin_payment fails
    row = coupon_row(coupon)
    assert (row.used_count, row.held_count) == (0, 0) and redemptions(coupon) == []


def test_stacking_off_and_on(line, tenant, user_factory, make_coupon, adjust, plugin_operator):
    buyer = user_factory(tenant)
    make_coupon(tenant, "TEN")
    make_coupon(tenant, "FIVEOFF", kind="fixed", amount_minor=500)
    lines = [line(3000), line(1000)]
    assert refused(lambda: adjust(tenant, lines, ["ten", "fiveoff"], buyer)) == (
        "Only one coupon code can be used per order."
    )
    # the same code twice is one code
    assert sum(a.amount_minor for a in adjust(tenant, lines, ["ten", "TEN"], buyer)) == 400
    plugin_operator("coupons").settings(tenant, allow_stacking=True)
    answer = adjust(tenant, lines, ["ten", "fiveoff"], buyer)
    # stacked coupons are spread over the lines by each coupon: 400 then 500
    assert [(a.code, a.line_index, a.amount_minor) for a in answer] == [
        ("TEN", 0, 300),
        ("TEN", 1, 100),
        ("FIVEOFF", 0, 375),
        ("FIVEOFF", 1, 125),
    ]


def test_restrictions_discount_only_matching_lines(line, tenant, make_coupon, adjust, db):
    from learninghub_courses.models import CourseCategory

    parent = CourseCategory(id=uuid.uuid4(), tenant_id=tenant.id, name="Tech", slug="tech")
    db.add(parent)
    db.flush()
    child = CourseCategory(
        id=uuid.uuid4(), tenant_id=tenant.id, name="Python", slug="py", parent_id=parent.id
    )
    db.add(child)
    db.flush()
    course = uuid.uuid4()
    lines = [line(4000, course_id=course), line(2000, category_id=child.id), line(9999)]
    make_coupon(tenant, "HALF", percent_bp=5000, course_ids=[course], category_ids=[parent.id])
    answer = adjust(tenant, lines, ["half"])
    assert [(a.line_index, a.amount_minor) for a in answer] == [(0, 2000), (1, 1000)]
    # a fixed amount larger than the matching lines stops at their subtotal
    make_coupon(tenant, "HUGE", kind="fixed", amount_minor=100000, course_ids=[course])
    assert [(a.line_index, a.amount_minor) for a in adjust(tenant, lines, ["huge"])] == [(0, 4000)]


def test_other_tenants_codes_are_unknown(line, tenant, other_tenant, make_coupon, adjust):
    make_coupon(other_tenant, "THEIRS")
    assert refused(lambda: adjust(tenant, [line(1000)], ["theirs"])) == "Unknown code: THEIRS."


def test_no_codes_no_adjustments(line, tenant, adjust, db):
    from learninghub_coupons.models import Redemption

    assert adjust(tenant, [line(1000)], [], reserve=True) == []
    assert adjust(tenant, [line(1000)], ["  "], reserve=True) == []
    assert db.scalar(sa.select(sa.func.count()).select_from(Redemption)) == 0
