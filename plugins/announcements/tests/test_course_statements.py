"""No N+1: the lists, the dashboard widget and the landing page section run a fixed
number of SQL statements whatever the number of announcements and of courses."""

from __future__ import annotations

from datetime import timedelta

import pytest

from learninghub.db import utcnow
from learninghub.testing.sql import counting, page_work


def statements(registry, get, path) -> int:
    get(path)  # warm-up: caches of the first request are not what we measure
    with counting(registry["db.engine"]) as seen:
        r = get(path)
    assert r.status_int == 200, r.text
    return len(page_work(seen))


@pytest.fixture
def learner_in(tenant, user_factory, make_course, enrol, make_announcement):
    """``learner_in(n)``: a learner enrolled in ``n`` courses with two announcements
    each, plus ``n`` tenant-wide ones and ``n`` of courses they are not in."""

    def make(n):
        learner = user_factory(tenant)
        base = utcnow()
        for i in range(n):
            course = make_course(tenant, instructor=user_factory(tenant, "instructor"))
            enrol(tenant, course, learner)
            for j in range(2):
                when = base - timedelta(minutes=3 * i + j)
                make_announcement(tenant, course=course, published_at=when)
            make_announcement(tenant, course=make_course(tenant))
            make_announcement(tenant)
        return learner

    return make


@pytest.mark.parametrize("path", ["/api/v1/announcements", "/api/v1/announcements?limit=100"])
def test_api_list_statements_do_not_grow(registry, tenant, client, learner_in, path):
    def cost(n):
        c = client(tenant, learner_in(n))
        return statements(registry, c.get, path)

    few, many = cost(2), cost(15)
    assert few == many and few > 0, (few, many)


@pytest.mark.parametrize("path", ["/announcements", "/dashboard"])
def test_page_statements_do_not_grow(registry, tenant, page_browser, learner_in, path):
    def cost(n):
        return statements(registry, page_browser(tenant, learner_in(n)).get, path)

    few, many = cost(2), cost(15)
    assert few == many and few > 0, (few, many)


def test_course_list_and_landing_statements_do_not_grow(
    registry, tenant, client, page_browser, course_world, make_announcement
):
    w = course_world

    def cost(n):
        for _ in range(n):
            make_announcement(tenant, course=w.course)
        api = statements(
            registry, client(tenant, w.learner).get, f"/api/v1/courses/{w.course.id}/announcements"
        )
        landing = statements(
            registry, page_browser(tenant, w.learner).get, f"/courses/{w.course.slug}"
        )
        teach = statements(
            registry,
            page_browser(tenant, w.instructor).get,
            f"/teach/courses/{w.course.id}/announcements",
        )
        return api, landing, teach

    few, many = cost(1), cost(12)
    assert few == many and few[0] > 0, (few, many)
