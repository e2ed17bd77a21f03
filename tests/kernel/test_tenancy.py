"""Tenant resolution from the Host header and ORM isolation between tenants."""

import pytest
import sqlalchemy as sa

from learninghub.db import bind_tenant
from learninghub.errors import CrossTenantWrite, TenantNotBound
from learninghub.identity import RoleGrant, User
from learninghub.tenancy import TenantDomain


def test_subdomain_resolves_tenant(tenant, user_factory, client):
    user = user_factory(tenant)
    assert client(tenant, user).get("/api/v1/me").json["tenant"] == tenant.slug


def test_unknown_host_gets_404_page_naming_no_tenant(tenant, client):
    r = client(None, host="nobody.example.com").get("/")
    assert r.status_int == 404
    assert tenant.slug not in r.text and "Tenant" not in r.text
    api = client(None, host="nobody.example.com").post_json(
        "/api/v1/auth/token", {"email": "a@b.c", "password": "x"}
    )
    assert api.status_int == 404
    assert api.content_type == "application/problem+json"


def test_verified_custom_domain_routes_unverified_does_not(tenant, db, client):
    db.add(TenantDomain(tenant_id=tenant.id, domain="learn.school.example", verified=True))
    db.add(TenantDomain(tenant_id=tenant.id, domain="pending.school.example", verified=False))
    db.flush()
    assert client(None, host="learn.school.example").get("/").status_int == 200
    assert client(None, host="LEARN.school.example:8080").get("/").status_int == 200
    assert client(None, host="pending.school.example").get("/").status_int == 404


def test_suspended_tenant_is_not_served(tenant, db, client):
    tenant.orm.status = "suspended"
    db.flush()
    assert client(tenant).get("/").status_int == 404


def test_development_fallback_is_off_outside_development(tenant, client):
    # the test settings use environment=test and no fallback tenant
    assert client(None, host="localhost").get("/").status_int == 404


def test_fallback_serves_named_tenant_in_development(tenant_factory, registry):
    from learninghub.tenancy import TenantResolver

    t = tenant_factory(slug="fallbacktest")
    resolver = TenantResolver(registry)
    settings = dict(
        registry.settings,
        **{"environment": "development", "tenancy.fallback_tenant": "fallbacktest"},
    )

    class FakeRegistry(dict):
        pass

    fake = FakeRegistry(registry)
    fake.settings = settings
    resolver.registry = fake
    assert resolver.by_host("localhost:6543").id == t.id
    assert resolver.by_host("other.example") is None
    fake.settings = dict(settings, environment="production")
    resolver.invalidate()
    assert resolver.by_host("localhost") is None


def test_orm_queries_see_only_the_bound_tenant(tenant, other_tenant, user_factory, db):
    a = user_factory(tenant, email="same@example.org")
    b = user_factory(other_tenant, email="same@example.org")
    bind_tenant(db, tenant.id)
    assert [u.id for u in db.scalars(sa.select(User))] == [a.id]
    assert db.get(User, b.id) is None
    # relationship-free joins and aggregates are filtered too
    assert db.scalar(sa.select(sa.func.count()).select_from(User)) == 1
    grants = db.scalars(sa.select(RoleGrant).join(User, RoleGrant.user_id == User.id)).all()
    assert {g.user_id for g in grants} == {a.id}
    # bulk UPDATE and DELETE are filtered as well
    db.execute(sa.update(User).values(display_name="changed"))
    db.execute(sa.delete(RoleGrant))
    bind_tenant(db, other_tenant.id)
    db.expire_all()
    assert db.get(User, b.id).display_name != "changed"
    assert db.scalar(sa.select(sa.func.count()).select_from(RoleGrant)) == 1


def test_insert_is_stamped_with_bound_tenant(tenant, db, registry):
    bind_tenant(db, tenant.id)
    u = User(email="stamp@example.org")
    db.add(u)
    db.flush()
    assert u.tenant_id == tenant.id


def test_writing_a_row_of_another_tenant_raises(tenant, other_tenant, user_factory, db):
    user_factory(other_tenant)
    bind_tenant(db, tenant.id)
    db.add(User(email="x@example.org", tenant_id=other_tenant.id))
    with pytest.raises(CrossTenantWrite):
        db.flush()
    db.rollback()


def test_changing_a_loaded_row_of_another_tenant_raises(tenant, other_tenant, user_factory, db):
    from learninghub.db import system_session

    b = user_factory(other_tenant)
    system_session(db)
    loaded = db.get(User, b.id)
    bind_tenant(db, tenant.id)
    loaded.display_name = "hijack"
    with pytest.raises(CrossTenantWrite):
        db.flush()
    db.rollback()


def test_unbound_session_refuses_tenant_scoped_queries(registry, db_connection):
    session = registry["db.session_factory"](bind=db_connection)
    with pytest.raises(TenantNotBound):
        session.scalars(sa.select(User)).all()
    session.add(User(email="nobody@example.org"))
    with pytest.raises(TenantNotBound):
        session.flush()
    session.close()


def test_api_on_unknown_host_is_404_not_401(client):
    r = client(None, host="nobody.example.com").get("/api/v1/me")
    assert r.status_int == 404


def test_factories_do_not_trip_over_pending_changes(tenant, other_tenant, user_factory, db):
    """Set-up code may change one tenant's row and then create users in another."""
    a = user_factory(tenant)
    a.display_name = "pending change"
    user_factory(other_tenant)  # binds db to other_tenant internally
    db.flush()
    assert a.display_name == "pending change"
