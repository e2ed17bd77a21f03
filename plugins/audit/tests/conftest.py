"""Fixtures of the audit tests (the kernel's pytest plugin brings the rest)."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from learninghub.cli import Env
from learninghub.hookspecs import hookimpl
from learninghub_audit.cli import audit
from learninghub_audit.models import AuditChainHead, AuditEvent

PLUGIN = "audit"
AGENT = "AuditTest/1.0 (pytest)"


@pytest.fixture
def admin(tenant, user_factory):
    return user_factory(tenant, "admin")


@pytest.fixture
def rows(db):
    """``rows(tenant, action=None)``: the tenant's audit rows, in chain order (pending
    rows last), fresh from the database."""

    def fetch(tenant, action: str | None = None) -> list[AuditEvent]:
        db.flush()
        db.expire_all()
        stmt = sa.select(AuditEvent).where(AuditEvent.tenant_id == tenant.id)
        if action is not None:
            stmt = stmt.where(AuditEvent.action == action)
        stmt = stmt.order_by(AuditEvent.seq.is_(None), AuditEvent.seq, AuditEvent.occurred_at)
        return list(db.scalars(stmt))

    return fetch


@pytest.fixture
def head(db):
    def fetch(tenant) -> AuditChainHead | None:
        db.expire_all()
        return db.scalar(sa.select(AuditChainHead).where(AuditChainHead.tenant_id == tenant.id))

    return fetch


@pytest.fixture
def sign_in(client):
    """``sign_in(tenant, email, password)``: POST /api/v1/auth/token with a known user
    agent and request id; returns the response."""

    def post(tenant, email, password, request_id="req-audit-0001"):
        return client(tenant).post_json(
            "/api/v1/auth/token",
            {"email": email, "password": password},
            headers={"User-Agent": AGENT, "X-Request-ID": request_id},
            extra_environ={"REMOTE_ADDR": "203.0.113.7"},
        )

    return post


@pytest.fixture
def plugin_admin(plugin_operator):
    """Change this plugin's enablement or settings for a tenant, as an operator would."""
    return plugin_operator(PLUGIN)


class Declarer:
    """A test registration of ``learninghub_audit_auditable_events`` (registered
    under a non-plugin name, so it answers for every tenant)."""

    def __init__(self, answer):
        self.answer = answer

    @hookimpl
    def learninghub_audit_auditable_events(self, request):
        return self.answer


@pytest.fixture
def declare(registry):
    pm = registry["plugins"].pm
    names = []

    def register(answer):
        name = f"audit-test-declarer-{len(names)}"
        pm.register(Declarer(answer), name=name)
        names.append(name)

    yield register
    for name in names:
        pm.unregister(name=name)


@pytest.fixture
def tamper(db):
    """``tamper(sql, **params)``: raw SQL on the audit tables, triggers off."""

    def run(sql: str, **params):
        pg = db.get_bind().dialect.name == "postgresql"
        tables = ("audit_events", "audit_chain_heads")
        if pg:
            for table in tables:
                db.execute(sa.text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
        result = db.execute(sa.text(sql), params)
        if pg:
            for table in tables:
                db.execute(sa.text(f"ALTER TABLE {table} ENABLE TRIGGER USER"))
        return result

    return run


@pytest.fixture
def key(db):
    """``key(row_or_uuid)``: the bind value of an id in raw SQL (SQLite stores UUIDs
    as 32 hex digits)."""

    def of(value):
        value = value if isinstance(value, uuid.UUID) else value.id
        return value if db.get_bind().dialect.name == "postgresql" else value.hex

    return of


@pytest.fixture
def cli(lh_config):
    """``cli(*args)``: run the audit command group against the test database."""
    env = Env("unused.ini")
    env._config = lh_config

    def run(*args):
        return CliRunner().invoke(audit, list(args), obj=env, catch_exceptions=False)

    return run
