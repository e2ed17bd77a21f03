"""PostgreSQL: 50 buyers check out at once with a coupon that has 5 uses left. Exactly
5 orders are placed, the 45 others get 409, and the coupon ends at its limit.

Each buyer is a thread with its own request and transaction, calling payments' real
``place_order`` against data committed to the test database (no test transaction to
hide behind: the row lock and the commits are real). The tenant is deleted at the end
(every tenant-scoped row goes with it)."""

from __future__ import annotations

import os
import threading
import uuid

import pytest
import sqlalchemy as sa
import transaction

from learninghub.api import ProblemError
from learninghub.db import bind_tenant, system_session, utcnow

pytestmark = pytest.mark.skipif(
    not os.environ.get("LEARNINGHUB_TEST_DATABASE_URL"),
    reason="PostgreSQL only (LEARNINGHUB_TEST_DATABASE_URL): SQLite has no concurrent writers",
)

PLUGINS = ["courses", "media", "content", "enrollment", "payments", "coupons"]
BUYERS = 50


@pytest.fixture
def committed_shop(registry):
    """A committed tenant with 50 learners, a course at 20.00 and the coupon RUSH
    (10 uses, 5 already used); deleted afterwards."""
    from learninghub.identity import create_user
    from learninghub.plugins import TenantPlugins
    from learninghub.tenancy import Tenant
    from learninghub_coupons.models import Coupon
    from learninghub_courses.models import Course

    assert registry.get("db.test_connection") is None  # real commits
    factory = registry["db.session_factory"]
    slug = f"rush{uuid.uuid4().hex[:8]}"
    with factory() as db:
        system_session(db)
        tenant = Tenant(slug=slug, name="Rush")
        db.add(tenant)
        db.flush()
        bind_tenant(db, tenant.id)
        TenantPlugins(registry, db, tenant).enable_many(PLUGINS)
        users = [
            create_user(
                db, registry["passwords"], f"b{i}@{slug}.example", "pw-123456789", ("learner",)
            )
            for i in range(BUYERS)
        ]
        now = utcnow()
        course = Course(
            slug="rush",
            title="Rush",
            price_minor=2000,
            currency="EUR",
            status="published",
            created_at=now,
            updated_at=now,
            published_at=now,
        )
        coupon = Coupon(code="RUSH", kind="percent", percent_bp=1000, max_uses=10, used_count=5)
        db.add_all([course, coupon])
        db.commit()
        shop = {
            "tenant_id": tenant.id,
            "user_ids": [u.id for u in users],
            "course_id": course.id,
            "coupon_id": coupon.id,
        }
    registry["tenancy.resolver"].invalidate()
    try:
        yield shop
    finally:
        with factory() as db:
            system_session(db)
            db.execute(sa.delete(Tenant).where(Tenant.id == shop["tenant_id"]))
            db.commit()
        registry["tenancy.resolver"].invalidate()


def test_fifty_concurrent_checkouts_five_uses_left(registry, committed_shop):
    from learninghub.identity import User
    from learninghub.tasks import make_tenant_request
    from learninghub_coupons.models import Coupon, Redemption
    from learninghub_payments import checkout
    from learninghub_payments.drafts import DraftLine
    from learninghub_payments.orders.models import Order

    shop = committed_shop
    info = registry["tenancy.resolver"].by_id(shop["tenant_id"])
    line = DraftLine(course_id=shop["course_id"], quantity=1, unit_price_minor=2000, title="Rush")
    start = threading.Barrier(BUYERS)
    outcomes: list = []
    lock = threading.Lock()

    def checkout_as(user_id) -> None:
        tm = transaction.TransactionManager(explicit=True)
        request = make_tenant_request(registry, info, tm)
        start.wait(timeout=60)
        tm.begin()
        try:
            user = request.db.get(User, user_id)
            order = checkout.place_order(request, user, [line], codes=["rush"])
            assert order.discount_minor == 200
            tm.commit()
            outcome = "placed"
        except ProblemError as exc:
            tm.abort()
            outcome = (exc.status, exc.detail)
        except Exception as exc:  # reported in the assertion below
            tm.abort()
            outcome = repr(exc)
        finally:
            if "db" in request.__dict__:
                request.db.close()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=checkout_as, args=(uid,)) for uid in shop["user_ids"]]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert outcomes.count("placed") == 5, outcomes
    refused = [o for o in outcomes if o != "placed"]
    assert refused == [(409, "The code RUSH has been used up.")] * 45, refused
    with registry["db.session_factory"]() as db:
        bind_tenant(db, shop["tenant_id"])
        coupon = db.get(Coupon, shop["coupon_id"])
        assert (coupon.used_count, coupon.held_count, coupon.max_uses) == (5, 5, 10)
        held = db.scalars(sa.select(Redemption.order_id).where(Redemption.status == "held")).all()
        placed = db.scalars(sa.select(Order.id)).all()
        assert len(held) == 5 and sorted(held) == sorted(placed)
