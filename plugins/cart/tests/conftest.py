"""Fixtures of the cart tests (the kernel's pytest plugin and the enrollment plugin's
``learninghub_enrollment.testing`` bring the rest).

Tenants enable the catalog plugins, payments and cart, but not coupons: discounts come
from :class:`Discounts`, a stand-in answering ``learninghub_payments_adjustments``
registered on the plugin manager the way plugins/certificates/tests/conftest.py
registers its ``Criteria``.
"""

from __future__ import annotations

import contextlib
import functools
import uuid

import pytest
import sqlalchemy as sa
import transaction

from learninghub.api import ProblemError
from learninghub.db import bind_tenant, system_session
from learninghub.hookspecs import hookimpl

PLUGINS = ["courses", "media", "content", "enrollment", "payments", "cart"]


@pytest.fixture
def tenant(tenant_factory):
    return tenant_factory(plugins=PLUGINS)


@pytest.fixture
def other_tenant(tenant_factory):
    return tenant_factory(plugins=PLUGINS)


@pytest.fixture
def make_course(make_course):
    """A published course of one lesson, EUR 49.00 unless told otherwise."""
    return functools.partial(make_course, lessons=1, price_minor=4900)


class Discounts:
    """A stand-in for the coupons plugin: ``SAVE10`` takes 10 % off the order, any
    other code is refused with a 422 naming it; ``hold_fails`` makes placing an order
    fail as a used-up coupon would (409)."""

    def __init__(self):
        self.hold_fails = False
        self.reserved: list = []

    @hookimpl
    def learninghub_payments_adjustments(self, request, draft):
        from learninghub_payments.drafts import Adjustment

        answers = []
        for code in draft.codes:
            if code.upper() != "SAVE10":
                raise ProblemError(422, "Validation failed", f"the code {code} is not valid")
            if draft.reserve:
                if self.hold_fails:
                    raise ProblemError(409, "Conflict", "this code has been used up")
                self.reserved.append(draft.order_id)
            answers.append(
                Adjustment(
                    provider="test",
                    reference="save10",
                    code="SAVE10",
                    label="10 % off",
                    amount_minor=draft.subtotal_minor // 10,
                )
            )
        return answers


@pytest.fixture
def discounts(registry):
    pm = registry["plugins"].pm
    name = f"test-discounts-{uuid.uuid4().hex[:6]}"
    stand_in = Discounts()
    pm.register(stand_in, name=name)
    try:
        yield stand_in
    finally:
        pm.unregister(name=name)


@pytest.fixture
def as_tenant(registry):
    """``with as_tenant(tenant) as request:`` a tenant-bound request in its own
    transaction on the test connection, committed at the end (what a worker does):
    for calling payments' settlement as an admin action or a webhook would."""
    from learninghub.tasks import make_tenant_request

    @contextlib.contextmanager
    def run(tenant):
        resolver = registry["tenancy.resolver"]
        resolver.forget_local()
        tm = transaction.TransactionManager(explicit=True)
        request = make_tenant_request(registry, resolver.by_id(tenant.id), tm)
        tm.begin()
        try:
            yield request
            tm.commit()
        except BaseException:
            tm.abort()
            raise
        finally:
            if "db" in request.__dict__:
                request.db.close()

    return run


@pytest.fixture
def cart_rows(db):
    """``cart_rows(tenant, user)``: ``(cart, items)`` as stored (None, [] without one)."""
    from learninghub_cart.models import Cart, CartItem

    def read(tenant, user):
        db.expire_all()
        bind_tenant(db, tenant.id)
        try:
            cart = db.scalar(sa.select(Cart).where(Cart.user_id == user.id))
            items = (
                list(db.scalars(sa.select(CartItem).where(CartItem.cart_id == cart.id)))
                if cart is not None
                else []
            )
            return cart, items
        finally:
            system_session(db)

    return read


@pytest.fixture
def orders_of(db):
    """``orders_of(tenant, user)``: the user's orders as stored."""
    from learninghub_payments.orders.models import Order

    def read(tenant, user):
        db.expire_all()
        return list(
            db.scalars(
                sa.select(Order).where(Order.tenant_id == tenant.id, Order.user_id == user.id)
            )
        )

    return read


@pytest.fixture
def set_price(db):
    """``set_price(course, price_minor)``: an instructor changed the price."""
    from learninghub_courses.models import Course

    def change(course, price_minor):
        row = db.get(Course, course.id)
        row.price_minor = price_minor
        db.flush()

    return change
