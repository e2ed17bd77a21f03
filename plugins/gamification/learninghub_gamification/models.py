"""Tables of the gamification plugin (prefix ``gamification_``).

Every effect of a domain event has a unique key, so a replayed event or a re-run
handler changes nothing (docs/design/engagement-contracts.md):

* an activity (what the learner did, whatever the rules say): unique (tenant, user,
  kind, source_key);
* a points entry (the ledger): unique (tenant, user, rule, source_key);
* a badge award: unique (tenant, badge, user).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from learninghub.db import Base, TenantScoped, new_id, utcnow

#: the rule keys, in the order the admin page lists them
RULE_KEYS = (
    "lesson_completed",
    "quiz_passed",
    "perfect_score",
    "course_completed",
    "review_posted",
    "daily_streak",
)

#: the kinds of badge criteria
CRITERIA_KINDS = (
    "lesson_completions",
    "course_completions",
    "streak",
    "perfect_scores",
    "points",
    "manual",
)


class Rule(TenantScoped, Base):
    """A tenant's points for one rule. Absent: the defaults of the settings apply."""

    __tablename__ = "gamification_rules"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "rule"),
        sa.CheckConstraint("points >= 0 AND points <= 100000", name="points"),
    )

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=new_id)
    rule: Mapped[str] = mapped_column(sa.String(40))
    points: Mapped[int] = mapped_column(default=0)
    enabled: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[uuid.UUID | None] = mapped_column(
        sa.Uuid, sa.ForeignKey("users.id", ondelete="SET NULL"), default=None
    )


class Activity(TenantScoped, Base):
    """Something a learner did that counts (a lesson completed, a quiz passed, ...),
    once per achievement: ``source_key`` is its natural key (the lesson, the quiz,
    the course), so doing it again gives nothing twice. Badge criteria count these,
    streaks are made of their ``local_date`` (the learner's local day), whether or not
    the tenant's rules give points for them."""

    __tablename__ = "gamification_activities"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "user_id", "kind", "source_key"),
        sa.Index("ix_gamification_activities_user_day", "tenant_id", "user_id", "local_date"),
    )

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("users.id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(sa.String(40))
    source_key: Mapped[str] = mapped_column(sa.String(100))
    course_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid, default=None)
    source_event_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid, default=None)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    local_date: Mapped[date] = mapped_column(sa.Date)


class PointsEntry(TenantScoped, Base):
    """The points ledger: one row per (user, rule, source_key). ``course_id`` scopes
    the entry for course leaderboards (no foreign key: the points stay when a course
    is deleted). ``local_date`` is the learner's local day of the activity."""

    __tablename__ = "gamification_points"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "user_id", "rule", "source_key"),
        sa.Index("ix_gamification_points_tenant_awarded", "tenant_id", "awarded_at"),
        sa.Index("ix_gamification_points_user", "tenant_id", "user_id"),
        # the per-course leaderboards: one course's entries in a period
        sa.Index("ix_gamification_points_course", "tenant_id", "course_id", "awarded_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("users.id", ondelete="CASCADE")
    )
    course_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid, default=None)
    rule: Mapped[str] = mapped_column(sa.String(40))
    source_key: Mapped[str] = mapped_column(sa.String(100))
    points: Mapped[int] = mapped_column()
    awarded_at: Mapped[datetime] = mapped_column(default=utcnow)
    local_date: Mapped[date] = mapped_column(sa.Date)
    source_event_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid, default=None)


class Badge(TenantScoped, Base):
    """A badge a tenant awards. ``image``: ``builtin:<name>`` (an SVG shipped in
    ``static/badges/<name>.svg``) or ``media:<asset id>``. ``criteria``: one of
    ``{"kind": "lesson_completions", "count": n}``, ``{"kind": "course_completions",
    "count": n}``, ``{"kind": "streak", "days": n}``, ``{"kind": "perfect_scores",
    "count": n}``, ``{"kind": "points", "total": n}``, ``{"kind": "manual"}``."""

    __tablename__ = "gamification_badges"
    __table_args__ = (sa.UniqueConstraint("tenant_id", "slug"),)

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=new_id)
    slug: Mapped[str] = mapped_column(sa.String(60))
    name: Mapped[str] = mapped_column(sa.String(120))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    image: Mapped[str] = mapped_column(sa.String(120), default="builtin:star")
    criteria: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Award(TenantScoped, Base):
    """A badge held by a user, once per (badge, user). ``awarded_by`` null: earned by
    the criteria (``source_event_id`` the event that completed them); set: awarded by
    an admin. A revoked award keeps its row (its Open Badges assertion then answers
    ``revoked``) and the criteria never award it again; an admin may award it anew.
    ``salt`` hashes the recipient's email in the assertion."""

    __tablename__ = "gamification_awards"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "badge_id", "user_id"),
        sa.Index("ix_gamification_awards_user", "tenant_id", "user_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=new_id)
    badge_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("gamification_badges.id", ondelete="CASCADE")
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("users.id", ondelete="CASCADE")
    )
    awarded_at: Mapped[datetime] = mapped_column(default=utcnow)
    awarded_by: Mapped[uuid.UUID | None] = mapped_column(
        sa.Uuid, sa.ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    source_event_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid, default=None)
    salt: Mapped[str] = mapped_column(sa.String(64), default="")
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_by: Mapped[uuid.UUID | None] = mapped_column(
        sa.Uuid, sa.ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    revocation_reason: Mapped[str] = mapped_column(sa.Text, default="")


class Streak(TenantScoped, Base):
    """A learner's daily streak: ``last_day`` is the last local day (the learner's
    timezone) with a qualifying activity; ``current`` the run of consecutive days
    ending there (broken when the learner's today is later than ``last_day`` + 1)."""

    __tablename__ = "gamification_streaks"
    __table_args__ = (sa.UniqueConstraint("tenant_id", "user_id"),)

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("users.id", ondelete="CASCADE")
    )
    current: Mapped[int] = mapped_column(default=0)
    longest: Mapped[int] = mapped_column(default=0)
    last_day: Mapped[date | None] = mapped_column(sa.Date, default=None)


class Profile(TenantScoped, Base):
    """A learner's gamification profile: the privacy switch (hidden from leaderboards
    and badge holder lists), and the cached total points and level (kept in the
    transaction that writes the ledger; the row is locked while an event is applied,
    so one learner's events apply one at a time)."""

    __tablename__ = "gamification_profiles"
    __table_args__ = (sa.UniqueConstraint("tenant_id", "user_id"),)

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("users.id", ondelete="CASCADE")
    )
    hide_from_leaderboards: Mapped[bool] = mapped_column(default=False)
    points: Mapped[int] = mapped_column(default=0)
    level: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
