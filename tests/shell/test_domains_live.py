"""Domain verification by HTTP, end to end over real sockets: the platform served by
waitress on 127.0.0.1, its own HTTP check connecting back to it (setting
``domains.verify_connect``), a real DNS server holding no record; plus the HTTP
checker against misbehaving servers (redirect, wrong body, silence)."""

from __future__ import annotations

import http.client
import http.server
import json
import socket
import threading

import pytest
import transaction

from learninghub.shell import domains

CUSTOM = "learn.acme-school.example"


def http_get(port: int, host: str, path: str, method: str = "GET", body=None, token=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Host": host}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if body is not None:
        headers["Content-Type"] = "application/json"
        body = json.dumps(body)
    try:
        conn.request(method, path, body=body, headers=headers)
        r = conn.getresponse()
        return r.status, r.read().decode()
    finally:
        conn.close()


@pytest.fixture
def live_platform(tmp_path, lh_raw_settings, dns_zone):
    """The app on a free loopback port with its own SQLite database, tenant ``acme``
    and its admin; the HTTP check connects back to this very server."""
    import waitress
    from waitress import wasyncore

    from learninghub import configure
    from learninghub.cli import create_tenant
    from learninghub.config import collect_settings
    from learninghub.db import bind_tenant, system_session
    from learninghub.identity import create_user
    from learninghub.migrate import upgrade
    from learninghub.tasks import make_tenant_request
    from learninghub.testing.plugin import PASSWORD

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    raw = dict(
        lh_raw_settings,
        **{
            "db.url": f"sqlite:///{tmp_path}/live.sqlite",
            "mail.path": str(tmp_path / "mail"),
            "storage.path": str(tmp_path / "files"),
            "search.path": str(tmp_path / "search"),
            "cache.url": "memory://",
            "events.url": "memory://",
            "domains.verify_connect": f"127.0.0.1:{port}",
            "domains.dns_nameservers": dns_zone.address,
        },
    )
    upgrade(collect_settings(raw, environ={}))
    config = configure(raw, environ={})
    registry = config.registry
    tm = transaction.TransactionManager(explicit=True)
    with tm:
        request = make_tenant_request(registry, None, tm)
        system_session(request.db)
        tenant = create_tenant(registry, request.db, "acme", "Acme School", [])
        request.db.flush()
        bind_tenant(request.db, tenant.id)
        create_user(request.db, registry["passwords"], "admin@acme.example", PASSWORD, ("admin",))
    registry["tenancy.resolver"].invalidate()
    server = waitress.create_server(config.make_wsgi_app(), sockets=[sock], threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base_host = f"acme.{raw['tenancy.base_domain']}"
    status, body = http_get(
        port,
        base_host,
        "/api/v1/auth/token",
        "POST",
        {"email": "admin@acme.example", "password": PASSWORD},
    )
    assert status == 200, body
    yield {"port": port, "host": base_host, "token": json.loads(body)["access_token"]}
    # close every channel from inside the server's loop (closing the listening socket
    # from here races with its select() call), then stop the worker threads
    server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map))
    thread.join(timeout=10)
    server.task_dispatcher.shutdown()
    registry["db.engine"].dispose()


def test_http_verification_end_to_end(live_platform):
    port, host, token = live_platform["port"], live_platform["host"], live_platform["token"]
    status, body = http_get(port, host, "/api/v1/tenant/domains", "POST", {"domain": CUSTOM}, token)
    assert status == 201, body
    added = json.loads(body)
    ask = f"/.well-known/learninghub/tls-ask?domain={CUSTOM}"

    # unverified: nothing is served there but the token; no certificate
    assert http_get(port, CUSTOM, "/")[0] == 404
    assert http_get(port, CUSTOM, "/login")[0] == 404
    assert http_get(port, "localhost", ask)[0] == 404
    status, body = http_get(port, CUSTOM, "/.well-known/learninghub-domain-verification")
    assert (status, body) == (200, added["verification"]["http_body"])
    # an unknown domain gets nothing at all
    assert http_get(port, "unknown.example.org", "/")[0] == 404
    assert (
        http_get(port, "unknown.example.org", "/.well-known/learninghub-domain-verification")[0]
        == 404
    )
    assert (
        http_get(port, "localhost", "/.well-known/learninghub/tls-ask?domain=unknown.example.org")[
            0
        ]
        == 404
    )

    # the DNS check finds nothing (the local server has no record); HTTP succeeds
    status, body = http_get(
        port, host, f"/api/v1/tenant/domains/{added['id']}/verify", "POST", None, token
    )
    assert status == 200, body
    verified = json.loads(body)
    assert verified["verified"] is True and verified["verified_by"] == "http"

    status, body = http_get(port, CUSTOM, "/")
    assert status == 200 and "Acme School" in body
    assert http_get(port, "localhost", ask)[0] == 200
    assert http_get(port, "127.0.0.1", f"/.well-known/learninghub/tls-ask?domain={host}")[0] == 200
    assert http_get(port, CUSTOM, "/.well-known/learninghub-domain-verification")[0] == 404


# ----------------------------------------------------------------- the checker alone


@pytest.fixture
def fake_site():
    """A loopback HTTP server whose answer a test chooses: ``site.reply = (status,
    headers, body)``, or ``site.silent = True`` to accept and never answer."""
    release = threading.Event()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's naming)
            site.hosts.append(self.headers["Host"])
            if site.silent:
                release.wait(30)
                return
            status, headers, body = site.reply
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True

    class Site:
        reply = (200, {}, b"")
        silent = False
        hosts: list[str] = []
        settings = {"domains.verify_connect": f"127.0.0.1:{server.server_address[1]}"}

    site = Site()
    site.hosts = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield site
    release.set()
    server.shutdown()
    server.server_close()


def test_checker_accepts_the_token_with_a_newline(fake_site):
    fake_site.reply = (200, {"Content-Type": "text/plain"}, b"tok-123\n")
    domains.check_http(fake_site.settings, "learn.example.org", "tok-123")
    assert fake_site.hosts == ["learn.example.org"]


@pytest.mark.parametrize(
    "reply, reason",
    [
        (
            (302, {"Location": "https://learn.example.org/x"}, b"tok-123"),
            "redirects are not followed",
        ),
        ((404, {}, b"tok-123"), "answered 404"),
        ((200, {}, b"other"), "does not hold the verification token"),
        ((200, {}, b"tok-123" + b"x" * 2000), "does not hold the verification token"),
        ((200, {}, b" " * 1024 + b"tok-123"), "does not hold the verification token"),
    ],
)
def test_checker_refuses(fake_site, reply, reason):
    fake_site.reply = reply
    with pytest.raises(domains.CheckFailed, match=reason):
        domains.check_http(fake_site.settings, "learn.example.org", "tok-123")


def test_checker_gives_up_on_a_silent_server(fake_site, monkeypatch):
    monkeypatch.setattr(domains, "CHECK_TIMEOUT", 0.3)
    fake_site.silent = True
    with pytest.raises(domains.CheckFailed, match="did not answer within"):
        domains.check_http(fake_site.settings, "learn.example.org", "tok-123")


def test_checker_refuses_private_addresses_without_an_override(monkeypatch):
    monkeypatch.setattr(
        socket, "getaddrinfo", lambda *a, **kw: [(socket.AF_INET, 1, 6, "", ("10.0.0.5", 80))]
    )
    with pytest.raises(domains.CheckFailed, match="non-public address"):
        domains.check_http({"domains.verify_connect": ""}, "learn.example.org", "tok")


def test_nameserver_entries():
    assert domains._parse_nameserver("127.0.0.1") == ("127.0.0.1", 53)
    assert domains._parse_nameserver("127.0.0.1:5353") == ("127.0.0.1", 5353)
    assert domains._parse_nameserver("::1") == ("::1", 53)
    assert domains._parse_nameserver("[::1]:5353") == ("::1", 5353)
