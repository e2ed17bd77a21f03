"""The offline purchase through the pages, end to end: the course page's "Buy now",
the order page, an admin marking it paid, the buyer enrolled; self-confirmation."""

from __future__ import annotations

import re

import pytest

KEY_RE = re.compile(r'name="idempotency_key" value="([0-9a-f]+)"')


@pytest.fixture
def shop(tenant, user_factory, make_course, page_browser):
    learner = user_factory(tenant)
    admin = user_factory(tenant, "admin")
    course = make_course(tenant, title="Pottery")
    return {
        "learner": learner,
        "admin": admin,
        "course": course,
        "buyer": page_browser(tenant, learner),
        "manager": page_browser(tenant, admin),
        "landing": f"/courses/{course.course.slug}",
    }


def _buy(shop):
    page = shop["buyer"].get(shop["landing"])
    assert page.status_int == 200 and "Buy now" in page.text
    key = KEY_RE.search(page.text).group(1)
    r = shop["buyer"].submit(page, f"/courses/{shop['course'].id}/buy", {"idempotency_key": key})
    assert r.status_int == 303, r.text
    return page, key, r.headers["Location"]


def test_buy_now_then_admin_marks_paid(shop, enrollment_row, events):
    page, key, location = _buy(shop)
    order_path = location.replace("http://localhost", "")
    assert re.search(r"/orders/[0-9a-f-]{36}$", order_path)
    # a double submit of the same form is the same order
    again = shop["buyer"].submit(
        page, f"/courses/{shop['course'].id}/buy", {"idempotency_key": key}
    )
    assert again.headers["Location"] == location
    detail = shop["buyer"].get(order_path)
    assert detail.status_int == 200
    assert "Pottery" in detail.text and "Awaiting payment" in detail.text
    assert "Complete purchase" not in detail.text  # offline_self_confirm is off
    assert enrollment_row(shop["course"].id, shop["learner"]) is None

    order_id = order_path.rsplit("/", 1)[1]
    admin_page = shop["manager"].get(f"/admin/payments/orders/{order_id}")
    assert admin_page.status_int == 200 and "Mark paid" in admin_page.text
    r = shop["manager"].submit(
        admin_page, f"/admin/payments/orders/{order_id}/mark-paid", {"reference": "TRF-1"}
    )
    assert r.status_int == 303
    enrollment = enrollment_row(shop["course"].id, shop["learner"])
    assert enrollment is not None and enrollment.source == "purchase"
    assert "payments.order.paid" in events.names()
    detail = shop["buyer"].get(order_path)
    assert "Paid" in detail.text and "receipt" in detail.text
    # the course page now says enrolled, not "Buy now"
    assert "Buy now" not in shop["buyer"].get(shop["landing"]).text


def test_self_confirm_only_when_the_setting_is_on(shop, tenant, plugin_admin, enrollment_row):
    _page, _key, location = _buy(shop)
    order_path = location.replace("http://localhost", "")
    detail = shop["buyer"].get(order_path)
    refused = shop["buyer"].submit(detail, order_path + "/confirm", {})
    assert refused.status_int == 403
    assert enrollment_row(shop["course"].id, shop["learner"]) is None

    plugin_admin.settings(tenant, offline_self_confirm=True)
    detail = shop["buyer"].get(order_path)
    assert "Complete purchase" in detail.text
    done = shop["buyer"].submit(detail, order_path + "/confirm", {})
    assert done.status_int == 303
    assert enrollment_row(shop["course"].id, shop["learner"]).source == "purchase"
    # the admin cannot complete a learner's order through the buyer's form
    admin_view = shop["manager"].get(order_path)
    assert admin_view.status_int == 200
    assert shop["manager"].submit(admin_view, order_path + "/confirm", {}).status_int == 404


def test_anonymous_sees_the_price_and_a_sign_in_link(bare_tenant, make_course, app):
    """(payments' own offer: without the cart plugin, which answers first)"""
    tenant = bare_tenant
    course = make_course(tenant)
    r = app.get(f"/courses/{course.course.slug}", extra_environ={"HTTP_HOST": tenant.host})
    assert "Sign in to buy this course" in r.text and "19.99" in r.text
    assert "Buy now" not in r.text
