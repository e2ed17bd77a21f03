"""The cart's pages: the guest cart and its merge at sign-in (the real /login form),
the cart and checkout pages, the buy control and the header link."""

from __future__ import annotations

import re
import time

import pyotp

from learninghub.testing import PASSWORD

COOKIE_RE = re.compile(r"lh_cart=([^;]*);")


def landing(course):
    return f"/courses/{course.course.slug}"


def guest_adds(b, *courses):
    for setup in courses:
        page = b.get(landing(setup))
        assert page.status_int == 200 and "Add to cart" in page.text, page.status
        r = b.submit(page, "/cart/add", {"course_id": str(setup.id), "quantity": "1"})
        assert r.status_int == 303 and r.headers["Location"].endswith("/cart"), r.text
    return b.cookies["lh_cart"]


def sign_in(b, user):
    page = b.get("/login")
    return b.submit(page, "/login", {"email": user.email, "password": PASSWORD})


def cart_cookie_deleted(response) -> bool:
    return any(
        value.startswith("lh_cart=;") or value.startswith('lh_cart="";')
        for key, value in response.headerlist
        if key.lower() == "set-cookie"
    )


def test_a_guest_cart_is_merged_at_sign_in(
    tenant, user_factory, page_browser, client, make_course, enrol_directly, cart_rows
):
    user = user_factory(tenant)
    new, owned, twice = (
        make_course(tenant, title="New one"),
        make_course(tenant, title="Owned one"),
        make_course(tenant, title="Twice"),
    )
    enrol_directly(tenant, owned, user)
    r = client(tenant, user).post_json("/api/v1/cart/items", {"course_id": str(twice.id)})
    assert r.status_int == 201
    b = page_browser(tenant)
    assert "Sign in to buy this course" in b.get(landing(new)).text  # payments' offer too
    guest_adds(b, new, owned, twice)
    page = b.get("/cart")
    assert page.status_int == 200 and "New one" in page.text and "Sign in to check out" in page.text
    assert 'aria-label="Cart, 3 courses"' in page.text
    signed = sign_in(b, user)
    assert signed.status_int == 303 and b.cookies.get("lh_session")
    assert cart_cookie_deleted(signed)
    assert not b.cookies.get("lh_cart")
    cart, items = cart_rows(tenant, user)
    assert sorted(i.course_id for i in items) == sorted([new.id, twice.id])
    page = b.get("/cart")
    assert "You already have these courses, so they were left out of your cart: Owned one" in (
        page.text
    )
    assert 'aria-label="Cart, 2 courses"' in page.text and "Check out" in page.text


def test_the_mfa_sign_in_merges_too(
    tenant, user_factory, page_browser, client, make_course, cart_rows
):
    user = user_factory(tenant)
    c = client(tenant, user)
    secret = c.post_json("/api/v1/me/mfa/totp").json["secret"]
    r = c.post_json("/api/v1/me/mfa/totp/confirm", {"code": pyotp.TOTP(secret).now()})
    assert r.status_int == 200, r.text
    course = make_course(tenant)
    b = page_browser(tenant)
    guest_adds(b, course)
    step = sign_in(b, user)
    assert step.status_int == 200 and b.cookies.get("lh_cart")  # not signed in yet
    token = re.search(r'name="mfa_token" value="([^"]+)"', step.text).group(1)
    code = pyotp.TOTP(secret).at(time.time() + 30)
    done = b.submit(step, "/login/mfa", {"mfa_token": token, "code": code})
    assert done.status_int == 303 and cart_cookie_deleted(done)
    assert [i.course_id for i in cart_rows(tenant, user)[1]] == [course.id]


def test_a_tampered_or_foreign_cart_cookie_is_ignored(
    tenant, other_tenant, user_factory, page_browser, make_course, cart_rows
):
    course = make_course(tenant, title="Signed course")
    b = page_browser(tenant)
    value = guest_adds(b, course)
    forged = value[:-2] + ("AA" if not value.endswith("AA") else "BB")
    b.cookies["lh_cart"] = forged
    page = b.get("/cart")
    assert "Signed course" not in page.text and "Your cart is empty." in page.text
    user = user_factory(tenant)
    signed = sign_in(b, user)
    assert signed.status_int == 303 and cart_cookie_deleted(signed)
    assert cart_rows(tenant, user) == (None, [])
    # a genuine cookie, but a role without carts: nothing is kept for them
    nobody = user_factory(tenant, "guest")
    b.cookies.pop("lh_session", None)
    b.cookies["lh_cart"] = value
    assert cart_cookie_deleted(sign_in(b, nobody)) and cart_rows(tenant, nobody) == (None, [])
    # a genuine cookie of one tenant means nothing on another tenant's host
    stranger = page_browser(other_tenant)
    stranger.cookies["lh_cart"] = value
    assert "Your cart is empty." in stranger.get("/cart").text


def test_guests_change_quantities_and_remove_lines(tenant, page_browser, make_course):
    course = make_course(tenant, title="Seats course")
    b = page_browser(tenant)
    guest_adds(b, course)
    page = b.get("/cart")
    r = b.submit(page, "/cart/update", {"course_id": str(course.id), "quantity": "4"})
    assert r.status_int == 303
    page = b.get("/cart")
    assert "4 seats" in page.text and "€196.00" in page.text
    bad = b.submit(page, "/cart/update", {"course_id": str(course.id), "quantity": "lots"})
    assert bad.status_int == 422 and "whole number" in bad.text
    r = b.submit(page, "/cart/remove", {"course_id": str(course.id)})
    assert r.status_int == 303 and "Your cart is empty." in b.get("/cart").text


def test_the_buy_control_and_the_header_follow_the_cart(
    tenant, user_factory, page_browser, make_course
):
    course = make_course(tenant)
    b = page_browser(tenant, user_factory(tenant))
    page = b.get(landing(course))
    assert "Add to cart" in page.text and "€49.00" in page.text and "Buy now" in page.text
    assert 'aria-label="Cart, 0 courses"' in page.text
    r = b.submit(page, "/cart/add", {"course_id": str(course.id), "quantity": "1"})
    assert r.status_int == 303
    page = b.get(landing(course))
    assert "In your cart" in page.text and "Add to cart" not in page.text
    assert 'aria-label="Cart, 1 course"' in page.text
    again = b.submit(page, "/cart/add", {"course_id": str(course.id), "quantity": "1"})
    assert again.status_int == 409 and "already in your cart" in again.text


def test_checkout_page_reports_changed_prices_then_redirects_to_payment(
    tenant, user_factory, page_browser, make_course, set_price, orders_of
):
    user = user_factory(tenant)
    course = make_course(tenant, title="Python")
    b = page_browser(tenant, user)
    page = b.get(landing(course))
    b.submit(page, "/cart/add", {"course_id": str(course.id), "quantity": "1"})
    page = b.get("/checkout?country=FR")
    assert page.status_int == 200 and "€49.00" in page.text and 'value="FR" selected' in page.text
    bad = b.get("/checkout?country=ZZ")
    assert bad.status_int == 422 and "choose a country from the list" in bad.text
    fields = {"country": "FR", "idempotency_key": "page-key-1"}
    refused = b.submit(page, "/checkout", fields)
    assert refused.status_int == 422 and "Accept the terms of sale." in refused.text
    set_price(course.course, 5900)
    changed = b.submit(page, "/checkout", {**fields, "accept_terms": "yes"})
    assert changed.status_int == 409
    assert "Python: was €49.00, now €59.00" in changed.text
    assert orders_of(tenant, user) == []
    done = b.submit(changed, "/checkout", {**fields, "accept_terms": "yes"})
    (order,) = orders_of(tenant, user)
    assert done.status_int == 303 and done.headers["Location"].endswith(f"/orders/{order.id}")
    assert (order.total_minor, order.tax_country) == (5900, "FR")


def test_page_access(tenant, other_tenant, user_factory, page_browser, session_cookie):
    # anonymous: the cart is a guest cart; checkout and codes ask to sign in
    visitor = page_browser(tenant)
    assert visitor.get("/cart").status_int == 200
    r = visitor.get("/checkout")
    assert r.status_int == 303 and "/login?next=/checkout" in r.headers["Location"]
    page = visitor.get("/cart")
    assert visitor.submit(page, "/cart/codes", {"code": "SAVE10"}).status_int == 303
    # a role without the cart permission
    nobody = page_browser(tenant, user_factory(tenant, "guest"))
    assert nobody.get("/cart").status_int == 403
    assert nobody.get("/checkout").status_int == 403
    page = nobody.get("/login")  # any page for a CSRF token
    assert nobody.submit(page, "/cart/add", {"course_id": "x"}).status_int == 403
    # a session of another tenant is nobody here: a guest cart, checkout asks to sign in
    foreign = page_browser(
        tenant, cookie=session_cookie(other_tenant, user_factory(other_tenant, "admin"))
    )
    assert foreign.get("/checkout").status_int == 303
    assert "Your cart is empty." in foreign.get("/cart").text
    # the learner
    learner = page_browser(tenant, user_factory(tenant))
    assert learner.get("/checkout").status_int == 200
    assert "Your cart is empty." in learner.get("/cart").text
    # without the CSRF token
    assert learner.submit(page, "/cart/add", {"course_id": "x"}, csrf=False).status_int == 400


def test_a_guest_cart_is_never_served_from_the_anonymous_page_cache(
    tenant, page_browser, make_course
):
    course = make_course(tenant)
    stranger = page_browser(tenant)
    first = stranger.get(landing(course))  # stored for cookie-less visitors
    assert "Add to cart" in first.text
    shopper = page_browser(tenant)
    guest_adds(shopper, course)
    page = shopper.get(landing(course))
    assert "In your cart" in page.text and 'aria-label="Cart, 1 course"' in page.text
    assert page.headers.get("X-Page-Cache") != "hit"
    assert "Add to cart" in stranger.get(landing(course)).text
