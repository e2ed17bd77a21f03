"""Refunds through the admin API: partial then full, over-refund, items, access per
``refund_revokes_access``."""

from __future__ import annotations

import pytest


@pytest.fixture
def paid(tenant, user_factory, make_course, place, client):
    """A paid order of two courses (19.99 each) and three seats of a third."""
    buyer = user_factory(tenant)
    admin = user_factory(tenant, "admin")
    a, b, c = make_course(tenant), make_course(tenant), make_course(tenant)
    order_id = place(tenant, buyer, a, b, seats=[(c, 3)], paid=True)
    api = client(tenant, admin)
    detail = api.get(f"/api/v1/admin/orders/{order_id}").json
    return {
        "buyer": buyer,
        "courses": (a, b, c),
        "order_id": order_id,
        "api": api,
        "url": f"/api/v1/admin/orders/{order_id}/refunds",
        "items": {i["course_id"]: i["id"] for i in detail["items"]},
        "codes": [s["code"] for s in detail["seat_codes"]],
    }


def test_partial_then_full_refund(paid, adjuster, events, enrollment_row, mailbox):
    a, b, c = paid["courses"]
    r = paid["api"].post_json(paid["url"], {"amount_minor": 1000, "reason": "goodwill"})
    assert r.status_int == 201, r.text
    order = r.json["order"]
    assert order["status"] == "partially_refunded" and order["refunded_minor"] == 1000
    assert r.json["transaction"]["reference"].startswith("refund:")
    assert sum(i["refunded_minor"] for i in order["items"]) == 1000
    # full_only (default): nothing was refunded in full, access stays
    assert enrollment_row(a.id, paid["buyer"]).status == "active"

    over = paid["api"].post_json(paid["url"], {"amount_minor": 5 * 1999, "reason": "too much"})
    assert over.status_int == 422 and over.json["errors"][0]["path"] == ["body", "amount_minor"]

    r = paid["api"].post_json(paid["url"], {"reason": "the rest"})
    assert r.status_int == 201
    order = r.json["order"]
    assert order["status"] == "refunded" and order["refunded_minor"] == order["total_minor"]
    assert enrollment_row(a.id, paid["buyer"]).status == "cancelled"
    assert all(s["status"] == "revoked" for s in order["seat_codes"])
    assert [t["kind"] for t in order["transactions"]] == ["payment", "refund", "refund"]
    assert (paid["order_id"], "refunded") in adjuster.settled
    assert events.names().count("payments.order.refunded") == 2
    again = paid["api"].post_json(paid["url"], {"reason": "once more"})
    assert again.status_int == 409


@pytest.mark.parametrize(
    ("rule", "one_item_cancelled", "partial_cancelled"),
    [("always", True, True), ("full_only", True, False), ("never", False, False)],
)
def test_revocation_follows_the_setting(
    paid, tenant, plugin_admin, enrollment_row, rule, one_item_cancelled, partial_cancelled
):
    plugin_admin.settings(tenant, refund_revokes_access=rule)
    a, b, c = paid["courses"]
    # item a in full
    r = paid["api"].post_json(
        paid["url"], {"item_ids": [paid["items"][str(a.id)]], "reason": "did not like it"}
    )
    assert r.status_int == 201, r.text
    assert (enrollment_row(a.id, paid["buyer"]).status == "cancelled") is one_item_cancelled
    assert enrollment_row(b.id, paid["buyer"]).status == "active"
    # 1.00 of item b
    r = paid["api"].post_json(
        paid["url"], {"item_ids": [paid["items"][str(b.id)]], "amount_minor": 100, "reason": "late"}
    )
    assert r.status_int == 201
    assert (enrollment_row(b.id, paid["buyer"]).status == "cancelled") is partial_cancelled


def test_seat_refund_cancels_redeemed_and_revokes_unused(
    paid, tenant, user_factory, client, enrollment_row
):
    a, b, c = paid["courses"]
    colleague = user_factory(tenant)
    assert (
        client(tenant, colleague)
        .post_json("/api/v1/seat-codes/redeem", {"code": paid["codes"][0].lower()})
        .status_int
        == 200
    )
    assert enrollment_row(c.id, colleague).source == "code"
    r = paid["api"].post_json(
        paid["url"], {"item_ids": [paid["items"][str(c.id)]], "reason": "team left"}
    )
    assert r.status_int == 201
    assert enrollment_row(c.id, colleague).status == "cancelled"
    assert sorted(s["status"] for s in r.json["order"]["seat_codes"]) == [
        "redeemed",
        "revoked",
        "revoked",
    ]


def test_refund_inputs_are_checked(paid, tenant, client, user_factory, make_course, place):
    for body, path in (
        ({"amount_minor": 0, "reason": "zero"}, ["body", "amount_minor"]),
        ({"amount_minor": 100}, ["body", "reason"]),
        ({"amount_minor": 100, "reason": "  "}, ["body", "reason"]),
        ({"item_ids": ["not-a-uuid"], "reason": "bad"}, ["body", "item_ids", 0]),
        ({"item_ids": [str(paid["order_id"])], "reason": "not an item"}, ["body", "item_ids"]),
        ({"reason": "extra", "foo": 1}, ["body", "foo"]),
    ):
        r = paid["api"].post_json(paid["url"], body)
        assert r.status_int == 422, body
        assert r.json["errors"][0]["path"] == path, (body, r.json)
    pending = place(tenant, user_factory(tenant), make_course(tenant))
    r = paid["api"].post_json(f"/api/v1/admin/orders/{pending}/refunds", {"reason": "unpaid"})
    assert r.status_int == 409
