"""Learning Hub plugin: gamification.

Points from domain events (lessons, quizzes, courses, reviews, daily streaks) applied
exactly once through the kernel's event inbox, levels, daily streaks in the learner's
own timezone, badges with Open Badges 2.0 hosted assertions, and leaderboards
(:mod:`.leaderboards`). The contract is docs/design/engagement-contracts.md.
"""

from __future__ import annotations

import importlib
import importlib.util

from learninghub.hookspecs import hookimpl
from learninghub.manifest import PluginManifest
from learninghub.web import NavItem, Widget

from . import models, services  # noqa: F401  (register the tables and the task)
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
    config.add_route("gamification.page.achievements", "/achievements")
    config.add_route("gamification.page.privacy", "/achievements/privacy")
    # the fixed names before /badges/{slug}: routes match in the order they are added
    config.add_route("gamification.ob.issuer", "/badges/issuer.json")
    config.add_route("gamification.ob.assertion", "/badges/assertions/{award_id}.json")
    config.add_route("gamification.ob.class", "/badges/{slug}/class.json")
    config.add_route("gamification.badge_image", "/badges/{slug}/image.svg")
    config.add_route("gamification.badge_media", "/badges/{slug}/image")
    config.add_route("gamification.page.badge", "/badges/{slug}")
    config.add_route("gamification.admin", "/admin/gamification")
    config.add_route("gamification.admin.rules", "/admin/gamification/rules")
    config.add_route("gamification.admin.badges", "/admin/gamification/badges")
    config.add_route("gamification.admin.badge", "/admin/gamification/badges/{id}")
    config.add_route("gamification.admin.awards", "/admin/gamification/awards")
    config.add_route("gamification.admin.revoke", "/admin/gamification/awards/{id}/revoke")
    config.scan(".api")
    config.scan(".views")
    config.scan(".admin")
    board = leaderboards_module()
    if board is not None and hasattr(board, "includeme"):
        config.include(board)


@hookimpl
def learninghub_domain_event_emitted(request, event) -> None:
    """Keep the events that earn points in the event inbox, in the emitting
    transaction (applied exactly once by ``gamification.process_event``)."""
    services.keep(request, event)


@hookimpl
def learninghub_nav_items(request) -> list[NavItem]:
    if request.identity is None or not request.has_permission(GamificationPermission.VIEW):
        return []
    items = [
        NavItem(
            order=40,
            title=request.gettext("Achievements"),
            url=request.route_path("gamification.page.achievements"),
        )
    ]
    if has_leaderboard_pages(request):
        items.append(
            NavItem(
                order=41,
                title=request.gettext("Leaderboards"),
                url=request.route_path("gamification.page.leaderboards"),
            )
        )
    return items


def has_leaderboard_pages(request) -> bool:
    """The leaderboards subpackage registered its page (it is built separately)."""
    from pyramid.interfaces import IRoutesMapper

    mapper = request.registry.queryUtility(IRoutesMapper)
    return mapper is not None and mapper.get_route("gamification.page.leaderboards") is not None


@hookimpl
def learninghub_admin_sections(request) -> list[NavItem]:
    if request.identity is None or not request.has_permission(GamificationPermission.MANAGE):
        return []
    return [
        NavItem(
            order=270,
            title=request.gettext("Gamification"),
            url=request.route_path("gamification.admin"),
        )
    ]


@hookimpl
def learninghub_dashboard_widgets(request) -> list[Widget]:
    """My points, level and streak."""
    if request.identity is None or not request.has_permission(GamificationPermission.VIEW):
        return []
    s = services.summary(request, request.identity)
    return [
        Widget(
            order=20,
            title=request.gettext("My achievements"),
            template="gamification/widget.jinja2",
            key="gamification.summary",
            context={
                "summary": s,
                "progress": s.level.progress_percent(s.points),
                "url": request.route_path("gamification.page.achievements"),
            },
        )
    ]


@hookimpl
def learninghub_notifications_types(request) -> list:
    """Badge awarded and level reached, for the notifications plugin (imported only
    when that plugin asks)."""
    from .notices import notification_types

    return notification_types(request)


@hookimpl
def learninghub_audit_auditable_events(request) -> list:
    return [
        "gamification.award.granted",
        "gamification.award.revoked",
        "gamification.rule.updated",
        "gamification.badge.created",
        "gamification.badge.updated",
    ]


@hookimpl
def learninghub_webhooks_event_types(request) -> list[tuple[str, str]]:
    return [
        ("gamification.badge.awarded", "A learner earned or was given a badge."),
        ("gamification.level.reached", "A learner reached a new level."),
        ("gamification.award.revoked", "An admin revoked a badge award."),
    ]


@hookimpl
def learninghub_demo_data(request) -> None:
    """The default badges and a few points for the demo learner (idempotent)."""
    from .demo import seed

    seed(request)
