"""Fixtures of the gamification tests (the kernel's pytest plugin and the enrollment
plugin's ``learninghub_enrollment.testing`` bring the rest).

Domain events are fed the way the emitting plugins feed them: kept in the event inbox
inside a transaction (``feed``), the ``gamification.process_event`` task then runs
after commit (the test task back end is in-process). ``ev`` builds the events with the
names and payloads the enrollment, assessment and reviews plugins emit, at a chosen
``occurred_at`` (streaks depend on it).
"""

from __future__ import annotations

import contextlib
import functools
import uuid
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
import transaction

from learninghub import inbox
from learninghub.events import DomainEvent

PLUGINS = ["courses", "media", "content", "enrollment", "audit", "gamification"]
CONSUMER = "gamification"
TASK = "gamification.process_event"


@pytest.fixture
def tenant(tenant_factory):
    return tenant_factory(plugins=PLUGINS)


@pytest.fixture
def other_tenant(tenant_factory):
    return tenant_factory(plugins=PLUGINS)


@pytest.fixture
def make_course(make_course):
    """The enrollment plugin's ``make_course`` with two lessons."""
    return functools.partial(make_course, lessons=2)


@pytest.fixture
def plugin_admin(plugin_operator):
    return plugin_operator("gamification")


@pytest.fixture
def open_request(registry):
    """``with open_request(tenant) as request``: a tenant request in a transaction of its
    own, committed at the end of the block (what a web request or a task has)."""
    from learninghub.tasks import make_tenant_request

    @contextlib.contextmanager
    def make(tenant):
        tm = transaction.TransactionManager(explicit=True)
        tm.begin()
        resolver = registry["tenancy.resolver"]
        request = make_tenant_request(registry, resolver.by_id(tenant.id), tm)
        try:
            yield request
        except BaseException:
            tm.abort()
            raise
        else:
            tm.commit()

    return make


class Events:
    """Builders of the domain events gamification acts on (names and payloads as the
    enrollment, assessment and reviews plugins emit them)."""

    def __init__(self, tenant) -> None:
        self.tenant = tenant

    def _make(self, name, resource_type, resource_id, payload, at) -> DomainEvent:
        return DomainEvent(
            name=name,
            tenant_id=self.tenant.id,
            actor_id=None,
            resource_type=resource_type,
            resource_id=str(resource_id),
            payload=payload,
            occurred_at=at or datetime.now(UTC),
        )

    def lesson(self, user, lesson=None, course=None, at=None) -> DomainEvent:
        return self._make(
            "enrollment.lesson.completed",
            "lesson",
            lesson or uuid.uuid4(),
            {
                "course_id": str(course or uuid.uuid4()),
                "user_id": str(user.id),
                "enrollment_id": str(uuid.uuid4()),
            },
            at,
        )

    def graded(self, user, percent, passed, quiz=None, course=None, at=None) -> DomainEvent:
        return self._make(
            "assessment.attempt.graded",
            "attempt",
            uuid.uuid4(),
            {
                "course_id": str(course or uuid.uuid4()),
                "quiz_id": str(quiz or uuid.uuid4()),
                "user_id": str(user.id),
                "percent": percent,
                "passed": passed,
            },
            at,
        )

    def course(self, user, course=None, at=None) -> DomainEvent:
        return self._make(
            "course.completed",
            "course",
            course or uuid.uuid4(),
            {"user_id": str(user.id), "enrollment_id": str(uuid.uuid4())},
            at,
        )

    def review(self, user, course=None, at=None) -> DomainEvent:
        return self._make(
            "reviews.review.created",
            "review",
            uuid.uuid4(),
            {"course_id": str(course or uuid.uuid4()), "user_id": str(user.id), "rating": 5},
            at,
        )


@pytest.fixture
def ev(tenant):
    return Events(tenant)


@pytest.fixture
def feed(open_request):
    """``feed(tenant, *events)``: keep the events in the inbox in one transaction, as
    the emitting plugins do; their tasks run after the commit. Returns how many were
    kept (a replayed id is not kept again)."""

    def run(tenant, *events) -> int:
        with open_request(tenant) as request:
            return sum(inbox.keep(request, CONSUMER, e, TASK) for e in events)

    return run


@pytest.fixture
def ledger(db):
    """``ledger(tenant, user=None)``: ``[(rule, source_key, points)]`` sorted."""
    from learninghub_gamification.models import PointsEntry

    def read(tenant, user=None):
        db.expire_all()
        stmt = sa.select(PointsEntry.rule, PointsEntry.source_key, PointsEntry.points).where(
            PointsEntry.tenant_id == tenant.id
        )
        if user is not None:
            stmt = stmt.where(PointsEntry.user_id == user.id)
        return sorted(tuple(r) for r in db.execute(stmt).all())

    return read


@pytest.fixture
def held(db):
    """``held(tenant, user)``: slugs of the badges the user holds (not revoked)."""
    from learninghub_gamification.models import Award, Badge

    def read(tenant, user):
        db.expire_all()
        stmt = (
            sa.select(Badge.slug)
            .join(Award, Award.badge_id == Badge.id)
            .where(
                Award.tenant_id == tenant.id,
                Award.user_id == user.id,
                Award.revoked_at.is_(None),
            )
        )
        return sorted(db.scalars(stmt))

    return read


@pytest.fixture
def streak_of(db):
    """``streak_of(user)``: ``(current, longest, last_day)`` as stored, or None."""
    from learninghub_gamification.models import Streak

    def read(user):
        db.expire_all()
        row = db.scalar(sa.select(Streak).where(Streak.user_id == user.id))
        return None if row is None else (row.current, row.longest, row.last_day)

    return read


@pytest.fixture
def page_client(client, session_cookie):
    """``page_client(tenant, user=None)``: a client signed in with a page session."""

    def make(tenant, user=None):
        c = client(tenant)
        if user is not None:
            c.headers["Cookie"] = session_cookie(tenant, user)
        return c

    return make
