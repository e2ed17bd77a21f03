"""Admin pages: /admin/webhooks and /admin/webhooks/{id} (session cookie, CSRF forms)."""

from __future__ import annotations

import re
import uuid

import pytest

EVENT = "tenant.settings_changed"
LIST = "/admin/webhooks"

pytestmark = pytest.mark.usefixtures("allow_loopback")


def secret_shown(page) -> str | None:
    match = re.search(r'id="new-secret" value="(whsec_[^"]+)"', page.text)
    return match.group(1) if match else None


@pytest.fixture
def admin_browser(page_browser, tenant, admin_of):
    return page_browser(tenant, admin_of(tenant))


def register(browser, url, events=(EVENT,), description=""):
    page = browser.get(LIST)
    fields = [("url", url), ("description", description)]
    fields += [("event_types", e) for e in events]
    return browser.submit(page, LIST, dict(fields) | {"event_types": list(events)})


def test_register_shows_the_secret_once(admin_browser, receiver, rows, change_settings, tenant):
    page = admin_browser.get(LIST)
    assert page.status_int == 200
    assert "No endpoint is registered yet." in page.text
    assert f"<code>{EVENT}</code>" in page.text  # the event registry as checkboxes
    assert 'aria-current="page"' in page.text and 'href="/admin/webhooks"' in page.text
    r = register(admin_browser, receiver.url(), events=(EVENT, "accounts.role.granted"))
    assert r.status_int == 201, r.text
    secret = secret_shown(r)
    assert secret and secret.startswith("whsec_")
    assert "it will not be shown again" in r.text
    listing = admin_browser.get(LIST)
    assert receiver.url() in listing.text and secret not in listing.text
    endpoint_id = re.search(r'href="/admin/webhooks/([0-9a-f-]{36})"', listing.text).group(1)
    detail = admin_browser.get(f"{LIST}/{endpoint_id}")
    assert detail.status_int == 200 and secret not in detail.text
    assert "Cache-Control" in detail.headers and "no-store" in detail.headers["Cache-Control"]
    # the secret is the one deliveries are signed with
    receiver.secret = secret
    change_settings(tenant)
    assert receiver.bad == [] and len(receiver.requests) == 1


def test_register_refuses_private_targets_and_empty_choices(admin_browser, rows):
    r = register(admin_browser, "http://169.254.169.254/latest")
    assert r.status_int == 422
    assert "link-local" in r.text and 'aria-invalid="true"' in r.text
    page = admin_browser.get(LIST)
    r = admin_browser.submit(page, LIST, {"url": "https://93.184.216.34/x"})
    assert r.status_int == 422 and "Choose at least one event." in r.text
    assert rows.deliveries() == []
    assert "No endpoint is registered yet." in admin_browser.get(LIST).text


def test_register_needs_the_csrf_token(admin_browser):
    page = admin_browser.get(LIST)
    r = admin_browser.submit(
        page, LIST, {"url": "https://93.184.216.34/x", "event_types": EVENT}, csrf=False
    )
    assert r.status_int == 400
    assert "No endpoint is registered yet." in admin_browser.get(LIST).text


def endpoint_page(browser, make_endpoint, tenant, url, **extra):
    endpoint = make_endpoint(tenant, url, **extra)
    path = f"{LIST}/{endpoint['id']}"
    return endpoint, path, browser.get(path)


def test_detail_page_log_test_event_and_replay(
    admin_browser, make_endpoint, tenant, receiver, change_settings, rows
):
    receiver.script = [(500, {"Content-Type": "text/plain"}, b"<b>oops</b>")]
    endpoint, path, page = endpoint_page(admin_browser, make_endpoint, tenant, receiver.url())
    assert "Nothing was sent to this endpoint yet." in page.text
    change_settings(tenant)
    page = admin_browser.get(path)
    assert EVENT in page.text and "pending" in page.text
    assert "&lt;b&gt;oops&lt;/b&gt;" in page.text  # the response excerpt, escaped
    assert "webhook-signature: v1," in page.text and "HTTP 500" in page.text
    # send test event
    r = admin_browser.submit(page, path, {"action": "test"})
    assert r.status_int == 303
    page = admin_browser.get(r.headers["Location"])
    assert "Test event queued" in page.text and "webhooks.test" in page.text
    assert len(receiver.requests) == 2
    # replay the delivered test event
    test_delivery = next(d for d in rows.deliveries() if d.is_test)
    r = admin_browser.submit(page, path, {"action": "replay", "delivery": str(test_delivery.id)})
    assert r.status_int == 303
    assert "Delivery queued again" in admin_browser.get(r.headers["Location"]).text
    assert len(receiver.requests) == 3
    # replaying the pending one is refused, and nothing is written
    pending = next(d for d in rows.deliveries() if d.status == "pending")
    r = admin_browser.submit(page, path, {"action": "replay", "delivery": str(pending.id)})
    assert r.status_int == 409 and "still pending" in r.text
    r = admin_browser.submit(page, path, {"action": "replay", "delivery": str(uuid.uuid4())})
    assert r.status_int == 404


def test_detail_page_edit_disable_enable_rotate_delete(
    admin_browser, make_endpoint, tenant, receiver, rows, client, admin_of
):
    endpoint, path, page = endpoint_page(admin_browser, make_endpoint, tenant, receiver.url())
    r = admin_browser.submit(
        page,
        path,
        {"action": "save", "url": receiver.url("/v2"), "description": "CRM", "event_types": EVENT},
    )
    assert r.status_int == 303, r.text
    assert "Endpoint saved." in admin_browser.get(r.headers["Location"]).text
    api = client(tenant, admin_of(tenant))
    assert api.get(endpoint["api_url"]).json["url"] == receiver.url("/v2")
    r = admin_browser.submit(
        page, path, {"action": "save", "url": "http://10.0.0.1/", "event_types": EVENT}
    )
    assert r.status_int == 422 and "private address" in r.text
    assert api.get(endpoint["api_url"]).json["url"] == receiver.url("/v2")
    assert admin_browser.submit(page, path, {"action": "disable"}).status_int == 303
    assert "Disabled by an admin." in admin_browser.get(path).text
    assert admin_browser.submit(page, path, {"action": "enable"}).status_int == 303
    assert api.get(endpoint["api_url"]).json["enabled"] is True
    r = admin_browser.submit(page, path, {"action": "rotate"})
    assert r.status_int == 200 and secret_shown(r) not in (None, endpoint["secret"])
    r = admin_browser.submit(page, path, {"action": "delete"})
    assert r.status_int == 200 and "Delete this endpoint and its delivery log?" in r.text
    assert api.get(endpoint["api_url"]).status_int == 200
    r = admin_browser.submit(page, path, {"action": "delete", "confirm": "yes"})
    assert r.status_int == 303 and r.headers["Location"].endswith("/admin/webhooks?done=deleted")
    assert api.get(endpoint["api_url"]).status_int == 404
    assert admin_browser.get(path).status_int == 404
    assert (
        admin_browser.submit(page, LIST + "/" + endpoint["id"], {"action": "x"}).status_int == 404
    )


def test_unknown_action_is_a_400(admin_browser, make_endpoint, tenant):
    endpoint, path, page = endpoint_page(
        admin_browser, make_endpoint, tenant, "http://127.0.0.1:9/"
    )
    assert admin_browser.submit(page, path, {"action": "explode"}).status_int == 400


# ----------------------------------------------------------------- access


def test_pages_refuse_visitors_and_non_admins(
    page_browser, tenant, user_factory, make_endpoint, admin_of
):
    endpoint = make_endpoint(tenant, "http://127.0.0.1:9/")
    paths = [LIST, f"{LIST}/{endpoint['id']}"]
    visitor = page_browser(tenant)
    for path in paths:
        r = visitor.get(path)
        assert r.status_int == 303 and "/login?next=" in r.headers["Location"]
    for role in ("learner", "instructor"):
        b = page_browser(tenant, user_factory(tenant, role))
        for path in paths:
            assert b.get(path).status_int == 403, (role, path)
        dashboard = b.get("/dashboard")
        assert 'href="/admin/webhooks"' not in dashboard.text
        # a forged POST is refused too
        assert b.submit(dashboard, paths[1], {"action": "delete", "confirm": "yes"}).status_int in (
            400,
            403,
        )
    admin = page_browser(tenant, admin_of(tenant))
    assert 'href="/admin/webhooks"' in admin.get("/admin").text


def test_another_tenants_admin_gets_404(
    page_browser, tenant, other_tenant, make_endpoint, admin_of, client
):
    endpoint = make_endpoint(tenant, "http://127.0.0.1:9/")
    foreign = page_browser(other_tenant, admin_of(other_tenant))
    path = f"{LIST}/{endpoint['id']}"
    assert foreign.get(path).status_int == 404
    listing = foreign.get(LIST)
    assert listing.status_int == 200 and "127.0.0.1:9" not in listing.text
    r = foreign.submit(listing, path, {"action": "delete", "confirm": "yes"})
    assert r.status_int == 404
    assert client(tenant, admin_of(tenant)).get(endpoint["api_url"]).status_int == 200


def test_pages_404_when_the_plugin_is_disabled(admin_browser, plugin_admin, tenant):
    plugin_admin.disable(tenant)
    assert admin_browser.get(LIST).status_int == 404
    assert 'href="/admin/webhooks"' not in admin_browser.get("/admin").text
