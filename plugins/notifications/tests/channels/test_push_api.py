"""Web push: the VAPID public key, the push subscriptions' API and the endpoints the
preferences page's script posts to, the service worker (docs/plugins/notifications-push.md)."""

from __future__ import annotations

import json
import re
import uuid

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from learninghub.cli import Env
from learninghub.db import bind_tenant, system_session
from learninghub.identity import RoleGrant
from learninghub.secrets import is_token, secret_box
from learninghub_notifications.channels.vapid import VapidKey, b64url_decode, reseal_all
from learninghub_notifications.cli import notifications
from learninghub_notifications.models import PushSubscription

from .pushservice import FakeBrowser, b64url

KEY = "/api/v1/notifications/vapid-public-key"
SUBSCRIPTIONS = "/api/v1/notifications/push-subscriptions"
PAGE_SUBSCRIBE = "/account/notifications/push/subscribe"
PAGE_UNSUBSCRIBE = "/account/notifications/push/unsubscribe"
WORKER = "/notifications-sw.js"


class AppEnv(Env):
    """The CLI's environment on the session's test app instead of an ini file."""

    def __init__(self, registry):
        super().__init__("unused.ini")
        self._registry = registry

    @property
    def registry(self):
        return self._registry


def browser(name: str = "") -> FakeBrowser:
    return FakeBrowser(f"https://push.example.net/wpush/{name or uuid.uuid4().hex}")


@pytest.fixture
def roleless(db, user_factory):
    """``roleless(tenant)``: a signed-in user with no role, hence no permission."""

    def make(tenant):
        user = user_factory(tenant)
        db.execute(sa.delete(RoleGrant).where(RoleGrant.user_id == user.id))
        db.flush()
        return user

    return make


def stored(db, tenant) -> list[PushSubscription]:
    bind_tenant(db, tenant.id)
    try:
        stmt = sa.select(PushSubscription).execution_options(populate_existing=True)
        return list(db.scalars(stmt.order_by(PushSubscription.created_at)))
    finally:
        system_session(db)


def test_vapid_public_key_per_tenant_sealed_at_rest(
    registry, db, tenant, other_tenant, user_factory, client, roleless, foreign_client, monkeypatch
):
    learner = user_factory(tenant)
    r = client(tenant, learner).get(KEY)
    assert r.status_int == 200, r.text
    key = r.json["public_key"]
    point = b64url_decode(key)
    assert len(point) == 65 and point[0] == 4  # an uncompressed P-256 point
    assert client(tenant, user_factory(tenant, "admin")).get(KEY).json["public_key"] == key
    theirs = client(other_tenant, user_factory(other_tenant)).get(KEY).json["public_key"]
    assert theirs != key

    bind_tenant(db, tenant.id)
    row = db.scalar(sa.select(VapidKey))
    system_session(db)
    assert row.public_key == key and is_token(row.private_key)
    assert "PRIVATE KEY" in secret_box(registry).open(row.private_key)

    # a new secrets key: the private keys are sealed again with it, and still open
    from learninghub.secrets import DEVELOPMENT_KEY, build_box

    rotated = build_box({"environment": "test", "secrets.keys": ["rotated-key", DEVELOPMENT_KEY]})
    monkeypatch.setitem(registry, "secrets.box", rotated)
    result = CliRunner().invoke(notifications, ["reseal-vapid"], obj=AppEnv(registry))
    assert result.exit_code == 0 and result.output.startswith("resealed "), result.output
    bind_tenant(db, tenant.id)
    row = db.scalar(sa.select(VapidKey).execution_options(populate_existing=True))
    system_session(db)
    assert not rotated.needs_rotation(row.private_key)
    assert "PRIVATE KEY" in rotated.open(row.private_key)
    assert reseal_all(registry, db, dry_run=True).resealed == 0

    assert client(tenant).get(KEY).status_int == 401
    assert client(tenant, roleless(tenant)).get(KEY).status_int == 403
    assert foreign_client(tenant, other_tenant).get(KEY).status_int == 401


def test_subscriptions_are_their_owners_alone(
    db, tenant, other_tenant, user_factory, client, foreign_client, roleless
):
    learner, other, admin = (user_factory(tenant, role) for role in ("learner", "learner", "admin"))
    mine = client(tenant, learner)
    phone = browser()
    r = mine.post_json(SUBSCRIPTIONS, phone.subscription(), headers={"User-Agent": "Phone/1"})
    assert r.status_int == 201, r.text
    sub_id = r.json["id"]
    assert r.headers["Location"].endswith(f"{SUBSCRIPTIONS}/{sub_id}")
    assert r.json["endpoint"] == phone.endpoint and r.json["user_agent"] == "Phone/1"
    assert r.json["expired_at"] is None
    # the same browser again (new keys): updated, same row
    again = browser()
    again.endpoint = phone.endpoint
    r = mine.post_json(SUBSCRIPTIONS, again.subscription())
    assert r.status_int == 200 and r.json["id"] == sub_id
    assert stored(db, tenant)[0].p256dh == again.p256dh
    assert mine.post_json(SUBSCRIPTIONS, browser().subscription()).status_int == 201

    page = mine.get(f"{SUBSCRIPTIONS}?limit=1")
    assert page.status_int == 200 and len(page.json["items"]) == 1
    rest = mine.get(f"{SUBSCRIPTIONS}?limit=1&cursor={page.json['next_cursor']}")
    assert len(rest.json["items"]) == 1 and rest.json["next_cursor"] is None
    assert {page.json["items"][0]["id"], rest.json["items"][0]["id"]} >= {sub_id}

    # nobody else sees or deletes it: another learner, an admin, another tenant's admin
    assert client(tenant, other).get(SUBSCRIPTIONS).json["items"] == []
    assert mine.get(f"{SUBSCRIPTIONS}/{sub_id}").json["endpoint"] == phone.endpoint
    assert client(tenant, other).get(f"{SUBSCRIPTIONS}/{sub_id}").status_int == 404
    assert client(tenant, other).delete(f"{SUBSCRIPTIONS}/{sub_id}").status_int == 404
    assert client(tenant, admin).delete(f"{SUBSCRIPTIONS}/{sub_id}").status_int == 404
    assert (
        foreign_client(tenant, other_tenant).delete(f"{SUBSCRIPTIONS}/{sub_id}").status_int == 401
    )
    theirs = client(other_tenant, user_factory(other_tenant, "admin"))
    assert theirs.delete(f"{SUBSCRIPTIONS}/{sub_id}").status_int == 404
    assert theirs.get(SUBSCRIPTIONS).json["items"] == []
    assert theirs.get(f"{SUBSCRIPTIONS}/{sub_id}").status_int == 404
    assert foreign_client(tenant, other_tenant).get(f"{SUBSCRIPTIONS}/{sub_id}").status_int == 401
    assert client(tenant, other).delete(f"{SUBSCRIPTIONS}/not-an-id").status_int == 404

    # the browser signs in as someone else: the subscription follows them
    r = client(tenant, other).post_json(SUBSCRIPTIONS, again.subscription())
    assert r.status_int == 200 and r.json["id"] == sub_id
    assert mine.delete(f"{SUBSCRIPTIONS}/{sub_id}").status_int == 404
    assert client(tenant, other).delete(f"{SUBSCRIPTIONS}/{sub_id}").status_int == 204
    assert [s.user_id for s in stored(db, tenant)] == [learner.id]

    nobody = client(tenant, roleless(tenant))
    assert nobody.get(SUBSCRIPTIONS).status_int == 403
    assert nobody.post_json(SUBSCRIPTIONS, browser().subscription()).status_int == 403
    assert nobody.delete(f"{SUBSCRIPTIONS}/{sub_id}").status_int == 403
    assert nobody.get(f"{SUBSCRIPTIONS}/{sub_id}").status_int == 403
    anonymous = client(tenant)
    assert anonymous.get(SUBSCRIPTIONS).status_int == 401
    assert anonymous.post_json(SUBSCRIPTIONS, browser().subscription()).status_int == 401
    assert anonymous.delete(f"{SUBSCRIPTIONS}/{sub_id}").status_int == 401
    assert anonymous.get(f"{SUBSCRIPTIONS}/{sub_id}").status_int == 401


def _with(body: dict, path: tuple[str, ...], value) -> dict:
    body = {**body, "keys": dict(body["keys"])}
    target = body["keys"] if path[0] == "keys" else body
    if value is _DROP:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return body


_DROP = object()


def test_invalid_subscriptions_are_refused(db, tenant, user_factory, client):
    good = browser().subscription()
    off_curve = b64url(b"\x04" + b"\x01" * 64)
    cases = [
        (("endpoint",), "http://push.example.net/x", "https"),
        (("endpoint",), "https://127.0.0.1:8443/x", "loopback"),
        (("endpoint",), "https://localhost/x", "loopback"),
        (("endpoint",), "https://10.1.2.3/x", "not a public address"),
        (("endpoint",), "https://[fe80::1]/x", "not a public address"),
        (("endpoint",), "https://user:pw@push.example.net/x", "user names"),
        (("endpoint",), "https://push.example.net/x#frag", "fragment"),
        (("endpoint",), "ftp://push.example.net/x", "https"),
        (("endpoint",), "not a url", ""),
        (("endpoint",), "https://push.example.net/" + "x" * 1000, "1000"),
        (("keys", "p256dh"), off_curve, "P-256"),
        (("keys", "p256dh"), b64url(b"\x04" + b"\x01" * 10), "P-256"),
        (("keys", "p256dh"), "not+base64/url==", "P-256"),
        (("keys", "auth"), b64url(b"\x00" * 15), "16 bytes"),
        (("keys", "auth"), "%%%", "base64url"),
        (("keys", "auth"), _DROP, "required"),
        (("surprise",), 1, "Extra inputs"),
    ]
    mine = client(tenant, user_factory(tenant))
    for path, value, words in cases:
        r = mine.post_json(SUBSCRIPTIONS, _with(good, path, value))
        assert r.status_int == 422, (path, value, r.text)
        assert r.content_type == "application/problem+json"
        error = r.json["errors"][0]
        assert error["path"] == ["body", *path], (path, value, error)
        assert words in error["message"], (words, error)
    assert mine.post_json(SUBSCRIPTIONS, {"endpoint": good["endpoint"]}).status_int == 422
    assert stored(db, tenant) == []


def test_preferences_page_subscribes_with_the_session_and_the_csrf_token(
    db, tenant, other_tenant, user_factory, client, page_browser, roleless
):
    learner = user_factory(tenant)
    pages = page_browser(tenant, learner)
    page = pages.get("/account/notifications")
    assert page.status_int == 200, page.text
    panel = re.search(r'<section id="notifications-push"[^>]*>', page.text).group(0)
    key = re.search(r'data-key="([^"]+)"', panel).group(1)
    assert key == client(tenant, learner).get(KEY).json["public_key"]
    assert re.search(r'data-worker="/notifications-sw.js"', panel)
    script = re.search(r'<script src="([^"]*/push/push\.js[^"]*)"', page.text).group(1)
    served = pages.get(script)
    assert served.status_int == 200 and "pushManager.subscribe" in served.text
    csrf = {"X-CSRF-Token": re.search(r'data-csrf="([^"]+)"', panel).group(1)}
    phone = browser()

    def post(who, path, body, headers=csrf):
        return who._call(
            "post",
            path,
            params=json.dumps(body),
            headers={"Content-Type": "application/json", **headers},
        )

    r = post(pages, PAGE_SUBSCRIBE, phone.subscription())
    assert r.status_int == 201, r.text
    assert [str(s.id) for s in stored(db, tenant)] == [r.json["id"]]
    assert post(pages, PAGE_SUBSCRIBE, phone.subscription()).status_int == 200
    assert post(pages, PAGE_SUBSCRIBE, phone.subscription(), headers={}).status_int == 400
    bad = post(pages, PAGE_SUBSCRIBE, {**phone.subscription(), "endpoint": "http://x.example/"})
    assert bad.status_int == 422 and bad.json["errors"][0]["path"] == ["body", "endpoint"]
    assert "on 1 browser." in pages.get("/account/notifications").text

    # the others post with a token of their own
    fake = {"X-CSRF-Token": "token-for-this-test"}
    # another tenant's host does not know this session
    foreign = page_browser(other_tenant, cookie=f"lh_session={pages.cookies['lh_session']}")
    foreign.cookies["lh_csrf"] = "token-for-this-test"
    assert post(foreign, PAGE_UNSUBSCRIBE, {"endpoint": phone.endpoint}, fake).status_int == 401
    anonymous = page_browser(tenant)
    anonymous.cookies["lh_csrf"] = "token-for-this-test"
    assert post(anonymous, PAGE_SUBSCRIBE, phone.subscription(), fake).status_int == 401
    nobody = page_browser(tenant, roleless(tenant))
    nobody.cookies["lh_csrf"] = "token-for-this-test"
    assert post(nobody, PAGE_UNSUBSCRIBE, {"endpoint": phone.endpoint}, fake).status_int == 403
    # another user of the tenant cannot drop it by its endpoint
    someone = page_browser(tenant, user_factory(tenant))
    someone.cookies["lh_csrf"] = "token-for-this-test"
    assert post(someone, PAGE_UNSUBSCRIBE, {"endpoint": phone.endpoint}, fake).status_int == 204
    assert len(stored(db, tenant)) == 1
    assert post(pages, PAGE_UNSUBSCRIBE, {"nope": 1}).status_int == 422
    assert post(pages, PAGE_UNSUBSCRIBE, {"endpoint": phone.endpoint}).status_int == 204
    assert stored(db, tenant) == []


def test_service_worker_is_served_at_the_root(tenant, tenant_factory, client):
    r = client(tenant).get(WORKER)
    assert r.status_int == 200
    assert r.content_type == "text/javascript"
    assert r.headers["Service-Worker-Allowed"] == "/"
    assert "showNotification" in r.text and "notificationclick" in r.text
    assert client(tenant_factory(plugins=[])).get(WORKER).status_int == 404
