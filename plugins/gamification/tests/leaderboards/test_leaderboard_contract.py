"""The leaderboard contract, on both back ends (``harness`` is parametrised over SQL
and Redis in conftest.py): ranks equal a naive ranking computed here (hypothesis, ties
included), the privacy switch, period boundaries in the tenant's time zone, and a
rebuild from the ledger equal to the incremental boards."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from zope.interface.verify import verifyObject

from learninghub_gamification.leaderboards.interfaces import PERIODS, Entry, ILeaderboard, Rank
from learninghub_gamification.leaderboards.periods import local_midnight

ZONES = ["UTC", "America/New_York", "Europe/Berlin", "Asia/Kolkata", "America/Santiago"]
COURSES = [uuid.UUID(int=0xC1), uuid.UUID(int=0xC2)]
HYPOTHESIS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def anchors(zone: ZoneInfo) -> list[datetime]:
    """Period starts ahead of the real clock (Redis expires week and month sets by the
    real clock): a month's first midnight, a Monday's, and the Monday after the zone's
    next DST change."""
    base = (datetime.now(UTC) + timedelta(days=70)).astimezone(zone).date()
    first = (base.replace(day=28) + timedelta(days=4)).replace(day=1)
    monday = first + timedelta(days=(7 - first.weekday()) % 7)
    days = [first, monday]
    for n in range(400):
        day = base + timedelta(days=n)
        noon = datetime(day.year, day.month, day.day, 12, tzinfo=zone)
        if noon.utcoffset() != (noon + timedelta(days=1)).utcoffset():
            after = day + timedelta(days=1)
            days.append(after + timedelta(days=(7 - after.weekday()) % 7))
            break
    return [local_midnight(day, zone) for day in days]


def naive(entries, hidden, period, course_id, zone, now) -> list[Rank]:
    here = now.astimezone(zone)
    totals: dict[uuid.UUID, int] = defaultdict(int)
    for e in entries:
        local = e.when.astimezone(zone)
        if e.user_id in hidden or (course_id is not None and e.course_id != course_id):
            continue
        if period == "week" and local.isocalendar()[:2] != here.isocalendar()[:2]:
            continue
        if period == "month" and (local.year, local.month) != (here.year, here.month):
            continue
        totals[e.user_id] += e.points
    ordered = sorted(totals.items(), key=lambda item: (-item[1], item[0]))
    return [Rank(u, p, 1 + sum(q > p for q in totals.values())) for u, p in ordered]


def boards(harness, users, zone, now) -> dict:
    """Everything the board shows now: top() of each board and rank_of() each user."""
    t = harness.tenant_id
    out = {}
    for period in PERIODS:
        for course in (None, *COURSES):
            out[period, course] = harness.board.top(t, period, course, 100, zone=zone, now=now)
            for user in users:
                out[period, course, user] = harness.board.rank_of(
                    t, user, period, course, zone=zone, now=now
                )
    return out


@st.composite
def scenarios(draw, users):
    zone = ZoneInfo(draw(st.sampled_from(ZONES)))
    now = draw(st.sampled_from(anchors(zone))) + timedelta(minutes=draw(st.integers(-300, 300)))
    minutes_back = st.one_of(st.integers(0, 600), st.integers(0, 60 * 24 * 50))
    entries = draw(
        st.lists(
            st.builds(
                lambda user, points, back, course: Entry(
                    user, points, now - timedelta(minutes=back), course
                ),
                st.sampled_from(users),
                st.integers(0, 6),  # few values: many ties
                minutes_back,
                st.sampled_from([None, *COURSES]),
            ),
            max_size=25,
        )
    )
    hidden = draw(st.sets(st.sampled_from(users), max_size=2))
    return zone, now, entries, hidden


def test_implements_the_interface(harness):
    assert verifyObject(ILeaderboard, harness.board)


def test_ranks_equal_a_naive_ranking(harness, board_users):
    _, users = board_users

    @HYPOTHESIS
    @given(scenarios(users))
    def check(scenario):
        zone, now, entries, hidden = scenario
        harness.reset()
        harness.feed(entries, zone)
        for user in hidden:
            harness.hide(user)
        shown = boards(harness, users, zone, now)
        for period in PERIODS:
            for course in (None, *COURSES):
                expected = naive(entries, hidden, period, course, zone, now)
                assert shown[period, course] == expected, (period, course)
                by_user = {r.user_id: r for r in expected}
                for user in users:
                    assert shown[period, course, user] == by_user.get(user), (period, course)
                page = harness.board.top(
                    harness.tenant_id, period, course, 2, 1, zone=zone, now=now
                )
                assert page == expected[1:3]

    check()


def test_rebuild_equals_incremental(harness, board_users):
    _, users = board_users

    @settings(HYPOTHESIS, max_examples=10)
    @given(scenarios(users))
    def check(scenario):
        zone, now, entries, hidden = scenario
        harness.reset()
        harness.feed(entries, zone)
        for user in hidden:
            harness.hide(user)
        incremental = boards(harness, users, zone, now)
        harness.rebuild(entries, hidden, zone)
        assert boards(harness, users, zone, now) == incremental

    check()


def test_competition_ranking_with_ties(harness, board_users):
    """Points 50, 30, 30, 10 rank 1, 2, 2, 4; equal points are listed by user id."""
    _, users = board_users
    a, b, c, d = sorted(users[:4])
    now = datetime.now(UTC)
    harness.feed(
        [
            Entry(d, 50, now),
            Entry(c, 30, now),
            Entry(a, 20, now),
            Entry(a, 10, now),
            Entry(b, 10, now),
        ],
        UTC,
    )
    top = harness.board.top(harness.tenant_id, "all", now=now)
    assert [(r.user_id, r.points, r.rank) for r in top] == [
        (d, 50, 1),
        (a, 30, 2),
        (c, 30, 2),
        (b, 10, 4),
    ]
    assert harness.board.rank_of(harness.tenant_id, b, "all", now=now) == Rank(b, 10, 4)
    assert harness.board.top(harness.tenant_id, "all", limit=2, offset=2, now=now) == top[2:]
    assert harness.board.top(harness.tenant_id, "all", limit=0, now=now) == []


def test_privacy_switch(harness, board_users):
    _, users = board_users
    first, second, third = users[:3]
    now = datetime.now(UTC)
    course = COURSES[0]
    harness.feed(
        [Entry(first, 40, now, course), Entry(second, 20, now), Entry(third, 10, now, course)],
        UTC,
    )
    t = harness.tenant_id
    harness.hide(first)
    for period in PERIODS:
        for scope in (None, course):
            assert first not in {r.user_id for r in harness.board.top(t, period, scope, now=now)}
            assert harness.board.rank_of(t, first, period, scope, now=now) is None
    assert harness.board.rank_of(t, second, "week", now=now) == Rank(second, 20, 1)
    assert harness.board.rank_of(t, third, "week", course, now=now) == Rank(third, 10, 1)

    later = Entry(first, 5, now, course)  # points earned while hidden
    harness.feed([later], UTC)
    assert harness.board.rank_of(t, first, "all", now=now) is None

    ledger = [Entry(first, 40, now, course), later]
    harness.show(first, ledger, UTC)
    assert harness.board.rank_of(t, first, "all", now=now) == Rank(first, 45, 1)
    assert harness.board.rank_of(t, first, "month", course, now=now) == Rank(first, 45, 1)
    assert harness.board.rank_of(t, second, "all", now=now) == Rank(second, 20, 2)


@pytest.mark.parametrize("zone_name", ["America/New_York", "Asia/Kolkata"])
def test_periods_are_the_tenant_timezone(harness, board_users, zone_name):
    """A Sunday-night or month's-last-evening entry belongs to the tenant's week and
    month even when it is already Monday or the 1st in UTC, and the reverse."""
    _, users = board_users
    zone = ZoneInfo(zone_name)
    t = harness.tenant_id
    monday = anchors(zone)[1]  # a Monday 00:00 local, ahead of the real clock
    now = monday + timedelta(hours=1)
    before, at = users[:2]
    harness.feed([Entry(before, 7, monday - timedelta(minutes=1)), Entry(at, 3, monday)], zone)
    assert harness.board.top(t, "week", zone=zone, now=now) == [Rank(at, 3, 1)]
    assert harness.board.rank_of(t, before, "week", zone=zone, now=now) is None
    week_before = harness.board.top(t, "week", zone=zone, now=monday - timedelta(hours=1))
    assert week_before == [Rank(before, 7, 1)]
    assert [r.user_id for r in harness.board.top(t, "all", zone=zone, now=now)] == [before, at]
