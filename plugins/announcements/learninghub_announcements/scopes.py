"""Scoped announcements: asking the scope hooks (:mod:`.hookspecs`) and turning their
answers into access decisions and SQL filters.

Rules for an announcement with a scope (``P`` = the caller's permissions):

* ``manage`` sees and changes every announcement, whatever its scope;
* users who may post in the scope (``learninghub_announcements_can_post``) write,
  edit, publish and archive its announcements and see its drafts;
* published announcements of a scope are read by the scope's readers
  (``learninghub_announcements_readable_scopes``) and by those who may post there;
* anyone else does not see them at all (404, like a draft).

Every answer is cached on the request, so that a page asks each hook once per scope
(or scope type), never once per announcement.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from learninghub.api import ProblemError

from .models import Announcement
from .permissions import AnnouncementPermission as P

#: the scope type of course announcements (answered by the courses plugin)
COURSE = "course"
SCOPE_TYPE_PATTERN = r"^[a-z][a-z0-9_]{0,39}$"
SCOPE_ID_MAX = 64
_CACHE_KEY = "_lh_announcements_scopes"


@dataclass(frozen=True)
class Scope:
    """A scope that exists for the request's user, as its owner describes it."""

    type: str
    id: str
    title: str
    url: str | None


def _cache(request) -> dict[tuple, Any]:
    return request.__dict__.setdefault(_CACHE_KEY, {})


def forget(request) -> None:
    """Drop the per-request answers (after a change of roles or enrolments)."""
    request.__dict__.pop(_CACHE_KEY, None)


def can_manage(request) -> bool:
    return request.identity is not None and bool(request.has_permission(P.MANAGE))


def describe(request, scope_type: str, scope_id: str) -> Scope | bool | None:
    """The owner's description of the scope: a :class:`Scope`, ``False`` (no such
    scope for this user) or ``None`` (nobody owns ``scope_type``)."""
    key = ("describe", scope_type, scope_id)
    cache = _cache(request)
    if key not in cache:
        answer = request.hooks.learninghub_announcements_scope(
            request=request, scope_type=scope_type, scope_id=scope_id
        )
        if isinstance(answer, dict):
            answer = Scope(
                scope_type, scope_id, str(answer.get("title") or scope_id), answer.get("url")
            )
        elif answer is not None:
            answer = False
        cache[key] = answer
    return cache[key]


def can_post(request, scope_type: str, scope_id: str) -> bool:
    """Whether the request's user may write in the scope (``manage`` always may)."""
    if request.identity is None:
        return False
    if can_manage(request):
        return True
    key = ("post", scope_type, scope_id)
    cache = _cache(request)
    if key not in cache:
        cache[key] = (
            request.hooks.learninghub_announcements_can_post(
                request=request, scope_type=scope_type, scope_id=scope_id
            )
            is True
        )
    return cache[key]


def readable_ids(request, scope_type: str) -> frozenset[str]:
    """Ids of the scopes of ``scope_type`` the request's user reads (empty without a
    user or when nobody answers)."""
    if request.identity is None:
        return frozenset()
    key = ("readable", scope_type)
    cache = _cache(request)
    if key not in cache:
        answer = request.hooks.learninghub_announcements_readable_scopes(
            request=request, scope_type=scope_type
        )
        cache[key] = frozenset(str(i) for i in answer or ())
    return cache[key]


def can_read(request, scope_type: str, scope_id: str) -> bool:
    """Whether the request's user reads the published announcements of the scope."""
    return (
        can_manage(request)
        or scope_id in readable_ids(request, scope_type)
        or can_post(request, scope_type, scope_id)
    )


def require(request, scope_type: str, scope_id: str, *, location: str = "body") -> Scope:
    """The scope, or 400 (unknown scope type) / 404 (no such scope for the user)."""
    found = describe(request, scope_type, scope_id)
    if found is None:
        raise ProblemError(
            400,
            "Unknown scope type",
            f"no plugin enabled for this site handles the scope type {scope_type!r}",
            errors=[
                {
                    "path": [location, "scope_type"],
                    "message": "unknown scope type",
                    "type": "unknown_scope_type",
                }
            ],
        )
    if not isinstance(found, Scope):
        raise ProblemError(404, "Not found", f"no such {scope_type}")
    return found


def require_reader(request, scope: Scope) -> None:
    if not can_read(request, scope.type, scope.id):
        raise ProblemError(
            403, "Forbidden", f"only the audience of this {scope.type} reads its announcements"
        )


def require_poster(request, scope: Scope) -> None:
    if not can_post(request, scope.type, scope.id):
        raise ProblemError(403, "Forbidden", f"you may not post announcements in this {scope.type}")


# ----------------------------------------------------------------- SQL


def scope_types_in_use(request) -> list[str]:
    """The scope types the tenant's announcements use (one statement, cached)."""
    key = ("types",)
    cache = _cache(request)
    if key not in cache:
        cache[key] = sorted(
            request.db.scalars(
                sa.select(Announcement.scope_type)
                .where(Announcement.scope_type.is_not(None))
                .distinct()
            )
        )
    return cache[key]


def readable_clause(request, scope_type: str | None = None):
    """A WHERE clause keeping the announcements whose scope the request's user reads:
    tenant-wide ones (unless ``scope_type`` narrows the list to one type) and those of
    readable scopes. ``None`` for ``manage``, who reads every scope. Statements: one
    for the types in use, plus what each type's readable-scopes answer costs."""
    if can_manage(request):
        return None if scope_type is None else Announcement.scope_type == scope_type
    types = [scope_type] if scope_type is not None else scope_types_in_use(request)
    clauses = [] if scope_type is not None else [Announcement.scope_type.is_(None)]
    for kind in types:
        ids = readable_ids(request, kind)
        if ids:
            clauses.append(
                sa.and_(Announcement.scope_type == kind, Announcement.scope_id.in_(sorted(ids)))
            )
    if not clauses:
        return sa.false()
    return sa.or_(*clauses)


def in_scope(scope: Scope):
    return sa.and_(Announcement.scope_type == scope.type, Announcement.scope_id == scope.id)
