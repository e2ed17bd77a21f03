"""Browser journey (Playwright + Debian chromium, the app served by waitress on SQLite)
across payments, coupons and cart with the catalog plugins — issue 7's acceptance:

1. a learner signs in, adds two paid courses to the cart from their landing pages,
   applies a coupon code on /cart (the discount and the new total show), checks out on
   /checkout (terms accepted) and lands on the offline order page, where the tenant lets
   buyers complete their own orders (``offline_self_confirm``): the order is paid, the
   learner is enrolled in both courses and the cart is empty;
2. an admin refunds one course of the order in full at /admin/payments/orders/{id};
   with the tenant's rule (``refund_revokes_access = full_only``, the default) the
   learner loses that course and keeps the other.

axe-core finds no serious or critical violation on the cart and checkout pages.

Set-up outside the journey (the tenant, its instructor, admin and learner, two
published paid courses, the coupon, the offline self-confirm setting) goes through the
kit and the JSON API. Screenshots: var/screenshots/commerce-*.png (git-ignored)."""

from __future__ import annotations

import re

import pytest

from learninghub.testing.browser import axe_violations, screenshot, sign_in

pytestmark = pytest.mark.slow
expect = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed").expect

PLUGINS = ("courses", "media", "content", "enrollment", "payments", "coupons", "cart")
INSTRUCTOR = "ivo@shop-journey.example"
ADMIN = "ada@shop-journey.example"
LEARNER = "lea@shop-journey.example"
COURSES = (("Wheel throwing", "wheel-throwing", 4000), ("Glaze chemistry", "glaze-chemistry", 6000))
CODE = "SPRING10"
#: Playwright's default of 5 s is short for chromium and the app on 2 shared cores
SLOW = 30_000


@pytest.fixture(autouse=True)
def patient_expect():
    expect.set_options(timeout=SLOW)
    yield
    expect.set_options(timeout=5_000)


def created(result: tuple[int, object]) -> dict:
    status, body = result
    assert status in (200, 201), (status, body)
    assert isinstance(body, dict)
    return body


@pytest.fixture(scope="module")
def shop(live_app):
    """The tenant with two published courses (EUR 40 and 60), a 10 % coupon and
    buyers allowed to complete their own offline orders."""
    from learninghub.plugins import TenantPlugins
    from learninghub.tenancy import Tenant

    tenant = live_app.create_tenant("shopjourney", "Clay Market", plugins=PLUGINS)
    instructor = live_app.create_user(tenant, INSTRUCTOR, roles=("instructor",))
    admin = live_app.create_user(tenant, ADMIN, roles=("admin",), display_name="Ada Admin")
    live_app.create_user(tenant, LEARNER, display_name="Lea Learner")
    with live_app.session(tenant) as db:
        TenantPlugins(live_app.registry, db, db.get(Tenant, tenant.id)).enable(
            "payments", settings={"offline_self_confirm": True}
        )
    live_app.invalidate()

    def api(method: str, path: str, body: object = None, user=instructor) -> dict:
        return created(live_app.api(tenant, method, path, body, user))

    for title, slug, price in COURSES:
        course = api(
            "POST", "/api/v1/courses", {"title": title, "slug": slug, "price_minor": price}
        )
        base = f"/api/v1/courses/{course['id']}"
        section = api("POST", base + "/sections", {"title": "Start"})
        api(
            "POST",
            base + "/lessons",
            {
                "section_id": section["id"],
                "title": "Welcome",
                "slug": "welcome",
                "body": "<p>Welcome to the studio.</p>",
                "publish": True,
            },
        )
        assert api("POST", base + "/submit")["status"] == "in_review"
        assert api("POST", base + "/approve", user=admin)["status"] == "published"
    api(
        "POST",
        "/api/v1/admin/coupons",
        {"code": CODE, "kind": "percent", "percent_bp": 1000},
        user=admin,
    )
    return tenant


def enrolled(page, base: str, slug: str) -> bool:
    page.goto(f"{base}/courses/{slug}")
    return page.get_by_text("You are enrolled in this course.").count() > 0


def test_buy_two_courses_with_a_coupon_then_a_refund_takes_one_back(live_app, shop, chromium):
    base = live_app.base(shop.slug)
    learner = chromium.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")
    page = learner.new_page()
    sign_in(page, base, LEARNER)

    # 1. two courses into the cart, from their landing pages
    for title, slug, _price in COURSES:
        page.goto(f"{base}/courses/{slug}")
        page.get_by_role("button", name=re.compile(f"Add to cart — {title}")).click()
        expect(page).to_have_url(f"{base}/cart")
    expect(page.locator("a.cart-link")).to_have_attribute("aria-label", "Cart, 2 courses")
    expect(page.locator("table.cart-lines tbody tr")).to_have_count(2)

    # 2. the coupon: 10 % of EUR 100
    page.get_by_role("textbox", name="Code").fill(CODE.lower())
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(f"{base}/cart")
    totals = page.locator("section.cart-totals")
    expect(totals).to_contain_text("−€10.00")
    expect(totals).to_contain_text("€90.00")
    assert axe_violations(page) == []
    screenshot(page, "commerce-cart")

    # 3. checkout with the offline gateway, completed by the buyer
    page.get_by_role("link", name="Check out").click()
    expect(page).to_have_url(f"{base}/checkout")
    expect(page.locator("dl.cart-totals")).to_contain_text("€90.00")
    assert axe_violations(page) == []
    screenshot(page, "commerce-checkout")
    page.get_by_label("I accept the terms of sale").check()
    page.get_by_role("button", name="Place the order and pay").click()
    expect(page).to_have_url(re.compile(rf"{re.escape(base)}/orders/[0-9a-f-]{{36}}$"))
    order_url = page.url
    page.get_by_role("button", name="Complete purchase").click()
    expect(page.locator("main")).to_contain_text("Paid")
    screenshot(page, "commerce-order-paid")
    assert enrolled(page, base, COURSES[0][1]) and enrolled(page, base, COURSES[1][1])
    expect(page.locator("a.cart-link")).to_have_attribute("aria-label", "Cart, 0 courses")

    # 4. an admin refunds the first course in full: its access goes, the other stays
    admin = chromium.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")
    staff = admin.new_page()
    sign_in(staff, base, ADMIN)
    staff.goto(order_url.replace(f"{base}/orders/", f"{base}/admin/payments/orders/"))
    staff.get_by_label(re.compile(rf"^{COURSES[0][0]} \(")).check()
    staff.get_by_label("Reason").fill("The buyer asked for it back")
    staff.get_by_role("button", name="Refund", exact=True).click()
    expect(staff.locator("main")).to_contain_text("Partially refunded")
    screenshot(staff, "commerce-refund")
    assert not enrolled(page, base, COURSES[0][1])
    expect(page.get_by_role("button", name=re.compile(f"Add to cart — {COURSES[0][0]}")))
    assert enrolled(page, base, COURSES[1][1])
    admin.close()
    learner.close()
