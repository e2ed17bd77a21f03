"""Fixtures of the coupons tests (the kernel's pytest plugin brings the rest).

Tenants enable the catalog plugins, payments, audit and coupons. Coupons are set-up
rows (``make_coupon``); the hooks run inside a real tenant request with its own
transaction (``tenant_request``), as payments calls them while quoting or placing an
order (``quote``, ``reserve``, ``settle``)."""

from __future__ import annotations

import contextlib
import uuid
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
import transaction

from learninghub.db import utcnow
from learninghub_payments.drafts import DraftLine, OrderDraft

PLUGINS = ["courses", "media", "content", "enrollment", "payments", "audit", "coupons"]


@pytest.fixture
def tenant(tenant_factory):
    return tenant_factory(plugins=PLUGINS)


@pytest.fixture
def other_tenant(tenant_factory):
    return tenant_factory(plugins=PLUGINS)


@pytest.fixture
def admin(tenant, user_factory):
    return user_factory(tenant, "admin")


@pytest.fixture
def make_coupon(db):
    """``make_coupon(tenant, code="SAVE10", **fields)``: a coupon row (10 % by default)."""
    from learninghub_coupons.models import Coupon

    def make(tenant, code="SAVE10", **fields):
        values = {"kind": "percent", "percent_bp": 1000, **fields}
        if values["kind"] == "fixed":
            values.setdefault("currency", "EUR")
            if "percent_bp" not in fields:
                del values["percent_bp"]
        coupon = Coupon(
            id=uuid.uuid4(),
            tenant_id=tenant.id,
            code=code.upper(),
            created_at=utcnow(),
            **values,
        )
        coupon.course_ids = [str(i) for i in fields.get("course_ids", [])]
        coupon.category_ids = [str(i) for i in fields.get("category_ids", [])]
        db.add(coupon)
        db.flush()
        return coupon

    return make


@pytest.fixture
def coupon_row(db):
    """``coupon_row(coupon)``: the coupon as stored now (fresh counters)."""
    from learninghub_coupons.models import Coupon

    def read(coupon):
        db.expire_all()
        return db.get(Coupon, coupon.id)

    return read


@pytest.fixture
def redemptions(db):
    """``redemptions(coupon)``: its redemption rows as stored, oldest first."""
    from learninghub_coupons.models import Redemption

    def read(coupon):
        db.expire_all()
        stmt = sa.select(Redemption).where(Redemption.coupon_id == coupon.id)
        return list(db.scalars(stmt.order_by(Redemption.created_at, Redemption.id)))

    return read


@pytest.fixture
def tenant_request(registry):
    """``with tenant_request(tenant) as request:`` a request of the tenant in its own
    transaction: committed at the end of the block (events delivered), aborted if the
    block raises."""
    from learninghub.tasks import make_tenant_request

    @contextlib.contextmanager
    def open_request(tenant):
        info = registry["tenancy.resolver"].by_id(tenant.id)
        tm = transaction.TransactionManager(explicit=True)
        request = make_tenant_request(registry, info, tm)
        request.request_id = uuid.uuid4().hex
        tm.begin()
        try:
            yield request
        except BaseException:
            tm.abort()
            raise
        else:
            tm.commit()

    return open_request


def make_line(price_minor, quantity=1, course_id=None, category_id=None, title="Course"):
    return DraftLine(
        course_id=course_id or uuid.uuid4(),
        quantity=quantity,
        unit_price_minor=price_minor,
        title=title,
        kind="seats" if quantity > 1 else "course",
        category_id=category_id,
    )


@pytest.fixture
def line():
    """``line(price_minor, quantity=1, course_id=None, category_id=None)``: a DraftLine."""
    return make_line


@pytest.fixture
def adjust(tenant_request):
    """``adjust(tenant, lines, codes, user=None, reserve=False, order_id=None,
    currency="EUR")`` → the adjustments the coupons hook answers (committed)."""
    from learninghub_coupons import learninghub_payments_adjustments

    def call(tenant, lines, codes, user=None, reserve=False, order_id=None, currency="EUR"):
        draft = OrderDraft(
            order_id=order_id or uuid.uuid4(),
            user=user,
            currency=currency,
            lines=tuple(lines),
            codes=tuple(codes),
            reserve=reserve,
        )
        with tenant_request(tenant) as request:
            return learninghub_payments_adjustments(request=request, draft=draft)

    return call


@pytest.fixture
def settle(tenant_request):
    """``settle(tenant, order_id, outcome)``: the order-settled hook, committed."""
    from learninghub_coupons import learninghub_payments_order_settled

    def call(tenant, order_id, outcome, currency="EUR"):
        order = SimpleNamespace(id=order_id, currency=currency)
        with tenant_request(tenant) as request:
            learninghub_payments_order_settled(request=request, order=order, outcome=outcome)

    return call


@pytest.fixture
def problem():
    """``problem(response, status)`` → its problem+json body."""
    return check_problem


def check_problem(r, status):
    assert r.status_int == status, r.text
    assert r.content_type == "application/problem+json"
    return r.json
