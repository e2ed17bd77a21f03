"""The content plugin's Python API (docs/design/catalog-contracts.md) and the rules
shared by the JSON API, the pages and the hooks.

Who sees what (``course`` is reached through ``learninghub_courses.services``):

* the course staff (instructors, teaching assistants, tenant admins:
  ``courses.is_staff``) see every lesson, drafts included, and may preview the
  newest version of each;
* others see published lessons of a course they may view (``courses.can_view``):
  the outline always, a lesson's content when it is a free preview or when the
  ``learninghub_content_has_access`` hook answers True (enrollment);
* only editors (``courses.can_edit``) change sections and lessons.
"""

from __future__ import annotations

import json
import re
import unicodedata
import uuid
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from learninghub.api import ProblemError
from learninghub.db import utcnow
from learninghub_courses import services as courses

from .hookspecs import LessonType
from .models import CourseSection, Lesson, LessonVersion
from .rendering import EmbedRefused, normalize_embed_url, render_markdown, sanitize_html

PLUGIN = "content"
# domain events (docs/plugins/content.md): resource_type "lesson" or "section", the
# tenant and the actor on the event itself, delivered after commit
LESSON_PUBLISHED = "content.lesson.published"
LESSON_UNPUBLISHED = "content.lesson.unpublished"
LESSON_DELETED = "content.lesson.deleted"
SECTION_DELETED = "content.section.deleted"


# ----------------------------------------------------------------- lesson types


def builtin_types(request) -> list[LessonType]:
    _ = request.gettext
    return [
        LessonType("text", _("Text"), "content/types/text.jinja2"),
        LessonType("video", _("Video"), "content/types/video.jinja2"),
        LessonType("audio", _("Audio"), "content/types/audio.jinja2"),
        LessonType("file", _("File download"), "content/types/file.jinja2"),
        LessonType("embed", _("Embedded page"), "content/types/embed.jinja2"),
    ]


def lesson_types(request) -> dict[str, LessonType]:
    """Every lesson type known for the request's tenant: the built-in ones, then the
    ones of ``learninghub_content_lesson_types`` (first registration of a key wins)."""
    cached = request.__dict__.get("_lh_content_types")
    if cached is not None:
        return cached
    types = {t.key: t for t in builtin_types(request)}
    for result in request.hooks.learninghub_content_lesson_types(request=request):
        for t in result or ():
            if isinstance(t, LessonType) and t.key not in types:
                types[t.key] = t
    request.__dict__["_lh_content_types"] = types
    return types


def completed_by_owner(request, lesson) -> bool:
    """Is ``lesson`` of a type whose plugin marks it complete (``LessonType.completed_by_owner``),
    so that learners may not mark it themselves?"""
    lesson_type = lesson_types(request).get(lesson.type)
    return lesson_type is not None and lesson_type.completed_by_owner


# ----------------------------------------------------------------- queries


def _as_uuid(value: Any) -> uuid.UUID | None:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError):
        return None


def get_lesson_by_id(db, lesson_id: Any) -> Lesson | None:
    """The lesson of the session's tenant with this id (a UUID or its string), in at
    most one query, or None (malformed id, another tenant's lesson, no such lesson).
    Drafts are returned too: whether the caller may see it is the caller's business
    (:func:`can_view_lesson`, :func:`published_version`)."""
    key = _as_uuid(lesson_id)
    return db.get(Lesson, key) if key is not None else None


def get_lessons(db, ids: Any) -> dict[uuid.UUID, Lesson]:
    """The lessons of the session's tenant among ``ids`` (UUIDs or their strings), by
    id, in one query (none for an empty list). Malformed ids, other tenants' lessons
    and unknown ids are simply absent; repeats are looked up once. Drafts included,
    as for :func:`get_lesson_by_id`."""
    keys = {key for key in (_as_uuid(value) for value in ids) if key is not None}
    if not keys:
        return {}
    return {
        lesson.id: lesson for lesson in db.scalars(sa.select(Lesson).where(Lesson.id.in_(keys)))
    }


def published_lessons(db, course_id: uuid.UUID) -> list[Lesson]:
    """The course's published lessons, ordered by section, then lesson position."""
    return list(
        db.scalars(
            sa.select(Lesson)
            .join(CourseSection, CourseSection.id == Lesson.section_id)
            .where(
                Lesson.course_id == course_id,
                Lesson.status == "published",
                Lesson.published_version_id.is_not(None),
            )
            .order_by(CourseSection.position, CourseSection.id, Lesson.position, Lesson.id)
        )
    )


def lesson_count(db, course_id: uuid.UUID) -> int:
    """How many published lessons the course has (what progress is measured on)."""
    return int(
        db.scalar(
            sa.select(sa.func.count())
            .select_from(Lesson)
            .where(
                Lesson.course_id == course_id,
                Lesson.status == "published",
                Lesson.published_version_id.is_not(None),
            )
        )
        or 0
    )


@dataclass
class SectionNode:
    section: CourseSection
    lessons: list[Lesson] = field(default_factory=list)


def curriculum(db, course_id: uuid.UUID, *, drafts: bool) -> list[SectionNode]:
    """Sections in order, each with its lessons in order (two statements). Without
    ``drafts``, only published lessons are listed (empty sections are kept)."""
    sections = list(
        db.scalars(
            sa.select(CourseSection)
            .where(CourseSection.course_id == course_id)
            .order_by(CourseSection.position, CourseSection.id)
        )
    )
    stmt = sa.select(Lesson).where(Lesson.course_id == course_id)
    if not drafts:
        stmt = stmt.where(Lesson.status == "published", Lesson.published_version_id.is_not(None))
    nodes = {s.id: SectionNode(s) for s in sections}
    for lesson in db.scalars(stmt.order_by(Lesson.position, Lesson.id)):
        node = nodes.get(lesson.section_id)
        if node is not None:
            node.lessons.append(lesson)
    return list(nodes.values())


@dataclass(frozen=True)
class SyllabusLesson:
    """What a syllabus shows of a lesson: plain data, shared between requests."""

    id: uuid.UUID
    slug: str
    title: str
    is_free_preview: bool
    duration_s: int | None


@dataclass(frozen=True)
class SyllabusSection:
    title: str
    lessons: tuple[SyllabusLesson, ...]


def syllabus(db, course_id: uuid.UUID) -> tuple[SyllabusSection, ...]:
    """The published curriculum as plain data (for ``pagecache.memo``: the same for
    every visitor of the landing page)."""
    return tuple(
        SyllabusSection(
            title=node.section.title,
            lessons=tuple(
                SyllabusLesson(
                    id=lesson.id,
                    slug=lesson.slug,
                    title=lesson.title,
                    is_free_preview=lesson.is_free_preview,
                    duration_s=lesson.duration_s,
                )
                for lesson in node.lessons
            ),
        )
        for node in curriculum(db, course_id, drafts=False)
    )


def lesson_with_published_version(db, lesson_id: uuid.UUID):
    """``(lesson, its published version)`` of a published lesson, in one statement,
    or None."""
    row = db.execute(
        sa.select(Lesson, LessonVersion)
        .join(
            LessonVersion,
            sa.and_(
                LessonVersion.id == Lesson.published_version_id,
                LessonVersion.lesson_id == Lesson.id,
            ),
        )
        .where(Lesson.id == lesson_id, Lesson.status == "published")
    ).first()
    return (row[0], row[1]) if row is not None else None


def latest_version(db, lesson: Lesson) -> LessonVersion | None:
    return db.scalar(
        sa.select(LessonVersion)
        .where(LessonVersion.lesson_id == lesson.id)
        .order_by(LessonVersion.number.desc())
        .limit(1)
    )


def unpublished_changes(db, course_id: uuid.UUID) -> set[uuid.UUID]:
    """Ids of the course's lessons whose newest version is not the published one
    (never published, or edited since): what the editor offers to publish."""
    newest = dict(
        db.execute(
            sa.select(LessonVersion.lesson_id, sa.func.max(LessonVersion.number))
            .join(Lesson, Lesson.id == LessonVersion.lesson_id)
            .where(Lesson.course_id == course_id)
            .group_by(LessonVersion.lesson_id)
        ).all()
    )
    published = dict(
        db.execute(
            sa.select(Lesson.id, LessonVersion.number)
            .join(LessonVersion, LessonVersion.id == Lesson.published_version_id)
            .where(Lesson.course_id == course_id)
        ).all()
    )
    return {lesson_id for lesson_id, number in newest.items() if published.get(lesson_id) != number}


def published_version(db, lesson: Lesson) -> LessonVersion | None:
    if lesson.published_version_id is None:
        return None
    return db.scalar(
        sa.select(LessonVersion).where(
            LessonVersion.id == lesson.published_version_id,
            LessonVersion.lesson_id == lesson.id,
        )
    )


# ----------------------------------------------------------------- access


def is_staff(request, course) -> bool:
    key = ("staff", course.id)
    cache = request.__dict__.setdefault("_lh_content_access", {})
    if key not in cache:
        cache[key] = request.identity is not None and bool(courses.is_staff(request, course))
    return cache[key]


def has_full_access(request, course) -> bool:
    """Staff, or the ``learninghub_content_has_access`` hook said True (asked once
    per request and course)."""
    if is_staff(request, course):
        return True
    key = ("access", course.id)
    cache = request.__dict__.setdefault("_lh_content_access", {})
    if key not in cache:
        answer = None
        if course.status == "published":
            answer = request.hooks.learninghub_content_has_access(request=request, course=course)
        cache[key] = answer is True
    return cache[key]


def can_view_lesson(request, course, lesson: Lesson) -> bool:
    """May the request's user see ``lesson``'s content? Staff always (drafts too);
    others only published lessons of a published course they may view, when the
    lesson is a free preview or ``learninghub_content_has_access`` answers True."""
    if lesson.course_id != course.id:
        return False
    if is_staff(request, course):
        return True
    if not lesson.is_published or course.status != "published":
        return False
    if lesson.is_free_preview:
        return True
    return has_full_access(request, course)


def can_edit(request, course) -> bool:
    return request.identity is not None and bool(courses.can_edit(request, course))


# ----------------------------------------------------------------- errors


def not_found(what: str = "course") -> ProblemError:
    return ProblemError(404, "Not found", f"no such {what}")


def invalid(path: list[str], message: str, type_: str = "value_error") -> ProblemError:
    return ProblemError(
        422,
        "Validation failed",
        "the request body is invalid",
        errors=[{"path": ["body", *path], "message": message, "type": type_}],
    )


def parse_id(raw: Any, what: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(raw))
    except (ValueError, TypeError):
        raise not_found(what) from None


def visible_course(request, raw_id: Any):
    """The course ``raw_id`` if the caller may view it; 404 otherwise (malformed
    ids, other tenants' ids and hidden drafts alike)."""
    course = courses.get_course(request.db, parse_id(raw_id, "course"))
    if course is None or not courses.can_view(request, course):
        raise not_found()
    return course


def editable_course(request, raw_id: Any):
    course = visible_course(request, raw_id)
    if not can_edit(request, course):
        raise ProblemError(403, "Forbidden", "you may not edit this course's curriculum")
    return course


def get_section(request, course, raw_id: Any) -> CourseSection:
    section = request.db.get(CourseSection, parse_id(raw_id, "section"))
    if section is None or section.course_id != course.id:
        raise not_found("section")
    return section


def get_lesson(request, course, raw_id: Any) -> Lesson:
    lesson = request.db.get(Lesson, parse_id(raw_id, "lesson"))
    if lesson is None or lesson.course_id != course.id:
        raise not_found("lesson")
    if not is_staff(request, course) and not lesson.is_published:
        raise not_found("lesson")
    return lesson


def reindex(request, course_id: uuid.UUID) -> None:
    """The course's search document includes published lesson text: ask courses to
    rebuild it after commit (nothing when the transaction rolls back)."""
    courses.request_reindex(request, course_id)


# ----------------------------------------------------------------- sections


def _next_position(db, model, *where) -> int:
    top = db.scalar(sa.select(sa.func.max(model.position)).where(*where))
    return 0 if top is None else top + 1


def create_section(request, course, title: str) -> CourseSection:
    section = CourseSection(
        id=uuid.uuid4(),
        course_id=course.id,
        title=title,
        position=_next_position(request.db, CourseSection, CourseSection.course_id == course.id),
    )
    request.db.add(section)
    request.db.flush()
    return section


def rename_section(request, section: CourseSection, title: str) -> None:
    section.title = title
    request.db.flush()


def delete_section(request, section: CourseSection) -> None:
    """Delete the section with its lessons and their versions; emits
    ``content.lesson.deleted`` for each of its lessons, then ``content.section.deleted``."""
    course_id, section_id, section_title = section.course_id, section.id, section.title
    # (id, title, published) of its lessons, before they go
    lessons = [
        (lesson_id, title, status == "published" and version_id is not None)
        for lesson_id, title, status, version_id in request.db.execute(
            sa.select(Lesson.id, Lesson.title, Lesson.status, Lesson.published_version_id)
            .where(Lesson.section_id == section.id)
            .order_by(Lesson.position, Lesson.id)
        )
    ]
    lesson_ids = sa.select(Lesson.id).where(Lesson.section_id == section.id)
    request.db.execute(
        sa.delete(LessonVersion).where(LessonVersion.lesson_id.in_(lesson_ids)),
        execution_options={"synchronize_session": False},
    )
    request.db.execute(
        sa.delete(Lesson).where(Lesson.section_id == section.id),
        execution_options={"synchronize_session": False},
    )
    request.db.delete(section)
    request.db.flush()
    request.db.expire_all()
    for lesson_id, title, was_published in lessons:
        _lesson_deleted(request, lesson_id, course_id, section_id, title, was_published)
    request.emit(
        SECTION_DELETED,
        resource_type="section",
        resource_id=section_id,
        payload={
            "course_id": str(course_id),
            "title": section_title,
            "lesson_ids": [str(lesson_id) for lesson_id, _, _ in lessons],
        },
    )
    if any(was_published for _, _, was_published in lessons):
        reindex(request, course_id)


# ----------------------------------------------------------------- lessons


SLUG_RE = re.compile(r"^(?=.{1,120}$)[a-z0-9]+(-[a-z0-9]+)*$")


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:80] or "lesson"


def _unique_slug(db, course_id: uuid.UUID, wanted: str, exclude: uuid.UUID | None = None) -> str:
    taken = set(
        db.scalars(
            sa.select(Lesson.slug).where(
                Lesson.course_id == course_id,
                Lesson.slug.like(f"{wanted}%"),
                Lesson.id != (exclude or uuid.UUID(int=0)),
            )
        )
    )
    slug, n = wanted, 2
    while slug in taken:
        slug, n = f"{wanted}-{n}", n + 1
    return slug


@dataclass
class ContentInput:
    """Content fields of a version as sent (None: keep the previous version's)."""

    body: str | None = None
    format: str = "html"
    media_asset_id: uuid.UUID | None = None
    embed_url: str | None = None
    data: dict[str, Any] | None = None


MEDIA_LESSON_TYPES = ("video", "audio", "file")


def fits(lesson_type: str, content_type: str | None) -> bool:
    """Whether an asset of ``content_type`` suits a lesson of ``lesson_type``: a video
    lesson plays a video, an audio lesson a recording; a file lesson offers any file."""
    if lesson_type == "file":
        return True
    return (content_type or "").split("/", 1)[0] == lesson_type


def course_uses_asset(db, course_id: uuid.UUID, asset_id: uuid.UUID) -> bool:
    """Whether some version of a lesson of the course uses the asset (one statement)."""
    return (
        db.scalar(
            sa.select(LessonVersion.id)
            .join(Lesson, Lesson.id == LessonVersion.lesson_id)
            .where(Lesson.course_id == course_id, LessonVersion.media_asset_id == asset_id)
            .limit(1)
        )
        is not None
    )


def may_use_asset(request, course_id: uuid.UUID, asset) -> bool:
    """May the request's user put ``asset`` into a lesson of the course? Their own
    uploads; any asset of the tenant for those who manage its media (admins); and an
    asset a lesson of this very course already uses (a colleague's upload, shared by
    the course staff). Seeing an asset is not enough: a learner sees the videos of
    the courses they are enrolled in, and must not republish them elsewhere."""
    from learninghub_media import services as media

    if media.is_owner(request, asset) or media.can_manage(request):
        return True
    return course_uses_asset(request.db, course_id, asset.id)


def _media_invalid(message: str, type_: str) -> ProblemError:
    return invalid(["media_asset_id"], message, type_)


def _check_asset(request, lesson: Lesson, asset_id: uuid.UUID | None, lesson_type: str) -> Any:
    """The asset must exist in the tenant, be one the editor may use
    (:func:`may_use_asset`), be ready and suit the type. Called before the new version
    is added: until then the lesson does not vouch for the asset. Error types:
    ``missing``, ``media`` (unknown, another tenant's or not the editor's to use: the
    same answer, so ids reveal nothing), ``not_ready``, ``type``."""
    from learninghub_media import services as media

    if asset_id is None:
        raise _media_invalid(f"a {lesson_type} lesson needs a media asset", "missing")
    asset = media.get_asset(request.db, asset_id)
    if asset is None or not may_use_asset(request, lesson.course_id, asset):
        raise _media_invalid("no such media asset", "media")
    if not asset.is_ready:
        raise _media_invalid(f"the asset is {asset.status}, not ready", "not_ready")
    if not fits(lesson_type, asset.content_type):
        raise _media_invalid(f"the asset is {asset.content_type}, not {lesson_type}", "type")
    try:
        return media.attach(request, asset.id, "lesson", lesson.id)
    except ProblemError:
        raise _media_invalid("no such media asset", "media") from None


MAX_MEDIA_CHOICES = 200


def media_choices(request, course) -> list[Any]:
    """The ready assets the request's user may pick for a lesson of ``course``: their
    own uploads and the assets the course's lessons already use, newest first (at
    most :data:`MAX_MEDIA_CHOICES`; one statement)."""
    from learninghub_media.models import MediaAsset

    used = (
        sa.select(LessonVersion.media_asset_id)
        .join(Lesson, Lesson.id == LessonVersion.lesson_id)
        .where(Lesson.course_id == course.id, LessonVersion.media_asset_id.is_not(None))
    )
    mine = MediaAsset.owner_id == request.identity.id if request.identity else sa.false()
    return list(
        request.db.scalars(
            sa.select(MediaAsset)
            .where(MediaAsset.status == "ready", sa.or_(mine, MediaAsset.id.in_(used)))
            .order_by(MediaAsset.created_at.desc(), MediaAsset.id.desc())
            .limit(MAX_MEDIA_CHOICES)
        )
    )


def build_version(
    request, lesson: Lesson, lesson_type: str, given: ContentInput, previous: LessonVersion | None
) -> LessonVersion:
    """A new version: ``previous`` with ``given`` applied, validated for the type."""
    settings = request.plugin_settings(PLUGIN)
    data = dict(previous.data or {}) if previous else {}
    body = previous.body if previous else ""
    if given.data is not None:
        if len(json.dumps(given.data)) > settings.max_body_chars:
            raise invalid(
                ["data"], f"at most {settings.max_body_chars} characters of JSON", "too_long"
            )
        data = {**given.data, **({"markdown": data["markdown"]} if "markdown" in data else {})}
    if given.body is not None:
        if len(given.body) > settings.max_body_chars:
            raise invalid(
                ["body"], f"at most {settings.max_body_chars} characters", "string_too_long"
            )
        if given.format == "markdown":
            data["markdown"] = given.body
            body = render_markdown(given.body)
        else:
            data.pop("markdown", None)
            body = sanitize_html(given.body)
    asset_id = previous.media_asset_id if previous else None
    if given.media_asset_id is not None:
        asset_id = given.media_asset_id
    embed_url = previous.embed_url if previous else ""
    if given.embed_url is not None:
        try:
            embed_url = normalize_embed_url(given.embed_url, settings.embed_hosts)
        except EmbedRefused as exc:
            raise invalid(["embed_url"], str(exc), "embed_refused") from None
    if lesson_type in MEDIA_LESSON_TYPES:
        asset = _check_asset(request, lesson, asset_id, lesson_type)
        if lesson.duration_s is None and lesson_type != "file" and asset.duration_s:
            lesson.duration_s = int(asset.duration_s)  # the media's length, unless set
    else:
        asset_id = None
    if lesson_type == "embed":
        if not embed_url:
            raise invalid(["embed_url"], "an embed lesson needs an embed URL", "missing")
    else:
        embed_url = ""
    number = (previous.number + 1) if previous else 1
    return LessonVersion(
        id=uuid.uuid4(),
        lesson_id=lesson.id,
        number=number,
        body=body,
        media_asset_id=asset_id,
        embed_url=embed_url,
        data=data,
        created_by=request.identity.id if request.identity else None,
    )


def _check_type(request, lesson_type: str) -> None:
    if lesson_type not in lesson_types(request):
        known = ", ".join(lesson_types(request))
        raise invalid(["type"], f"unknown lesson type (one of: {known})", "enum")


def create_lesson(
    request,
    course,
    section: CourseSection,
    *,
    title: str,
    lesson_type: str,
    slug: str | None = None,
    is_free_preview: bool = False,
    duration_s: int | None = None,
    content: ContentInput | None = None,
) -> Lesson:
    """A draft lesson at the end of ``section`` with its first version."""
    _check_type(request, lesson_type)
    if slug is not None and _unique_slug(request.db, course.id, slug) != slug:
        raise invalid(["slug"], "another lesson of this course has this slug", "unique")
    lesson = Lesson(
        id=uuid.uuid4(),
        course_id=course.id,
        section_id=section.id,
        title=title,
        slug=slug or _unique_slug(request.db, course.id, slugify(title)),
        type=lesson_type,
        position=_next_position(request.db, Lesson, Lesson.section_id == section.id),
        is_free_preview=is_free_preview,
        status="draft",
        duration_s=duration_s,
    )
    version = build_version(request, lesson, lesson_type, content or ContentInput(), None)
    request.db.add(lesson)
    request.db.flush()
    request.db.add(version)
    request.db.flush()
    return lesson


CONTENT_FIELDS = ("body", "format", "media_asset_id", "embed_url", "data")


def update_lesson(request, course, lesson: Lesson, changes: dict[str, Any]) -> LessonVersion | None:
    """Apply ``changes`` (only the keys given). Any content field, or a new type,
    adds a draft version; the published version stays what learners see until the
    next publish. Returns the new version, if any."""
    if "slug" in changes and changes["slug"] != lesson.slug:
        if _unique_slug(request.db, course.id, changes["slug"], lesson.id) != changes["slug"]:
            raise invalid(["slug"], "another lesson of this course has this slug", "unique")
        lesson.slug = changes["slug"]
    if "section_id" in changes and changes["section_id"] != lesson.section_id:
        section = request.db.get(CourseSection, changes["section_id"])
        if section is None or section.course_id != course.id:
            raise invalid(["section_id"], "no such section in this course", "not_found")
        lesson.section_id = section.id
        lesson.position = _next_position(request.db, Lesson, Lesson.section_id == section.id)
    if lesson.is_published and changes.get("title", lesson.title) != lesson.title:
        reindex(request, course.id)
    for key in ("title", "is_free_preview", "duration_s"):
        if key in changes:
            setattr(lesson, key, changes[key])
    version = None
    new_type = changes.get("type", lesson.type)
    # "format" only says how a "body" sent with it is written
    content_keys = [k for k in CONTENT_FIELDS if k in changes and k != "format"]
    if new_type != lesson.type or content_keys:
        _check_type(request, new_type)
        previous = latest_version(request.db, lesson)
        given = ContentInput(**{k: changes[k] for k in content_keys})
        if "body" in changes:
            kept = "markdown" if previous and "markdown" in (previous.data or {}) else "html"
            given.format = changes.get("format") or kept
        version = build_version(request, lesson, new_type, given, previous)
        lesson.type = new_type
        request.db.add(version)
    lesson.updated_at = utcnow()
    request.db.flush()
    return version


def publish_lesson(request, course, lesson: Lesson) -> LessonVersion:
    """Point ``published_version_id`` at the newest version (409 when it already is)."""
    version = latest_version(request.db, lesson)
    if version is None:
        raise ProblemError(409, "Conflict", "the lesson has no content to publish")
    if lesson.is_published and lesson.published_version_id == version.id:
        raise ProblemError(409, "Conflict", "the newest version is already published")
    lesson.published_version_id = version.id
    lesson.status = "published"
    lesson.updated_at = utcnow()
    request.db.flush()
    request.emit(
        LESSON_PUBLISHED,
        resource_type="lesson",
        resource_id=lesson.id,
        payload={"course_id": str(course.id), "version": version.number, "title": lesson.title},
    )
    reindex(request, course.id)
    return version


def unpublish_lesson(request, lesson: Lesson) -> None:
    """Hide the lesson from learners again (its versions are kept); emits
    ``content.lesson.unpublished`` (409, and no event, when it is not published)."""
    if not lesson.is_published:
        raise ProblemError(409, "Conflict", "the lesson is not published")
    withdrawn = published_version(request.db, lesson)
    lesson.status = "draft"
    lesson.published_version_id = None
    lesson.updated_at = utcnow()
    request.db.flush()
    request.emit(
        LESSON_UNPUBLISHED,
        resource_type="lesson",
        resource_id=lesson.id,
        payload={
            "course_id": str(lesson.course_id),
            "section_id": str(lesson.section_id),
            "version": withdrawn.number if withdrawn is not None else None,
            "title": lesson.title,
        },
    )
    reindex(request, lesson.course_id)


def _lesson_deleted(
    request,
    lesson_id: uuid.UUID,
    course_id: uuid.UUID,
    section_id: uuid.UUID,
    title: str,
    was_published: bool,
) -> None:
    request.emit(
        LESSON_DELETED,
        resource_type="lesson",
        resource_id=lesson_id,
        payload={
            "course_id": str(course_id),
            "section_id": str(section_id),
            "title": title,
            "was_published": was_published,
        },
    )


def delete_lesson(request, lesson: Lesson) -> None:
    """Delete the lesson and its versions; emits ``content.lesson.deleted``."""
    lesson_id, course_id, section_id = lesson.id, lesson.course_id, lesson.section_id
    title, was_published = lesson.title, lesson.is_published
    if was_published:
        reindex(request, course_id)
    request.db.execute(
        sa.delete(LessonVersion).where(LessonVersion.lesson_id == lesson_id),
        execution_options={"synchronize_session": False},
    )
    request.db.delete(lesson)
    request.db.flush()
    _lesson_deleted(request, lesson_id, course_id, section_id, title, was_published)


# ----------------------------------------------------------------- reorder


def reorder(request, course, tree: list[tuple[uuid.UUID, list[uuid.UUID]]]) -> None:
    """Set the whole order at once: ``tree`` lists every section of the course once,
    each with the ids of its lessons; every lesson of the course appears exactly
    once. Anything else is refused (422) and nothing changes."""
    nodes = curriculum(request.db, course.id, drafts=True)
    sections = {n.section.id: n.section for n in nodes}
    lessons = {lesson.id: lesson for n in nodes for lesson in n.lessons}
    seen_sections: set[uuid.UUID] = set()
    seen_lessons: set[uuid.UUID] = set()
    for i, (section_id, lesson_ids) in enumerate(tree):
        if section_id not in sections:
            raise invalid(["sections", str(i), "id"], "not a section of this course", "not_found")
        if section_id in seen_sections:
            raise invalid(["sections", str(i), "id"], "section listed twice", "duplicate")
        seen_sections.add(section_id)
        for j, lesson_id in enumerate(lesson_ids):
            path = ["sections", str(i), "lesson_ids", str(j)]
            if lesson_id not in lessons:
                raise invalid(path, "not a lesson of this course", "not_found")
            if lesson_id in seen_lessons:
                raise invalid(path, "lesson listed twice", "duplicate")
            seen_lessons.add(lesson_id)
    if seen_sections != set(sections):
        raise invalid(["sections"], "every section of the course must be listed", "missing")
    if seen_lessons != set(lessons):
        raise invalid(["sections"], "every lesson of the course must be listed", "missing")
    for i, (section_id, lesson_ids) in enumerate(tree):
        sections[section_id].position = i
        for j, lesson_id in enumerate(lesson_ids):
            lessons[lesson_id].section_id = section_id
            lessons[lesson_id].position = j
    request.db.flush()


def current_tree(request, course) -> list[tuple[uuid.UUID, list[uuid.UUID]]]:
    return [
        (n.section.id, [lesson.id for lesson in n.lessons])
        for n in curriculum(request.db, course.id, drafts=True)
    ]


def move(request, course, kind: str, item_id: uuid.UUID, delta: int) -> None:
    """Move a section or lesson one place up (-1) or down (+1) through
    :func:`reorder` (a lesson at the edge of its section moves to the neighbour
    section)."""
    tree = current_tree(request, course)
    if kind == "section":
        index = next((i for i, (sid, _) in enumerate(tree) if sid == item_id), None)
        if index is None:
            raise not_found("section")
        target = index + delta
        if 0 <= target < len(tree):
            tree[index], tree[target] = tree[target], tree[index]
    else:
        where = next(
            (
                (i, j)
                for i, (_, ids) in enumerate(tree)
                for j, lid in enumerate(ids)
                if lid == item_id
            ),
            None,
        )
        if where is None:
            raise not_found("lesson")
        i, j = where
        ids = tree[i][1]
        if 0 <= j + delta < len(ids):
            ids[j], ids[j + delta] = ids[j + delta], ids[j]
        elif 0 <= i + delta < len(tree):
            ids.pop(j)
            neighbour = tree[i + delta][1]
            if delta < 0:
                neighbour.append(item_id)
            else:
                neighbour.insert(0, item_id)
    reorder(request, course, tree)


# ----------------------------------------------------------------- links


def player_path(request, course, lesson: Lesson, preview: bool = False) -> str:
    query = {"preview": "1"} if preview else {}
    return request.route_path(
        "content.player", slug=course.slug, lesson_slug=lesson.slug, _query=query
    )


def lesson_api_url(request, course, lesson: Lesson) -> str:
    return request.route_url("content.lesson", course_id=str(course.id), id=str(lesson.id))
