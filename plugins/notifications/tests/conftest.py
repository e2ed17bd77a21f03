"""Fixtures of the notifications tests (the channel helpers' tests in ``channels/``
use them too). The kernel's pytest plugin brings ``tenant_factory``, ``user_factory``,
``run_task``, ``dispatched``, ``page_browser``, ``client``...; the enrollment plugin's
brings ``make_course``."""

from __future__ import annotations

import contextlib
import uuid

import pytest
import sqlalchemy as sa

#: the plugins of a notifications test tenant (with their requirements)
PLUGINS = ("courses", "content", "enrollment", "notifications")


@pytest.fixture
def tenant_request(registry):
    """``with tenant_request(tenant) as request:`` a request bound to ``tenant`` (no
    identity) in a transaction of its own, committed when the block ends without an
    exception, like a task's."""
    import transaction

    from learninghub.tasks import make_tenant_request

    @contextlib.contextmanager
    def open_request(tenant, *, commit: bool = True):
        tm = transaction.TransactionManager(explicit=True)
        tm.begin()
        info = registry["tenancy.resolver"].by_id(tenant.id)
        request = make_tenant_request(registry, info, tm)
        try:
            yield request
        except BaseException:
            tm.abort()
            raise
        else:
            if commit:
                tm.commit()
            else:
                tm.abort()
        finally:
            request.db.close()

    return open_request


@pytest.fixture
def nt_tenant(tenant_factory):
    return tenant_factory(plugins=PLUGINS)


@pytest.fixture
def notify_plugin(plugin_operator):
    return plugin_operator("notifications")


@pytest.fixture
def snapshot(db):
    """``snapshot(tenant)``: every notifications row and inbox row of the tenant as
    plain tuples (to compare before and after a replay)."""
    from learninghub.db import bind_tenant, system_session
    from learninghub.inbox import InboxEntry
    from learninghub_notifications.models import Delivery, Notification

    def take(tenant) -> dict:
        db.flush()
        db.expire_all()
        bind_tenant(db, tenant.id)
        try:
            return {
                "notifications": sorted(
                    (str(n.id), str(n.user_id), n.type, str(n.source_event_id), n.subject)
                    for n in db.scalars(sa.select(Notification))
                ),
                "deliveries": sorted(
                    (str(d.id), str(d.notification_id), d.channel, d.status, d.attempts)
                    for d in db.scalars(sa.select(Delivery))
                ),
                "inbox": sorted(
                    (str(e.event_id), e.consumer, e.status, e.attempts)
                    for e in db.scalars(sa.select(InboxEntry))
                ),
            }
        finally:
            system_session(db)

    return take


@pytest.fixture
def rows(db):
    """``rows(tenant, Model, *where)``: the tenant's rows of ``Model`` re-read."""
    from learninghub.db import bind_tenant, system_session

    def read(tenant, model, *where):
        db.flush()
        db.expire_all()
        bind_tenant(db, tenant.id)
        try:
            return list(db.scalars(sa.select(model).where(*where)))
        finally:
            system_session(db)

    return read


@pytest.fixture
def add_notification(db):
    """``add_notification(tenant, user, subject="...", read=False, url="")``: an in-app
    notification row inserted as set-up."""
    from learninghub.db import utcnow
    from learninghub_notifications.models import Notification

    def make(tenant, user, subject: str = "Something happened", read=False, url="", at=None):
        now = at or utcnow()
        n = Notification(
            id=uuid.uuid4(),
            tenant_id=tenant.id,
            user_id=user.id,
            type="test.thing",
            source_event_id=uuid.uuid4(),
            subject=subject,
            body="",
            url=url,
            created_at=now,
            read_at=now if read else None,
        )
        db.add(n)
        db.flush()
        return n

    return make
