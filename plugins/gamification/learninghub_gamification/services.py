"""Applying domain events: activities, points, streaks, levels and badges, exactly once.

``learninghub_domain_event_emitted`` keeps the wanted events in the kernel's event
inbox (:data:`.rules.WANTED`); the ``gamification.process_event`` task runs
:func:`apply_event` through ``inbox.process``: everything it writes commits with the
inbox row's *done* mark. On top of that every effect has its unique key (activity,
ledger entry, award), so even a replayed event with a new id changes nothing.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from learninghub import inbox
from learninghub.db import utcnow
from learninghub.identity import User
from learninghub.tasks import task

from . import badges, streaks
from .models import Activity, PointsEntry, Profile
from .rules import PLUGIN, WANTED, achievements, learner_of, rule_values
from .settings import GamificationSettings

log = logging.getLogger(__name__)

PROCESS_TASK = "gamification.process_event"
EVALUATE_TASK = "gamification.evaluate_badges"
LEVEL_EVENT = "gamification.level.reached"


# ----------------------------------------------------------------- the inbox


def keep(request, event) -> bool:
    """Keep ``event`` in the inbox when it is one the plugin acts on."""
    if event.name not in WANTED:
        return False
    return inbox.keep(request, PLUGIN, event, PROCESS_TASK)


@task(PROCESS_TASK)
def process_event(request, event_id):
    inbox.process(request, PLUGIN, event_id, apply_event)


@task(EVALUATE_TASK)
def evaluate_badges_task(request):
    evaluate_badges(request)


def evaluate_badges(request) -> int:
    """Award the active badges every learner of the tenant already meets (after a badge
    is created or activated: criteria are otherwise checked at each applied event).
    Each learner's profile is locked while checked, as when an event applies. Returns
    the number of awards made."""
    made = 0
    db = request.db
    for user_id in list(db.scalars(sa.select(Profile.user_id).order_by(Profile.user_id))):
        get_profile(db, user_id, lock=True)
        made += len(badges.check_badges(request, user_id, None))
    return made


# ----------------------------------------------------------------- levels


@dataclass(frozen=True)
class Level:
    number: int
    floor: int  # points at which this level starts
    next_at: int | None  # points of the next level (None at the top)

    def progress_percent(self, points: int) -> int:
        if self.next_at is None:
            return 100
        span = self.next_at - self.floor
        return max(0, min(100, (points - self.floor) * 100 // span))


def level_for(points: int, thresholds: list[int]) -> Level:
    """The level of ``points`` (level 1 from 0 points)."""
    number = sum(1 for t in thresholds if points >= t) or 1
    floor = thresholds[number - 1]
    following = thresholds[number] if number < len(thresholds) else None
    return Level(number, floor, following)


# ----------------------------------------------------------------- profiles


def settings_of(request) -> GamificationSettings:
    return request.plugin_settings(PLUGIN)


def get_profile(db, user_id, *, lock: bool = False) -> Profile | None:
    stmt = sa.select(Profile).where(Profile.user_id == user_id)
    if lock:
        stmt = stmt.with_for_update()
    return db.scalar(stmt)


def profile_for_update(db, user_id) -> Profile:
    """The learner's profile, locked (one learner's events apply one at a time),
    created when missing (a concurrent creation wins: we then lock theirs)."""
    profile = get_profile(db, user_id, lock=True)
    if profile is not None:
        return profile
    try:
        with db.begin_nested():
            db.add(Profile(user_id=user_id))
            db.flush()
    except IntegrityError:
        pass
    return get_profile(db, user_id, lock=True)


def leaderboard_services():
    """``leaderboards.services`` (fed with each ledger entry and privacy change), or None
    while the leaderboards subpackage is absent."""
    from . import leaderboards_module

    if leaderboards_module() is None:
        return None
    try:
        from .leaderboards import services as board_services
    except ImportError:
        return None
    return board_services


# ----------------------------------------------------------------- applying


def _activity_exists(db, user_id, rule: str, key: str) -> bool:
    stmt = sa.select(Activity.id).where(
        Activity.user_id == user_id, Activity.kind == rule, Activity.source_key == key
    )
    return db.scalar(stmt) is not None


def _add_points(
    request, profile: Profile, rule: str, key: str, points: int, *, course_id, when, day, event_id
) -> PointsEntry | None:
    """One ledger row (unless it exists: unique per user, rule and source key)."""
    db = request.db
    stmt = sa.select(PointsEntry.id).where(
        PointsEntry.user_id == profile.user_id,
        PointsEntry.rule == rule,
        PointsEntry.source_key == key,
    )
    if db.scalar(stmt) is not None:
        return None
    entry = PointsEntry(
        user_id=profile.user_id,
        course_id=course_id,
        rule=rule,
        source_key=key,
        points=points,
        awarded_at=when,
        local_date=day,
        source_event_id=event_id,
    )
    db.add(entry)
    db.flush()
    profile.points += points
    boards = leaderboard_services()
    if boards is not None:
        boards.record(request, entry)
    return entry


def apply_event(request, event) -> None:
    """The inbox handler: apply one wanted domain event for its learner."""
    db = request.db
    user_id = learner_of(event)
    found = achievements(event)
    if user_id is None or not found:
        return
    user = db.get(User, user_id)
    if user is None:  # deleted since, or not of this tenant
        return
    profile = profile_for_update(db, user_id)
    settings = settings_of(request)
    values = rule_values(db, settings)
    when = event.occurred_at or utcnow()
    day = streaks.local_date(when, streaks.learner_zone(user, request.tenant))
    new_day = not streaks.is_active_on(db, user_id, day)
    did_something = False
    for item in found:
        if _activity_exists(db, user_id, item.rule, item.source_key):
            continue
        db.add(
            Activity(
                user_id=user_id,
                kind=item.rule,
                source_key=item.source_key,
                course_id=item.course_id,
                source_event_id=event.id,
                occurred_at=when,
                local_date=day,
            )
        )
        db.flush()
        did_something = True
        rule = values[item.rule]
        if rule.enabled and rule.points > 0:
            _add_points(
                request,
                profile,
                item.rule,
                item.source_key,
                rule.points,
                course_id=item.course_id,
                when=when,
                day=day,
                event_id=event.id,
            )
    if not did_something:
        return
    if new_day:
        streaks.record_day(db, user_id, day)
        _streak_points(request, profile, values["daily_streak"], day, when, event.id)
    _update_level(request, profile, settings)
    badges.check_badges(request, user_id, event.id)
    profile.updated_at = utcnow()
    db.flush()


def _streak_points(request, profile: Profile, rule, day: date, when: datetime, event_id) -> None:
    """``daily_streak`` points for each local day that continues a streak (the day
    before it was active): ``day`` itself, and the day after it when a late event
    filled the gap before an already active day. Keyed by the local date: once per day."""
    if not rule.enabled or rule.points <= 0:
        return
    db = request.db
    one = timedelta(days=1)
    for continued in (day, day + one):
        if continued != day and not streaks.is_active_on(db, profile.user_id, continued):
            continue
        if not streaks.is_active_on(db, profile.user_id, continued - one):
            continue
        _add_points(
            request,
            profile,
            "daily_streak",
            continued.isoformat(),
            rule.points,
            course_id=None,
            when=when,
            day=continued,
            event_id=event_id,
        )


def _update_level(request, profile: Profile, settings: GamificationSettings) -> None:
    """``gamification.level.reached`` once per level: ``profile.level`` is the highest
    level reached so far (lowering the thresholds never takes a level away, and a
    level is never announced twice)."""
    reached = level_for(profile.points, settings.level_thresholds).number
    while profile.level < reached:
        profile.level += 1
        request.emit(
            LEVEL_EVENT,
            resource_type="user",
            resource_id=profile.user_id,
            payload={
                "user_id": str(profile.user_id),
                "level": profile.level,
                "points": profile.points,
            },
        )


# ----------------------------------------------------------------- reading


@dataclass(frozen=True)
class Summary:
    points: int
    level: Level
    streak_current: int
    streak_longest: int
    last_active_day: date | None
    hide_from_leaderboards: bool


def summary(request, user) -> Summary:
    """A learner's points, level, streak and privacy switch as they see them now."""
    db = request.db
    profile = get_profile(db, user.id)
    points = profile.points if profile else 0
    streak = streaks.get_streak(db, user.id)
    today = streaks.local_date(utcnow(), streaks.learner_zone(user, request.tenant))
    return Summary(
        points=points,
        level=level_for(points, settings_of(request).level_thresholds),
        streak_current=streaks.current_run(streak, today),
        streak_longest=streak.longest if streak else 0,
        last_active_day=streak.last_day if streak else None,
        hide_from_leaderboards=bool(profile and profile.hide_from_leaderboards),
    )


def set_privacy(request, user_id: uuid.UUID, hidden: bool) -> Profile:
    """The privacy switch: hide the learner from leaderboards and badge holder lists."""
    db = request.db
    profile = profile_for_update(db, user_id)
    changed = profile.hide_from_leaderboards != hidden
    profile.hide_from_leaderboards = hidden
    profile.updated_at = utcnow()
    db.flush()
    if changed:
        boards = leaderboard_services()
        if boards is not None:
            boards.privacy_changed(request, user_id, hidden)
    return profile
