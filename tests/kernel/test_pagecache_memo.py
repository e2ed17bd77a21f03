"""``pagecache.memo``: values computed from SQL, kept per tenant, recomputed when a
table they read changed (committed), never stored from uncommitted writes."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
import transaction

from learninghub import pagecache
from learninghub.identity import User
from learninghub.tasks import make_tenant_request
from learninghub.testing.sql import counting


def request_for(registry, tenant):
    info = registry["tenancy.resolver"].by_id(tenant.id)
    tm = transaction.TransactionManager(explicit=True)
    tm.begin()
    return make_tenant_request(registry, info, tm)


def names(registry, tenant, calls: list[int]):
    request = request_for(registry, tenant)

    def compute():
        calls.append(1)
        return tuple(sorted(request.db.scalars(sa.select(User.display_name))))

    try:
        return pagecache.memo(request, "test:user-names", compute)
    finally:
        request.tm.commit()


def add_user(registry, tenant, name: str) -> None:
    request = request_for(registry, tenant)
    request.db.add(User(email=f"{uuid.uuid4().hex[:8]}@example.org", display_name=name))
    request.tm.commit()  # the commit bumps the users table's generation


def test_memo_is_kept_until_a_table_it_read_changes(registry, tenant, db_connection):
    calls: list[int] = []
    add_user(registry, tenant, "Ada")
    assert names(registry, tenant, calls) == ("Ada",)
    with counting(registry["db.engine"]) as statements:
        assert names(registry, tenant, calls) == ("Ada",)
    assert len(calls) == 1
    assert not [s for s in statements if s.startswith("SELECT")]
    add_user(registry, tenant, "Grace")
    assert names(registry, tenant, calls) == ("Ada", "Grace")
    assert len(calls) == 2


def test_memo_is_per_tenant(registry, tenant, other_tenant, db_connection):
    calls: list[int] = []
    add_user(registry, tenant, "Mine")
    add_user(registry, other_tenant, "Theirs")
    assert names(registry, tenant, calls) == ("Mine",)
    assert names(registry, other_tenant, calls) == ("Theirs",)
    assert len(calls) == 2


def test_nothing_is_stored_from_uncommitted_writes(registry, tenant, db_connection):
    calls: list[int] = []
    request = request_for(registry, tenant)
    request.db.add(User(email="pending@example.org", display_name="Pending"))
    request.db.flush()

    def compute():
        calls.append(1)
        return tuple(sorted(request.db.scalars(sa.select(User.display_name))))

    assert pagecache.memo(request, "test:user-names", compute) == ("Pending",)
    request.tm.abort()  # the row never existed
    assert names(registry, tenant, calls) == ()
    assert len(calls) == 2


def test_a_cached_page_depends_on_what_its_memos_read(registry, tenant, db_connection):
    """A candidate page that took a memo from the store still records the memo's
    tables: a change to them outdates the page too."""
    calls: list[int] = []
    add_user(registry, tenant, "Ada")
    names(registry, tenant, calls)  # stored
    request = request_for(registry, tenant)
    cache = pagecache._cache_of(registry)
    recorder = pagecache.Recorder(cache, tenant.id)
    request.environ[pagecache.RECORDER_ENV] = recorder
    pagecache.memo(request, "test:user-names", lambda: calls.append(1) or ())
    request.tm.abort()
    assert len(calls) == 1  # a hit
    assert "users" in recorder.generations
