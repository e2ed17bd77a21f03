"""Fixtures of the enrollment tests. The kernel's pytest plugin brings the rest, and
this plugin's own (``learninghub_enrollment.testing``, entry point ``pytest11``) the
catalog set-up: ``make_course``, ``course_row``, ``enrollment_row``,
``enrol_directly``.
"""

from __future__ import annotations

import uuid

import pytest

from learninghub.hookspecs import hookimpl

PLUGIN = "enrollment"


@pytest.fixture
def plugin_admin(plugin_operator):
    """Change this plugin's enablement or settings for a tenant, as an operator would."""
    return plugin_operator(PLUGIN)


@pytest.fixture
def catalog_tenant(tenant_factory):
    """A tenant with the catalog plugins only (no payments, no cart): the stand-in
    ``seller`` is the only one selling there, and without it nobody does."""
    return tenant_factory(plugins=["enrollment"])


class Seller:
    """A stand-in commerce plugin: sells every paid course."""

    @hookimpl
    def learninghub_enrollment_paid_enrolment(self, request, course):
        from markupsafe import Markup

        return Markup('<a class="buy" href="/buy/{}">Buy</a>').format(course.id)


@pytest.fixture
def seller(registry):
    pm = registry["plugins"].pm
    name = f"test-seller-{uuid.uuid4().hex[:6]}"
    pm.register(Seller(), name=name)
    try:
        yield
    finally:
        pm.unregister(name=name)
