"""Admin pages: who may see them, the forms (valid and invalid), deactivate, bulk
generation and its CSV."""

from __future__ import annotations

import re

import sqlalchemy as sa


def test_pages_check_who_asks(
    tenant, other_tenant, admin, user_factory, page_browser, make_coupon, monkeypatch
):
    from learninghub_coupons import admin as admin_pages

    make_coupon(tenant, "FIRST")
    coupon = make_coupon(tenant, "SEEME")
    paths = [
        "/admin/coupons",
        "/admin/coupons/new",
        f"/admin/coupons/{coupon.id}",
        "/admin/coupons/batches/new",
    ]
    learner = page_browser(tenant, user_factory(tenant))
    anonymous = page_browser(tenant)
    other_admin = page_browser(other_tenant, user_factory(other_tenant, "admin"))
    for path in paths:
        assert learner.get(path).status_int == 403, path
        r = anonymous.get(path)
        assert r.status_int == 303 and "/login?next=/admin/coupons" in r.headers["Location"]
    assert other_admin.get(f"/admin/coupons/{coupon.id}").status_int == 404
    assert "SEEME" not in other_admin.get("/admin/coupons").text
    r = learner.post(f"/admin/coupons/{coupon.id}/deactivate", {}, csrf=False)
    assert r.status_int in (400, 403)
    browser = page_browser(tenant, admin)
    page = browser.get("/admin/coupons")
    assert page.status_int == 200 and "SEEME" in page.text and "FIRST" in page.text
    assert 'href="/admin/coupons" aria-current="page"' in page.text  # the admin section
    assert "FIRST" not in browser.get("/admin/coupons?q=see").text
    monkeypatch.setattr(admin_pages, "PAGE_SIZE", 1)
    page = browser.get("/admin/coupons")
    assert "SEEME" in page.text and "FIRST" not in page.text
    more = re.search(r'href="([^"]+)" rel="next"', page.text).group(1).replace("&amp;", "&")
    assert "FIRST" in browser.get(more).text
    assert browser.get("/admin/coupons?cursor=garbage").status_int == 400


def test_create_edit_deactivate_through_the_forms(tenant, admin, page_browser, coupon_row, db):
    from learninghub_coupons.models import Coupon

    browser = page_browser(tenant, admin)
    fields = {
        "code": "autumn",
        "kind": "fixed",
        "amount": "12.50",
        "currency": "eur",
        "min_purchase": "",
        "max_uses": "100",
        "max_uses_per_user": "1",
        "valid_from": "2030-01-01T09:00",
        "valid_until": "",
        "active": "on",
    }
    r = browser.post("/admin/coupons/new", fields)
    assert r.status_int == 303, r.text
    assert browser.get(r.headers["Location"]).text.count("Coupon created.") == 1
    coupon = db.scalar(
        sa.select(Coupon).where(Coupon.tenant_id == tenant.id, Coupon.code == "AUTUMN")
    )
    assert (coupon.kind, coupon.amount_minor, coupon.currency, coupon.max_uses) == (
        "fixed",
        1250,
        "EUR",
        100,
    )
    assert coupon.valid_from.isoformat() == "2030-01-01T09:00:00+00:00"  # the tenant's zone: UTC

    bad = browser.post("/admin/coupons/new", {**fields, "code": "autumn"})
    assert bad.status_int == 409 and "already exists" in bad.text
    bad = browser.post(
        "/admin/coupons/new", {**fields, "code": "x", "amount": "1.234", "max_uses": "0"}
    )
    assert bad.status_int == 422
    assert bad.text.count('aria-invalid="true"') >= 3  # code, amount, max_uses
    assert "Enter an amount above zero" in bad.text

    edit = f"/admin/coupons/{coupon.id}"
    page = browser.get(edit)
    assert 'value="12.50"' in page.text and 'value="2030-01-01T09:00"' in page.text
    r = browser.submit(page, edit, {**fields, "kind": "percent", "percent": "12.5", "amount": ""})
    assert r.status_int == 303, r.text
    row = coupon_row(coupon)
    assert (row.kind, row.percent_bp, row.amount_minor) == ("percent", 1250, None)
    bad = browser.submit(page, edit, {**fields, "kind": "percent", "percent": "101"})
    assert bad.status_int == 422 and "Enter a percentage" in bad.text

    r = browser.post(f"/admin/coupons/{coupon.id}/deactivate", {}, csrf=False)
    assert r.status_int in (400, 403)  # no CSRF token
    r = browser.submit(page, f"/admin/coupons/{coupon.id}/deactivate", {})
    assert r.status_int == 303 and coupon_row(coupon).active is False


def test_bulk_generation_and_csv(tenant, admin, page_browser, problem):
    browser = page_browser(tenant, admin)
    fields = {
        "prefix": "gift-",
        "count": "3",
        "kind": "percent",
        "percent": "100",
        "max_uses": "1",
        "active": "on",
    }
    bad = browser.post("/admin/coupons/batches/new", {**fields, "count": "0"})
    assert bad.status_int == 422 and "Enter a number of codes" in bad.text
    r = browser.post("/admin/coupons/batches/new", fields)
    assert r.status_int == 303, r.text
    page = browser.get(r.headers["Location"])
    assert page.text.count("<code>GIFT-") == 3
    # from the whole list, each code links to its batch (and so to the CSV)
    batch_link = re.search(
        r'href="(/admin/coupons\?batch=[^"]+)"', browser.get("/admin/coupons").text
    )
    assert browser.get(batch_link.group(1)).text.count("<code>GIFT-") == 3
    csv_url = re.search(r'href="(/admin/coupons/batches/[^"]+/codes\.csv)"', page.text).group(1)
    csv_r = browser.get(csv_url)
    assert csv_r.status_int == 200 and csv_r.text.count("GIFT-") == 3
    assert page_browser(tenant).get(csv_url).status_int == 303


def test_edit_form_keeps_a_restriction_it_would_not_list(
    tenant, admin, page_browser, make_coupon, make_course, coupon_row, monkeypatch
):
    from learninghub_coupons import admin as admin_pages

    course = make_course(tenant, lessons=0, title="Rare course")
    coupon = make_coupon(tenant, "RARE", course_ids=[course.id])
    monkeypatch.setattr(admin_pages, "CHOICES", 0)  # as if the tenant had many courses
    browser = page_browser(tenant, admin)
    page = browser.get(f"/admin/coupons/{coupon.id}")
    assert f'<option value="{course.id}" selected>Rare course</option>' in page.text
    fields = {"kind": "percent", "percent": "10", "course_ids": str(course.id), "active": "on"}
    r = browser.submit(page, f"/admin/coupons/{coupon.id}", fields)
    assert r.status_int == 303 and coupon_row(coupon).course_ids == [str(course.id)]
