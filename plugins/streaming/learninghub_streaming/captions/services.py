"""Caption tracks: who may edit and read them, and their writes (with events).

* **edit** (upload, replace, delete, the transcript editor): the asset's owner, those
  who manage the tenant's media, and the editors (``content.can_edit``) of a course
  with a lesson (any version) using the asset; everyone else gets 404;
* **read** the ``.vtt``: the editors above and whoever media lets see the asset
  (``media.can_access``: through content, a learner allowed to watch a lesson using it).
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from learninghub.api import ProblemError

from . import vtt
from .models import Caption

CREATED_EVENT = "streaming.caption.created"
UPDATED_EVENT = "streaming.caption.updated"
DELETED_EVENT = "streaming.caption.deleted"
EVENTS = (CREATED_EVENT, UPDATED_EVENT, DELETED_EVENT)

_BCP47 = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")


def as_uuid(value: Any) -> uuid.UUID | None:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except (ValueError, TypeError):
        return None


def not_found(what: str) -> ProblemError:
    return ProblemError(404, "Not found", f"no such {what}")


# ----------------------------------------------------------------- language


def normalize_language(tag: str) -> str:
    """The canonical form of a BCP 47 tag Babel knows (``pt-br`` → ``pt-BR``);
    ValueError otherwise."""
    from babel import Locale, UnknownLocaleError

    tag = (tag or "").strip()
    if not _BCP47.match(tag):
        raise ValueError("not a BCP 47 language tag (like en, pt-BR or zh-Hant)")
    try:
        locale = Locale.parse(tag, sep="-")
    except (UnknownLocaleError, ValueError):
        raise ValueError(f"unknown language {tag!r}") from None
    return "-".join(p for p in (locale.language, locale.script, locale.territory) if p)


def language_name(tag: str) -> str:
    from babel import Locale

    try:
        locale = Locale.parse(tag, sep="-")
    except (ValueError, Exception):  # noqa: BLE001 (a stored tag Babel no longer knows)
        return tag
    return locale.get_display_name(locale) or tag


# ----------------------------------------------------------------- access


def get_asset(request, asset_id):
    from learninghub_media import services as media

    return media.get_asset(request.db, asset_id)


def courses_using(request, asset_id: uuid.UUID) -> list:
    """The courses with a lesson (any version) using the asset."""
    from learninghub_content.models import Lesson, LessonVersion
    from learninghub_courses.models import Course

    return list(
        request.db.scalars(
            sa.select(Course)
            .where(
                Course.id.in_(
                    sa.select(Lesson.course_id)
                    .join(LessonVersion, LessonVersion.lesson_id == Lesson.id)
                    .where(LessonVersion.media_asset_id == asset_id)
                )
            )
            .order_by(Course.id)
        )
    )


def can_edit(request, asset) -> bool:
    from learninghub_content import services as content
    from learninghub_media import services as media

    if request.identity is None:
        return False
    if media.is_owner(request, asset) or media.can_manage(request):
        return True
    return any(content.can_edit(request, c) for c in courses_using(request, asset.id))


def can_read(request, asset) -> bool:
    from learninghub_media import services as media

    return can_edit(request, asset) or media.can_access(request, asset)


def editable_asset(request, raw_id):
    """The asset ``raw_id`` if the user may edit its captions; 404 otherwise."""
    asset = get_asset(request, raw_id)
    if asset is None or not can_edit(request, asset):
        raise not_found("media asset")
    return asset


def get_caption(request, raw_id) -> Caption | None:
    key = as_uuid(raw_id)
    return request.db.get(Caption, key) if key is not None else None


def editable_caption(request, raw_id) -> tuple[Caption, Any]:
    caption = get_caption(request, raw_id)
    asset = get_asset(request, caption.asset_id) if caption is not None else None
    if asset is None or not can_edit(request, asset):
        raise not_found("caption track")
    return caption, asset


def has_tracks(request, asset_id) -> bool:
    return (
        request.db.scalar(sa.select(Caption.id).where(Caption.asset_id == asset_id).limit(1))
        is not None
    )


def tracks(request, asset_id) -> list[Caption]:
    return list(
        request.db.scalars(
            sa.select(Caption)
            .where(Caption.asset_id == asset_id)
            .order_by(Caption.language, Caption.kind)
        )
    )


# ----------------------------------------------------------------- writes


def file_problem(errors: list[vtt.CaptionFileError], field: str) -> ProblemError:
    return ProblemError(
        422,
        "Validation failed",
        "the caption file is invalid: " + "; ".join(_message(e) for e in errors),
        errors=[
            {
                "path": ["body", field],
                "message": _message(e),
                "type": e.type,
                "line": e.line,
            }
            for e in errors
        ],
    )


def _message(error: vtt.CaptionFileError) -> str:
    return f"line {error.line}: {error.message}" if error.line else error.message


def convert(asset, data: bytes | str, fmt: str | None, field: str = "text") -> str:
    """The validated WebVTT of an upload, or a 422 naming every bad line."""
    try:
        return vtt.to_webvtt(data, asset.duration_s, fmt)
    except vtt.ValidationFailed as exc:
        raise file_problem(exc.problems, field) from None
    except vtt.CaptionFileError as exc:
        raise file_problem([exc], field) from None


def _emit(request, name: str, caption: Caption) -> None:
    request.emit(
        name,
        resource_type="caption",
        resource_id=caption.id,
        payload={
            "asset_id": str(caption.asset_id),
            "language": caption.language,
            "kind": caption.kind,
        },
    )


def _conflict(language: str, kind: str) -> ProblemError:
    return ProblemError(
        409,
        "Conflict",
        f"the asset already has a {kind} track in {language}: replace it "
        "(PUT /api/v1/captions/{id})",
    )


def _flush(request, language: str, kind: str) -> None:
    try:
        with request.db.begin_nested():
            request.db.flush()
    except IntegrityError:
        raise _conflict(language, kind) from None


def create(request, asset, *, language: str, kind: str, label: str | None, webvtt: str) -> Caption:
    exists = request.db.scalar(
        sa.select(Caption.id).where(
            Caption.asset_id == asset.id, Caption.language == language, Caption.kind == kind
        )
    )
    if exists is not None:
        raise _conflict(language, kind)
    caption = Caption(
        asset_id=asset.id,
        language=language,
        kind=kind,
        label=label or language_name(language),
        vtt=webvtt,
        created_by=request.identity.id if request.identity is not None else None,
    )
    request.db.add(caption)
    _flush(request, language, kind)
    _emit(request, CREATED_EVENT, caption)
    return caption


def update(request, caption: Caption, changes: dict[str, Any]) -> Caption:
    for key, value in changes.items():
        setattr(caption, key, value)
    if "language" in changes and "label" not in changes:
        caption.label = language_name(caption.language)
    _flush(request, caption.language, caption.kind)
    _emit(request, UPDATED_EVENT, caption)
    return caption


def delete(request, caption: Caption) -> None:
    _emit(request, DELETED_EVENT, caption)
    request.db.delete(caption)
    request.db.flush()


def cue_count(caption: Caption) -> int:
    return sum(1 for line in caption.vtt.split("\n") if "-->" in line)
