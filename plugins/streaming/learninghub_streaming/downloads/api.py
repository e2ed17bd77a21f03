"""JSON API of the downloads part (docs/plugins/streaming-downloads.md#api).

* ``PUT /api/v1/streams/{id}/offline`` — editors switch the offline download on or off;
* ``GET /api/v1/streams/{id}/offline`` — editors: the switch, the file's state and the
  count of downloads; ``?scope=<lesson id>`` — a signed link to the file for an enrolled
  learner (or the course's staff);
* ``GET/POST /api/v1/streams/{id}/bookmarks?scope=`` — one's own bookmarks of a stream;
* ``PATCH/DELETE /api/v1/streaming/bookmarks/{id}`` — one of one's own bookmarks.

Whoever may not manage (editors' routes) or watch (the others) the stream gets 404, as
do unknown, malformed and other tenants' ids, and other users' bookmarks.
"""

from __future__ import annotations

import sqlalchemy as sa

from learninghub.api import Page, ProblemError, api_view, paginate
from learninghub.db import utcnow

from ..playback import access
from ..transcoding import services as transcoding
from ..transcoding.models import Stream
from . import services
from .models import Bookmark
from .schemas import (
    BookmarkCreate,
    BookmarkOut,
    BookmarkQuery,
    BookmarkUpdate,
    OfflineLink,
    OfflineQuery,
    OfflineState,
    OfflineSwitch,
)

TAGS = ["streaming"]


def offline_state(request, stream: Stream) -> OfflineState:
    return OfflineState(
        stream_id=stream.id,
        allowed=stream.downloadable,
        status=stream.download_status,
        filename=services.stored_filename(stream) or None,
        size=stream.download_size if stream.download_key else 0,
        error=stream.download_error if stream.download_status == "failed" else "",
        downloads=services.download_count(request.db, stream.id),
        downloaders=services.downloader_count(request.db, stream.id),
    )


def watchable(request, stream_id, scope) -> tuple[Stream, access.Scope]:
    """The ready stream and the scope the caller watches it in, else 404."""
    stream = transcoding.get_stream(request.db, stream_id)
    resolved = access.resolve(request, stream, scope) if stream is not None else None
    if stream is None or resolved is None or not stream.is_ready:
        raise transcoding.not_found()
    return stream, resolved


def _conflict(detail: str) -> ProblemError:
    return ProblemError(409, "Conflict", detail)


@api_view(
    "streaming.api.offline",
    "/api/v1/streams/{id}/offline",
    "PUT",
    body=OfflineSwitch,
    response=OfflineState,
    authenticated=True,
    tags=TAGS,
    summary="Allow or forbid the offline download of a stream (course editors)",
)
def switch_offline(request, body: OfflineSwitch):
    stream = transcoding.manageable_stream(request, request.matchdict["id"])
    if body.allowed and not stream.is_ready:
        raise _conflict(
            f"the stream is {stream.status}: the offline download can be allowed once it is ready"
        )
    services.set_allowed(request, stream, body.allowed)
    return offline_state(request, stream)


@api_view(
    "streaming.api.offline",
    "/api/v1/streams/{id}/offline",
    "GET",
    query=OfflineQuery,
    response=OfflineState | OfflineLink,
    authenticated=True,
    tags=TAGS,
    summary="Editors: the offline download's state and count; with ?scope: a signed link",
)
def get_offline(request, query: OfflineQuery):
    if query.scope is None:
        return offline_state(
            request, transcoding.manageable_stream(request, request.matchdict["id"])
        )
    stream, scope = watchable(request, request.matchdict["id"], query.scope)
    if not services.may_download(request, scope):
        raise ProblemError(
            403, "Forbidden", "offline downloads are for the learners enrolled in the course"
        )
    if not stream.downloadable:
        raise _conflict("the offline download of this media is not allowed")
    if stream.download_status == "failed":
        raise _conflict("the offline download could not be prepared: ask the course's editors")
    if not services.is_available(stream):
        raise _conflict("the offline download is being prepared: try again in a few minutes")
    link = services.signed_link(request, stream, scope.name)
    request.response.headers["Cache-Control"] = "no-store"
    return OfflineLink(**link.__dict__)


# ----------------------------------------------------------------- bookmarks


def _invalid(field: str, message: str) -> ProblemError:
    return ProblemError(
        422,
        "Validation failed",
        "the request body is invalid",
        errors=[{"path": ["body", field], "message": message, "type": "value_error"}],
    )


def _check_position(stream: Stream, position_s: float | None) -> None:
    duration = stream.duration_s
    if position_s is not None and duration is not None and position_s > duration:
        raise _invalid("position_s", f"position_s must be within the media (0 to {duration:g} s)")


@api_view(
    "streaming.api.bookmarks",
    "/api/v1/streams/{id}/bookmarks",
    "GET",
    query=BookmarkQuery,
    response=Page[BookmarkOut],
    authenticated=True,
    tags=TAGS,
    summary="One's own bookmarks of a stream, by position",
)
def list_bookmarks(request, query: BookmarkQuery):
    stream, _ = watchable(request, request.matchdict["id"], query.scope)
    stmt = sa.select(Bookmark).where(
        Bookmark.stream_id == stream.id, Bookmark.user_id == request.identity.id
    )
    rows, cursor = paginate(
        request.db, stmt, Bookmark.position_s, Bookmark.id, query, descending=False, sort_type=float
    )
    return Page[BookmarkOut](
        items=[BookmarkOut.model_validate(b) for b in rows], next_cursor=cursor
    )


@api_view(
    "streaming.api.bookmarks",
    "/api/v1/streams/{id}/bookmarks",
    "POST",
    body=BookmarkCreate,
    response=BookmarkOut,
    status=201,
    authenticated=True,
    tags=TAGS,
    summary="Bookmark a moment of a stream, with a note",
)
def create_bookmark(request, body: BookmarkCreate):
    stream, scope = watchable(request, request.matchdict["id"], body.scope)
    _check_position(stream, body.position_s)
    if services.bookmark_count(request, stream) >= services.MAX_BOOKMARKS:
        raise _conflict(f"a stream keeps at most {services.MAX_BOOKMARKS} bookmarks per person")
    bookmark = Bookmark(
        stream_id=stream.id,
        lesson_id=scope.lesson_id,
        user_id=request.identity.id,
        position_s=body.position_s,
        note=body.note,
    )
    request.db.add(bookmark)
    request.db.flush()
    request.response.headers["Location"] = request.route_path(
        "streaming.api.bookmark", id=str(bookmark.id)
    )
    return BookmarkOut.model_validate(bookmark)


def _own_watchable_bookmark(request) -> tuple[Bookmark, Stream]:
    bookmark = services.own_bookmark(request, request.matchdict["id"])
    if bookmark is None:
        raise transcoding.not_found("bookmark")
    scope = str(bookmark.lesson_id) if bookmark.lesson_id is not None else access.MANAGE
    stream, _ = watchable(request, bookmark.stream_id, scope)
    return bookmark, stream


@api_view(
    "streaming.api.bookmark",
    "/api/v1/streaming/bookmarks/{id}",
    "PATCH",
    body=BookmarkUpdate,
    response=BookmarkOut,
    authenticated=True,
    tags=TAGS,
    summary="Move one's own bookmark or change its note",
)
def update_bookmark(request, body: BookmarkUpdate):
    bookmark, stream = _own_watchable_bookmark(request)
    changes = body.model_dump(exclude_unset=True)
    if changes.get("position_s", 0) is None or changes.get("note", "") is None:
        field = "position_s" if changes.get("position_s", 0) is None else "note"
        raise _invalid(field, f"{field} cannot be null")
    if not changes:
        raise ProblemError(
            422,
            "Validation failed",
            "nothing to change",
            errors=[{"path": ["body"], "message": "send position_s or note", "type": "missing"}],
        )
    _check_position(stream, changes.get("position_s"))
    for name, value in changes.items():
        setattr(bookmark, name, value)
    bookmark.updated_at = utcnow()
    request.db.flush()
    return BookmarkOut.model_validate(bookmark)


@api_view(
    "streaming.api.bookmark",
    "/api/v1/streaming/bookmarks/{id}",
    "DELETE",
    status=204,
    authenticated=True,
    tags=TAGS,
    summary="Delete one's own bookmark",
)
def delete_bookmark(request):
    # one's own notes can always be deleted, also after the access to the lesson ended
    bookmark = services.own_bookmark(request, request.matchdict["id"])
    if bookmark is None:
        raise transcoding.not_found("bookmark")
    request.db.delete(bookmark)
    request.db.flush()
