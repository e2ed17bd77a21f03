"""Daily streaks in the learner's own time zone.

A learner's local day is the event's ``occurred_at`` in their time zone
(``users.timezone``, else the tenant's ``default_timezone``, else UTC; unknown names
fall back the same way). A streak continues when the previous active local day is
yesterday; the day that continues it earns the ``daily_streak`` points once (keyed by
that local date).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa

from .models import Activity, Streak

UTC = ZoneInfo("UTC")


def zone_named(name: str | None) -> ZoneInfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def learner_zone(user, tenant) -> ZoneInfo:
    """The learner's time zone: theirs, else the tenant's, else UTC."""
    return (
        zone_named(getattr(user, "timezone", None))
        or zone_named(getattr(tenant, "default_timezone", None))
        or UTC
    )


def local_date(moment: datetime, zone: ZoneInfo) -> date:
    """The calendar day ``moment`` (timezone-aware; naive means UTC) falls on in ``zone``."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone).date()


def runs(days: list[date]) -> tuple[int, int]:
    """``(current, longest)`` of sorted distinct ``days``: the run ending at the last
    day, and the longest run."""
    current = longest = 0
    previous = None
    for day in days:
        current = current + 1 if previous is not None and day == previous + timedelta(1) else 1
        longest = max(longest, current)
        previous = day
    return current, longest


def active_days(db, user_id) -> list[date]:
    return list(
        db.scalars(
            sa.select(Activity.local_date)
            .where(Activity.user_id == user_id)
            .distinct()
            .order_by(Activity.local_date)
        )
    )


def is_active_on(db, user_id, day: date) -> bool:
    stmt = sa.select(Activity.id).where(Activity.user_id == user_id, Activity.local_date == day)
    return db.scalar(stmt.limit(1)) is not None


def get_streak(db, user_id) -> Streak | None:
    return db.scalar(sa.select(Streak).where(Streak.user_id == user_id))


def record_day(db, user_id, day: date) -> Streak:
    """Count ``day`` (a local day on which the learner just became active) in their
    streak. In order (the usual case) this is arithmetic on ``last_day``; a late event
    (a day before ``last_day``, e.g. a retried task) recomputes from the active days."""
    streak = get_streak(db, user_id)
    if streak is None:
        streak = Streak(user_id=user_id, current=0, longest=0, last_day=None)
        db.add(streak)
    last = streak.last_day
    if last is None or day > last + timedelta(1):
        streak.current, streak.last_day = 1, day
    elif day == last + timedelta(1):
        streak.current, streak.last_day = streak.current + 1, day
    elif day < last:
        db.flush()
        days = active_days(db, user_id)
        current, longest = runs(days)
        streak.current, streak.last_day = current, days[-1]
        streak.longest = max(streak.longest, longest)
    streak.longest = max(streak.longest, streak.current)
    db.flush()
    return streak


def current_run(streak: Streak | None, today: date) -> int:
    """The streak as the learner sees it today: broken (0) when their last active day
    is before yesterday."""
    if streak is None or streak.last_day is None:
        return 0
    return streak.current if streak.last_day >= today - timedelta(1) else 0
