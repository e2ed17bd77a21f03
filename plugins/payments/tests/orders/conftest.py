"""Fixtures of the orders part's tests."""

from __future__ import annotations

import functools

import pytest


@pytest.fixture
def make_course(make_course):
    """Courses for sale: one lesson, 19.99 EUR unless told."""
    return functools.partial(make_course, lessons=1, price_minor=1999)


@pytest.fixture
def line():
    """``line(course, quantity=1, kind=None)``: the DraftLine buying ``course`` (a
    CourseSetup or a Course) at its price; kind ``seats`` when quantity > 1."""
    from learninghub_payments.drafts import DraftLine

    def make(course, quantity=1, kind=None):
        course = getattr(course, "course", course)
        return DraftLine(
            course_id=course.id,
            quantity=quantity,
            unit_price_minor=course.price_minor,
            title=course.title,
            kind=kind or ("seats" if quantity > 1 else "course"),
        )

    return make


from learninghub.hookspecs import hookimpl  # noqa: E402


class _Adjuster:
    """A stand-in discount plugin: grants ``grants`` (Adjustments) and, when ``refuse``
    is set, raises it while reserving; records what it saw and was told."""

    def __init__(self):
        self.grants = []
        self.refuse = None
        self.drafts = []
        self.settled = []

    @hookimpl
    def learninghub_payments_adjustments(self, request, draft):
        self.drafts.append(draft)
        if draft.reserve and self.refuse is not None:
            raise self.refuse
        return list(self.grants)

    @hookimpl
    def learninghub_payments_order_settled(self, request, order, outcome):
        self.settled.append((order.id, outcome))


@pytest.fixture
def adjuster(registry):
    """A hook implementation registered under a name that is not a plugin's (called
    for every tenant), unregistered afterwards."""
    plugin = _Adjuster()
    pm = registry["plugins"].pm
    pm.register(plugin, name="test-payments-adjuster")
    yield plugin
    pm.unregister(plugin)


@pytest.fixture
def place(tenant_request, line):
    """``place(tenant, user, course, ..., seats=(), paid=False, **kwargs)`` places an
    order (``seats``: (course, quantity) pairs) through ``checkout.place_order`` in a
    committed transaction of its own, marked paid through the settlement service when
    ``paid``; returns the order's id."""
    from learninghub.identity import User
    from learninghub_payments import checkout
    from learninghub_payments.orders import settlement

    def make(tenant, user, *courses, seats=(), paid=False, **kwargs):
        lines = [line(c) for c in courses] + [line(c, q) for c, q in seats]
        with tenant_request(tenant) as request:
            order = checkout.place_order(request, request.db.get(User, user.id), lines, **kwargs)
            if paid:
                settlement.mark_paid(request, order, reference="test")
            return order.id

    return make


@pytest.fixture
def order_row(db):
    """``order_row(order_id)``: the order as stored now."""
    from learninghub.db import system_session
    from learninghub_payments.orders.models import Order

    def read(order_id):
        session = system_session(db)
        session.expire_all()
        return session.get(Order, order_id)

    return read


@pytest.fixture
def bare_tenant(tenant_factory):
    """A tenant with payments and its requirements only (no coupons, no cart): the
    stand-in ``adjuster`` is the only discount plugin there."""
    return tenant_factory(plugins=["payments"])
