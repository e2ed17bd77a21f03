"""Feeding a board that needs it (Redis) after commit and never for a rolled-back
entry, the privacy switch through the service, a rebuild from the ledger equal to the
SQL board, and the back end chosen by the instance setting."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from learninghub.errors import ConfigurationError
from learninghub_gamification.leaderboards import make_factory, services
from learninghub_gamification.leaderboards.interfaces import Rank
from learninghub_gamification.leaderboards.redis_backend import RedisLeaderboard
from learninghub_gamification.leaderboards.sql import SQLLeaderboard


@pytest.fixture
def redis_board(redis_url, tenant, monkeypatch):
    board = RedisLeaderboard(redis_url)
    monkeypatch.setattr(services, "board", lambda request: board)
    yield board
    board.clear(tenant.id)
    board.close()


def entry(user, points, course_id=None):
    return SimpleNamespace(
        user_id=user.id, points=points, awarded_at=datetime.now(UTC), course_id=course_id
    )


def test_record_counts_after_commit_only(tenant, user_factory, open_request, redis_board):
    kept, dropped = user_factory(tenant), user_factory(tenant)
    with pytest.raises(RuntimeError), open_request(tenant) as request:
        services.record(request, entry(dropped, 50))
        raise RuntimeError("the ledger write rolls back")
    with open_request(tenant) as request:
        services.record(request, entry(kept, 7))
        assert redis_board.rank_of(tenant.id, kept.id, "all") is None  # not yet committed
    assert redis_board.top(tenant.id, "all") == [Rank(kept.id, 7, 1)]
    assert redis_board.top(tenant.id, "week") == [Rank(kept.id, 7, 1)]


def test_privacy_switch_and_rebuild(
    tenant, user_factory, open_request, ledger, hide, db, redis_board
):
    ada, bob = user_factory(tenant), user_factory(tenant)
    ledger(tenant, ada, 30)
    ledger(tenant, bob, 20)
    ledger(tenant, bob, 5)
    with open_request(tenant) as request:
        assert services.rebuild(request) == 3
    assert [r.points for r in redis_board.top(tenant.id, "all")] == [30, 25]

    with open_request(tenant) as request:
        services.privacy_changed(request, ada.id, True)
    assert redis_board.rank_of(tenant.id, ada.id, "all") is None
    with open_request(tenant) as request:
        services.privacy_changed(request, ada.id, False)
    assert redis_board.rank_of(tenant.id, ada.id, "month") == Rank(ada.id, 30, 1)

    hide(tenant, bob)  # set in the ledger's database while Redis missed it: drift
    with open_request(tenant) as request:
        services.rebuild(request)
        sql = SQLLeaderboard(request.db).top(tenant.id, "all")
    assert redis_board.top(tenant.id, "all") == sql == [Rank(ada.id, 30, 1)]


def test_an_unreachable_redis_is_logged_not_raised(
    tenant, user_factory, open_request, monkeypatch, caplog
):
    board = RedisLeaderboard("redis://127.0.0.1:1/9")
    monkeypatch.setattr(services, "board", lambda request: board)
    with caplog.at_level(logging.ERROR), open_request(tenant) as request:
        services.record(request, entry(user_factory(tenant), 5))
    assert "rebuild-leaderboards" in caplog.text


def test_backend_chosen_by_the_instance_setting():
    def registry(name):
        return {
            "plugins": SimpleNamespace(
                instance_defaults={"gamification": {"leaderboard_backend": name}}
            )
        }

    request = SimpleNamespace(db=object())
    assert isinstance(make_factory(registry("sql"), {})(None, request), SQLLeaderboard)
    redis_factory = make_factory(registry("redis"), {"cache.url": "redis://127.0.0.1:1/9"})
    assert isinstance(redis_factory(None, request), RedisLeaderboard)
    assert redis_factory(None, request) is redis_factory(None, request)  # one per process
    with pytest.raises(ConfigurationError, match="leaderboard_backend"):
        make_factory(registry("redis"), {"cache.url": "memory://"})
