"""JSON API: sections, lessons and the curriculum of a course.

Reading needs no sign-in (a published course's outline is public; lesson content
follows ``can_view_lesson``); writing needs a signed-in editor of the course
(``learninghub_courses.services.can_edit``). Unknown, malformed, other tenants' and
hidden ids answer 404 alike.
"""

from __future__ import annotations

from pyramid.response import Response

from learninghub.api import api_view

from . import services
from .models import CourseSection, Lesson, LessonVersion
from .schemas import (
    CurriculumIn,
    CurriculumOut,
    LessonCreate,
    LessonOut,
    LessonUpdate,
    SectionCreate,
    SectionOut,
    SectionUpdate,
    VersionOut,
)

BASE = "/api/v1/courses/{course_id}"
SECTIONS = BASE + "/sections"
SECTION = SECTIONS + "/{id}"
LESSONS = BASE + "/lessons"
LESSON = LESSONS + "/{id}"
CURRICULUM = BASE + "/curriculum"


def _created(out, url: str) -> Response:
    response = Response(
        out.model_dump_json(), status=201, content_type="application/json", charset="utf-8"
    )
    response.location = url
    return response


def version_out(version: LessonVersion | None) -> VersionOut | None:
    if version is None:
        return None
    return VersionOut(
        id=version.id,
        number=version.number,
        body=version.body,
        markdown=(version.data or {}).get("markdown"),
        media_asset_id=version.media_asset_id,
        embed_url=version.embed_url,
        data={k: v for k, v in (version.data or {}).items() if k != "markdown"},
        created_by=version.created_by,
        created_at=version.created_at,
    )


def lesson_out(request, course, lesson: Lesson, *, content: bool = False) -> LessonOut:
    published = draft = None
    if content and services.can_view_lesson(request, course, lesson):
        published = version_out(services.published_version(request.db, lesson))
        if services.is_staff(request, course):
            draft = version_out(services.latest_version(request.db, lesson))
    return LessonOut(
        id=lesson.id,
        course_id=lesson.course_id,
        section_id=lesson.section_id,
        title=lesson.title,
        slug=lesson.slug,
        type=lesson.type,
        position=lesson.position,
        is_free_preview=lesson.is_free_preview,
        status=lesson.status,
        published_version_id=lesson.published_version_id,
        duration_s=lesson.duration_s,
        updated_at=lesson.updated_at,
        url=services.lesson_api_url(request, course, lesson),
        html_url=request.route_url("content.player", slug=course.slug, lesson_slug=lesson.slug),
        published=published,
        draft=draft,
    )


def section_out(section: CourseSection) -> SectionOut:
    return SectionOut(
        id=section.id, course_id=section.course_id, title=section.title, position=section.position
    )


def curriculum_out(request, course) -> CurriculumOut:
    nodes = services.curriculum(request.db, course.id, drafts=services.is_staff(request, course))
    return CurriculumOut.model_validate(
        {
            "course_id": course.id,
            "sections": [
                {
                    "id": n.section.id,
                    "title": n.section.title,
                    "position": n.section.position,
                    "lessons": [
                        {
                            "id": lesson.id,
                            "title": lesson.title,
                            "slug": lesson.slug,
                            "type": lesson.type,
                            "status": lesson.status,
                            "is_free_preview": lesson.is_free_preview,
                            "duration_s": lesson.duration_s,
                        }
                        for lesson in n.lessons
                    ],
                }
                for n in nodes
            ],
        }
    )


# ----------------------------------------------------------------- sections


@api_view(
    "content.sections",
    SECTIONS,
    "GET",
    response=list[SectionOut],
    summary="The course's sections, in order",
)
def list_sections(request):
    course = services.visible_course(request, request.matchdict["course_id"])
    return [
        section_out(n.section) for n in services.curriculum(request.db, course.id, drafts=False)
    ]


@api_view(
    "content.sections",
    SECTIONS,
    "POST",
    body=SectionCreate,
    response=SectionOut,
    status=201,
    authenticated=True,
    summary="Add a section at the end of the curriculum (course editors)",
)
def create_section(request, body: SectionCreate):
    course = services.editable_course(request, request.matchdict["course_id"])
    section = services.create_section(request, course, body.title)
    url = request.route_url("content.section", course_id=str(course.id), id=str(section.id))
    return _created(section_out(section), url)


@api_view(
    "content.section",
    SECTION,
    "GET",
    response=SectionOut,
    summary="One section",
)
def get_section(request):
    course = services.visible_course(request, request.matchdict["course_id"])
    return section_out(services.get_section(request, course, request.matchdict["id"]))


@api_view(
    "content.section",
    SECTION,
    "PATCH",
    body=SectionUpdate,
    response=SectionOut,
    authenticated=True,
    summary="Rename a section (course editors)",
)
def update_section(request, body: SectionUpdate):
    course = services.editable_course(request, request.matchdict["course_id"])
    section = services.get_section(request, course, request.matchdict["id"])
    services.rename_section(request, section, body.title)
    return section_out(section)


@api_view(
    "content.section",
    SECTION,
    "DELETE",
    status=204,
    authenticated=True,
    summary="Delete a section with its lessons (course editors)",
)
def delete_section(request):
    course = services.editable_course(request, request.matchdict["course_id"])
    services.delete_section(request, services.get_section(request, course, request.matchdict["id"]))


# ----------------------------------------------------------------- lessons


@api_view(
    "content.lessons",
    LESSONS,
    "GET",
    response=list[LessonOut],
    summary="The course's lessons in curriculum order (drafts too for its staff)",
)
def list_lessons(request):
    course = services.visible_course(request, request.matchdict["course_id"])
    nodes = services.curriculum(request.db, course.id, drafts=services.is_staff(request, course))
    return [lesson_out(request, course, lesson) for n in nodes for lesson in n.lessons]


@api_view(
    "content.lessons",
    LESSONS,
    "POST",
    body=LessonCreate,
    response=LessonOut,
    status=201,
    authenticated=True,
    summary="Add a lesson at the end of a section, with its first (draft) version",
)
def create_lesson(request, body: LessonCreate):
    course = services.editable_course(request, request.matchdict["course_id"])
    section = request.db.get(CourseSection, body.section_id)
    if section is None or section.course_id != course.id:
        raise services.invalid(["section_id"], "no such section in this course", "not_found")
    lesson = services.create_lesson(
        request,
        course,
        section,
        title=body.title,
        lesson_type=body.type,
        slug=body.slug,
        is_free_preview=body.is_free_preview,
        duration_s=body.duration_s,
        content=services.ContentInput(
            body=body.body,
            format=body.format,
            media_asset_id=body.media_asset_id,
            embed_url=body.embed_url,
            data=body.data,
        ),
    )
    if body.publish:
        services.publish_lesson(request, course, lesson)
    out = lesson_out(request, course, lesson, content=True)
    return _created(out, out.url)


@api_view(
    "content.lesson",
    LESSON,
    "GET",
    response=LessonOut,
    summary="One lesson; its content when the caller may see it",
)
def get_lesson(request):
    course = services.visible_course(request, request.matchdict["course_id"])
    lesson = services.get_lesson(request, course, request.matchdict["id"])
    return lesson_out(request, course, lesson, content=True)


@api_view(
    "content.lesson",
    LESSON,
    "PATCH",
    body=LessonUpdate,
    response=LessonOut,
    authenticated=True,
    summary="Edit a lesson; content changes add a draft version (course editors)",
)
def update_lesson(request, body: LessonUpdate):
    course = services.editable_course(request, request.matchdict["course_id"])
    lesson = services.get_lesson(request, course, request.matchdict["id"])
    services.update_lesson(request, course, lesson, body.model_dump(exclude_unset=True))
    return lesson_out(request, course, lesson, content=True)


@api_view(
    "content.lesson",
    LESSON,
    "DELETE",
    status=204,
    authenticated=True,
    summary="Delete a lesson and its versions (course editors)",
)
def delete_lesson(request):
    course = services.editable_course(request, request.matchdict["course_id"])
    services.delete_lesson(request, services.get_lesson(request, course, request.matchdict["id"]))


@api_view(
    "content.lesson.publish",
    LESSON + "/publish",
    "POST",
    response=LessonOut,
    authenticated=True,
    summary="Publish the lesson's newest version (course editors)",
)
def publish_lesson(request):
    course = services.editable_course(request, request.matchdict["course_id"])
    lesson = services.get_lesson(request, course, request.matchdict["id"])
    services.publish_lesson(request, course, lesson)
    return lesson_out(request, course, lesson, content=True)


@api_view(
    "content.lesson.unpublish",
    LESSON + "/unpublish",
    "POST",
    response=LessonOut,
    authenticated=True,
    summary="Hide a published lesson from learners again (course editors)",
)
def unpublish_lesson(request):
    course = services.editable_course(request, request.matchdict["course_id"])
    lesson = services.get_lesson(request, course, request.matchdict["id"])
    services.unpublish_lesson(request, lesson)
    return lesson_out(request, course, lesson, content=True)


# ----------------------------------------------------------------- curriculum


@api_view(
    "content.curriculum",
    CURRICULUM,
    "GET",
    response=CurriculumOut,
    summary="Sections with their lessons, in order (drafts too for the course staff)",
)
def get_curriculum(request):
    course = services.visible_course(request, request.matchdict["course_id"])
    return curriculum_out(request, course)


@api_view(
    "content.curriculum",
    CURRICULUM,
    "PUT",
    body=CurriculumIn,
    response=CurriculumOut,
    authenticated=True,
    summary="Reorder: the complete tree of sections and lesson ids, in one transaction",
)
def put_curriculum(request, body: CurriculumIn):
    course = services.editable_course(request, request.matchdict["course_id"])
    services.reorder(request, course, [(s.id, list(s.lesson_ids)) for s in body.sections])
    return curriculum_out(request, course)
