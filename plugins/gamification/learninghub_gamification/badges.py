"""Badges: criteria, automatic awards after each applied event, manual awards and
revocations by admins.

An award is unique per (badge, user). A revoked award keeps its row (its Open Badges
assertion answers ``revoked``); the criteria never award that badge to that user again,
an admin may (the same row is awarded anew).
"""

from __future__ import annotations

import secrets
import uuid
from functools import cache
from importlib import resources

import sqlalchemy as sa

from learninghub.db import utcnow

from .models import Activity, Award, Badge, Profile, Streak

AWARDED_EVENT = "gamification.badge.awarded"
#: audited: an admin's manual award and revocation
GRANTED_EVENT = "gamification.award.granted"
REVOKED_EVENT = "gamification.award.revoked"

#: criteria kind -> the activity kind it counts
COUNTED = {
    "lesson_completions": "lesson_completed",
    "course_completions": "course_completed",
    "perfect_scores": "perfect_score",
}

#: the SVG images shipped with the plugin (``builtin:<name>``)
BUILTIN_IMAGES = ("first-lesson", "finisher", "on-a-roll", "perfectionist", "star")


@cache
def builtin_svg(name: str) -> bytes | None:
    if name not in BUILTIN_IMAGES:
        return None
    return (resources.files(__package__) / "static" / "badges" / f"{name}.svg").read_bytes()


#: media types a badge image from the media library may have (Open Badges: PNG or SVG)
MEDIA_IMAGE_TYPES = ("image/png", "image/svg+xml")
MEDIA_OWNER = "gamification.badge"


def media_asset_id(badge: Badge) -> uuid.UUID | None:
    """The media library asset of the badge's image, or None for a built-in image."""
    if not (badge.image or "").startswith("media:"):
        return None
    try:
        return uuid.UUID(badge.image.removeprefix("media:"))
    except ValueError:
        return None


def attach_image(request, badge: Badge, previous: str | None = None) -> None:
    """Record that the badge uses its media image (and no longer the previous one):
    422 on ``image`` when the asset is unknown, not ready, not visible to the admin, or
    not a PNG or SVG."""
    from learninghub.api import ProblemError
    from learninghub_media import services as media

    asset_id = media_asset_id(badge)
    if asset_id is not None:
        asset = media.get_asset(request.db, asset_id)
        if asset is None or asset.content_type not in MEDIA_IMAGE_TYPES:
            raise ProblemError(
                422,
                "Validation failed",
                "the image must be a ready PNG or SVG of the media library",
                errors=[
                    {"path": ["body", "image"], "message": "not a usable image", "type": "media"}
                ],
            )
        try:
            media.attach(request, asset_id, MEDIA_OWNER, badge.id)
        except ProblemError:
            raise ProblemError(
                422,
                "Validation failed",
                "the image must be a ready PNG or SVG of the media library",
                errors=[
                    {"path": ["body", "image"], "message": "not a usable image", "type": "media"}
                ],
            ) from None
    if previous and previous != badge.image and previous.startswith("media:"):
        media.detach(request, previous.removeprefix("media:"), MEDIA_OWNER, badge.id)


def get_badge(db, slug: str) -> Badge | None:
    return db.scalar(sa.select(Badge).where(Badge.slug == slug))


def get_badge_by_id(db, badge_id) -> Badge | None:
    return db.get(Badge, badge_id)


def get_award(db, award_id) -> Award | None:
    return db.get(Award, award_id)


class Stats:
    """A learner's numbers the criteria look at, read lazily (once each)."""

    def __init__(self, db, user_id: uuid.UUID) -> None:
        self.db, self.user_id = db, user_id
        self._counts: dict[str, int] | None = None
        self._streak: int | None = None
        self._points: int | None = None

    def count(self, kind: str) -> int:
        if self._counts is None:
            rows = self.db.execute(
                sa.select(Activity.kind, sa.func.count())
                .where(Activity.user_id == self.user_id)
                .group_by(Activity.kind)
            ).all()
            self._counts = {k: n for k, n in rows}
        return self._counts.get(kind, 0)

    def longest_streak(self) -> int:
        if self._streak is None:
            stmt = sa.select(Streak.longest).where(Streak.user_id == self.user_id)
            self._streak = self.db.scalar(stmt) or 0
        return self._streak

    def points(self) -> int:
        if self._points is None:
            stmt = sa.select(Profile.points).where(Profile.user_id == self.user_id)
            self._points = self.db.scalar(stmt) or 0
        return self._points


def criteria_met(criteria: dict, stats: Stats) -> bool:
    kind = criteria.get("kind")
    if kind in COUNTED:
        return stats.count(COUNTED[kind]) >= int(criteria.get("count") or 1)
    if kind == "streak":
        return stats.longest_streak() >= int(criteria.get("days") or 1)
    if kind == "points":
        return stats.points() >= int(criteria.get("total") or 0)
    return False  # manual, or unknown


def _emit_awarded(request, award: Award, badge: Badge) -> None:
    request.emit(
        AWARDED_EVENT,
        resource_type="award",
        resource_id=award.id,
        payload={
            "user_id": str(award.user_id),
            "badge_id": str(badge.id),
            "badge_slug": badge.slug,
            "badge_name": badge.name,
            "manual": award.awarded_by is not None,
        },
    )


def check_badges(request, user_id: uuid.UUID, source_event_id: uuid.UUID | None) -> list[Award]:
    """Award every active badge whose criteria the learner now meets and that they
    have never held (revoked ones included), in the caller's transaction."""
    db = request.db
    held = sa.select(Award.badge_id).where(Award.user_id == user_id)
    candidates = list(
        db.scalars(
            sa.select(Badge)
            .where(Badge.active.is_(True), Badge.id.not_in(held))
            .order_by(Badge.created_at, Badge.slug)
        )
    )
    stats = Stats(db, user_id)
    awarded = []
    for badge in candidates:
        if not criteria_met(badge.criteria or {}, stats):
            continue
        award = Award(
            badge_id=badge.id,
            user_id=user_id,
            awarded_at=utcnow(),
            source_event_id=source_event_id,
            salt=secrets.token_hex(16),
        )
        db.add(award)
        db.flush()
        _emit_awarded(request, award, badge)
        awarded.append(award)
    return awarded


def award_manually(request, badge: Badge, user, reason: str) -> tuple[Award, bool]:
    """An admin awards ``badge`` to ``user`` (any badge, whatever its criteria).
    Returns ``(award, created)``: an award the user already holds is returned as it is
    (not created); a revoked one is awarded anew (same row, same assertion URL)."""
    db = request.db
    award = db.scalar(sa.select(Award).where(Award.badge_id == badge.id, Award.user_id == user.id))
    if award is not None and award.revoked_at is None:
        return award, False
    if award is None:
        award = Award(badge_id=badge.id, user_id=user.id, salt=secrets.token_hex(16))
        db.add(award)
    award.awarded_at = utcnow()
    award.awarded_by = request.identity.id
    award.reason = reason
    award.source_event_id = None
    award.revoked_at, award.revoked_by, award.revocation_reason = None, None, ""
    db.flush()
    request.emit(
        GRANTED_EVENT,
        resource_type="award",
        resource_id=award.id,
        payload={
            "user_id": str(user.id),
            "badge_id": str(badge.id),
            "badge_slug": badge.slug,
            "reason": reason,
        },
    )
    _emit_awarded(request, award, badge)
    return award, True


def revoke(request, award: Award, badge: Badge, reason: str) -> None:
    """An admin revokes an award (the caller checked it is not revoked already)."""
    award.revoked_at = utcnow()
    award.revoked_by = request.identity.id
    award.revocation_reason = reason
    request.db.flush()
    request.emit(
        REVOKED_EVENT,
        resource_type="award",
        resource_id=award.id,
        payload={
            "user_id": str(award.user_id),
            "badge_id": str(badge.id),
            "badge_slug": badge.slug,
            "reason": reason,
        },
    )


def awards_of(db, user_id) -> list[tuple[Award, Badge]]:
    """The user's current (not revoked) awards with their badges, newest first."""
    stmt = (
        sa.select(Award, Badge)
        .join(Badge, Badge.id == Award.badge_id)
        .where(Award.user_id == user_id, Award.revoked_at.is_(None))
        .order_by(Award.awarded_at.desc(), Award.id)
    )
    return [(a, b) for a, b in db.execute(stmt).all()]
