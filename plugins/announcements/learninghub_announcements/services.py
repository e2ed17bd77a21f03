"""What announcements may do and who may see them; shared by the API, pages and tasks.

Rules (``P`` = the caller's permissions in the tenant):

* published announcements are visible to everyone with ``view``; drafts and archived
  ones only to their author and to holders of ``manage``; anything else is a 404;
* authors with ``create`` edit their own announcements, ``manage`` edits any;
* authors with ``publish`` publish and archive their own, ``manage`` any;
* ``manage`` deletes any announcement; an author with ``create`` deletes their own
  drafts (published ones are archived instead, so that links keep working).

Announcements with a scope (a course) follow the scope's rules instead of ``create``
and ``publish``: see :mod:`.scopes`.
"""

from __future__ import annotations

import html
import re
import uuid

import nh3
import sqlalchemy as sa
from markupsafe import Markup

from learninghub.api import ProblemError
from learninghub.db import utcnow

from . import scopes
from .models import Announcement
from .permissions import AnnouncementPermission as P

PLUGIN = "announcements"
PUBLISHED_EVENT = "announcements.announcement.published"
EMAIL_TASK = "announcements.send_email"
_BLOCK_END = re.compile(r"<br\s*/?>|</(?:p|div|li|h[1-6]|blockquote|pre|tr)>", re.I)


def sanitize(body: str) -> str:
    """The HTML we store: nh3's default allow-list (no scripts, styles or handlers)."""
    return nh3.clean(body)


def body_markup(announcement: Announcement) -> Markup:
    """Body HTML for templates: sanitized when stored, cleaned again on the way out so
    that rows written by other means can never inject markup."""
    return Markup(nh3.clean(announcement.body))  # sanitized on this very line


def body_text(announcement: Announcement) -> str:
    """Plain-text rendition of the body (email text part, page excerpts)."""
    marked = _BLOCK_END.sub("\n", announcement.body)
    text = html.unescape(nh3.clean(marked, tags=set()))
    lines = [line.strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def excerpt(announcement: Announcement, limit: int = 280) -> str:
    text = " ".join(body_text(announcement).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# ----------------------------------------------------------------- access


def _is_author(request, announcement: Announcement) -> bool:
    user = request.identity
    return user is not None and announcement.author_id == user.id


def can_manage(request) -> bool:
    return bool(request.has_permission(P.MANAGE))


def _can_post_in_scope(request, announcement: Announcement) -> bool:
    return scopes.can_post(request, announcement.scope_type, announcement.scope_id)


def can_see(request, announcement: Announcement) -> bool:
    if can_manage(request) or _is_author(request, announcement):
        return True
    if not announcement.is_scoped:
        return announcement.is_published
    if announcement.is_published:
        return scopes.can_read(request, announcement.scope_type, announcement.scope_id)
    return _can_post_in_scope(request, announcement)


def can_edit(request, announcement: Announcement) -> bool:
    if can_manage(request):
        return True
    if announcement.is_scoped:
        return _can_post_in_scope(request, announcement)
    return _is_author(request, announcement) and bool(request.has_permission(P.CREATE))


def can_publish(request, announcement: Announcement) -> bool:
    if can_manage(request):
        return True
    if announcement.is_scoped:
        return _can_post_in_scope(request, announcement)
    return _is_author(request, announcement) and bool(request.has_permission(P.PUBLISH))


def can_delete(request, announcement: Announcement) -> bool:
    return can_manage(request) or (
        announcement.status == "draft" and can_edit(request, announcement)
    )


def forbidden(action: str) -> ProblemError:
    return ProblemError(403, "Forbidden", f"you may not {action} this announcement")


def not_found() -> ProblemError:
    return ProblemError(404, "Not found", "no such announcement")


def get_visible(request, raw_id: str) -> Announcement:
    """The announcement ``raw_id`` of the request's tenant if the caller may see it;
    404 for malformed ids, other tenants' ids and hidden drafts alike."""
    try:
        announcement_id = uuid.UUID(raw_id)
    except (ValueError, TypeError):
        raise not_found() from None
    announcement = request.db.scalar(
        sa.select(Announcement).where(Announcement.id == announcement_id)
    )
    if announcement is None or not can_see(request, announcement):
        raise not_found()
    return announcement


# ----------------------------------------------------------------- changes


def check_body_length(request, body: str) -> None:
    limit = request.plugin_settings(PLUGIN).max_body_chars
    if len(body) > limit:
        raise ProblemError(
            422,
            "Validation failed",
            "the request body is invalid",
            errors=[
                {
                    "path": ["body", "body"],
                    "message": f"at most {limit} characters",
                    "type": "string_too_long",
                }
            ],
        )


def create(request, title: str, body: str, scope: scopes.Scope | None = None) -> Announcement:
    """A draft by the request's user; the caller checked that they may write it
    (``create``, or posting in ``scope``)."""
    check_body_length(request, body)
    announcement = Announcement(
        id=uuid.uuid4(),
        title=title,
        body=sanitize(body),
        status="draft",
        author_id=request.identity.id,
        scope_type=scope.type if scope else None,
        scope_id=scope.id if scope else None,
    )
    request.db.add(announcement)
    request.db.flush()
    return announcement


def update(request, announcement: Announcement, changes: dict[str, str]) -> None:
    if "body" in changes:
        check_body_length(request, changes["body"])
        announcement.body = sanitize(changes["body"])
    if "title" in changes:
        announcement.title = changes["title"]
    announcement.updated_at = utcnow()
    request.db.flush()


def publish(request, announcement: Announcement) -> None:
    """Publish; after commit the ``published`` event is delivered and, when the
    tenant wants it, the email task runs."""
    if announcement.is_published:
        raise ProblemError(409, "Conflict", "the announcement is already published")
    now = utcnow()
    announcement.status = "published"
    announcement.published_at = announcement.published_at or now
    announcement.updated_at = now
    request.db.flush()
    request.emit(
        PUBLISHED_EVENT,
        resource_type="announcement",
        resource_id=announcement.id,
        payload={
            "title": announcement.title,
            "author_id": (str(announcement.author_id) if announcement.author_id else None),
            "published_at": announcement.published_at.isoformat(),
            "url": page_url(request, announcement),
            "scope_type": announcement.scope_type,
            "scope_id": announcement.scope_id,
        },
    )
    if request.plugin_settings(PLUGIN).email_on_publish:
        request.tasks.enqueue(EMAIL_TASK, announcement_id=str(announcement.id))


def archive(request, announcement: Announcement) -> None:
    if announcement.status == "archived":
        raise ProblemError(409, "Conflict", "the announcement is already archived")
    announcement.status = "archived"
    announcement.updated_at = utcnow()
    request.db.flush()


def delete(request, announcement: Announcement) -> None:
    request.db.delete(announcement)
    request.db.flush()


# ----------------------------------------------------------------- links


def api_url(request, announcement: Announcement) -> str:
    return request.route_url("announcements.item", id=str(announcement.id))


def page_url(request, announcement: Announcement) -> str:
    return request.route_url("announcements.page.detail", id=str(announcement.id))


def published_statement(request, scope: scopes.Scope | None = None):
    """Published announcements the request's user reads: of ``scope`` (the caller
    checked that they read it), or tenant-wide ones and those of every scope they
    read."""
    stmt = sa.select(Announcement).where(Announcement.status == "published")
    if scope is not None:
        return stmt.where(scopes.in_scope(scope))
    clause = scopes.readable_clause(request)
    return stmt if clause is None else stmt.where(clause)


def latest_published(request, limit: int, scope: scopes.Scope | None = None) -> list[Announcement]:
    """The ``limit`` newest published announcements the request's user reads (of
    ``scope`` only, when given)."""
    stmt = published_statement(request, scope)
    return list(
        request.db.scalars(
            stmt.order_by(Announcement.published_at.desc(), Announcement.id.desc()).limit(limit)
        )
    )
