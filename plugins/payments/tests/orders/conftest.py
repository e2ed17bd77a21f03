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


class _Adjuster:
    """A stand-in discount plugin: grants ``grants`` (Adjustments) and, when ``refuse``
    is set, raises it while reserving; records what it saw and was told."""

    def __init__(self):
        self.grants = []
        self.refuse = None
        self.drafts = []
        self.settled = []

    from learninghub.hookspecs import hookimpl

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
