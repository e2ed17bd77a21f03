"""Permissions of the gamification plugin and their default grants.

Learners see their own achievements, badges and the leaderboards; tenant admins edit
the rules and badges and award or revoke badges by hand (audited).
"""

from __future__ import annotations

import enum


class GamificationPermission(enum.StrEnum):
    #: one's own points, level, streak and badges; badge pages; leaderboards
    VIEW = "gamification:achievement:view"
    #: rules, badges, manual awards and revocations
    MANAGE = "gamification:badge:manage"


DEFAULT_GRANTS: dict[str, tuple[str, ...]] = {
    "admin": tuple(GamificationPermission),
    "instructor": (GamificationPermission.VIEW,),
    "learner": (GamificationPermission.VIEW,),
}
