"""Learning Hub plugin: gamification.

Points from domain events (lessons, quizzes, courses, reviews, daily streaks) applied
exactly once through the kernel's event inbox, levels, daily streaks in the learner's
own timezone, badges with Open Badges 2.0 hosted assertions, and leaderboards
(:mod:`.leaderboards`). The contract is docs/design/engagement-contracts.md.
"""

from __future__ import annotations

import importlib
import importlib.util

from learninghub.manifest import PluginManifest

from . import models  # noqa: F401  (register the tables)
from .installer import GamificationInstaller
from .permissions import DEFAULT_GRANTS, GamificationPermission
from .settings import GamificationSettings

__version__ = "0.1.0"

manifest = PluginManifest(
    name="gamification",
    version=__version__,
    title="Gamification",
    description="Points, levels, daily streaks, badges (Open Badges 2.0) and leaderboards.",
    requires=("courses", "enrollment"),
    settings=GamificationSettings,
    permissions=GamificationPermission,
    default_grants=DEFAULT_GRANTS,
    migrations="learninghub_gamification:migrations/versions",
    installer=GamificationInstaller(),
)


def leaderboards_module():
    """The leaderboards subpackage (built separately), or None while it is absent or
    has no ``__init__.py`` yet."""
    spec = importlib.util.find_spec(__name__ + ".leaderboards")
    if spec is None or spec.origin is None:
        return None
    return importlib.import_module(__name__ + ".leaderboards")


def includeme(config) -> None:
    board = leaderboards_module()
    if board is not None and hasattr(board, "includeme"):
        config.include(board)
