"""MFA required by role (grace, then enrolment at sign-in) and the security page."""

import re
import time
from datetime import timedelta

import pyotp
import sqlalchemy as sa

from learninghub.db import utcnow
from learninghub.identity import RoleGrant
from learninghub.testing import PASSWORD


def age_grants(db, user, days):
    for grant in db.scalars(sa.select(RoleGrant).where(RoleGrant.user_id == user.id)):
        grant.created_at = utcnow() - timedelta(days=days)
    db.flush()


def test_admin_within_grace_signs_in_with_a_due_date(tenant, user_factory, client):
    admin = user_factory(tenant, "admin")
    r = client(tenant).post_json("/api/v1/auth/token", {"email": admin.email, "password": PASSWORD})
    assert r.status_int == 200 and r.json["mfa_enrolment_due"]
    learner = user_factory(tenant, "learner")
    r = client(tenant).post_json(
        "/api/v1/auth/token", {"email": learner.email, "password": PASSWORD}
    )
    assert r.status_int == 200 and r.json["mfa_enrolment_due"] is None


def test_admin_after_grace_must_enrol_before_signing_in(tenant, user_factory, client, db):
    admin = user_factory(tenant, "admin")
    age_grants(db, admin, 30)
    c = client(tenant)
    r = c.post_json("/api/v1/auth/token", {"email": admin.email, "password": PASSWORD})
    assert r.status_int == 403 and r.json["mfa_enrolment_required"] is True
    assert "access_token" not in r.json
    token = r.json["enrolment_token"]
    # the enrolment token is good for enrolment only
    assert c.get("/api/v1/me", headers={"Authorization": "Bearer " + token}).status_int == 401
    started = c.post_json("/api/v1/auth/mfa-enrolment/totp", {"enrolment_token": token})
    assert started.status_int == 201
    secret = started.json["secret"]
    done = c.post_json(
        "/api/v1/auth/mfa-enrolment/confirm",
        {"enrolment_token": token, "code": pyotp.TOTP(secret).now()},
    )
    assert done.status_int == 200 and len(done.json["backup_codes"]) == 10
    step = c.post_json("/api/v1/auth/token", {"email": admin.email, "password": PASSWORD})
    assert step.status_int == 401 and step.json["mfa_required"]
    ok = c.post_json(
        "/api/v1/auth/token/mfa",
        {"mfa_token": step.json["mfa_token"], "code": pyotp.TOTP(secret).at(time.time() + 30)},
    )
    assert ok.status_int == 200


def test_tenant_can_require_mfa_for_other_roles(tenant, user_factory, client, db):
    tenant.orm.settings = {"mfa": {"required_roles": ["instructor"], "grace_days": 0}}
    db.flush()

    instructor = user_factory(tenant, "instructor")
    admin = user_factory(tenant, "admin")
    c = client(tenant)
    c.registry["tenancy.resolver"].invalidate()
    r = c.post_json("/api/v1/auth/token", {"email": instructor.email, "password": PASSWORD})
    assert r.status_int == 403 and r.json["mfa_enrolment_required"]
    assert (
        c.post_json("/api/v1/auth/token", {"email": admin.email, "password": PASSWORD}).status_int
        == 200
    )


def test_bad_enrolment_tokens(tenant, other_tenant, user_factory, client, db):
    c = client(tenant)
    assert (
        c.post_json("/api/v1/auth/mfa-enrolment/totp", {"enrolment_token": "x" * 30}).status_int
        == 401
    )
    admin = user_factory(tenant, "admin")
    age_grants(db, admin, 30)
    token = c.post_json("/api/v1/auth/token", {"email": admin.email, "password": PASSWORD}).json[
        "enrolment_token"
    ]
    foreign = client(other_tenant).post_json(
        "/api/v1/auth/mfa-enrolment/totp", {"enrolment_token": token}
    )
    assert foreign.status_int == 401


def csrf_of(page):
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def test_security_page_enrols_and_lists_sessions(tenant, user_factory, app, session_cookie):
    user = user_factory(tenant)
    cookie = session_cookie(tenant, user)
    host = {"HTTP_HOST": tenant.host}
    app.reset()
    headers = {"Cookie": cookie}
    page = app.get("/account/security", headers=headers, extra_environ=host)
    assert "Two-step sign-in is <strong>off</strong>" in page.text
    assert "(this one)" in page.text
    csrf = csrf_of(page)
    csrf_cookie = (
        app.cookies.get("lh_csrf") or page.headers["Set-Cookie"].split(";")[0].split("=", 1)[1]
    )
    headers["Cookie"] = f"{cookie}; lh_csrf={csrf_cookie}"
    started = app.post(
        "/account/security",
        {"action": "start", "csrf_token": csrf},
        headers=headers,
        extra_environ=host,
    )
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', started.text).group(1)
    assert 'src="data:image/svg+xml;base64,' in started.text
    done = app.post(
        "/account/security",
        {"action": "confirm", "code": pyotp.TOTP(secret).now(), "csrf_token": csrf},
        headers=headers,
        extra_environ=host,
    )
    assert done.text.count("<li><code>") == 10
    assert (
        "Two-step sign-in is <strong>on</strong>"
        in app.get("/account/security", headers=headers, extra_environ=host).text
    )


def test_security_page_needs_sign_in(tenant, client):
    r = client(tenant).get("/account/security")
    assert r.status_int == 303 and "/login" in r.headers["Location"]


def test_forced_enrolment_page_at_sign_in(tenant, user_factory, db, app):
    admin = user_factory(tenant, "admin", email="forced@example.org")
    age_grants(db, admin, 30)
    host = {"HTTP_HOST": tenant.host}
    app.reset()
    form = app.get("/login", extra_environ=host)
    step = app.post(
        "/login",
        {"email": admin.email, "password": PASSWORD, "csrf_token": csrf_of(form)},
        extra_environ=host,
    )
    assert "Set up two-step sign-in" in step.text and "lh_session" not in step.headers.get(
        "Set-Cookie", ""
    )
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', step.text).group(1)
    token = re.search(r'name="enrolment_token" value="([^"]+)"', step.text).group(1)
    done = app.post(
        "/login/mfa-enrol",
        {"enrolment_token": token, "code": pyotp.TOTP(secret).now(), "csrf_token": csrf_of(form)},
        extra_environ=host,
    )
    assert done.text.count("<li><code>") == 10


def test_security_page_password_and_api_keys(tenant, user_factory, app, session_cookie):
    user = user_factory(tenant)
    cookie = session_cookie(tenant, user)
    other_browser = session_cookie(tenant, user)
    host = {"HTTP_HOST": tenant.host}
    app.reset()
    page = app.get("/account/security", headers={"Cookie": cookie}, extra_environ=host)
    csrf = csrf_of(page)
    csrf_cookie = page.headers["Set-Cookie"].split(";")[0].split("=", 1)[1]
    headers = {"Cookie": f"{cookie}; lh_csrf={csrf_cookie}"}

    def post(**form):
        app.reset()
        return app.post(
            "/account/security",
            dict(form, csrf_token=csrf),
            headers=headers,
            extra_environ=host,
            expect_errors=True,
        )

    created = post(action="create_key", name="laptop", scope="read", days="30")
    key = re.search(r'id="new-api-key">(lhk_[^<]+)<', created.text).group(1)
    api = app.get("/api/v1/me", headers={"Authorization": "Bearer " + key}, extra_environ=host)
    assert api.json["id"] == str(user.id)
    assert post(action="create_key", name="", scope="read", days="30").status_int == 400
    key_id = re.search(r'name="key_id" value="([^"]+)"', created.text).group(1)
    assert "revoked" in post(action="revoke_key", key_id=key_id).text
    app.reset()
    gone = app.get(
        "/api/v1/me",
        headers={"Authorization": "Bearer " + key},
        extra_environ=host,
        expect_errors=True,
    )
    assert gone.status_int == 401
    weak = post(action="password", current_password=PASSWORD, new_password="password")
    assert weak.status_int == 422
    wrong = post(action="password", current_password="nope", new_password="a fine long passphrase")
    assert wrong.status_int == 403
    ok = post(action="password", current_password=PASSWORD, new_password="a fine long passphrase")
    assert ok.status_int == 200 and "1 other session(s) were signed out" in ok.text
    app.reset()
    assert (
        "Signed in as"
        not in app.get("/dashboard", headers={"Cookie": other_browser}, extra_environ=host).text
    )
    app.reset()
    assert (
        "Signed in as" in app.get("/dashboard", headers={"Cookie": cookie}, extra_environ=host).text
    )


def test_security_page_disables_mfa_with_password_and_code(
    tenant, user_factory, client, app, session_cookie
):
    user = user_factory(tenant)
    c = client(tenant, user)
    secret = c.post_json("/api/v1/me/mfa/totp").json["secret"]
    codes = c.post_json("/api/v1/me/mfa/totp/confirm", {"code": pyotp.TOTP(secret).now()}).json[
        "backup_codes"
    ]
    cookie = session_cookie(tenant, user)
    host = {"HTTP_HOST": tenant.host}
    app.reset()
    page = app.get("/account/security", headers={"Cookie": cookie}, extra_environ=host)
    assert "Two-step sign-in is <strong>on</strong>" in page.text
    csrf = csrf_of(page)
    csrf_cookie = page.headers["Set-Cookie"].split(";")[0].split("=", 1)[1]
    headers = {"Cookie": f"{cookie}; lh_csrf={csrf_cookie}"}

    def post(**form):
        app.reset()
        return app.post(
            "/account/security",
            dict(form, csrf_token=csrf),
            headers=headers,
            extra_environ=host,
            expect_errors=True,
        )

    assert post(action="disable", password="wrong", code=codes[0]).status_int == 403
    assert post(action="disable", password=PASSWORD, code="000000").status_int == 403
    fresh = post(action="backup_codes", password=PASSWORD)
    assert fresh.text.count("<li><code>") == 10
    new_code = re.findall(r"<li><code>([^<]+)</code>", fresh.text)[0]
    off = post(action="disable", password=PASSWORD, code=new_code)
    assert off.status_int == 200 and "Two-step sign-in is off." in off.text
    assert c.get("/api/v1/me/mfa").json["enabled"] is False


def test_security_and_mfa_pages_refuse_strangers(
    tenant, other_tenant, user_factory, app, client, session_cookie
):
    user = user_factory(tenant)
    foreign = client(other_tenant)
    foreign.headers["Cookie"] = session_cookie(tenant, user)  # a cookie of tenant A on B
    r = foreign.get("/account/security")
    assert r.status_int == 303 and "/login" in r.headers["Location"]
    # the second-step and enrolment forms without a valid token lead back to sign-in
    host = {"HTTP_HOST": tenant.host}
    app.reset()
    form = app.get("/login", extra_environ=host)
    token = csrf_of(form)
    for path, field in (("/login/mfa", "mfa_token"), ("/login/mfa-enrol", "enrolment_token")):
        r = app.post(
            path,
            {field: "forged", "code": "123456", "csrf_token": token},
            extra_environ=host,
            expect_errors=True,
        )
        assert r.status_int == 303 and r.headers["Location"].endswith("/login"), path
        no_csrf = app.post(
            path, {field: "forged", "code": "123456"}, extra_environ=host, expect_errors=True
        )
        assert no_csrf.status_int == 400, path
