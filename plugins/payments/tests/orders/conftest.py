"""Fixtures of the orders part's tests."""

from __future__ import annotations

import functools

import pytest

from learninghub.hookspecs import hookimpl


@pytest.fixture
def make_course(make_course):
    """Courses for sale: one lesson, 19.99 EUR unless told."""
    return functools.partial(make_course, lessons=1, price_minor=1999)


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
def bare_tenant(tenant_factory):
    """A tenant with payments and its requirements only (no coupons, no cart): the
    stand-in ``adjuster`` is the only discount plugin there."""
    return tenant_factory(plugins=["payments"])
