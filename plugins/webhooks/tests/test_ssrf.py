"""Network safety: private, loopback and link-local targets are refused at registration
and at delivery, after DNS resolution, and redirects are never followed."""

from __future__ import annotations

import ipaddress

import pytest

from learninghub_webhooks import transport

from .conftest import PLUGIN

ENDPOINTS = "/api/v1/webhooks/endpoints"
EVENT = "tenant.settings_changed"

REFUSED_ALWAYS = [
    ("http://10.0.0.1/hook", "private"),
    ("http://192.168.1.1/hook", "private"),
    ("http://172.16.5.4:8080/hook", "private"),
    ("http://169.254.169.254/latest/meta-data/", "link-local"),
    ("http://[fe80::1]/hook", "link-local"),
    ("http://[fd00::1]/hook", "private"),
    ("http://[::ffff:10.0.0.1]/hook", "private"),
    ("http://[2002:a00:1::]/hook", "private"),  # 6to4 around 10.0.0.1
    ("http://0.0.0.0:8000/hook", "unspecified"),
    ("http://224.0.0.1/hook", "multicast"),
    ("http://100.64.0.1/hook", "non-public"),
    ("http://240.0.0.1/hook", "reserved"),
]
LOOPBACK = ["http://127.0.0.1:9/hook", "http://[::1]:9/hook", "http://localhost:9/hook"]


def post_endpoint(client, tenant, admin, url):
    return client(tenant, admin).post_json(ENDPOINTS, {"url": url, "event_types": [EVENT]})


def assert_url_refused(r, fragment):
    assert r.status_int == 422, r.text
    assert r.content_type == "application/problem+json"
    [error] = r.json["errors"]
    assert error["path"] == ["body", "url"] and error["type"] == "url_refused"
    assert fragment in error["message"], error["message"]


# ----------------------------------------------------------------- the address rules


@pytest.mark.parametrize(
    "address",
    ["10.1.2.3", "192.168.0.10", "169.254.169.254", "127.0.0.1", "::1", "fc00::5", "fe80::2"],
)
def test_non_public_addresses_are_refused(address):
    assert transport.refusal(ipaddress.ip_address(address), allow_loopback=False) is not None


@pytest.mark.parametrize("address", ["93.184.216.34", "2606:2800:220:1::1", "8.8.8.8"])
def test_public_addresses_are_allowed(address):
    assert transport.refusal(ipaddress.ip_address(address), allow_loopback=False) is None


def test_allow_loopback_allows_loopback_only():
    assert transport.refusal(ipaddress.ip_address("127.0.0.2"), allow_loopback=True) is None
    assert transport.refusal(ipaddress.ip_address("::1"), allow_loopback=True) is None
    for other in ("10.0.0.1", "169.254.169.254", "0.0.0.0"):
        assert transport.refusal(ipaddress.ip_address(other), allow_loopback=True) is not None


# ----------------------------------------------------------------- at registration


@pytest.mark.parametrize(("url", "fragment"), REFUSED_ALWAYS)
def test_private_targets_are_refused_at_registration(
    tenant, client, admin_of, url, fragment, allow_loopback
):
    assert_url_refused(post_endpoint(client, tenant, admin_of(tenant), url), fragment)


@pytest.mark.parametrize("url", LOOPBACK)
def test_loopback_is_refused_unless_the_instance_allows_it(
    tenant, client, admin_of, url, registry, monkeypatch
):
    assert_url_refused(post_endpoint(client, tenant, admin_of(tenant), url), "loopback")
    monkeypatch.setitem(registry["plugins"].instance_defaults["webhooks"], "allow_loopback", True)
    assert post_endpoint(client, tenant, admin_of(tenant), url).status_int == 201


def test_a_tenant_setting_cannot_allow_loopback(
    tenant, client, admin_of, plugin_admin, db, registry
):
    import sqlalchemy as sa

    from learninghub.errors import PluginError
    from learninghub.tenancy import TenantPlugin

    with pytest.raises(PluginError, match="whole instance"):
        plugin_admin.settings(tenant, allow_loopback=True)
    # even a row that holds it (written around the kernel) is not obeyed
    db.execute(
        sa.update(TenantPlugin)
        .where(TenantPlugin.tenant_id == tenant.id, TenantPlugin.plugin == PLUGIN)
        .values(settings={"allow_loopback": True})
    )
    db.flush()
    registry["tenancy.resolver"].invalidate()
    r = post_endpoint(client, tenant, admin_of(tenant), "http://127.0.0.1:9/hook")
    assert_url_refused(r, "loopback")


def test_a_name_resolving_to_a_private_address_is_refused(tenant, client, admin_of, dns):
    dns.table["intranet.example.com"] = ["10.20.30.40"]
    r = post_endpoint(client, tenant, admin_of(tenant), "https://intranet.example.com/hook")
    assert_url_refused(r, "resolves to 10.20.30.40, a private address")
    dns.table["mixed.example.com"] = ["93.184.216.34", "169.254.169.254"]
    r = post_endpoint(client, tenant, admin_of(tenant), "https://mixed.example.com/hook")
    assert_url_refused(r, "link-local")
    r = post_endpoint(client, tenant, admin_of(tenant), "https://nowhere.example.com/hook")
    assert_url_refused(r, "does not resolve")


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("ftp://example.com/x", "only http and https"),
        ("file:///etc/passwd", "only http and https"),
        ("http://user:secret@example.com/x", "user names and passwords"),
        ("http:///nohost", "no host"),
        ("https://example.com/x#frag", "fragment"),
        ("not a url", "only http and https"),
    ],
)
def test_malformed_urls_are_refused(tenant, client, admin_of, url, fragment):
    assert_url_refused(post_endpoint(client, tenant, admin_of(tenant), url), fragment)


def test_a_public_name_is_accepted_without_any_connection(
    tenant, client, admin_of, dns, loopback_only
):
    dns.table["hooks.example.com"] = ["93.184.216.34"]
    r = post_endpoint(client, tenant, admin_of(tenant), "https://hooks.example.com/in")
    assert r.status_int == 201, r.text
    assert loopback_only == []


def test_changing_the_url_is_checked_too(tenant, client, admin_of, make_endpoint, allow_loopback):
    endpoint = make_endpoint(tenant, "http://127.0.0.1:9/hook")
    r = client(tenant, admin_of(tenant)).patch_json(
        endpoint["api_url"], {"url": "http://169.254.169.254/"}
    )
    assert_url_refused(r, "link-local")
    assert client(tenant, admin_of(tenant)).get(endpoint["api_url"]).json["url"] == (
        "http://127.0.0.1:9/hook"
    )


# ----------------------------------------------------------------- at delivery


def test_a_private_target_is_refused_at_delivery(
    tenant, receiver, make_endpoint, change_settings, rows, dns, allow_loopback, loopback_only
):
    """DNS changed after registration (rebinding): the check runs again before
    connecting, and the refusal is a failed attempt in the log."""
    dns.table["hooks.example.com"] = ["127.0.0.1"]
    make_endpoint(tenant, f"http://hooks.example.com:{receiver.port}/hook")
    dns.table["hooks.example.com"] = ["10.0.0.7"]
    change_settings(tenant)
    assert receiver.requests == [] and loopback_only == []
    [delivery] = rows.deliveries()
    assert delivery.status == "pending" and delivery.attempts == 1
    [attempt] = rows.attempts(delivery.id)
    assert not attempt.succeeded and attempt.status_code is None and attempt.address == ""
    assert attempt.error == ("refused: hooks.example.com resolves to 10.0.0.7, a private address")


@pytest.mark.parametrize("address", ["192.168.1.1", "169.254.169.254", "::1"])
def test_private_addresses_refused_at_delivery_without_loopback(
    tenant, receiver, make_endpoint, change_settings, rows, dns, registry, monkeypatch, address
):
    monkeypatch.setitem(registry["plugins"].instance_defaults["webhooks"], "allow_loopback", True)
    dns.table["hooks.example.com"] = ["127.0.0.1"]
    make_endpoint(tenant, f"http://hooks.example.com:{receiver.port}/hook")
    monkeypatch.setitem(registry["plugins"].instance_defaults["webhooks"], "allow_loopback", False)
    dns.table["hooks.example.com"] = [address]
    change_settings(tenant)
    assert receiver.requests == []
    [delivery] = rows.deliveries()
    [attempt] = rows.attempts(delivery.id)
    assert attempt.error.startswith("refused: hooks.example.com resolves to")


def test_the_connection_goes_to_the_checked_address_with_the_original_host(
    tenant, receiver, make_endpoint, change_settings, dns, allow_loopback
):
    """The request is pinned to the address that was checked: the name is resolved
    once per attempt by the plugin, and the Host header keeps the name."""
    dns.table["hooks.example.com"] = ["127.0.0.1"]
    make_endpoint(tenant, f"http://hooks.example.com:{receiver.port}/hook?x=1")
    dns.calls.clear()
    change_settings(tenant)
    [request] = receiver.requests
    assert request["headers"]["host"] == f"hooks.example.com:{receiver.port}"
    assert request["path"] == "/hook?x=1"
    assert dns.calls == ["hooks.example.com"]


def test_a_redirect_to_a_private_address_is_refused(
    tenant, receiver, make_endpoint, change_settings, rows, allow_loopback, loopback_only
):
    make_endpoint(tenant, receiver.url())
    receiver.script = [(302, {"Location": "http://10.0.0.1/steal"}, b"")]
    change_settings(tenant)
    assert len(receiver.requests) == 1  # nothing followed the redirect
    assert loopback_only == []
    [delivery] = rows.deliveries()
    assert delivery.status == "pending" and delivery.last_status_code == 302
    [attempt] = rows.attempts(delivery.id)
    assert not attempt.succeeded
    assert "redirects are not followed (Location: http://10.0.0.1/steal)" in attempt.error
    assert "the redirect target is refused: 10.0.0.1 is a private address" in attempt.error


def test_no_redirect_is_followed_even_to_an_allowed_address(
    tenant, receiver, make_endpoint, change_settings, rows, allow_loopback
):
    make_endpoint(tenant, receiver.url())
    receiver.script = [(307, {"Location": receiver.url("/elsewhere")}, b"")]
    change_settings(tenant)
    assert [r["path"] for r in receiver.requests] == ["/hook"]
    [delivery] = rows.deliveries()
    [attempt] = rows.attempts(delivery.id)
    assert attempt.error == f"redirects are not followed (Location: {receiver.url('/elsewhere')})"


def test_unreachable_receiver_is_a_failed_attempt(
    tenant, make_endpoint, change_settings, rows, allow_loopback
):
    import socket

    with socket.socket() as s:  # a free port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    make_endpoint(tenant, f"http://127.0.0.1:{port}/hook")
    change_settings(tenant)
    [delivery] = rows.deliveries()
    [attempt] = rows.attempts(delivery.id)
    assert delivery.status == "pending" and attempt.status_code is None
    assert attempt.error.startswith("ConnectError")
