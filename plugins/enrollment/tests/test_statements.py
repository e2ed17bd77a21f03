"""No N+1: My learning, the dashboard widget and the roster run a fixed number of SQL
statements whatever the number of enrolments (5 vs 50)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from learninghub.db import utcnow
from learninghub.testing.sql import counting, page_work


def count(registry, browser, path) -> int:
    browser.get(path)  # warm-up: caches of the first request are not what we measure
    with counting(registry["db.engine"]) as statements:
        r = browser.get(path)
    assert r.status_int == 200, r.text
    return len(page_work(statements))


@pytest.fixture
def learner_with(tenant, user_factory, make_course, enrol_directly):
    def make(n):
        learner = user_factory(tenant)
        for i in range(n):
            setup = make_course(tenant, lessons=1)
            enrol_directly(
                tenant, setup.course, learner, enrolled_at=utcnow() - timedelta(minutes=i)
            )
        return learner

    return make


@pytest.mark.parametrize("path", ["/my-learning", "/dashboard"])
def test_my_learning_statements_do_not_grow(registry, tenant, page_browser, learner_with, path):
    few = count(registry, page_browser(tenant, learner_with(5)), path)
    many = count(registry, page_browser(tenant, learner_with(50)), path)
    assert few == many, (few, many)


def test_roster_statements_do_not_grow(
    registry, tenant, user_factory, make_course, enrol_directly, page_browser
):
    def roster_cost(n):
        instructor = user_factory(tenant, "instructor")
        setup = make_course(tenant, instructor=instructor)
        for i in range(n):
            enrol_directly(
                tenant,
                setup.course,
                user_factory(tenant),
                enrolled_at=utcnow() - timedelta(minutes=i),
            )
        b = page_browser(tenant, instructor)
        page = count(registry, b, f"/teach/courses/{setup.id}/roster")
        csv = count(registry, b, f"/teach/courses/{setup.id}/roster.csv")
        return page, csv

    assert roster_cost(5) == roster_cost(50)
