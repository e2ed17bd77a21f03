"""Fixtures of the plans part's tests (the Stripe double and signed deliveries come
from the stripe_gateway tests' conftest)."""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from ..stripe_gateway.conftest import (  # noqa: F401  (fixtures)
    deliver,
    stripe_double,
    stripe_server,
)


@pytest.fixture
def make_course(make_course):
    """Courses for sale: one lesson, 19.99 EUR unless told."""
    return functools.partial(make_course, lessons=1, price_minor=1999)


@dataclass
class Catalog:
    tenant: Any
    learner: Any
    admin: Any
    course: Any
    other_course: Any


@pytest.fixture
def catalog(tenant, user_factory, make_course) -> Catalog:
    return Catalog(
        tenant,
        user_factory(tenant, "learner"),
        user_factory(tenant, "admin"),
        make_course(tenant),
        make_course(tenant),
    )


@pytest.fixture
def make_plan(client):
    """``make_plan(catalog, **fields)``: a plan created through the admin API (default:
    9.00 EUR a month for the catalog's first course); returns its JSON."""

    def make(catalog: Catalog, **fields):
        body = {"name": "Monthly", "price_minor": 900, "course_ids": [str(catalog.course.id)]}
        body.update(fields)
        r = client(catalog.tenant, catalog.admin).post_json("/api/v1/admin/plans", body)
        assert r.status_int == 201, r.text
        return r.json

    return make


@pytest.fixture
def subscription_of(tenant_request):
    """``subscription_of(catalog, plan_id, status=..., days=30, **fields)``: a
    subscription of the catalog's learner put in a state through the lifecycle (as
    a gateway would); returns its id."""
    from learninghub.db import utcnow
    from learninghub_payments.plans import lifecycle
    from learninghub_payments.plans.models import Subscription

    def make(catalog: Catalog, plan_id, status="active", days=30, gateway="offline", **fields):
        with tenant_request(catalog.tenant) as request:
            sub = Subscription(
                user_id=catalog.learner.id,
                plan_id=uuid.UUID(str(plan_id)),
                status="incomplete",
                gateway=gateway,
            )
            request.db.add(sub)
            request.db.flush()
            lifecycle.change(
                request,
                sub,
                status=status,
                period_end=utcnow() + timedelta(days=days),
                **fields,
            )
            return sub.id

    return make
