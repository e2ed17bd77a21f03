"""Daily streaks in the learner's own time zone: across midnight in two time zones, the
tenant's zone as the fallback, across both Europe/Madrid DST changes of 2026, broken
and late-filled streaks, and the streak points once per local day."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from learninghub_gamification.models import Activity


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def in_zone(db, user, zone: str):
    user.timezone = zone
    db.flush()
    return user


def local_days(db, user) -> list[date]:
    db.expire_all()
    stmt = sa.select(Activity.local_date).where(Activity.user_id == user.id)
    return sorted(db.scalars(stmt.order_by(Activity.occurred_at)))


def streak_points(ledger, tenant, user) -> list[str]:
    return [key for rule, key, _ in ledger(tenant, user) if rule == "daily_streak"]


def test_midnight_in_new_york_and_tokyo(tenant, user_factory, db, ev, feed, streak_of, ledger):
    new_york = in_zone(db, user_factory(tenant), "America/New_York")
    tokyo = in_zone(db, user_factory(tenant), "Asia/Tokyo")
    # 23:30 and 00:30 in New York (EST, UTC-5): two local days
    late, early = utc(2026, 1, 10, 4, 30), utc(2026, 1, 10, 5, 30)
    # 23:30 and 00:30 in Tokyo (JST, UTC+9)
    tokyo_late, tokyo_early = utc(2026, 1, 10, 14, 30), utc(2026, 1, 10, 15, 30)
    for user in (new_york, tokyo):
        for at in (late, early, tokyo_late, tokyo_early):
            feed(tenant, ev.lesson(user, at=at))
    assert local_days(db, new_york) == [
        date(2026, 1, 9),
        date(2026, 1, 10),
        date(2026, 1, 10),
        date(2026, 1, 10),
    ]
    assert local_days(db, tokyo) == [
        date(2026, 1, 10),
        date(2026, 1, 10),
        date(2026, 1, 10),
        date(2026, 1, 11),
    ]
    assert streak_of(new_york) == (2, 2, date(2026, 1, 10))
    assert streak_of(tokyo) == (2, 2, date(2026, 1, 11))
    # the day that continues the streak earns its points once, keyed by the local date
    assert streak_points(ledger, tenant, new_york) == ["2026-01-10"]
    assert streak_points(ledger, tenant, tokyo) == ["2026-01-11"]


def test_the_tenant_zone_applies_when_the_learner_has_none(
    tenant_factory, user_factory, db, feed, streak_of
):
    from learninghub.tenancy import Tenant

    from .conftest import PLUGINS, Events

    t = tenant_factory(plugins=PLUGINS)
    db.get(Tenant, t.id).default_timezone = "Asia/Tokyo"
    db.flush()
    learner = user_factory(t)  # no time zone of their own
    ev = Events(t)
    feed(
        t,
        ev.lesson(learner, at=utc(2026, 1, 10, 14, 30)),
        ev.lesson(learner, at=utc(2026, 1, 10, 15, 30)),
    )
    assert streak_of(learner) == (2, 2, date(2026, 1, 11))
    utc_learner = in_zone(db, user_factory(t), "Not/AZone")  # unknown: the tenant's
    feed(t, ev.lesson(utc_learner, at=utc(2026, 1, 10, 15, 30)))
    assert streak_of(utc_learner)[2] == date(2026, 1, 11)


def test_across_the_madrid_dst_changes(tenant, user_factory, db, ev, feed, streak_of, ledger):
    madrid = in_zone(db, user_factory(tenant), "Europe/Madrid")
    spring = [
        utc(2026, 3, 28, 22, 30),  # 23:30 CET, 28 March
        utc(2026, 3, 28, 23, 30),  # 00:30 CET, 29 March (clocks go forward at 02:00)
        utc(2026, 3, 29, 22, 30),  # 00:30 CEST, 30 March (still the 29th in UTC)
    ]
    for at in spring:
        feed(tenant, ev.lesson(madrid, at=at))
    assert local_days(db, madrid) == [date(2026, 3, 28), date(2026, 3, 29), date(2026, 3, 30)]
    assert streak_of(madrid) == (3, 3, date(2026, 3, 30))

    autumn_user = in_zone(db, user_factory(tenant), "Europe/Madrid")
    autumn = [
        utc(2026, 10, 24, 22, 30),  # 00:30 CEST, 25 October (clocks go back at 03:00)
        utc(2026, 10, 25, 22, 30),  # 23:30 CET, still 25 October
        utc(2026, 10, 25, 23, 30),  # 00:30 CET, 26 October
    ]
    for at in autumn:
        feed(tenant, ev.lesson(autumn_user, at=at))
    assert local_days(db, autumn_user) == [
        date(2026, 10, 25),
        date(2026, 10, 25),
        date(2026, 10, 26),
    ]
    assert streak_of(autumn_user) == (2, 2, date(2026, 10, 26))
    assert streak_points(ledger, tenant, autumn_user) == ["2026-10-26"]
    assert streak_points(ledger, tenant, madrid) == ["2026-03-29", "2026-03-30"]


def test_a_gap_breaks_the_streak_and_a_late_event_fills_it(
    tenant, user_factory, db, ev, feed, streak_of, ledger, client
):
    learner = in_zone(db, user_factory(tenant), "UTC")
    day = utc(2026, 5, 4, 12)
    feed(tenant, ev.lesson(learner, at=day))
    feed(tenant, ev.lesson(learner, at=day + timedelta(days=2)))  # the 5th missed
    assert streak_of(learner) == (1, 1, date(2026, 5, 6))
    assert streak_points(ledger, tenant, learner) == []
    feed(tenant, ev.lesson(learner, at=day + timedelta(days=1)))  # a late event of the 5th
    assert streak_of(learner) == (3, 3, date(2026, 5, 6))
    assert streak_points(ledger, tenant, learner) == ["2026-05-05", "2026-05-06"]
    feed(tenant, ev.lesson(learner, at=day + timedelta(days=5)))
    assert streak_of(learner) == (1, 3, date(2026, 5, 9))
    # long past: the streak shows broken today, the longest stays
    streak = client(tenant, learner).get("/api/v1/gamification/me").json["streak"]
    assert streak == {"current": 0, "longest": 3, "last_active_day": "2026-05-09"}


def test_seven_days_in_a_row_earn_on_a_roll(tenant, user_factory, db, ev, feed, held, streak_of):
    learner = in_zone(db, user_factory(tenant), "Asia/Tokyo")
    start = utc(2026, 2, 1, 14, 59)  # 23:59 in Tokyo
    feed(tenant, *[ev.lesson(learner, at=start + timedelta(days=n)) for n in range(6)])
    assert streak_of(learner)[:2] == (6, 6) and "on-a-roll" not in held(tenant, learner)
    feed(tenant, ev.review(learner, at=start + timedelta(days=6)))
    assert streak_of(learner)[:2] == (7, 7) and "on-a-roll" in held(tenant, learner)
