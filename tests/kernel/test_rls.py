"""PostgreSQL row-level security: the second wall behind the ORM filter."""

import os
import uuid

import pytest
import sqlalchemy as sa

from learninghub.testing.plugin import create_database, drop_database

pytestmark = pytest.mark.skipif(
    not os.environ.get("LEARNINGHUB_TEST_DATABASE_URL"),
    reason="PostgreSQL only (LEARNINGHUB_TEST_DATABASE_URL)",
)


@pytest.fixture
def rls_db(lh_raw_settings):
    from learninghub.config import collect_settings
    from learninghub.migrate import upgrade

    url = create_database(os.environ["LEARNINGHUB_TEST_DATABASE_URL"], "lhrls")
    settings = collect_settings(
        dict(lh_raw_settings, **{"db.url": url, "db.rls": "true"}), environ={}
    )
    upgrade(settings)
    role = f"lh_app_{uuid.uuid4().hex[:8]}"
    owner = sa.create_engine(sa.engine.make_url(url))
    with owner.begin() as conn:
        conn.execute(sa.text(f'CREATE ROLE "{role}" LOGIN'))
        conn.execute(
            sa.text(
                f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "{role}"'
            )
        )
    try:
        yield url, role, owner
    finally:
        owner.dispose()
        admin = sa.create_engine(sa.engine.make_url(url), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP OWNED BY "{role}"'))
        admin.dispose()
        drop_database(url)
        base = sa.create_engine(
            sa.engine.make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT"
        )
        with base.connect() as conn:
            conn.execute(sa.text(f'DROP ROLE IF EXISTS "{role}"'))
        base.dispose()


def test_application_role_sees_only_its_tenant(rls_db):
    url, role, owner = rls_db
    a, b = uuid.uuid4(), uuid.uuid4()
    with owner.begin() as conn:
        for tid, slug in ((a, "rlsa"), (b, "rlsb")):
            conn.execute(
                sa.text(
                    "INSERT INTO tenants (id, slug, name, status, theme, branding, default_locale,"
                    " default_timezone, settings, created_at) VALUES (:id, :slug, :slug, 'active',"
                    " 'default', '{}', 'en', 'UTC', '{}', now())"
                ),
                {"id": tid, "slug": slug},
            )
            conn.execute(
                sa.text(
                    "INSERT INTO users (id, tenant_id, email, display_name, password_hash, status,"
                    " email_verified, security_stamp, created_at) VALUES (:id, :tid, :email, '',"
                    " '', 'active', false, 's', now())"
                ),
                {"id": uuid.uuid4(), "tid": tid, "email": f"{slug}@example.org"},
            )
    app = sa.create_engine(sa.engine.make_url(url).set(username=role))
    try:
        with app.begin() as conn:
            # no tenant set: nothing at all
            assert conn.execute(sa.text("SELECT count(*) FROM users")).scalar() == 0
            conn.execute(
                sa.text("SELECT set_config('learninghub.tenant_id', :t, true)"), {"t": str(a)}
            )
            emails = conn.execute(sa.text("SELECT email FROM users")).scalars().all()
            assert emails == ["rlsa@example.org"]
            # raw writes into another tenant are refused by WITH CHECK
            with pytest.raises(sa.exc.ProgrammingError):
                with conn.begin_nested():
                    conn.execute(
                        sa.text(
                            "INSERT INTO users (id, tenant_id, email, display_name, password_hash,"
                            " status, email_verified, security_stamp, created_at) VALUES (:id,"
                            " :tid, 'x@example.org', '', '', 'active', false, 's', now())"
                        ),
                        {"id": uuid.uuid4(), "tid": b},
                    )
            updated = conn.execute(sa.text("UPDATE users SET display_name = 'x'")).rowcount
            assert updated == 1
    finally:
        app.dispose()


def test_orm_session_sets_the_tenant_for_rls(rls_db, registry):
    from learninghub.db import bind_tenant, make_engine, session_factory
    from learninghub.identity import User

    url, role, owner = rls_db
    a = uuid.uuid4()
    with owner.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO tenants (id, slug, name, status, theme, branding, default_locale,"
                " default_timezone, settings, created_at) VALUES (:id, 'orm', 'orm', 'active',"
                " 'default', '{}', 'en', 'UTC', '{}', now())"
            ),
            {"id": a},
        )
    engine = make_engine(
        {
            "db.url": str(
                sa.engine.make_url(url).set(username=role).render_as_string(hide_password=False)
            )
        }
    )
    try:
        session = session_factory(engine)()
        session.info["rls"] = True
        bind_tenant(session, a)
        session.add(User(email="orm@example.org"))
        session.commit()  # passes WITH CHECK because the session set the tenant
        assert [u.email for u in session.scalars(sa.select(User))] == ["orm@example.org"]
        session.close()
    finally:
        engine.dispose()


def test_app_connected_as_application_role_works_under_rls(rls_db, lh_raw_settings):
    """With RLS biting (non-owner role), plugin enablement, demo seeding and the API
    still work, and each tenant still sees only its rows."""
    import webtest

    from learninghub import configure
    from learninghub.cli import Env, seed_demo
    from learninghub.tasks import make_tenant_request

    url, role, owner = rls_db
    app_url = sa.engine.make_url(url).set(username=role).render_as_string(hide_password=False)
    raw = dict(lh_raw_settings, **{"db.url": app_url, "db.rls": "true"})
    config = configure(raw, environ={})
    env = Env("unused.ini")
    env._config = config
    creds = seed_demo(env)
    seed_demo(env)  # idempotent under RLS too
    registry = config.registry
    registry["tenancy.resolver"].invalidate()
    demo = registry["tenancy.resolver"].by_slug("demo")
    assert "announcements" in demo.enabled_plugins
    app = webtest.TestApp(
        config.make_wsgi_app(), extra_environ={"HTTP_HOST": "demo.learninghub.test"}
    )
    token = app.post_json(
        "/api/v1/auth/token",
        {"email": "admin@demo.example", "password": creds["admin@demo.example"]},
    ).json
    headers = {"Authorization": "Bearer " + token["access_token"]}
    created = app.post_json(
        "/api/v1/announcements",
        {"title": "Under RLS", "body": "<p>hi</p>", "publish": True},
        headers=headers,
    )
    assert created.status_int == 201
    items = app.get("/api/v1/announcements", headers=headers).json["items"]
    assert [i["title"] for i in items] == ["Under RLS"]
    # the owner sees the row; the app role with another tenant set does not
    with owner.connect() as conn:
        assert (
            conn.execute(sa.text("SELECT count(*) FROM announcements_announcements")).scalar() == 1
        )
    import transaction

    other = Env("unused.ini")
    other._config = config
    with other.tenant_request(None) as request:
        from learninghub.cli import create_tenant

        create_tenant(registry, request.db, "rlsother", "Other", ["announcements"])
    registry["tenancy.resolver"].invalidate()
    other_info = registry["tenancy.resolver"].by_slug("rlsother")
    tm = transaction.TransactionManager(explicit=True)
    with tm:
        request = make_tenant_request(registry, other_info, tm)
        rows = request.db.execute(
            sa.text("SELECT count(*) FROM announcements_announcements")
        ).scalar()
        assert rows == 0  # raw SQL through the application role: no other tenant's rows
    registry["db.engine"].dispose()
