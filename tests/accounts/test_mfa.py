"""TOTP enrolment, two-step sign-in (API and page), backup codes, disabling."""

import re

import pyotp

from learninghub.testing import PASSWORD


def enrol(client, tenant, user):
    c = client(tenant, user)
    started = c.post_json("/api/v1/me/mfa/totp")
    assert started.status_int == 201, started.text
    assert started.json["otpauth_uri"].startswith("otpauth://totp/")
    assert started.json["qr_svg"].lstrip().startswith("<?xml") and "<svg" in started.json["qr_svg"]
    secret = started.json["secret"]
    wrong = c.post_json("/api/v1/me/mfa/totp/confirm", {"code": "000000"})
    assert wrong.status_int == 422
    ok = c.post_json("/api/v1/me/mfa/totp/confirm", {"code": pyotp.TOTP(secret).now()})
    assert ok.status_int == 200, ok.text
    codes = ok.json["backup_codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    return secret, codes


def test_api_sign_in_needs_the_second_factor(tenant, user_factory, client):
    user = user_factory(tenant)
    secret, _ = enrol(client, tenant, user)
    c = client(tenant)
    first = c.post_json("/api/v1/auth/token", {"email": user.email, "password": PASSWORD})
    assert first.status_int == 401 and first.json["mfa_required"] is True
    assert "access_token" not in first.json
    token = first.json["mfa_token"]
    bad = c.post_json("/api/v1/auth/token/mfa", {"mfa_token": token, "code": "123456"})
    assert bad.status_int == 401
    # the code accepted at enrolment cannot be replayed; the next step's code works
    import time

    code = pyotp.TOTP(secret).at(time.time() + 30)
    ok = c.post_json("/api/v1/auth/token/mfa", {"mfa_token": token, "code": code})
    assert ok.status_int == 200, ok.text
    assert (
        c.get(
            "/api/v1/me", headers={"Authorization": "Bearer " + ok.json["access_token"]}
        ).status_int
        == 200
    )
    replay = c.post_json("/api/v1/auth/token/mfa", {"mfa_token": token, "code": code})
    assert replay.status_int == 401


def test_backup_code_is_single_use(tenant, user_factory, client):
    user = user_factory(tenant)
    _, codes = enrol(client, tenant, user)
    c = client(tenant)
    token = c.post_json("/api/v1/auth/token", {"email": user.email, "password": PASSWORD}).json[
        "mfa_token"
    ]
    assert (
        c.post_json("/api/v1/auth/token/mfa", {"mfa_token": token, "code": codes[0]}).status_int
        == 200
    )
    token = c.post_json("/api/v1/auth/token", {"email": user.email, "password": PASSWORD}).json[
        "mfa_token"
    ]
    again = c.post_json("/api/v1/auth/token/mfa", {"mfa_token": token, "code": codes[0]})
    assert again.status_int == 401
    assert client(tenant, user).get("/api/v1/me/mfa").json == {
        "enabled": True,
        "backup_codes_left": 9,
    }


def test_challenge_is_bound_to_tenant_and_user_state(
    tenant, other_tenant, user_factory, client, db
):
    user = user_factory(tenant)
    secret, _ = enrol(client, tenant, user)
    token = (
        client(tenant)
        .post_json("/api/v1/auth/token", {"email": user.email, "password": PASSWORD})
        .json["mfa_token"]
    )
    code = pyotp.TOTP(secret).now()
    foreign = client(other_tenant).post_json(
        "/api/v1/auth/token/mfa", {"mfa_token": token, "code": code}
    )
    assert foreign.status_int == 401
    user.status = "suspended"
    db.flush()
    r = client(tenant).post_json("/api/v1/auth/token/mfa", {"mfa_token": token, "code": code})
    assert r.status_int == 401
    assert (
        client(tenant)
        .post_json("/api/v1/auth/token/mfa", {"mfa_token": "x" * 20, "code": "1"})
        .status_int
        == 422
    )


def test_regenerate_and_disable_need_reauthentication(tenant, user_factory, client):
    user = user_factory(tenant)
    secret, old_codes = enrol(client, tenant, user)
    c = client(tenant, user)
    assert c.post_json("/api/v1/me/mfa/backup-codes", {"password": "wrong"}).status_int == 403
    fresh = c.post_json("/api/v1/me/mfa/backup-codes", {"password": PASSWORD}).json["backup_codes"]
    assert set(fresh).isdisjoint(old_codes)
    assert (
        c.post_json(
            "/api/v1/me/mfa/disable", {"password": PASSWORD, "code": old_codes[1]}
        ).status_int
        == 403
    )
    assert (
        c.post_json("/api/v1/me/mfa/disable", {"password": "nope", "code": fresh[0]}).status_int
        == 403
    )
    off = c.post_json("/api/v1/me/mfa/disable", {"password": PASSWORD, "code": fresh[0]})
    assert off.status_int == 200 and off.json["enabled"] is False
    signed = client(tenant).post_json(
        "/api/v1/auth/token", {"email": user.email, "password": PASSWORD}
    )
    assert signed.status_int == 200 and "access_token" in signed.json


def test_mfa_endpoints_need_a_signed_in_session(tenant, user_factory, client):
    c = client(tenant)
    assert c.get("/api/v1/me/mfa").status_int == 401
    assert c.post_json("/api/v1/me/mfa/totp").status_int == 401
    user = user_factory(tenant)
    key = client(tenant, user).post_json("/api/v1/me/api-keys", {"name": "k", "scopes": ["*"]}).json
    k = client(tenant)
    k.headers["Authorization"] = "Bearer " + key["key"]
    assert k.post_json("/api/v1/me/mfa/totp").status_int == 403


def test_page_sign_in_with_totp(tenant, user_factory, client, app):
    user = user_factory(tenant, email="mfa-page@example.org")
    secret, _ = enrol(client, tenant, user)
    host = {"HTTP_HOST": tenant.host}
    app.reset()
    form = app.get("/login", extra_environ=host)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
    step = app.post(
        "/login",
        {"email": user.email, "password": PASSWORD, "csrf_token": csrf},
        extra_environ=host,
    )
    assert step.status_int == 200 and 'autocomplete="one-time-code"' in step.text
    assert "lh_session" not in step.headers.get("Set-Cookie", "")
    mfa_token = re.search(r'name="mfa_token" value="([^"]+)"', step.text).group(1)
    wrong = app.post(
        "/login/mfa",
        {"mfa_token": mfa_token, "code": "000000", "csrf_token": csrf},
        extra_environ=host,
        expect_errors=True,
    )
    assert wrong.status_int == 401 and 'role="alert"' in wrong.text
    import time

    ok = app.post(
        "/login/mfa",
        {
            "mfa_token": mfa_token,
            "code": pyotp.TOTP(secret).at(time.time() + 30),
            "csrf_token": csrf,
        },
        extra_environ=host,
    )
    assert ok.status_int == 303
    assert "lh_session=" in ok.headers["Set-Cookie"]


def test_email_code_fallback(tenant, user_factory, client, mailbox, db):
    user = user_factory(tenant)
    enrol(client, tenant, user)
    c = client(tenant)

    def challenge():
        r = c.post_json("/api/v1/auth/token", {"email": user.email, "password": PASSWORD})
        return r.json["mfa_token"]

    token = challenge()
    sent = c.post_json("/api/v1/auth/token/mfa/email", {"mfa_token": token})
    assert sent.status_int == 202
    mails = [
        m for m in mailbox.refresh() if m["To"] == user.email and "sign-in code" in m["Subject"]
    ]
    code = re.search(r"code is (\d{6})", mails[-1].get_payload(decode=True).decode()).group(1)
    ok = c.post_json("/api/v1/auth/token/mfa", {"mfa_token": token, "code": code})
    assert ok.status_int == 200, ok.text
    again = c.post_json("/api/v1/auth/token/mfa", {"mfa_token": challenge(), "code": code})
    assert again.status_int == 401  # single use
    # an expired code is refused
    from datetime import timedelta

    import sqlalchemy as sa

    from learninghub.accounts.models import OneTimeToken
    from learninghub.db import utcnow

    token = challenge()
    c.post_json("/api/v1/auth/token/mfa/email", {"mfa_token": token})
    mails = [m for m in mailbox.refresh() if "sign-in code" in m["Subject"]]
    code = re.search(r"code is (\d{6})", mails[-1].get_payload(decode=True).decode()).group(1)
    for row in db.scalars(sa.select(OneTimeToken).where(OneTimeToken.purpose == "mfa_email")):
        row.expires_at = utcnow() - timedelta(seconds=1)
    db.flush()
    assert (
        c.post_json("/api/v1/auth/token/mfa", {"mfa_token": token, "code": code}).status_int == 401
    )
    bad = c.post_json("/api/v1/auth/token/mfa/email", {"mfa_token": "x" * 40})
    assert bad.status_int == 401
