"""Learning Hub plugin: tenant-wide and course announcements.

Admins and instructors write announcements (drafts, then published, then maybe
archived); every signed-in user with the ``view`` permission reads the published
ones on ``/announcements`` and through ``/api/v1/announcements``. Publishing emits
``announcements.announcement.published`` and, when the tenant's
``email_on_publish`` setting is on, emails every active user from a task.

Announcements may belong to a scope (a course): the plugins owning the scope answer
the hooks of :mod:`.hookspecs` (who posts, who reads, who is emailed). A course's
staff post on ``/teach/courses/{course_id}/announcements``; its landing page shows
the latest ones to its audience.
"""

from __future__ import annotations

from learninghub.hookspecs import hookimpl
from learninghub.manifest import PluginManifest
from learninghub.web import NavItem, Widget

from . import models, tasks  # noqa: F401  (register the tables and the email task)
from .hookspecs import AnnouncementsSpecs
from .installer import AnnouncementsInstaller
from .permissions import DEFAULT_GRANTS, AnnouncementPermission
from .settings import AnnouncementsSettings

__version__ = "0.1.0"

manifest = PluginManifest(
    name="announcements",
    version=__version__,
    title="Announcements",
    description="Tenant-wide and course announcements by admins, instructors and course "
    "staff, emailed on publish.",
    settings=AnnouncementsSettings,
    permissions=AnnouncementPermission,
    default_grants=DEFAULT_GRANTS,
    migrations="learninghub_announcements:migrations/versions",
    installer=AnnouncementsInstaller(),
)


def includeme(config) -> None:
    config.add_route("announcements.page.list", "/announcements")
    config.add_route("announcements.page.detail", "/announcements/{id}")
    config.add_route("announcements.page.course", "/teach/courses/{course_id}/announcements")
    config.add_route(
        "announcements.page.course_action",
        "/teach/courses/{course_id}/announcements/{id}/{action}",
    )
    config.scan(".api")
    config.scan(".views")
    config.scan(".teach")


@hookimpl
def learninghub_addhooks(pluginmanager) -> None:
    pluginmanager.add_hookspecs(AnnouncementsSpecs)


@hookimpl
def learninghub_nav_items(request) -> list[NavItem]:
    if request.identity is None or not request.has_permission(AnnouncementPermission.VIEW):
        return []
    return [
        NavItem(
            order=50,
            title=request.gettext("Announcements"),
            url=request.route_path("announcements.page.list"),
        )
    ]


@hookimpl
def learninghub_dashboard_widgets(request) -> list[Widget]:
    """The three latest published announcements the user reads (tenant-wide and of
    their courses) on the dashboard."""
    if request.identity is None or not request.has_permission(AnnouncementPermission.VIEW):
        return []
    from .services import latest_published

    items = [
        {
            "title": a.title,
            "published_at": a.published_at,
            "url": request.route_path("announcements.page.detail", id=str(a.id)),
        }
        for a in latest_published(request, 3)
    ]
    return [
        Widget(
            order=20,
            title=request.gettext("Latest announcements"),
            template="announcements/widget.jinja2",
            context={"items": items, "all_url": request.route_path("announcements.page.list")},
            key="announcements-latest",
        )
    ]


@hookimpl
def learninghub_courses_landing_sections(request, course) -> list[Widget]:
    """The three latest announcements of the course, for its audience and staff;
    staff also get the link to write one."""
    from .views import landing_section

    return landing_section(request, course)
