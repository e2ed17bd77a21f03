"""The sign-in page: CSRF, no session fixation, safe redirects, sign-out."""

import re

from learninghub.testing import PASSWORD


def csrf_of(page) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def test_sign_in_sets_a_fresh_session_and_signs_out(tenant, user_factory, app, session_cookie):
    user = user_factory(tenant, email="page@example.org")
    host = {"HTTP_HOST": tenant.host}

    def call(method, path, cookies, **kw):
        app.reset()  # only the cookies named here are sent
        header = "; ".join(f"{k}={v}" for k, v in cookies.items())
        return getattr(app, method)(
            path, headers={"Cookie": header}, extra_environ=host, expect_errors=True, **kw
        )

    def signed_in(session_token) -> bool:
        return "Signed in as" in call("get", "/dashboard", {"lh_session": session_token}).text

    # a session planted before sign-in (fixation attempt) must not survive it
    planted = session_cookie(tenant, user).split("=", 1)[1]
    assert signed_in(planted)
    form = call("get", "/login", {})
    assert form.status_int == 200 and 'autocomplete="current-password"' in form.text
    csrf_cookie = form.headers["Set-Cookie"].split(";", 1)[0].split("=", 1)[1]
    r = call(
        "post",
        "/login?next=/announcements",
        {"lh_csrf": csrf_cookie, "lh_session": planted},
        params={"email": "page@example.org", "password": PASSWORD, "csrf_token": csrf_of(form)},
    )
    assert r.status_int == 303 and r.headers["Location"].endswith("/announcements")
    cookie = next(v for k, v in r.headerlist if k == "Set-Cookie" and v.startswith("lh_session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    fresh = cookie.split(";", 1)[0].split("=", 1)[1]
    assert fresh != planted
    assert signed_in(fresh)
    assert not signed_in(planted)
    out = call(
        "post",
        "/logout",
        {"lh_csrf": csrf_cookie, "lh_session": fresh},
        params={"csrf_token": csrf_of(form)},
    )
    assert out.status_int == 303
    assert not signed_in(fresh)


def test_sign_in_without_csrf_token_is_refused(tenant, user_factory, app):
    user_factory(tenant, email="csrf@example.org")
    host = {"HTTP_HOST": tenant.host}
    r = app.post(
        "/login",
        {"email": "csrf@example.org", "password": PASSWORD},
        extra_environ=host,
        expect_errors=True,
    )
    assert r.status_int == 400
    assert "lh_session" not in r.headers.get("Set-Cookie", "")


def test_wrong_password_page(tenant, user_factory, app):
    user_factory(tenant, email="wrong@example.org")
    host = {"HTTP_HOST": tenant.host}
    form = app.get("/login", extra_environ=host)
    r = app.post(
        "/login",
        {"email": "wrong@example.org", "password": "nope", "csrf_token": csrf_of(form)},
        extra_environ=host,
        expect_errors=True,
    )
    assert r.status_int == 401
    assert 'role="alert"' in r.text and "lh_session" not in r.headers.get("Set-Cookie", "")


def test_open_redirects_are_refused():
    from learninghub.accounts.signin import safe_next

    for bad in ("https://evil.example/", "//evil.example", "/\\evil.example", "javascript:x", ""):
        assert safe_next(bad) == "/"
    assert safe_next("/announcements?x=1") == "/announcements?x=1"


def test_other_tenants_user_cannot_sign_in_on_this_host(tenant, other_tenant, user_factory, app):
    user_factory(other_tenant, email="elsewhere@example.org")
    host = {"HTTP_HOST": tenant.host}
    form = app.get("/login", extra_environ=host)
    r = app.post(
        "/login",
        {"email": "elsewhere@example.org", "password": PASSWORD, "csrf_token": csrf_of(form)},
        extra_environ=host,
        expect_errors=True,
    )
    assert r.status_int == 401


def test_session_cookie_of_one_tenant_is_ignored_by_another(
    tenant, other_tenant, user_factory, client, session_cookie
):
    user = user_factory(tenant)
    c = client(other_tenant)
    c.headers["Cookie"] = session_cookie(tenant, user)
    assert "Signed in as" not in c.get("/dashboard").text


def test_login_on_unknown_host_is_404(client):
    page = client(None, host="nobody.example.com").get("/login")
    assert page.status_int == 404 and page.content_type == "text/html"  # a page, not JSON
    api = client(None, host="nobody.example.com").post_json(
        "/api/v1/auth/refresh", {"refresh_token": "x"}
    )
    assert api.status_int == 404 and api.content_type == "application/problem+json"


def test_brute_force_on_the_sign_in_page_locks_and_limits(tenant, user_factory, app, lh_settings):
    """Failures lock the IP+account pair (even the right password is refused), another
    IP still signs in, and the strict per-IP route limit answers 429."""
    user_factory(tenant, email="target@example.org")
    host = {"HTTP_HOST": tenant.host, "REMOTE_ADDR": "203.0.113.7"}
    app.reset()
    form = app.get("/login", extra_environ=host)
    token = csrf_of(form)

    def attempt(password, environ=host):
        return app.post(
            "/login",
            {"email": "target@example.org", "password": password, "csrf_token": token},
            extra_environ=environ,
            expect_errors=True,
        )

    threshold = lh_settings["ratelimit.lockout_threshold"]
    for _ in range(threshold):
        assert attempt("wrong guess").status_int == 401
    locked = attempt(PASSWORD)
    assert locked.status_int == 429 and "lh_session" not in locked.headers.get("Set-Cookie", "")
    other_ip = dict(host, REMOTE_ADDR="198.51.100.9")
    assert attempt(PASSWORD, other_ip).status_int == 303
    limit = int(lh_settings["ratelimit.auth"].split("/")[0])
    statuses = [attempt("wrong guess").status_int for _ in range(limit + 1)]
    assert statuses[-1] == 429
    assert "Retry-After" in attempt("wrong guess").headers
