"""Acceptance: two app instances (two ``configure()`` calls, two engines, as two web
nodes would have) sharing one database and one cache service, with real commits.

* A setting changed through instance A is seen by the next request to instance B,
  without restart and long before the tenant cache's TTL.
* A secret is stored encrypted: its plain value is absent from the database (the
  SQLite file and its WAL, or every row on PostgreSQL), and it still decrypts after
  a key rotation (new key prepended, ``learninghub config rotate-secrets`` run in a
  subprocess, old key removed).

Sharing the cache: with ``LEARNINGHUB_TEST_REDIS_URL`` both instances use Redis, as
production nodes do. With ``memory://`` each ``configure()`` builds its own
in-process cache, which two *processes* could never share; so B is given A's
cache object, which is what a shared Redis is to two nodes. (``memory://`` itself is
for the single-process embedded set-up, where one cache is all there is.)
``test_without_a_shared_cache_a_node_keeps_its_snapshot`` shows why the cache must
be shared.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa
import webtest

from learninghub.secrets import FernetBackend, is_token
from learninghub.testing.plugin import (
    PASSWORD,
    create_database,
    drop_database,
    make_test_settings,
)

from .conftest import MAILER, AppClient, lhcfg_mailer

KEY1 = "first-key-for-tests-0123456789abcdefghij"
KEY2 = "second-key-for-tests-0123456789abcdefghij"
PLAIN = "S3cr3t-plain-value-never-stored"
HOST_VALUE = "mail.twin-visible.example"
MAIL = f"/api/v1/config/plugins/{MAILER}/settings"
REDIS = bool(os.environ.get("LEARNINGHUB_TEST_REDIS_URL"))


@dataclass
class Node:
    config: Any
    app: webtest.TestApp

    @property
    def registry(self):
        return self.config.registry


@dataclass
class Twin:
    raw: dict[str, Any]
    db_url: str
    tmp: str
    a: Node
    b: Node
    tenant: Any
    admin: Any


def make_node(raw: dict[str, Any], share_cache_of: Node | None = None) -> Node:
    from learninghub import configure

    config = configure(raw, environ={}, extra_plugins=[lhcfg_mailer])
    if share_cache_of is not None:
        from learninghub.interfaces import ICache

        config.register_service(cache_of(share_cache_of.registry), ICache)
        config.commit()
    return Node(config, webtest.TestApp(config.make_wsgi_app()))


def cache_of(registry):
    from types import SimpleNamespace

    from pyramid_services import find_service_factory

    from learninghub.interfaces import ICache

    factory = find_service_factory(SimpleNamespace(registry=registry), ICache)
    return getattr(factory, "service", None) or factory(None, None)


def dispose(node: Node) -> None:
    node.registry["db.engine"].dispose()


@dataclass
class Handle:
    id: Any
    slug: str
    host: str


def seed(registry) -> tuple[Handle, Any]:
    from learninghub.db import bind_tenant, system_session
    from learninghub.identity import create_user
    from learninghub.plugins import TenantPlugins
    from learninghub.tenancy import Tenant

    session = registry["db.session_factory"]()
    try:
        system_session(session)
        t = Tenant(slug="twin", name="Twin school")
        session.add(t)
        session.flush()
        bind_tenant(session, t.id)
        TenantPlugins(registry, session, t).enable_many(["config", MAILER])
        user = create_user(
            session, registry["passwords"], "admin@twin.example", PASSWORD, ("admin",)
        )
        session.commit()
        handle = Handle(t.id, t.slug, f"{t.slug}.{registry.settings['tenancy.base_domain']}")
        return handle, user
    finally:
        session.close()


@pytest.fixture(scope="module")
def twin(tmp_path_factory):
    from learninghub.config import collect_settings
    from learninghub.db import make_engine
    from learninghub.migrate import upgrade

    tmp = str(tmp_path_factory.mktemp("config-twin"))
    base = os.environ.get("LEARNINGHUB_TEST_DATABASE_URL")
    db_url = create_database(base, "lhcfg") if base else f"sqlite:///{tmp}/twin.sqlite"
    raw = make_test_settings(tmp, db_url, **{"secrets.keys": KEY1})
    settings = collect_settings(raw, environ={})
    engine = make_engine(settings)
    upgrade(settings, engine=engine)
    engine.dispose()
    a = make_node(raw)
    b = make_node(raw, share_cache_of=None if REDIS else a)
    tenant, admin = seed(a.registry)
    yield Twin(raw, db_url, tmp, a, b, tenant, admin)
    dispose(a)
    dispose(b)
    if base:
        drop_database(db_url)


@pytest.fixture
def long_ttl(monkeypatch):
    """Tenant snapshots would stay cached for an hour: only invalidation can explain
    a fresh read."""
    import learninghub.tenancy

    monkeypatch.setattr(learninghub.tenancy, "TENANT_CACHE_TTL", 3600.0)


def info(node: Node, twin: Twin) -> dict[str, Any]:
    r = AppClient(node.app, node.registry, twin.tenant).get("/cfgmailer/info")
    assert r.status_int == 200, r.text
    return r.json


def test_setting_changed_on_one_instance_is_seen_by_the_other(twin, long_ttl):
    before = info(twin.b, twin)["smtp_port"]
    assert twin.b.registry["tenancy.resolver"]._cache  # B holds a cached snapshot
    new_port = before + 1
    r = AppClient(twin.a.app, twin.a.registry, twin.tenant, twin.admin).put_json(
        MAIL, {"values": {"smtp_port": new_port}}
    )
    assert r.status_int == 200, r.text
    assert info(twin.b, twin)["smtp_port"] == new_port
    # and back through B: A sees it at once too
    r = AppClient(twin.b.app, twin.b.registry, twin.tenant, twin.admin).put_json(
        MAIL, {"values": {"smtp_port": before}}
    )
    assert info(twin.a, twin)["smtp_port"] == before


def test_kernel_site_settings_reach_the_other_instance_too(twin, long_ttl):
    """Theme and branding changes go through the same invalidation (here: the name)."""
    b = AppClient(twin.b.app, twin.b.registry, twin.tenant, twin.admin)
    assert b.get("/api/v1/openapi.json").json["info"]["title"].endswith("Twin school")
    a = AppClient(twin.a.app, twin.a.registry, twin.tenant, twin.admin)
    r = a.put_json  # noqa: F841  (PATCH below)
    r = twin.a.app.patch_json(
        "/api/v1/tenant/settings",
        {"name": "Twin academy"},
        headers=a.headers,
        extra_environ={"HTTP_HOST": twin.tenant.host},
    )
    assert r.status_int == 200
    assert b.get("/api/v1/openapi.json").json["info"]["title"].endswith("Twin academy")


@pytest.mark.skipif(REDIS, reason="with Redis every instance shares the cache")
def test_without_a_shared_cache_a_node_keeps_its_snapshot(twin, long_ttl):
    loner = make_node(twin.raw)  # its own memory:// cache: like a node without Redis
    try:
        port = info(loner, twin)["smtp_port"]
        AppClient(twin.a.app, twin.a.registry, twin.tenant, twin.admin).put_json(
            MAIL, {"values": {"smtp_port": port + 10}}
        )
        assert info(twin.b, twin)["smtp_port"] == port + 10  # shares A's cache
        assert info(loner, twin)["smtp_port"] == port  # stale until the TTL
        loner.registry["tenancy.resolver"].invalidate()
        assert info(loner, twin)["smtp_port"] == port + 10
    finally:
        AppClient(twin.a.app, twin.a.registry, twin.tenant, twin.admin).put_json(
            MAIL, {"reset": ["smtp_port"]}
        )
        dispose(loner)


def database_text(twin: Twin) -> bytes:
    """Everything the database holds, as bytes: the SQLite file and its WAL, or on
    PostgreSQL every row of every table as JSON."""
    url = sa.engine.make_url(twin.db_url)
    if url.get_backend_name() == "sqlite":
        data = b""
        for suffix in ("", "-wal", "-shm", "-journal"):
            path = url.database + suffix
            if os.path.exists(path):
                with open(path, "rb") as f:
                    data += f.read()
        return data
    engine = twin.a.registry["db.engine"]
    chunks = []
    with engine.connect() as conn:
        tables = conn.execute(
            sa.text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        ).scalars()
        for table in list(tables):
            quoted = conn.dialect.identifier_preparer.quote(table)  # names from pg_tables
            rows = conn.execute(sa.text(f"SELECT row_to_json(t)::text FROM {quoted} t"))  # noqa: S608
            chunks.extend(rows.scalars())
    return "\n".join(chunks).encode()


def stored_tokens(twin: Twin) -> list[str]:
    from learninghub.db import bind_tenant
    from learninghub.tenancy import TenantPlugin
    from learninghub_config.models import SettingsVersion

    session = twin.a.registry["db.session_factory"]()
    try:
        bind_tenant(session, twin.tenant.id)
        tokens = [
            r.settings.get("smtp_password")
            for r in session.scalars(sa.select(TenantPlugin).where(TenantPlugin.plugin == MAILER))
        ]
        tokens += [
            v.values.get("smtp_password")
            for v in session.scalars(
                sa.select(SettingsVersion).where(SettingsVersion.plugin == MAILER)
            )
        ]
        return [t for t in tokens if t]
    finally:
        session.close()


def key_id(key: str) -> str:
    return FernetBackend([key]).key_ids[0]


def test_secret_is_encrypted_at_rest_and_survives_key_rotation(twin, tmp_path):
    admin = AppClient(twin.a.app, twin.a.registry, twin.tenant, twin.admin)
    r = admin.put_json(
        MAIL, {"values": {"smtp_password": PLAIN, "smtp_host": HOST_VALUE}, "comment": "creds"}
    )
    assert r.status_int == 200, r.text
    admin.put_json(MAIL, {"values": {"smtp_password": PLAIN + "-2"}})  # a second version
    digest = hashlib.sha256(PLAIN.encode()).hexdigest()

    raw = database_text(twin)
    assert HOST_VALUE.encode() in raw  # the scan sees committed settings...
    assert PLAIN.encode() not in raw  # ...but never the secret
    tokens = stored_tokens(twin)
    assert len(tokens) == 3 and all(is_token(t) for t in tokens)  # current + 2 versions
    assert all(f":{key_id(KEY1)}:" in t for t in tokens)

    # rotation: prepend KEY2 (KEY1 still listed), run the command in another process
    ini = tmp_path / "twin.ini"
    lines = ["[app:main]", "use = egg:learninghub"]
    lines += [f"{k} = {v}" for k, v in twin.raw.items() if k != "secrets.keys"]
    ini.write_text("\n".join(lines) + "\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEARNINGHUB_")}
    env["LEARNINGHUB_SECRETS_KEYS"] = f"{KEY2},{KEY1}"
    cmd = [sys.executable, "-m", "learninghub.cli", "--config", str(ini), "config"]
    done = subprocess.run(
        [*cmd, "rotate-secrets"], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "re-sealed 3 secret(s); 0 already current" in done.stdout
    assert PLAIN not in done.stdout + done.stderr
    again = subprocess.run(
        [*cmd, "rotate-secrets", "--dry-run"], env=env, capture_output=True, text=True, timeout=120
    )
    assert "would re-seal 0 secret(s); 3 already current" in again.stdout, again.stderr
    tokens = stored_tokens(twin)
    assert all(f":{key_id(KEY2)}:" in t for t in tokens)
    assert PLAIN.encode() not in database_text(twin)

    # old key removed: a node with only KEY2 still reads the secret and its history
    fresh = make_node(dict(twin.raw, **{"secrets.keys": KEY2}))
    try:
        assert (
            info(fresh, twin)["password_sha256"]
            == hashlib.sha256((PLAIN + "-2").encode()).hexdigest()
        )
        c = AppClient(fresh.app, fresh.registry, twin.tenant, twin.admin)
        history = c.get(f"/api/v1/config/plugins/{MAILER}/versions").json["items"]
        restore = next(v["version"] for v in history if v["comment"] == "creds")
        r = c.post_json(f"/api/v1/config/plugins/{MAILER}/versions/{restore}/rollback")
        assert r.status_int == 200, r.text
        assert info(fresh, twin)["password_sha256"] == digest
    finally:
        dispose(fresh)
    # a process that lacks the key cannot open the tokens, and says where they are
    env["LEARNINGHUB_SECRETS_KEYS"] = KEY1
    failed = subprocess.run(
        [*cmd, "rotate-secrets", "--dry-run"], env=env, capture_output=True, text=True, timeout=120
    )
    assert failed.returncode != 0
    assert f"cannot open: twin/{MAILER}/smtp_password" in failed.stderr
    assert PLAIN not in failed.stdout + failed.stderr
