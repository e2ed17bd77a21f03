"""Seat codes (creation, redemption through the API and the page, CSV) and the
receipt PDF (text extracted with pypdf)."""

from __future__ import annotations

import io

import pytest

from learninghub_payments.orders import seats

REDEEM = "/api/v1/seat-codes/redeem"


@pytest.fixture
def seat_order(tenant, user_factory, make_course, place, client):
    buyer = user_factory(tenant)
    course = make_course(tenant, title="Team training")
    order_id = place(tenant, buyer, seats=[(course, 3)], paid=True)
    codes = client(tenant, buyer).get(f"/api/v1/orders/{order_id}").json["seat_codes"]
    return {
        "buyer": buyer,
        "course": course,
        "order_id": order_id,
        "codes": [c["code"] for c in codes],
    }


def test_codes_are_unguessable_and_normalized():
    code = seats.new_code()
    assert len(code) == 19 and code.count("-") == 3
    assert seats.normalize(code.lower().replace("-", " ")) == code
    assert seats.normalize("OIL0-0000-0000-0000") == "0110-0000-0000-0000"
    assert seats.normalize("short") is None and seats.normalize("U" * 16) is None
    assert len({seats.new_code() for _ in range(200)}) == 200


def test_n_codes_redeemed_once_each(
    seat_order, tenant, user_factory, client, enrollment_row, events
):
    codes = seat_order["codes"]
    assert len(codes) == 3 and len(set(codes)) == 3
    first, second = user_factory(tenant), user_factory(tenant)
    r = client(tenant, first).post_json(REDEEM, {"code": codes[0].lower()})
    assert r.status_int == 200 and r.json["course_title"] == "Team training"
    assert enrollment_row(seat_order["course"].id, first).source == "code"
    assert "payments.seat_code.redeemed" in events.names()
    again = client(tenant, second).post_json(REDEEM, {"code": codes[0]})
    assert again.status_int == 409 and enrollment_row(seat_order["course"].id, second) is None
    # someone who already has access keeps the code unused
    owner = client(tenant, first).post_json(REDEEM, {"code": codes[1]})
    assert owner.status_int == 409
    statuses = (
        client(tenant, seat_order["buyer"]).get(f"/api/v1/orders/{seat_order['order_id']}").json
    )
    assert sorted(c["status"] for c in statuses["seat_codes"]) == ["redeemed", "unused", "unused"]


def test_redeem_refusals(seat_order, tenant, other_tenant, user_factory, client):
    stranger = user_factory(other_tenant)
    assert (
        client(other_tenant, stranger)
        .post_json(REDEEM, {"code": seat_order["codes"][0]})
        .status_int
        == 404
    )
    learner = user_factory(tenant)
    assert (
        client(tenant, learner).post_json(REDEEM, {"code": "AAAA-AAAA-AAAA-AAAA"}).status_int == 404
    )
    assert client(tenant, learner).post_json(REDEEM, {"code": "nonsense"}).status_int == 404
    bad = client(tenant, learner).post_json(REDEEM, {"code": ""})
    assert bad.status_int == 422 and bad.json["errors"][0]["path"] == ["body", "code"]
    assert client(tenant).post_json(REDEEM, {"code": seat_order["codes"][0]}).status_int == 401


def test_redeem_page_and_csv(seat_order, tenant, user_factory, page_browser, enrollment_row):
    learner = user_factory(tenant)
    browser = page_browser(tenant, learner)
    page = browser.get("/redeem")
    assert page.status_int == 200 and 'name="code"' in page.text
    wrong = browser.submit(page, "/redeem", {"code": "AAAA-AAAA-AAAA-AAAA"})
    assert wrong.status_int == 404 and "no such code" in wrong.text
    done = browser.submit(page, "/redeem", {"code": seat_order["codes"][2]})
    assert done.status_int == 303 and enrollment_row(seat_order["course"].id, learner) is not None
    buyer = page_browser(tenant, seat_order["buyer"])
    detail = buyer.get(f"/orders/{seat_order['order_id']}")
    assert all(code in detail.text for code in seat_order["codes"])
    csv = buyer.get(f"/orders/{seat_order['order_id']}/seat-codes.csv")
    assert csv.content_type == "text/csv"
    rows = csv.text.strip().splitlines()
    assert rows[0] == "code,course,status,redeemed_at" and len(rows) == 4
    assert any(r.startswith(seat_order["codes"][2]) and ",redeemed," in r for r in rows)
    # nobody else sees them
    assert (
        page_browser(tenant, learner)
        .get(f"/orders/{seat_order['order_id']}/seat-codes.csv")
        .status_int
        == 404
    )


def test_receipt_pdf(tenant, user_factory, make_course, place, page_browser, client, db):
    from pypdf import PdfReader

    from learninghub.db import bind_tenant, system_session
    from learninghub_payments.orders.models import TaxRate

    buyer = user_factory(tenant)
    admin = user_factory(tenant, "admin")
    bind_tenant(db, tenant.id)
    db.add(TaxRate(country="FR", rate_bp=2000))
    db.flush()
    system_session(db)
    course = make_course(tenant, title="Ceramics", price_minor=2400)
    order_id = place(tenant, buyer, course, country="FR", paid=True)
    client(tenant, admin).post_json(
        f"/api/v1/admin/orders/{order_id}/refunds", {"amount_minor": 500, "reason": "chipped mug"}
    )
    r = page_browser(tenant, buyer).get(f"/orders/{order_id}/receipt.pdf")
    assert r.status_int == 200 and r.content_type == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(r.body)).pages)
    number = client(tenant, buyer).get(f"/api/v1/orders/{order_id}").json["number"]
    for expected in (
        tenant.orm.name,
        number,
        "Ceramics",
        "Tax included (20 %)",
        "€4.00",
        "€24.00",
        "chipped mug",
        "-€5.00",
    ):
        assert expected in text, (expected, text)
    assert page_browser(tenant, admin).get(f"/orders/{order_id}/receipt.pdf").status_int == 200
    other = user_factory(tenant)
    assert page_browser(tenant, other).get(f"/orders/{order_id}/receipt.pdf").status_int == 404
