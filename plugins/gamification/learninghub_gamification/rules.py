"""The points rules: which domain events give what, and each tenant's points.

A rule's points come from the tenant's row in ``gamification_rules`` when there is
one (an admin changed it), else from the settings' defaults.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa

from learninghub.db import utcnow

from .models import RULE_KEYS, Rule
from .settings import GamificationSettings

PLUGIN = "gamification"

LESSON_COMPLETED = "enrollment.lesson.completed"
ATTEMPT_GRADED = "assessment.attempt.graded"
COURSE_COMPLETED = "course.completed"
REVIEW_CREATED = "reviews.review.created"

#: the domain events the plugin keeps in its inbox
WANTED = frozenset({LESSON_COMPLETED, ATTEMPT_GRADED, COURSE_COMPLETED, REVIEW_CREATED})


@dataclass(frozen=True)
class Achievement:
    """One thing a domain event says a learner did: ``rule`` (also the activity's
    kind), ``source_key`` its natural key (the same lesson, quiz or course gives its
    points once however often it is redone), ``course_id`` for course boards."""

    rule: str
    source_key: str
    course_id: uuid.UUID | None


@dataclass(frozen=True)
class RuleValue:
    rule: str
    points: int
    enabled: bool
    customised: bool


def _uuid(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError):
        return None


def learner_of(event) -> uuid.UUID | None:
    """The learner a wanted event is about (its payload's ``user_id``)."""
    return _uuid((event.payload or {}).get("user_id"))


def is_perfect(percent) -> bool:
    """A graded attempt at the maximum score (``percent`` as the event carries it,
    e.g. ``"100.00"``)."""
    if percent is None:
        return False
    try:
        return Decimal(str(percent)) >= 100
    except InvalidOperation:
        return False


def achievements(event) -> list[Achievement]:
    """What ``event`` (a wanted domain event) earns, before rules and points."""
    payload = event.payload or {}
    course = _uuid(payload.get("course_id"))
    if event.name == LESSON_COMPLETED:
        return [Achievement("lesson_completed", str(event.resource_id), course)]
    if event.name == COURSE_COMPLETED:
        course = _uuid(event.resource_id)
        return [Achievement("course_completed", str(event.resource_id), course)]
    if event.name == REVIEW_CREATED:
        # one review per course and learner: keyed by the course, so deleting and
        # writing the review again earns nothing twice
        key = str(course) if course is not None else str(event.resource_id)
        return [Achievement("review_posted", key, course)]
    if event.name == ATTEMPT_GRADED:
        quiz = payload.get("quiz_id") or event.resource_id
        found = []
        if payload.get("passed") is True:
            found.append(Achievement("quiz_passed", str(quiz), course))
        if is_perfect(payload.get("percent")):
            found.append(Achievement("perfect_score", str(quiz), course))
        return found
    return []


def rule_values(db, settings: GamificationSettings) -> dict[str, RuleValue]:
    """Every rule of the tenant (the session's), in :data:`RULE_KEYS` order."""
    rows = {r.rule: r for r in db.scalars(sa.select(Rule))}
    values = {}
    for key in RULE_KEYS:
        row = rows.get(key)
        if row is None:
            values[key] = RuleValue(key, settings.default_points(key), True, False)
        else:
            values[key] = RuleValue(key, row.points, row.enabled, True)
    return values


def set_rule(db, rule: str, *, points: int, enabled: bool, by: uuid.UUID | None) -> Rule:
    """Store the tenant's points for ``rule`` (created or updated)."""
    row = db.scalar(sa.select(Rule).where(Rule.rule == rule))
    if row is None:
        row = Rule(rule=rule)
        db.add(row)
    row.points, row.enabled, row.updated_by, row.updated_at = points, enabled, by, utcnow()
    db.flush()
    return row
