"""Fixtures of the leaderboard tests: the two back ends behind one harness, so the
contract module runs every test on both (Redis on ``LEARNINGHUB_TEST_REDIS_URL``,
moved to database 9; skipped with a reason without it)."""

from __future__ import annotations

import abc
import uuid
from collections.abc import Iterable, Iterator
from datetime import UTC

import pytest
import sqlalchemy as sa

from learninghub.db import bind_tenant, metadata, system_session
from learninghub.testing.contracts import redis_test_url
from learninghub_gamification.leaderboards.interfaces import Entry
from learninghub_gamification.leaderboards.redis_backend import RedisLeaderboard
from learninghub_gamification.leaderboards.sql import SQLLeaderboard

REDIS_URL = redis_test_url(default_db=9)


class Harness(abc.ABC):
    """Feeds a back end the way production does: the ledger row (and the privacy
    switch) first, then the board call."""

    name: str

    def __init__(self, board, tenant_id: uuid.UUID) -> None:
        self.board = board
        self.tenant_id = tenant_id

    @abc.abstractmethod
    def reset(self) -> None:
        """Empty the board (each implementation its own way)."""

    def feed(self, entries: Iterable[Entry], zone) -> None:
        for e in entries:
            self.board.add(self.tenant_id, e.user_id, e.points, e.when, e.course_id, zone=zone)

    def hide(self, user_id: uuid.UUID) -> None:
        self.board.remove_user(self.tenant_id, user_id)

    def show(self, user_id: uuid.UUID, entries: list[Entry], zone) -> None:
        mine = [e for e in entries if e.user_id == user_id]
        self.board.restore_user(self.tenant_id, user_id, mine, zone=zone)

    def rebuild(self, entries: list[Entry], hidden: Iterable[uuid.UUID], zone) -> None:
        self.board.rebuild(self.tenant_id, entries, hidden=list(hidden), zone=zone)


class SQLHarness(Harness):
    name = "sql"

    def __init__(self, db, tenant_id) -> None:
        super().__init__(SQLLeaderboard(db), tenant_id)
        self.db = db
        self.points = metadata.tables["gamification_points"]
        self.profiles = metadata.tables["gamification_profiles"]

    def reset(self) -> None:
        for table in (self.points, self.profiles):
            self.db.execute(sa.delete(table).where(table.c.tenant_id == self.tenant_id))

    def feed(self, entries, zone) -> None:
        entries = list(entries)
        if entries:
            self.db.execute(
                sa.insert(self.points),
                [
                    {
                        "id": uuid.uuid4(),
                        "tenant_id": self.tenant_id,
                        "user_id": e.user_id,
                        "course_id": e.course_id,
                        "rule": "lesson_completed",
                        "source_key": uuid.uuid4().hex,
                        "points": e.points,
                        "awarded_at": e.when.astimezone(UTC),
                        "local_date": e.when.astimezone(zone).date(),
                    }
                    for e in entries
                ],
            )
        super().feed(entries, zone)

    def _switch(self, user_id, hidden: bool) -> None:
        updated = self.db.execute(
            sa.update(self.profiles)
            .where(self.profiles.c.tenant_id == self.tenant_id, self.profiles.c.user_id == user_id)
            .values(hide_from_leaderboards=hidden)
        ).rowcount
        if not updated:
            self.db.execute(
                sa.insert(self.profiles).values(
                    id=uuid.uuid4(),
                    tenant_id=self.tenant_id,
                    user_id=user_id,
                    hide_from_leaderboards=hidden,
                )
            )

    def hide(self, user_id) -> None:
        self._switch(user_id, True)
        super().hide(user_id)

    def show(self, user_id, entries, zone) -> None:
        self._switch(user_id, False)
        super().show(user_id, entries, zone)


class RedisHarness(Harness):
    name = "redis"

    def reset(self) -> None:
        self.board.clear(self.tenant_id)


@pytest.fixture
def board_users(tenant_factory, user_factory):
    """A bare tenant with six learners (the ledger's user ids are foreign keys)."""
    tenant = tenant_factory(plugins=[])
    return tenant, [user_factory(tenant).id for _ in range(6)]


@pytest.fixture(params=["sql", "redis"])
def harness(request, db, board_users) -> Iterator[Harness]:
    tenant, _ = board_users
    if request.param == "sql":
        db.flush()
        bind_tenant(db, tenant.id)
        try:
            yield SQLHarness(db, tenant.id)
        finally:
            system_session(db)
        return
    if REDIS_URL is None:
        pytest.skip(
            "set LEARNINGHUB_TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/0) to test "
            "the Redis leaderboard"
        )
    board = RedisLeaderboard(REDIS_URL)
    redis_harness = RedisHarness(board, tenant.id)
    try:
        yield redis_harness
    finally:
        board.clear(tenant.id)
        board.close()


@pytest.fixture
def ledger(db):
    """``ledger(tenant, user, points, when=None, course_id=None)``: a points entry
    written as set-up (the rules' own tests cover how entries are earned)."""
    from datetime import datetime

    from learninghub_gamification.models import PointsEntry

    def add(tenant, user, points, when=None, course_id=None):
        when = when or datetime.now(UTC)
        db.flush()
        bind_tenant(db, tenant.id)
        try:
            db.add(
                PointsEntry(
                    tenant_id=tenant.id,
                    user_id=user.id,
                    course_id=course_id,
                    rule="lesson_completed",
                    source_key=uuid.uuid4().hex,
                    points=points,
                    awarded_at=when,
                    local_date=when.date(),
                )
            )
            db.flush()
        finally:
            system_session(db)

    return add


@pytest.fixture
def hide(db):
    """``hide(tenant, user)``: the privacy switch on, as set-up."""
    from learninghub_gamification.models import Profile

    def switch(tenant, user):
        db.flush()
        bind_tenant(db, tenant.id)
        try:
            db.add(Profile(tenant_id=tenant.id, user_id=user.id, hide_from_leaderboards=True))
            db.flush()
        finally:
            system_session(db)

    return switch


@pytest.fixture
def redis_url():
    if REDIS_URL is None:
        pytest.skip(
            "set LEARNINGHUB_TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/0) to test "
            "the Redis leaderboard"
        )
    return REDIS_URL
