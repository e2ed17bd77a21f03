"""No N+1: My learning, the dashboard widget and the roster run a fixed number of SQL
statements whatever the number of enrolments (5 vs 50)."""

from __future__ import annotations

import contextlib
from datetime import timedelta

import pytest
import sqlalchemy as sa

from learninghub.db import utcnow


@contextlib.contextmanager
def counting(engine):
    statements: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)


#: the kernel's tenant snapshot (cached up to 5 s, reloaded when another node or a
#: test changes a tenant) and PostgreSQL's per-transaction RLS setting are not page work
NOT_PAGE_WORK = ("FROM tenants", "FROM tenant_domains", "FROM tenant_plugins", "set_config(")


def page_work(statements: list[str]) -> list[str]:
    return [s for s in statements if not any(marker in s for marker in NOT_PAGE_WORK)]


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
