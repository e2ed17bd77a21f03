"""Learning Hub plugin: course content.

Sections and lessons of a course, ordered; lesson types text (sanitized HTML or
Markdown), video, audio, file download and embed (allow-listed providers), plus the
types other plugins add through ``learninghub_content_lesson_types``. Every edit adds
a draft version; publishing points the lesson at it. The lesson player is
``/courses/{slug}/learn/{lesson_slug}``; the curriculum editor
``/teach/courses/{course_id}/curriculum``. The contract with courses, media,
enrollment and reviews is docs/design/catalog-contracts.md.
"""

from __future__ import annotations

import sqlalchemy as sa

from learninghub.hookspecs import hookimpl
from learninghub.i18n import N_
from learninghub.manifest import PluginManifest
from learninghub.web import NavItem, Widget

from . import models  # noqa: F401  (register the tables)
from .hookspecs import ContentSpecs, LessonType
from .installer import ContentInstaller
from .settings import ContentSettings

__version__ = "0.1.0"
__all__ = ["LessonType", "manifest"]

manifest = PluginManifest(
    name="content",
    version=__version__,
    title="Course content",
    description="Sections and lessons (text, video, audio, files, embeds), drafts and "
    "published versions, and the lesson player.",
    requires=("courses", "media"),
    settings=ContentSettings,
    migrations="learninghub_content:migrations/versions",
    installer=ContentInstaller(),
)


def includeme(config) -> None:
    config.add_route("content.start", "/courses/{slug}/learn")
    config.add_route("content.player", "/courses/{slug}/learn/{lesson_slug}")
    config.add_route("content.editor", "/teach/courses/{course_id}/curriculum")
    config.add_route("content.editor.lesson", "/teach/courses/{course_id}/lessons/{lesson_id}")
    config.scan(".api")
    config.scan(".views")


@hookimpl
def learninghub_addhooks(pluginmanager) -> None:
    pluginmanager.add_hookspecs(ContentSpecs)


@hookimpl
def learninghub_courses_landing_sections(request, course) -> list[Widget]:
    """The syllabus: sections with their published lessons, free-preview marks
    (linked to the player) and durations; for the course's editors, a link to the
    curriculum editor (shown even before there are lessons)."""
    from learninghub import pagecache

    from . import services

    nodes = pagecache.memo(
        request,
        f"content:syllabus:{course.id}",
        lambda: services.syllabus(request.db, course.id),
    )
    editor_url = (
        request.route_path("content.editor", course_id=str(course.id))
        if services.can_edit(request, course)
        else None
    )
    if not any(n.lessons for n in nodes) and editor_url is None:
        return []
    open_all = services.is_staff(request, course) or (
        course.status == "published" and services.has_full_access(request, course)
    )
    sections = [
        {
            "title": n.title,
            "lessons": [
                {
                    "title": lesson.title,
                    "free": lesson.is_free_preview,
                    "duration_s": lesson.duration_s,
                    "url": services.player_path(request, course, lesson)
                    if (open_all or (lesson.is_free_preview and course.status == "published"))
                    else None,
                }
                for lesson in n.lessons
            ],
            "duration_s": sum(lesson.duration_s or 0 for lesson in n.lessons),
        }
        for n in nodes
        if n.lessons
    ]
    first_open = next(
        (lesson["url"] for s in sections for lesson in s["lessons"] if lesson["url"]), None
    )
    return [
        Widget(
            order=20,
            title=request.gettext("Course content"),
            template="content/syllabus.jinja2",
            context={
                "editor_url": editor_url,
                "start_url": first_open if open_all else None,
                "preview_url": first_open if not open_all else None,
                "sections": sections,
                "lesson_count": sum(len(s["lessons"]) for s in sections),
                "duration_s": sum(s["duration_s"] for s in sections),
            },
            key="content-syllabus",
        )
    ]


#: courses shows it (translated through the merged catalogs) and the API returns it as is
NO_PUBLISHED_LESSON = N_(
    "The course has no published lesson yet. Add a lesson in the curriculum and publish it."
)


@hookimpl
def learninghub_courses_publish_problems(request, course) -> list[str]:
    """A course goes to review, or is published, with at least one published lesson."""
    from . import services

    if services.lesson_count(request.db, course.id) == 0:
        return [NO_PUBLISHED_LESSON]
    return []


@hookimpl
def learninghub_courses_teach_links(request, course) -> list[NavItem]:
    """The curriculum editor, on the course's own form, for those who may edit it."""
    from . import services

    if not services.can_edit(request, course):
        return []
    return [
        NavItem(
            order=10,
            title=request.gettext("Edit the curriculum"),
            url=request.route_path("content.editor", course_id=str(course.id)),
        )
    ]


@hookimpl
def learninghub_courses_search_text(request, course) -> list[str]:
    """Titles and text of the published lessons (their published versions)."""
    from .models import Lesson, LessonVersion
    from .rendering import body_text

    rows = request.db.execute(
        sa.select(Lesson.title, LessonVersion.body)
        .join(LessonVersion, LessonVersion.id == Lesson.published_version_id)
        .where(Lesson.course_id == course.id, Lesson.status == "published")
    ).all()
    texts: list[str] = []
    for title, body in rows:
        texts.append(title)
        if body:
            texts.append(body_text(body))
    return texts


@hookimpl
def learninghub_media_can_access(request, asset):
    """True for an asset used by a lesson the user may view (its published version,
    or any version for the course staff); None otherwise (no opinion)."""
    from learninghub_courses import services as courses

    from . import services
    from .models import Lesson, LessonVersion

    rows = request.db.execute(
        sa.select(Lesson, LessonVersion.id)
        .join(LessonVersion, LessonVersion.lesson_id == Lesson.id)
        .where(LessonVersion.media_asset_id == asset.id)
    ).all()
    course_cache: dict = {}
    for lesson, version_id in rows:
        if lesson.course_id not in course_cache:
            course_cache[lesson.course_id] = courses.get_course(request.db, lesson.course_id)
        course = course_cache[lesson.course_id]
        if course is None:
            continue
        if services.is_staff(request, course):
            return True
        if version_id == lesson.published_version_id and services.can_view_lesson(
            request, course, lesson
        ):
            return True
    return None
