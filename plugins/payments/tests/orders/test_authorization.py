"""Who may call what: every route of the orders part as its allowed role, a forbidden
role, an anonymous visitor and another tenant; invalid inputs of every input model."""

from __future__ import annotations

import pytest


@pytest.fixture
def world(tenant, other_tenant, user_factory, make_course, place):
    buyer = user_factory(tenant)
    order_id = place(tenant, buyer, make_course(tenant))
    return {
        "buyer": buyer,
        "learner": user_factory(tenant),
        "instructor": user_factory(tenant, "instructor"),
        "admin": user_factory(tenant, "admin"),
        "foreign_admin": user_factory(other_tenant, "admin"),
        "order_id": order_id,
    }


def test_api_routes(world, tenant, other_tenant, client, foreign_client, plugin_admin):
    oid = world["order_id"]
    buyer, learner = client(tenant, world["buyer"]), client(tenant, world["learner"])
    instructor, admin = client(tenant, world["instructor"]), client(tenant, world["admin"])
    anonymous, foreign = client(tenant), foreign_client(tenant, other_tenant)
    theirs = client(other_tenant, world["foreign_admin"])  # another tenant's admin, at home

    # my orders: each buyer sees theirs only
    assert [o["id"] for o in buyer.get("/api/v1/orders").json["items"]] == [str(oid)]
    assert learner.get("/api/v1/orders").json["items"] == []
    assert buyer.get("/api/v1/orders?status=paid").json["items"] == []
    assert buyer.get("/api/v1/orders?status=lost").status_int == 422
    assert buyer.get("/api/v1/orders?limit=0").status_int == 422
    # one order: its buyer and managers; 404 for anyone else
    assert buyer.get(f"/api/v1/orders/{oid}").json["items"][0]["total_minor"] == 1999
    assert admin.get(f"/api/v1/orders/{oid}").status_int == 200
    assert learner.get(f"/api/v1/orders/{oid}").status_int == 404
    assert buyer.get("/api/v1/orders/not-a-uuid").status_int == 404
    assert theirs.get(f"/api/v1/orders/{oid}").status_int == 404
    # self-confirm: 403 while the setting is off, 404 for others' orders
    assert buyer.post_json(f"/api/v1/orders/{oid}/confirm", {}).status_int == 403
    plugin_admin.settings(tenant, offline_self_confirm=True)
    assert learner.post_json(f"/api/v1/orders/{oid}/confirm", {}).status_int == 404
    assert admin.post_json(f"/api/v1/orders/{oid}/confirm", {}).status_int == 404
    # admin list and detail
    assert [o["id"] for o in admin.get("/api/v1/admin/orders?status=pending").json["items"]] == [
        str(oid)
    ]
    assert admin.get(f"/api/v1/admin/orders?user_id={world['learner'].id}").json["items"] == []
    assert admin.get("/api/v1/admin/orders?user_id=x").status_int == 422
    assert admin.get(f"/api/v1/admin/orders/{oid}").json["transactions"] == []
    assert theirs.get(f"/api/v1/admin/orders/{oid}").status_int == 404
    # mark paid: admins; input checked; then 409 (not pending)
    long_ref = admin.post_json(f"/api/v1/admin/orders/{oid}/mark-paid", {"reference": "x" * 201})
    assert long_ref.status_int == 422 and long_ref.json["errors"][0]["path"] == [
        "body",
        "reference",
    ]
    assert theirs.post_json(f"/api/v1/admin/orders/{oid}/mark-paid", {}).status_int == 404
    paid = admin.post_json(f"/api/v1/admin/orders/{oid}/mark-paid", {"reference": "TRF 7"})
    assert paid.status_int == 200 and paid.json["status"] == "paid"
    assert paid.json["transactions"][0]["reference"] == "TRF 7"
    assert admin.post_json(f"/api/v1/admin/orders/{oid}/mark-paid", {}).status_int == 409
    assert buyer.post_json(f"/api/v1/orders/{oid}/confirm", {}).status_int == 409
    assert (
        theirs.post_json(f"/api/v1/admin/orders/{oid}/refunds", {"reason": "theirs"}).status_int
        == 404
    )

    for method, path, body in (
        ("get", "/api/v1/orders", None),
        ("get", f"/api/v1/orders/{oid}", None),
        ("post_json", f"/api/v1/orders/{oid}/confirm", {}),
        ("post_json", "/api/v1/seat-codes/redeem", {"code": "x"}),
        ("get", "/api/v1/admin/orders", None),
        ("get", f"/api/v1/admin/orders/{oid}", None),
        ("post_json", f"/api/v1/admin/orders/{oid}/mark-paid", {}),
        ("post_json", f"/api/v1/admin/orders/{oid}/refunds", {"reason": "why not"}),
        ("get", "/api/v1/admin/tax-rates", None),
        ("put_json", "/api/v1/admin/tax-rates", {"rates": []}),
    ):
        args = (path,) if body is None else (path, body)
        assert getattr(anonymous, method)(*args).status_int == 401, path
        assert getattr(foreign, method)(*args).status_int == 401, path
        if "/admin/" in path:
            r = getattr(instructor, method)(*args)
            assert r.status_int == 403 and r.content_type == "application/problem+json", path


def test_tax_rates_api(tenant, other_tenant, user_factory, client):
    admin = client(tenant, user_factory(tenant, "admin"))
    put = admin.put_json(
        "/api/v1/admin/tax-rates",
        {
            "rates": [
                {"country": "fr", "rate_bp": 2000, "label": "TVA"},
                {"country": "DE", "rate_bp": 1900},
            ]
        },
    )
    assert put.status_int == 200, put.text
    assert put.json == {
        "tax_inclusive": True,
        "rates": [
            {"country": "DE", "rate_bp": 1900, "label": ""},
            {"country": "FR", "rate_bp": 2000, "label": "TVA"},
        ],
    }
    put = admin.put_json("/api/v1/admin/tax-rates", {"rates": [{"country": "DE", "rate_bp": 700}]})
    assert [r["country"] for r in admin.get("/api/v1/admin/tax-rates").json["rates"]] == ["DE"]
    for rates, path in (
        ([{"country": "DE", "rate_bp": 10001}], ["body", "rates", 0, "rate_bp"]),
        ([{"country": "D1", "rate_bp": 1}], ["body", "rates", 0, "country"]),
        ([{"country": "DEU", "rate_bp": 1}], ["body", "rates", 0, "country"]),
        ([{"country": "DE", "rate_bp": 1}, {"country": "de", "rate_bp": 2}], ["body", "rates"]),
    ):
        r = admin.put_json("/api/v1/admin/tax-rates", {"rates": rates})
        assert r.status_int == 422 and r.json["errors"][0]["path"] == path, r.json
    assert (
        client(other_tenant, user_factory(other_tenant, "admin"))
        .get("/api/v1/admin/tax-rates")
        .json["rates"]
        == []
    )


def test_pages(world, tenant, other_tenant, page_browser, app):
    oid = world["order_id"]
    buyer = page_browser(tenant, world["buyer"])
    learner = page_browser(tenant, world["learner"])
    instructor = page_browser(tenant, world["instructor"])
    admin = page_browser(tenant, world["admin"])
    theirs = page_browser(other_tenant, world["foreign_admin"])
    anonymous = page_browser(tenant)

    mine = buyer.get("/orders")
    assert mine.status_int == 200 and "My orders" in mine.text and "-000001" in mine.text
    assert "You have not bought anything yet." in learner.get("/orders").text
    assert buyer.get("/orders?cursor=garbage").status_int == 400
    assert buyer.get(f"/orders/{oid}").status_int == 200
    assert learner.get(f"/orders/{oid}").status_int == 404
    assert buyer.get("/orders/nope").status_int == 404
    assert theirs.get(f"/orders/{oid}").status_int == 404
    assert learner.get(f"/orders/{oid}/receipt.pdf").status_int == 404
    assert buyer.get(f"/orders/{oid}/receipt.pdf").status_int == 404  # not paid yet

    listing = admin.get("/admin/payments/orders?status=pending")
    assert listing.status_int == 200 and "-000001" in listing.text
    assert "-000001" not in admin.get("/admin/payments/orders?status=paid").text
    assert admin.get(f"/admin/payments/orders/{oid}").status_int == 200
    assert instructor.get("/admin/payments/orders").status_int == 403
    assert instructor.get(f"/admin/payments/orders/{oid}").status_int == 403
    assert theirs.get(f"/admin/payments/orders/{oid}").status_int == 404
    assert instructor.get("/admin/payments/tax-rates").status_int == 403
    detail = instructor.get("/orders")  # a page of theirs, for their CSRF token
    assert (
        instructor.submit(detail, f"/admin/payments/orders/{oid}/mark-paid", {}).status_int == 403
    )
    assert (
        instructor.submit(
            detail, f"/admin/payments/orders/{oid}/refunds", {"reason": "x"}
        ).status_int
        == 403
    )
    assert learner.post(f"/orders/{oid}/cancel", {}).status_int == 404

    for path in (
        "/orders",
        f"/orders/{oid}",
        "/redeem",
        "/admin/payments/orders",
        f"/admin/payments/orders/{oid}",
        "/admin/payments/tax-rates",
        f"/orders/{oid}/receipt.pdf",
    ):
        r = anonymous.get(path)
        assert r.status_int == 303 and "/login" in r.headers["Location"], path
    # a session of another tenant is not a session here
    foreign_cookie = page_browser(tenant)
    foreign_cookie.cookies.update(theirs.cookies)
    assert foreign_cookie.get("/orders").status_int == 303

    # the buyer cancels; the menu and the admin sections show the entries
    assert buyer.submit(mine, f"/orders/{oid}/cancel", {}).status_int == 303
    assert "Cancelled" in buyer.get(f"/orders/{oid}").text
    assert buyer.submit(mine, f"/orders/{oid}/cancel", {}).status_int == 409
    assert 'href="/orders"' in buyer.get("/orders").text
    admin_home = admin.get("/admin/payments/orders").text
    assert (
        'href="/admin/payments/orders"' in admin_home
        and 'href="/admin/payments/tax-rates"' in admin_home
    )


def test_admin_refund_and_tax_forms(tenant, user_factory, make_course, place, page_browser, client):
    admin_user = user_factory(tenant, "admin")
    admin = page_browser(tenant, admin_user)
    order_id = place(tenant, user_factory(tenant), make_course(tenant), paid=True)
    detail = admin.get(f"/admin/payments/orders/{order_id}")
    assert "Refund" in detail.text
    bad = admin.submit(
        detail, f"/admin/payments/orders/{order_id}/refunds", {"amount": "1.001", "reason": "typo"}
    )
    assert bad.status_int == 422 and "12.50" in bad.text
    over = admin.submit(
        detail, f"/admin/payments/orders/{order_id}/refunds", {"amount": "25", "reason": "too much"}
    )
    assert over.status_int == 422 and "at most €19.99" in over.text
    short = admin.submit(
        detail, f"/admin/payments/orders/{order_id}/refunds", {"amount": "1", "reason": ""}
    )
    assert short.status_int == 422
    ok = admin.submit(
        detail,
        f"/admin/payments/orders/{order_id}/refunds",
        {"amount": "2,50", "reason": "late start"},
    )
    assert ok.status_int == 303
    assert (
        client(tenant, admin_user).get(f"/api/v1/admin/orders/{order_id}").json["refunded_minor"]
        == 250
    )

    page = admin.get("/admin/payments/tax-rates")
    fields = {
        "country": ["fr", "", "", ""],
        "rate": ["20", "", "", ""],
        "label": ["TVA", "", "", ""],
    }
    saved = admin.submit(page, "/admin/payments/tax-rates", fields)
    assert saved.status_int == 303
    again = admin.get("/admin/payments/tax-rates")
    assert 'value="FR"' in again.text and 'value="20.00"' in again.text
    wrong = admin.submit(
        again,
        "/admin/payments/tax-rates",
        {"country": ["FR", "XX1"], "rate": ["20", "101"], "label": ["", ""]},
    )
    assert wrong.status_int == 422 and "Row 2" in wrong.text
    dup = admin.submit(
        again,
        "/admin/payments/tax-rates",
        {"country": ["FR", "fr"], "rate": ["20", "5"], "label": ["", ""]},
    )
    assert dup.status_int == 422 and "appears twice" in dup.text
    assert (
        client(tenant, admin_user).get("/api/v1/admin/tax-rates").json["rates"][0]["rate_bp"]
        == 2000
    )


def test_buy_now_refusals(
    tenant, other_tenant, user_factory, make_course, page_browser, enrol_directly
):
    learner = user_factory(tenant)
    browser = page_browser(tenant, learner)
    owned = make_course(tenant)
    enrol_directly(tenant, owned.course, learner)
    theirs = make_course(other_tenant)
    page = browser.get("/orders")
    r = browser.submit(page, f"/courses/{owned.id}/buy", {})
    assert r.status_int == 409 and "already have access" in r.text
    assert browser.submit(page, f"/courses/{theirs.id}/buy", {}).status_int == 404
    assert browser.submit(page, "/courses/nope/buy", {}).status_int == 404
    assert browser.get("/orders").text.count("-0000") == 0  # nothing was placed
    assert page_browser(tenant).post(f"/courses/{owned.id}/buy", {}, csrf=False).status_int in (
        400,
        403,
    )
