"""PostgreSQL: UPDATE and DELETE of audit rows are refused outright.

The trigger installed by migration au0001 applies to every role, the owner
included; deleting is possible only through the privileged ``SECURITY DEFINER``
functions (retention, purge), which the application role may not execute unless an
operator grants it. Tests against a fresh database use a separate, non-owner
application role, as production should.
"""

from __future__ import annotations

import os
import uuid

import pytest
import sqlalchemy as sa

from learninghub.db import utcnow
from learninghub.testing.plugin import PASSWORD, SECRET, create_database, drop_database
from learninghub_audit import chain

pytestmark = pytest.mark.skipif(
    not os.environ.get("LEARNINGHUB_TEST_DATABASE_URL"),
    reason="PostgreSQL only (LEARNINGHUB_TEST_DATABASE_URL)",
)

REFUSED = "audit trail:"


def refused(conn, sql: str, **params) -> str:
    """Run ``sql`` in a savepoint; return the error message (the test fails if it
    succeeds)."""
    with pytest.raises(sa.exc.DBAPIError) as error:
        with conn.begin_nested():
            conn.execute(sa.text(sql), params)
    return str(error.value.orig)


# ------------------------------------------------------------- in the test database


def test_update_and_delete_of_sealed_rows_fail(tenant, admin, client, rows, db):
    client(tenant, admin).patch_json("/api/v1/tenant/settings", {"name": "Sealed"})
    (row,) = rows(tenant, "tenant.settings_changed")
    assert row.seq is not None
    conn = db.connection()
    for sql in (
        "UPDATE audit_events SET action = 'x' WHERE id = :id",
        "UPDATE audit_events SET hash = repeat('0', 64) WHERE id = :id",
        "UPDATE audit_events SET seq = NULL, hash = NULL, prev_hash = NULL WHERE id = :id",
        "DELETE FROM audit_events WHERE id = :id",
    ):
        assert REFUSED in refused(conn, sql, id=row.id), sql
    assert "TRUNCATE" in refused(conn, "TRUNCATE audit_events CASCADE")
    # the head only moves forward
    assert REFUSED in refused(
        conn, "UPDATE audit_chain_heads SET last_seq = 0 WHERE tenant_id = :t", t=tenant.id
    )
    assert REFUSED in refused(
        conn, "DELETE FROM audit_chain_heads WHERE tenant_id = :t", t=tenant.id
    )
    # the row is intact and the chain verifies
    assert client(tenant, admin).get("/api/v1/audit/verify").json["ok"] is True


def test_pending_rows_can_be_sealed_but_not_edited(tenant, db):
    conn = db.connection()
    rid = uuid.uuid4()
    conn.execute(
        sa.text(
            "INSERT INTO audit_events (id, tenant_id, kind, occurred_at, action, actor_label,"
            " resource_type, resource_id, details, ip, user_agent, request_id)"
            " VALUES (:id, :t, 'event', now(), 'x.y.exported', '', '', '', '{}', '', '', '')"
        ),
        {"id": rid, "t": tenant.id},
    )
    assert REFUSED in refused(conn, "UPDATE audit_events SET action = 'z' WHERE id = :id", id=rid)
    assert REFUSED in refused(
        conn,
        "UPDATE audit_events SET seq = 1, prev_hash = :g, hash = :g, ip = '1.2.3.4' WHERE id = :id",
        id=rid,
        g=chain.GENESIS,
    )
    conn.execute(
        sa.text("UPDATE audit_events SET seq = 1, prev_hash = :g, hash = :g WHERE id = :id"),
        {"id": rid, "g": chain.GENESIS},
    )


# ------------------------------------------------------------- a real application role


@pytest.fixture(scope="module")
def pg(lh_raw_settings):
    """A fresh, migrated database; its owner engine; a non-owner application role
    with ordinary table grants (SELECT, INSERT, UPDATE, DELETE, TRUNCATE)."""
    from learninghub.config import collect_settings
    from learninghub.migrate import upgrade

    url = create_database(os.environ["LEARNINGHUB_TEST_DATABASE_URL"], "lhaudpg")
    upgrade(collect_settings(dict(lh_raw_settings, **{"db.url": url}), environ={}))
    role = f"lh_app_{uuid.uuid4().hex[:8]}"
    owner = sa.create_engine(sa.engine.make_url(url).set(drivername="postgresql+psycopg"))
    with owner.begin() as conn:
        conn.execute(sa.text(f'CREATE ROLE "{role}" LOGIN'))
        conn.execute(
            sa.text(
                "GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA public"
                f' TO "{role}"'
            )
        )
    app_url = sa.engine.make_url(url).set(drivername="postgresql+psycopg", username=role)
    app = sa.create_engine(app_url)
    try:
        yield {"url": url, "role": role, "owner": owner, "app": app, "app_url": app_url}
    finally:
        app.dispose()
        owner.dispose()
        admin = sa.create_engine(
            sa.engine.make_url(url).set(drivername="postgresql+psycopg"),
            isolation_level="AUTOCOMMIT",
        )
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP OWNED BY "{role}"'))
        admin.dispose()
        drop_database(url)
        server = sa.create_engine(
            sa.engine.make_url(url).set(drivername="postgresql+psycopg", database="postgres"),
            isolation_level="AUTOCOMMIT",
        )
        with server.connect() as conn:
            conn.execute(sa.text(f'DROP ROLE IF EXISTS "{role}"'))
        server.dispose()


def _tenant(owner) -> uuid.UUID:
    tid = uuid.uuid4()
    with owner.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO tenants (id, slug, name, status, theme, branding, default_locale,"
                " default_timezone, settings, created_at) VALUES (:id, :slug, :slug, 'active',"
                " 'default', '{}', 'en', 'UTC', '{}', now())"
            ),
            {"id": tid, "slug": f"pg{tid.hex[:8]}"},
        )
    return tid


def _as_tenant(conn, tid) -> None:
    conn.execute(sa.text("SELECT set_config('learninghub.tenant_id', :t, true)"), {"t": str(tid)})


def _insert_sealed(conn, tid, seq: int, prev: str, *, kind="event", through=None, details="{}"):
    """Insert a pending row, then seal it the way the sealer does (hash left fake:
    these tests are about what the database allows, not about verification)."""
    rid = uuid.uuid4()
    conn.execute(
        sa.text(
            "INSERT INTO audit_events (id, tenant_id, kind, occurred_at, action, actor_label,"
            " resource_type, resource_id, details, ip, user_agent, request_id, through_seq,"
            " signature) VALUES (:id, :t, :kind, now(), 'accounts.signin.succeeded', '', 'user',"
            " 'u', CAST(:details AS json), '', '', '', :through, :sig)"
        ),
        {
            "id": rid,
            "t": tid,
            "kind": kind,
            "details": details,
            "through": through,
            "sig": "s" * 64 if kind == "checkpoint" else None,
        },
    )
    digest = f"{seq:064d}"
    conn.execute(
        sa.text("UPDATE audit_events SET seq = :s, prev_hash = :p, hash = :h WHERE id = :id"),
        {"s": seq, "p": prev, "h": digest, "id": rid},
    )
    return rid, digest


def test_application_role_cannot_update_or_delete(pg):
    tid = _tenant(pg["owner"])
    with pg["app"].connect() as conn:
        with conn.begin():
            _as_tenant(conn, tid)
            rid, digest = _insert_sealed(conn, tid, 1, chain.GENESIS)  # sealing is allowed
            for sql in (
                "UPDATE audit_events SET details = '{\"x\": 1}' WHERE id = :id",
                "UPDATE audit_events SET seq = 7 WHERE id = :id",
                "DELETE FROM audit_events WHERE id = :id",
            ):
                assert REFUSED in refused(conn, sql, id=rid), sql
            # pretending to be the privileged path does not help a non-owner
            with conn.begin_nested():
                conn.execute(
                    sa.text("SELECT set_config('learninghub.audit_privileged', 'on', true)")
                )
                assert REFUSED in refused(conn, "DELETE FROM audit_events WHERE id = :id", id=rid)
            assert "TRUNCATE" in refused(conn, "TRUNCATE audit_events")
            # the privileged functions are not the application role's
            denied = refused(conn, "SELECT audit_apply_retention(:t, :c)", t=tid, c=uuid.uuid4())
            assert "permission denied" in denied
            assert "permission denied" in refused(conn, "SELECT audit_purge_tenant(:t)", t=tid)
            count = conn.execute(sa.text("SELECT count(*) FROM audit_events")).scalar()
            assert count == 1


def test_even_the_owner_cannot_delete_without_the_privileged_path(pg):
    tid = _tenant(pg["owner"])
    with pg["owner"].begin() as conn:
        rid, _ = _insert_sealed(conn, tid, 1, chain.GENESIS)
        assert REFUSED in refused(conn, "DELETE FROM audit_events WHERE id = :id", id=rid)
        assert REFUSED in refused(conn, "UPDATE audit_events SET ip = 'x' WHERE id = :id", id=rid)


def test_retention_function_deletes_only_what_a_checkpoint_covers(pg):
    tid = _tenant(pg["owner"])
    with pg["owner"].begin() as conn:
        r1, h1 = _insert_sealed(conn, tid, 1, chain.GENESIS)
        r2, h2 = _insert_sealed(conn, tid, 2, h1)
        r3, h3 = _insert_sealed(conn, tid, 3, h2)
        # not a checkpoint: refused
        assert "not a sealed retention checkpoint" in refused(
            conn, "SELECT audit_apply_retention(:t, :c)", t=tid, c=r3
        )
        cp, _ = _insert_sealed(conn, tid, 4, h3, kind="checkpoint", through=2)
    with pg["app"].connect() as conn:
        with conn.begin():
            _as_tenant(conn, tid)
            assert "permission denied" in refused(
                conn, "SELECT audit_apply_retention(:t, :c)", t=tid, c=cp
            )
    with pg["owner"].begin() as conn:
        conn.execute(
            sa.text(
                f'GRANT EXECUTE ON FUNCTION audit_apply_retention(uuid, uuid) TO "{pg["role"]}"'
            )
        )
    try:
        with pg["app"].connect() as conn:
            with conn.begin():
                _as_tenant(conn, tid)
                removed = conn.execute(
                    sa.text("SELECT audit_apply_retention(:t, :c)"), {"t": tid, "c": cp}
                ).scalar()
                left = conn.execute(sa.text("SELECT seq FROM audit_events ORDER BY seq")).scalars()
                assert removed == 2 and list(left) == [3, 4]
                # and afterwards the privilege is gone again for plain statements
                assert REFUSED in refused(conn, "DELETE FROM audit_events WHERE id = :id", id=r3)
    finally:
        with pg["owner"].begin() as conn:
            conn.execute(
                sa.text(
                    "REVOKE EXECUTE ON FUNCTION audit_apply_retention(uuid, uuid)"
                    f' FROM "{pg["role"]}"'
                )
            )


def test_deleting_a_tenant_still_cascades_to_its_trail(pg):
    tid = _tenant(pg["owner"])
    with pg["owner"].begin() as conn:
        _insert_sealed(conn, tid, 1, chain.GENESIS)
        conn.execute(
            sa.text(
                "INSERT INTO audit_chain_heads (id, tenant_id, last_seq, last_hash, signature)"
                " VALUES (:id, :t, 1, :h, '')"
            ),
            {"id": uuid.uuid4(), "t": tid, "h": f"{1:064d}"},
        )
    with pg["owner"].begin() as conn:
        conn.execute(sa.text("DELETE FROM tenants WHERE id = :t"), {"t": tid})
        left = conn.execute(
            sa.text("SELECT count(*) FROM audit_events WHERE tenant_id = :t"), {"t": tid}
        ).scalar()
        assert left == 0


def test_the_app_under_the_application_role_records_verifies_and_is_refused_deletion(
    pg, lh_raw_settings
):
    """The whole app connected as the non-owner role: a sign-in is recorded and
    sealed, the chain verifies, and retention cannot delete without the grant."""
    import transaction
    import webtest

    from learninghub import configure
    from learninghub.cli import Env, create_tenant
    from learninghub.identity import create_user
    from learninghub.tasks import make_tenant_request
    from learninghub_audit.retention import apply_retention

    raw = dict(
        lh_raw_settings,
        **{"db.url": pg["app_url"].render_as_string(hide_password=False), "db.rls": "true"},
    )
    config = configure(raw, environ={})
    registry = config.registry
    env = Env("unused.ini")
    env._config = config
    slug = f"pgapp{uuid.uuid4().hex[:6]}"
    try:
        with env.tenant_request(None) as request:
            create_tenant(registry, request.db, slug, "PG app", ["audit"])
        registry["tenancy.resolver"].invalidate()
        with env.tenant_request(slug) as request:
            create_user(request.db, registry["passwords"], "boss@pg.example", PASSWORD, ("admin",))
        info = registry["tenancy.resolver"].by_slug(slug)
        # an expired row, first in the chain: retention will want to remove it
        with pg["owner"].begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO audit_events (id, tenant_id, kind, occurred_at, action,"
                    " actor_label, resource_type, resource_id, details, ip, user_agent,"
                    " request_id) VALUES (:id, :t, 'event', :at, 'x.y.exported', '', '', '',"
                    " '{}', '', '', '')"
                ),
                {"id": uuid.uuid4(), "t": info.id, "at": utcnow().replace(year=2000)},
            )
        app = webtest.TestApp(
            config.make_wsgi_app(),
            extra_environ={"HTTP_HOST": f"{slug}.learninghub.test", "REMOTE_ADDR": "192.0.2.9"},
        )
        token = app.post_json(
            "/api/v1/auth/token", {"email": "boss@pg.example", "password": PASSWORD}
        ).json["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        items = app.get("/api/v1/audit/events", headers=headers).json["items"]
        signin = [i for i in items if i["action"] == "accounts.signin.succeeded"]
        assert len(signin) == 1 and signin[0]["seq"] == 2 and signin[0]["ip"] == "192.0.2.9"
        assert app.get("/api/v1/audit/verify", headers=headers).json["ok"] is True
        # removing the expired row needs the privileged function: not granted
        tm = transaction.TransactionManager(explicit=True)
        request = make_tenant_request(registry, info, tm)
        tm.begin()
        with pytest.raises(sa.exc.DBAPIError, match="permission denied"):
            apply_retention(request)
        tm.abort()
        request.db.close()
        with pg["owner"].connect() as conn:
            total = conn.execute(
                sa.text("SELECT count(*) FROM audit_events WHERE tenant_id = :t"), {"t": info.id}
            ).scalar()
        assert total == 2  # nothing was removed
        assert app.get("/api/v1/audit/verify", headers=headers).json["ok"] is True
    finally:
        registry["db.engine"].dispose()


def test_concurrent_writers_and_sealers_build_one_chain(pg):
    """Four threads record and seal at the same time, each on its own connection:
    recording never waits for the chain, sealers take turns on the head row, and
    the result is one gap-free chain."""
    import threading

    from learninghub.db import bind_tenant, make_engine, session_factory
    from learninghub_audit.models import AuditEvent
    from learninghub_audit.sealer import seal_pending
    from learninghub_audit.verify import verify_chain

    tid = _tenant(pg["owner"])
    engine = make_engine({"db.url": pg["app_url"].render_as_string(hide_password=False)})
    factory = session_factory(engine)
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def worker(n: int) -> None:
        try:
            barrier.wait(timeout=30)
            for i in range(25):
                with factory() as session:
                    session.info["rls"] = True
                    bind_tenant(session, tid)
                    session.add(
                        AuditEvent(
                            occurred_at=utcnow(), action="x.y.exported", details={"n": n, "i": i}
                        )
                    )
                    session.commit()
                with factory() as session:
                    session.info["rls"] = True
                    bind_tenant(session, tid)
                    seal_pending(session, tid, SECRET)
                    session.commit()
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    try:
        assert errors == []
        with factory() as session:
            session.info["rls"] = True
            bind_tenant(session, tid)
            result = verify_chain(session, tid, SECRET)
        assert result.ok, result.broken
        assert (result.checked, result.first_seq, result.last_seq, result.pending) == (
            100,
            1,
            100,
            0,
        )
    finally:
        engine.dispose()


def test_a_transaction_never_waits_for_a_busy_chain_head(pg):
    """While another transaction holds the head, a recording transaction seals
    nothing and does not wait (FOR UPDATE SKIP LOCKED); its row stays pending for
    the seal task."""
    from learninghub.db import bind_tenant, make_engine, session_factory
    from learninghub_audit.models import AuditEvent
    from learninghub_audit.sealer import ensure_head, seal_pending, try_seal

    tid = _tenant(pg["owner"])
    with pg["owner"].begin() as conn:
        _as_tenant(conn, tid)
    engine = make_engine({"db.url": pg["app_url"].render_as_string(hide_password=False)})
    factory = session_factory(engine)

    def session():
        s = factory()
        s.info["rls"] = True
        bind_tenant(s, tid)
        return s

    try:
        with session() as s:
            ensure_head(s, tid, SECRET)
            s.commit()
        holder = pg["owner"].connect()
        holder.begin()
        holder.execute(
            sa.text("SELECT 1 FROM audit_chain_heads WHERE tenant_id = :t FOR UPDATE"), {"t": tid}
        )
        with session() as s:
            s.execute(sa.text("SET LOCAL lock_timeout = '2s'"))  # a wait would fail, not hang
            s.add(AuditEvent(occurred_at=utcnow(), action="x.y.exported", details={}))
            s.flush()
            assert try_seal(s, tid, SECRET) is None
            s.commit()
        holder.rollback()
        holder.close()
        with session() as s:
            assert s.scalar(sa.select(AuditEvent.seq)) is None
            assert seal_pending(s, tid, SECRET).sealed == 1
            s.commit()
    finally:
        engine.dispose()


def test_readiness_reports_a_disabled_or_dropped_guard(pg):
    from learninghub_audit.guard import guard_problems

    with pg["owner"].connect() as conn:
        assert guard_problems(conn) == []
        conn.execute(sa.text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only"))
        assert guard_problems(conn) == [
            "trigger audit_events_append_only on audit_events is disabled"
        ]
        conn.execute(sa.text("DROP TRIGGER audit_chain_heads_no_truncate ON audit_chain_heads"))
        assert "trigger audit_chain_heads_no_truncate on audit_chain_heads is missing" in (
            guard_problems(conn)
        )
        conn.rollback()  # DDL is transactional: the guard is back
        assert guard_problems(conn) == []
