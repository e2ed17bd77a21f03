"""/api/v1/config/plugins/...: read, change (validated), history, rollback, secrets."""

from __future__ import annotations

import hashlib

import sqlalchemy as sa

from learninghub.db import bind_tenant, system_session
from learninghub.secrets import is_token
from learninghub.tenancy import TenantPlugin
from learninghub.testing.events import recording
from learninghub_config.models import SettingsVersion

from .conftest import MAILER, AppClient

ANN = "/api/v1/config/plugins/announcements/settings"
MAIL = f"/api/v1/config/plugins/{MAILER}/settings"


def stored(db, tenant, plugin):
    db.flush()
    bind_tenant(db, tenant.id)
    try:
        record = db.scalar(sa.select(TenantPlugin).where(TenantPlugin.plugin == plugin))
        db.refresh(record)
        return dict(record.settings)
    finally:
        system_session(db)


def test_admin_reads_a_plugins_settings(tenant, admin, client):
    r = client(tenant, admin).get(ANN)
    assert r.status_int == 200, r.text
    assert r.json["values"] == {"email_on_publish": True, "max_body_chars": 20000}
    assert r.json["overridden"] == [] and r.json["version"] is None
    listed = client(tenant, admin).get("/api/v1/config/plugins").json["items"]
    assert "announcements" in [p["name"] for p in listed]


def test_change_is_validated_stored_versioned_and_seen_by_the_plugin(
    tenant, admin, client, db, events, registry
):
    c = client(tenant, admin)
    r = c.put_json(ANN, {"values": {"max_body_chars": 500}, "comment": "shorter"})
    assert r.status_int == 200, r.text
    assert r.json["values"]["max_body_chars"] == 500 and r.json["overridden"] == ["max_body_chars"]
    assert r.json["version"] == 2  # version 1 keeps the state before the first change
    assert stored(db, tenant, "announcements") == {"max_body_chars": 500}
    # the announcements API enforces the new limit on the very next request
    long_body = "x" * 600
    created = c.post_json("/api/v1/announcements", {"title": "t", "body": long_body})
    assert created.status_int == 422, created.text
    (event,) = events.named("config.settings.changed")
    assert event.payload["version"] == 2 and event.payload["plugin"] == "announcements"
    assert event.payload["changes"][0]["field"] == "max_body_chars"


def test_invalid_values_answer_422_problem_naming_the_field(tenant, admin, client):
    c = client(tenant, admin)
    r = c.put_json(ANN, {"values": {"max_body_chars": 5}})
    assert r.status_int == 422 and r.content_type == "application/problem+json"
    assert r.json["errors"][0]["path"] == ["body", "values", "max_body_chars"]
    assert "greater than or equal" in r.json["errors"][0]["message"]
    r = c.put_json(ANN, {"values": {"no_such": 1}})
    assert r.status_int == 422 and r.json["errors"][0]["path"] == ["body", "values", "no_such"]
    r = c.put_json(ANN, {"reset": ["nope"]})
    assert r.status_int == 422 and r.json["errors"][0]["path"] == ["body", "reset", "nope"]
    r = c.put_json(ANN, {"values": {}, "colour": "red"})
    assert r.status_int == 422 and r.json["errors"][0]["path"] == ["body", "colour"]
    r = c.put_json(ANN, {"values": {"email_on_publish": "perhaps"}})
    assert r.status_int == 422
    assert c.get(ANN).json["version"] is None  # nothing was stored


def test_unknown_or_uninstalled_plugin_is_404(tenant_factory, user_factory, client):
    t = tenant_factory(plugins=["config"])
    c = client(t, user_factory(t, "admin"))
    assert c.get(ANN).status_int == 404  # announcements not installed there
    assert c.get("/api/v1/config/plugins/nosuch/settings").status_int == 404
    assert c.get("/api/v1/config/plugins/config/settings").status_int == 404  # no settings
    assert c.get("/api/v1/config/plugins/Bad!Name/settings").status_int == 404
    assert c.put_json(ANN, {"values": {}}).status_int == 404


def test_history_diff_and_rollback(tenant, admin, client):
    c = client(tenant, admin)
    c.put_json(ANN, {"values": {"max_body_chars": 500}})
    c.put_json(ANN, {"values": {"email_on_publish": False, "max_body_chars": 800}})
    c.put_json(ANN, {"reset": ["max_body_chars"]})
    history = c.get("/api/v1/config/plugins/announcements/versions").json
    assert [v["version"] for v in history["items"]] == [4, 3, 2, 1]
    v3 = history["items"][1]
    assert v3["author"] == admin.email and v3["author_id"] == str(admin.id)
    assert {ch["field"]: (ch["old"], ch["new"]) for ch in v3["changes"]} == {
        "email_on_publish": (None, False),
        "max_body_chars": (500, 800),
    }
    reset = history["items"][0]["changes"][0]
    assert reset == {
        "field": "max_body_chars",
        "old": 800,
        "new": None,
        "old_set": True,
        "new_set": False,
        "secret": False,
    }
    # roll back to version 2: a new version 5 restores it exactly
    r = c.post_json("/api/v1/config/plugins/announcements/versions/2/rollback")
    assert r.status_int == 200, r.text
    assert r.json["values"] == {"email_on_publish": True, "max_body_chars": 500}
    assert r.json["overridden"] == ["max_body_chars"] and r.json["version"] == 5
    latest = c.get("/api/v1/config/plugins/announcements/versions?limit=1").json
    assert latest["items"][0]["rollback_of"] == 2 and latest["next_cursor"]
    second = c.get(
        "/api/v1/config/plugins/announcements/versions",
        params={"limit": 1, "cursor": latest["next_cursor"]},
    ).json
    assert second["items"][0]["version"] == 4
    # back to the state before the first change
    assert (
        c.post_json("/api/v1/config/plugins/announcements/versions/1/rollback").json["overridden"]
        == []
    )
    for bad in ("99", "0", "x", "-1"):
        r = c.post_json(f"/api/v1/config/plugins/announcements/versions/{bad}/rollback")
        assert r.status_int == 404, bad


def test_an_unchanged_put_makes_no_version(tenant, admin, client):
    c = client(tenant, admin)
    c.put_json(ANN, {"values": {"max_body_chars": 500}})
    c.put_json(ANN, {"values": {"max_body_chars": 500}})
    assert len(c.get("/api/v1/config/plugins/announcements/versions").json["items"]) == 2


def test_secret_is_sealed_never_returned_and_revealed_to_the_plugin(mailer, tenant, admin, db):
    registry, app = mailer
    events, stop = recording(registry)
    try:
        check_secret_flow(registry, app, tenant, admin, db, events)
    finally:
        stop()


def check_secret_flow(registry, app, tenant, admin, db, events):
    c = AppClient(app, registry, tenant, admin)
    r = c.put_json(MAIL, {"values": {"smtp_password": "hunter2-secret", "smtp_port": 587}})
    assert r.status_int == 200, r.text
    assert r.json["secrets"] == {"smtp_password": True}
    assert r.json["values"]["smtp_password"] is None
    assert "hunter2" not in r.text
    raw = stored(db, tenant, MAILER)
    assert is_token(raw["smtp_password"]) and "hunter2" not in str(raw)
    info = c.get("/cfgmailer/info").json
    assert info["password_sha256"] == hashlib.sha256(b"hunter2-secret").hexdigest()
    assert "hunter2" not in info["repr"] and "**********" in info["repr"]
    assert info["smtp_port"] == 587
    # history and events show that it changed, never the value
    versions = c.get(f"/api/v1/config/plugins/{MAILER}/versions").text
    assert "hunter2" not in versions and "lhsec1" not in versions
    (event,) = events.named("config.settings.changed")
    assert "hunter2" not in repr(event.payload) and "lhsec1" not in repr(event.payload)
    bind_tenant(db, tenant.id)
    rows = db.scalars(sa.select(SettingsVersion.values)).all()
    system_session(db)
    assert all("hunter2" not in str(v) for v in rows)
    # a settings change without the secret keeps it; reset clears it
    c.put_json(MAIL, {"values": {"smtp_port": 2525}})
    assert c.get("/cfgmailer/info").json["password_set"] is True
    c.put_json(MAIL, {"reset": ["smtp_password"]})
    assert c.get("/cfgmailer/info").json["password_set"] is False
    assert c.get(MAIL).json["secrets"] == {"smtp_password": False}


def test_rollback_restores_a_secret(mailer, tenant, admin):
    registry, app = mailer
    c = AppClient(app, registry, tenant, admin)
    c.put_json(MAIL, {"values": {"smtp_password": "first-password"}})
    c.put_json(MAIL, {"values": {"smtp_password": "second-password"}})
    changes = c.get(f"/api/v1/config/plugins/{MAILER}/versions").json["items"][0]["changes"]
    assert changes == [
        {
            "field": "smtp_password",
            "old": "**********",
            "new": "**********",
            "old_set": True,
            "new_set": True,
            "secret": True,
        }
    ]
    c.post_json(f"/api/v1/config/plugins/{MAILER}/versions/2/rollback")
    digest = hashlib.sha256(b"first-password").hexdigest()
    assert c.get("/cfgmailer/info").json["password_sha256"] == digest


def test_a_token_sent_as_a_secret_is_sealed_as_plain_text(mailer, tenant, admin, db):
    registry, app = mailer
    c = AppClient(app, registry, tenant, admin)
    c.put_json(MAIL, {"values": {"smtp_password": "lhsec1:f:deadbeef:forged"}})
    info = c.get("/cfgmailer/info").json
    assert info["password_sha256"] == hashlib.sha256(b"lhsec1:f:deadbeef:forged").hexdigest()
    assert stored(db, tenant, MAILER)["smtp_password"] != "lhsec1:f:deadbeef:forged"


def test_secret_must_be_a_string(mailer, tenant, admin):
    registry, app = mailer
    r = AppClient(app, registry, tenant, admin).put_json(MAIL, {"values": {"smtp_password": 5}})
    assert r.status_int == 422
    assert r.json["errors"][0]["path"] == ["body", "values", "smtp_password"]


def test_enable_with_settings_seals_secrets_too(mailer_config, db, tenant_factory):
    from .conftest import enable_mailer

    t = tenant_factory(plugins=["config"])
    registry = mailer_config.registry
    registry["db.test_connection"] = db.get_bind()
    try:
        enable_mailer(registry, db, t, smtp_password="from-enable")
        raw = stored(db, t, MAILER)
    finally:
        registry["db.test_connection"] = None
    assert is_token(raw["smtp_password"])
