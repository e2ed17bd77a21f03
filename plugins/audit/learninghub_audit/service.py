"""Sealing and verification on behalf of pages, the API and the CLI."""

from __future__ import annotations

import transaction

from learninghub.tasks import make_tenant_request

from .sealer import SealResult, seal_pending, secret_of
from .verify import VerifyResult, verify_chain


def in_own_transaction(registry, tenant, work):
    """``work(request)`` with a tenant-bound request in a transaction of its own,
    committed on success."""
    tm = transaction.TransactionManager(explicit=True)
    request = make_tenant_request(registry, tenant, tm)
    tm.begin()
    try:
        result = work(request)
        tm.commit()
        return result
    except BaseException:
        tm.abort()
        raise
    finally:
        if "db" in request.__dict__:
            request.db.close()


def seal_now(request) -> SealResult:
    """Seal the tenant's pending rows before reading the chain.

    On PostgreSQL in a short transaction of its own, so that the head lock is not
    held while a long verification or export runs; the request's next statements
    (READ COMMITTED) see the sealed rows. On SQLite in the request's transaction:
    SQLite has one writer at a time, and a page request may already hold the write
    lock (a session touch), which a second connection would wait for in vain."""
    secret = secret_of(request.registry)
    if request.db.get_bind().dialect.name == "postgresql":
        tenant_id = request.tenant.id
        return in_own_transaction(
            request.registry,
            request.tenant,
            lambda own: seal_pending(own.db, tenant_id, secret),
        )
    return seal_pending(request.db, request.tenant.id, secret)


def verify_now(request) -> VerifyResult:
    seal_now(request)
    return verify_chain(request.db, request.tenant.id, secret_of(request.registry))
