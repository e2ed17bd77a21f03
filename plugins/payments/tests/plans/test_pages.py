"""The plans part's pages: /plans, /account/subscription and /admin/payments/plans."""

from __future__ import annotations


def test_plans_page_subscribe_and_cancel(catalog, make_plan, page_browser, user_factory):
    plan = make_plan(catalog, description="All you can learn")
    anonymous = page_browser(catalog.tenant).get("/plans")
    assert anonymous.status_int == 200
    assert "Monthly" in anonymous.text and "€9.00" in anonymous.text
    assert "Sign in to subscribe" in anonymous.text

    browser = page_browser(catalog.tenant, user_factory(catalog.tenant, "learner"))
    page = browser.get("/plans")
    r = browser.submit(page, f"/plans/{plan['id']}/subscribe", {})
    assert r.status_int == 303 and r.location.endswith("/account/subscription")
    account = browser.get("/account/subscription")
    assert "Waiting for payment" in account.text
    assert "An administrator activates it" in account.text
    (sub_id,) = [
        line.split("/account/subscription/")[1].split("/")[0]
        for line in account.text.splitlines()
        if "/account/subscription/" in line and "/cancel" in line
    ]
    r = browser.submit(account, f"/account/subscription/{sub_id}/cancel", {"when": "now"})
    assert r.status_int == 303 and "done=cancelled" in r.location
    assert "Cancelled" in browser.get("/account/subscription").text


def test_account_page_cancels_at_period_end(catalog, make_plan, subscription_of, page_browser):
    plan = make_plan(catalog)
    sub_id = subscription_of(catalog, plan["id"])
    browser = page_browser(catalog.tenant, catalog.learner)
    page = browser.get("/account/subscription")
    assert "Active" in page.text and "Cancel at the end of the period" in page.text
    r = browser.submit(page, f"/account/subscription/{sub_id}/cancel", {"when": "period_end"})
    assert r.status_int == 303 and "done=ends" in r.location
    after = browser.get(r.location)
    assert "ends with the current period" in after.text
    assert "Your subscription will end with the current period." in after.text
    # the portal exists only for card payments
    assert browser.submit(after, "/account/subscription/portal", {}).status_int == 409


def test_account_pages_need_a_signed_in_buyer(
    catalog, make_plan, subscription_of, page_browser, user_factory
):
    plan = make_plan(catalog)
    sub_id = subscription_of(catalog, plan["id"])
    assert page_browser(catalog.tenant).get("/account/subscription").status_int == 303
    guest = page_browser(catalog.tenant, user_factory(catalog.tenant, "guest"))
    assert guest.get("/account/subscription").status_int == 403
    other = page_browser(catalog.tenant, user_factory(catalog.tenant, "learner"))
    page = other.get("/account/subscription")
    assert "You have no subscription." in page.text
    r = other.submit(page, f"/account/subscription/{sub_id}/cancel", {"when": "now"})
    assert r.status_int == 404  # someone else's


def test_admin_plans_page(
    catalog, make_plan, subscription_of, page_browser, tenant_factory, user_factory
):
    plan = make_plan(catalog)
    subscription_of(catalog, plan["id"], status="incomplete")
    admin = page_browser(catalog.tenant, catalog.admin)
    page = admin.get("/admin/payments/plans")
    assert page.status_int == 200
    assert "Monthly" in page.text and catalog.learner.email in page.text and "Activate" in page.text
    bad = admin.submit(page, "/admin/payments/plans", {"name": "Yearly", "price_minor": "0"})
    assert bad.status_int == 422 and 'aria-invalid="true"' in bad.text
    ok = admin.submit(
        page,
        "/admin/payments/plans",
        {
            "name": "Yearly",
            "price_minor": "9900",
            "interval": "year",
            "active": "on",
            "course_ids": str(catalog.other_course.id),
        },
    )
    assert ok.status_int == 303 and "done=saved" in ok.location
    listing = admin.get(ok.location)
    assert "Yearly" in listing.text and "Plan saved." in listing.text
    edit = admin.get(f"/admin/payments/plans/{plan['id']}")
    assert edit.status_int == 200 and "Edit Monthly" in edit.text
    renamed = admin.submit(
        edit,
        f"/admin/payments/plans/{plan['id']}",
        {"name": "Monthly plus", "price_minor": "900", "interval": "month", "active": "on"},
    )
    assert renamed.status_int == 303
    assert (
        page_browser(catalog.tenant, catalog.learner).get("/admin/payments/plans").status_int == 403
    )
    assert page_browser(catalog.tenant).get("/admin/payments/plans").status_int == 303
    other = tenant_factory()
    foreign = page_browser(other, user_factory(other, "admin"))
    assert foreign.get(f"/admin/payments/plans/{plan['id']}").status_int == 404


def test_the_demo_confirms_its_own_offline_subscription(
    catalog, make_plan, page_browser, plugin_admin, enrollment_row
):
    plan = make_plan(catalog)
    browser = page_browser(catalog.tenant, catalog.learner)
    browser.submit(browser.get("/plans"), f"/plans/{plan['id']}/subscribe", {})
    page = browser.get("/account/subscription")
    assert "demonstration" not in page.text  # off by default: an admin activates
    sub_id = page.text.split("/account/subscription/")[1].split("/")[0]
    refused = browser.submit(page, f"/account/subscription/{sub_id}/confirm", {})
    assert refused.status_int == 403
    plugin_admin.settings(catalog.tenant, offline_self_confirm=True)
    page = browser.get("/account/subscription")
    r = browser.submit(page, f"/account/subscription/{sub_id}/confirm", {})
    assert r.status_int == 303 and "done=confirmed" in r.location
    assert "Active" in browser.get(r.location).text
    assert enrollment_row(catalog.course.id, catalog.learner).expires_at is not None


def test_demo_data_adds_one_plan_once(tenant, tenant_request, db):
    import sqlalchemy as sa

    from learninghub_payments.plans import hooks
    from learninghub_payments.plans.models import Plan

    for _ in range(2):
        with tenant_request(tenant) as request:
            hooks.demo_data(request)
    (plan,) = db.scalars(sa.select(Plan).where(Plan.tenant_id == tenant.id)).all()
    assert plan.all_courses and plan.currency == "EUR" and plan.price_minor == 1500


def test_every_page_route_turns_away_visitors_and_other_roles(
    catalog, make_plan, subscription_of, page_browser, user_factory, tenant_factory
):
    plan = make_plan(catalog)
    sub = subscription_of(catalog, plan["id"], status="incomplete")
    buyer_routes = [
        ("GET", "/account/subscription"),
        ("POST", f"/plans/{plan['id']}/subscribe"),
        ("POST", f"/plans/include/{catalog.course.id}"),
        ("POST", f"/account/subscription/{sub}/cancel"),
        ("POST", f"/account/subscription/{sub}/confirm"),
        ("POST", "/account/subscription/portal"),
    ]
    admin_routes = [
        ("GET", "/admin/payments/plans"),
        ("POST", "/admin/payments/plans"),
        ("GET", f"/admin/payments/plans/{plan['id']}"),
        ("POST", f"/admin/payments/plans/{plan['id']}"),
        ("POST", f"/admin/payments/subscriptions/{sub}/activate"),
    ]
    visitor = page_browser(catalog.tenant)
    guest = page_browser(catalog.tenant, user_factory(catalog.tenant, "guest"))
    learner = page_browser(catalog.tenant, catalog.learner)
    other = tenant_factory()
    foreign_admin = page_browser(other, user_factory(other, "admin"))
    with_ids = [r for r in buyer_routes + admin_routes if plan["id"] in r[1] or str(sub) in r[1]]
    with_ids.append(("POST", f"/plans/include/{catalog.course.id}"))
    tokens = {}

    def call(browser, method, path):
        if method == "GET":
            return browser.get(path)
        if id(browser) not in tokens:  # a page of the browser's own with a CSRF token
            tokens[id(browser)] = browser.get("/login" if browser is visitor else "/plans")
        return browser.submit(tokens[id(browser)], path, {})

    for method, path in buyer_routes + admin_routes:
        r = call(visitor, method, path)
        assert r.status_int == 303 and "/login" in r.location, path
        assert call(guest, method, path).status_int == 403, path
        if (method, path) in admin_routes:
            assert call(learner, method, path).status_int == 403, path
        if (method, path) in with_ids:
            assert call(foreign_admin, method, path).status_int == 404, path
