"""Fixtures shared by every part of the payments tests (each part's folder may add its
own conftest.py). The kernel's pytest plugin brings the rest (``tenant``, ``client``,
``run_task``, ``dispatched``...), the enrollment plugin's (``learninghub_enrollment.testing``)
the catalog set-up rows: ``make_course``, ``course_row``, ``enrollment_row``,
``enrol_directly``.
"""

from __future__ import annotations

import contextlib

import pytest

PLUGIN = "payments"


@pytest.fixture
def plugin_admin(plugin_operator):
    """Change this plugin's enablement or settings for a tenant, as an operator would."""
    return plugin_operator(PLUGIN)


@pytest.fixture
def tenant_request(registry):
    """``with tenant_request(tenant) as request:`` a request bound to ``tenant`` (no
    identity) in a transaction of its own, committed when the block ends without an
    exception (``commit=False``: aborted), like a task's. For service-level tests."""
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
