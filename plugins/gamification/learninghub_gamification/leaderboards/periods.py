"""Periods of the leaderboards in a time zone: the ISO week and the month holding an
instant, as keys (Redis) and as half-open UTC windows (SQL)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo

from .interfaces import Period


def as_utc(when: datetime) -> datetime:
    if when.tzinfo is None:
        raise ValueError("leaderboard times must be timezone-aware")
    return when.astimezone(UTC)


def local_midnight(day: date, zone: tzinfo) -> datetime:
    """The first instant (UTC) of local ``day`` in ``zone``. Where a DST change falls
    on midnight, 00:00 may not exist (the day starts at the change) or happen twice
    (the day starts at the second one)."""
    candidates = []
    for fold in (0, 1):
        instant = datetime(day.year, day.month, day.day, fold=fold, tzinfo=zone).astimezone(UTC)
        if instant.astimezone(zone).date() >= day:
            candidates.append(instant)
    return min(candidates)


def period_start_day(period: Period, local: date) -> date:
    if period == "week":
        return local - timedelta(days=local.weekday())
    if period == "month":
        return local.replace(day=1)
    raise ValueError(f"no window for period {period!r}")


def next_start_day(period: Period, start: date) -> date:
    if period == "week":
        return start + timedelta(days=7)
    return (start.replace(day=28) + timedelta(days=4)).replace(day=1)


def window(period: Period, when: datetime, zone: tzinfo) -> tuple[datetime, datetime] | None:
    """[start, end) in UTC of the week or month holding ``when``; None for ``all``."""
    if period == "all":
        return None
    start = period_start_day(period, as_utc(when).astimezone(zone).date())
    return local_midnight(start, zone), local_midnight(next_start_day(period, start), zone)


def period_key(period: Period, when: datetime, zone: tzinfo) -> str:
    """``w2026-48`` (ISO year and week), ``m2026-11``, or ``all``."""
    if period == "all":
        return "all"
    local = as_utc(when).astimezone(zone).date()
    if period == "week":
        year, week, _ = local.isocalendar()
        return f"w{year:04d}-{week:02d}"
    if period == "month":
        return f"m{local.year:04d}-{local.month:02d}"
    raise ValueError(f"unknown period {period!r}")
