"""Per-tenant install, upgrade, uninstall and purge of the gamification plugin."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

from learninghub.plugins import InstallContext, Installer

from .models import Badge

#: the badges every tenant starts with (slug, name, description, built-in image, criteria)
DEFAULT_BADGES: tuple[tuple[str, str, str, str, dict], ...] = (
    (
        "first-lesson",
        "First lesson",
        "Completed a first lesson.",
        "builtin:first-lesson",
        {"kind": "lesson_completions", "count": 1},
    ),
    (
        "finisher",
        "Finisher",
        "Completed a whole course.",
        "builtin:finisher",
        {"kind": "course_completions", "count": 1},
    ),
    (
        "on-a-roll",
        "On a roll",
        "Learned seven days in a row.",
        "builtin:on-a-roll",
        {"kind": "streak", "days": 7},
    ),
    (
        "perfectionist",
        "Perfectionist",
        "Scored full marks on a quiz.",
        "builtin:perfectionist",
        {"kind": "perfect_scores", "count": 1},
    ),
)


def seed_default_badges(db) -> int:
    """Create the default badges the tenant lacks (by slug; idempotent). Returns how
    many were created."""
    have = set(db.scalars(sa.select(Badge.slug)))
    created = 0
    for slug, name, description, image, criteria in DEFAULT_BADGES:
        if slug in have:
            continue
        db.add(Badge(slug=slug, name=name, description=description, image=image, criteria=criteria))
        created += 1
    db.flush()
    return created


class GamificationInstaller(Installer):
    """Install seeds the default badges (in English; admins rename them). Rules need no
    rows: the settings' defaults apply until an admin changes one. Purge deletes every
    gamification row of the tenant and the media library's record that badges used
    their images."""

    upgrade_steps: dict[str, Callable[[InstallContext], None]] = {}

    def install(self, context: InstallContext) -> None:
        seed_default_badges(context.db)

    def purge(self, context: InstallContext) -> None:
        from learninghub_media.models import MediaAttachment

        from .badges import MEDIA_OWNER

        context.db.execute(
            sa.delete(MediaAttachment).where(
                MediaAttachment.tenant_id == context.tenant.id,
                MediaAttachment.owner_kind == MEDIA_OWNER,
            )
        )
        super().purge(context)
