"""Fixtures of the webhooks tests: a real HTTP receiver on loopback that verifies
signatures with the documented algorithm, a network guard, clocks and helpers."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
import threading
import time
import uuid
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sqlalchemy as sa
import transaction
from transaction._transaction import Status

from learninghub.tasks import make_tenant_request
from learninghub_webhooks import tasks as webhook_tasks
from learninghub_webhooks import transport
from learninghub_webhooks.models import Attempt, Delivery, Endpoint

PLUGIN = "webhooks"
ENDPOINTS = "/api/v1/webhooks/endpoints"
EVENT = "tenant.settings_changed"


# ----------------------------------------------------------------- the documented check


def verify_signature(secret: str, headers: dict, body: bytes, now: float, tolerance: int = 300):
    """The verification code of docs/plugins/webhooks.md, written out again here so that
    the test checks the documented algorithm rather than the plugin's own helper."""
    msg_id = headers["webhook-id"]
    timestamp = headers["webhook-timestamp"]
    if abs(now - int(timestamp)) > tolerance:
        raise ValueError("timestamp outside the tolerance")
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{msg_id}.{timestamp}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    for candidate in headers["webhook-signature"].split():
        version, _, signature = candidate.partition(",")
        if version == "v1" and hmac.compare_digest(signature, expected):
            return json.loads(body)
    raise ValueError("no valid signature")


@pytest.fixture
def verify():
    """The documented verification function (see :func:`verify_signature`)."""
    return verify_signature


# ----------------------------------------------------------------- the receiver


class Receiver:
    """An HTTP server on 127.0.0.1:<free port>.

    ``script`` is a list of answers ``(status, headers, body)`` used in order (then
    200). With ``secret`` set, every request's signature is checked first with the
    documented algorithm (a bad one is answered 401 and recorded in ``bad``), against
    ``clock`` (seconds; None = now)."""

    def __init__(self):
        self.requests: list[dict] = []
        self.script: list[tuple[int, dict, bytes]] = []
        self.secret: str | None = None
        self.clock: float | None = None
        self.bad: list[str] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                headers = {k.lower(): v for k, v in self.headers.items()}
                status, extra, answer = receiver._answer(self.path, headers, body)
                self.send_response(status)
                for key, value in extra.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def _answer(self, path, headers, body):
        with self._lock:
            self.requests.append({"path": path, "headers": headers, "body": body})
            if self.secret is not None:
                now = self.clock if self.clock is not None else time.time()
                try:
                    verify_signature(self.secret, headers, body, now)
                except (KeyError, ValueError) as exc:
                    self.bad.append(str(exc))
                    return 401, {}, b"bad signature"
            if self.script:
                return self.script.pop(0)
            return 200, {"Content-Type": "text/plain"}, b"thanks"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


# ----------------------------------------------------------------- network guard


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch):
    """No test of this plugin may open a connection beyond loopback: every other
    attempt is refused here and recorded, and the test fails if there was one."""
    real = socket.create_connection
    refused: list = []

    def guarded(address, *args, **kwargs):
        host = address[0]
        if host not in ("127.0.0.1", "::1", "localhost"):
            refused.append(address)
            raise OSError(f"test guard: no connection to {host}")
        return real(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", guarded)
    yield refused
    assert refused == [], f"connections beyond loopback were attempted: {refused}"


@pytest.fixture
def allow_loopback(registry, monkeypatch):
    """The instance setting plugin.webhooks.allow_loopback = true (for this test)."""
    monkeypatch.setitem(registry["plugins"].instance_defaults[PLUGIN], "allow_loopback", True)


class FakeDNS:
    """Answers of the plugin's resolver: ``table[name] = [addresses]``; ``localhost``
    is 127.0.0.1; other names do not resolve. ``calls`` lists the names asked."""

    def __init__(self):
        self.table: dict[str, list[str]] = {}
        self.calls: list[str] = []

    def resolve(self, host, port):
        self.calls.append(host)
        if host in self.table:
            return list(self.table[host])
        if host == "localhost":
            return ["127.0.0.1"]
        raise OSError(f"test resolver: unknown host {host}")


@pytest.fixture(autouse=True)
def dns(monkeypatch):
    """Every test resolves names through :class:`FakeDNS` (no real DNS query)."""
    fake = FakeDNS()
    monkeypatch.setattr(transport, "resolve", fake.resolve)
    return fake


# ----------------------------------------------------------------- app helpers


@pytest.fixture
def admin_of(user_factory):
    cache: dict = {}

    def make(tenant):
        if tenant.id not in cache:
            cache[tenant.id] = user_factory(tenant, "admin")
        return cache[tenant.id]

    return make


@pytest.fixture
def make_endpoint(client, admin_of):
    """Register an endpoint through the API; returns the JSON answer (with secret)."""

    def make(tenant, url, event_types=(EVENT,), **extra):
        r = client(tenant, admin_of(tenant)).post_json(
            ENDPOINTS, {"url": url, "event_types": list(event_types), **extra}
        )
        assert r.status_int == 201, r.text
        return r.json

    return make


@pytest.fixture
def change_settings(client, admin_of):
    """Emit ``tenant.settings_changed`` the real way: an admin renames the site."""
    counter = iter(range(1_000_000))

    def change(tenant):
        r = client(tenant, admin_of(tenant)).patch_json(
            "/api/v1/tenant/settings", {"name": f"Site {next(counter)}"}
        )
        assert r.status_int == 200, r.text

    return change


@pytest.fixture
def rows(db):
    """Fresh reads of the plugin's tables (other sessions wrote them)."""

    class Rows:
        def deliveries(self, endpoint_id=None):
            db.expire_all()
            stmt = sa.select(Delivery).order_by(Delivery.created_at, Delivery.id)
            if endpoint_id is not None:
                stmt = stmt.where(Delivery.endpoint_id == endpoint_id)
            return list(db.scalars(stmt))

        def attempts(self, delivery_id):
            db.expire_all()
            return list(
                db.scalars(
                    sa.select(Attempt)
                    .where(Attempt.delivery_id == delivery_id)
                    .order_by(Attempt.number)
                )
            )

        def endpoint(self, endpoint_id):
            db.expire_all()
            key = uuid.UUID(str(endpoint_id))
            return db.scalar(sa.select(Endpoint).where(Endpoint.id == key))

    return Rows()


@pytest.fixture
def dispatch(registry):
    """``dispatch(tenant, now)``: one round of the dispatcher at ``now``."""

    def run(tenant, now: datetime) -> int:
        return webhook_tasks.dispatch_due(registry, now=now, slug=tenant.slug)

    return run


@pytest.fixture
def plugin_admin(plugin_operator):
    """Change this plugin's enablement or settings for a tenant, as an operator would."""
    return plugin_operator(PLUGIN)


@pytest.fixture
def tenant_tm(registry, tenant):
    """A tenant-bound request in its own explicit transaction (like a task's)."""
    tm = transaction.TransactionManager(explicit=True)
    info = registry["tenancy.resolver"].by_id(tenant.id)
    request = make_tenant_request(registry, info, tm)
    tm.begin()
    yield request, tm
    try:
        if tm.get().status == Status.ACTIVE:
            tm.abort()
    except Exception:
        pass
    request.db.close()
