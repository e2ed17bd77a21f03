"""The catalog query shared by ``/api/v1/courses`` and the ``/courses`` page:
full-text search, facets, sorts and pagination in a fixed number of SQL statements.

Statements per call, whatever the number of courses: the caller's course roles
(signed-in users), the categories (one query for the facet labels, the cards and the
category filter), one grouped count from which the total and every facet are summed,
the page's rows (two with a relevance sort), and the page's instructors. Text search
asks the search index for matching ids first; SQL then filters visibility and
facets, so a hit never reveals a course the caller may not see.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from learninghub.api import ProblemError, decode_cursor, encode_cursor
from learninghub.identity import RoleGrant, User

from . import services
from .models import Course, CourseCategory
from .search import search_ids
from .workflow import all_categories, descendants

RATING_BUCKETS = (4, 3, 2, 1)
FACETS = ("category", "level", "language", "price", "rating")


@dataclass
class CatalogQuery:
    q: str | None = None
    category: str | None = None
    level: str | None = None
    language: str | None = None
    price: str | None = None
    min_rating: int | None = None
    sort: str | None = None
    mine: bool = False
    status: str | None = None
    limit: int = 20
    offset: int = 0


@dataclass
class CatalogResult:
    courses: list[Course]
    total: int
    offset: int
    limit: int
    facets: dict[str, list[dict[str, Any]]]
    categories: dict[uuid.UUID, CourseCategory]
    instructors: dict[str, list[dict[str, Any]]]
    sort: str
    selected_category: CourseCategory | None = None
    category_tree: list[Any] = field(default_factory=list)

    @property
    def next_offset(self) -> int | None:
        end = self.offset + len(self.courses)
        return end if end < self.total else None


def offset_from_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    (offset,) = decode_cursor(cursor, [int])
    if offset < 0:
        raise ProblemError(400, "Invalid cursor", "the cursor is malformed")
    return offset


def cursor_for(offset: int | None) -> str | None:
    return encode_cursor([offset]) if offset is not None else None


def _visibility(request, query: CatalogQuery) -> list[Any]:
    """Published courses for everyone; the caller's own courses in every status;
    admins may filter any status."""
    mine = [uuid.UUID(cid) for cid in services.course_roles(request)]
    conditions: list[Any] = []
    if query.mine:
        conditions.append(Course.id.in_(mine) if mine else sa.false())
        if query.status:
            conditions.append(Course.status == query.status)
    elif query.status and services.is_admin(request):
        conditions.append(Course.status == query.status)
    elif query.status:
        allowed = Course.status == "published"
        if mine:
            allowed = sa.or_(allowed, Course.id.in_(mine))
        conditions += [Course.status == query.status, allowed]
    else:
        visible = Course.status == "published"
        if mine:
            visible = sa.or_(visible, sa.and_(Course.id.in_(mine), Course.status != "archived"))
        conditions.append(visible)
    return conditions


def _filters(query: CatalogQuery, category_ids: set[uuid.UUID] | None) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {name: [] for name in FACETS}
    if category_ids is not None:
        out["category"].append(Course.category_id.in_(category_ids) if category_ids else sa.false())
    if query.level:
        out["level"].append(Course.level == query.level)
    if query.language:
        out["language"].append(Course.language == query.language)
    if query.price == "free":
        out["price"].append(Course.price_minor == 0)
    elif query.price == "paid":
        out["price"].append(Course.price_minor > 0)
    if query.min_rating:
        out["rating"].append(Course.rating_average >= query.min_rating)
    return out


def _order(sort: str) -> list[Any]:
    newest = sa.func.coalesce(Course.published_at, Course.created_at)
    return {
        "popular": [Course.enrolment_count.desc(), newest.desc()],
        "newest": [newest.desc()],
        "rating": [Course.rating_average.desc(), Course.rating_count.desc()],
        "price": [Course.price_minor.asc(), newest.desc()],
        "price_desc": [Course.price_minor.desc(), newest.desc()],
    }.get(sort, [newest.desc()]) + [Course.id.asc()]


def run(request, query: CatalogQuery) -> CatalogResult:
    db = request.db
    categories = all_categories(db)
    by_id = {c.id: c for c in categories}
    selected = None
    category_ids = None
    if query.category:
        selected = next((c for c in categories if c.slug == query.category), None)
        if selected is None:
            try:
                selected = by_id.get(uuid.UUID(query.category))
            except ValueError:
                selected = None
        category_ids = descendants(categories, selected.id) if selected else set()

    base = _visibility(request, query)
    scores: dict[uuid.UUID, float] | None = None
    if query.q and query.q.strip():
        hits = search_ids(request, query.q)
        scores = {cid: score for cid, score in hits}
        base.append(Course.id.in_(list(scores)) if scores else sa.false())
    filters = _filters(query, category_ids)
    every = [c for conds in filters.values() for c in conds]
    where = [*base, *every]

    sort = query.sort or ("relevance" if scores is not None else "newest")
    if sort == "relevance" and scores is None:
        sort = "newest"
    cube = _cube(db, base)
    preds = _predicates(query, category_ids)
    total = sum(row[5] for row in _matching(cube, preds))
    if sort == "relevance":
        # rank in Python: the index's order, ties broken by id
        ids = list(db.scalars(sa.select(Course.id).where(*where)))
        assert scores is not None
        ids.sort(key=lambda cid: (-scores.get(cid, 0.0), str(cid)))
        page_ids = ids[query.offset : query.offset + query.limit]
        rows = {c.id: c for c in db.scalars(sa.select(Course).where(Course.id.in_(page_ids)))}
        courses = [rows[cid] for cid in page_ids if cid in rows]
    else:
        courses = list(
            db.scalars(
                sa.select(Course)
                .where(*where)
                .order_by(*_order(sort))
                .offset(query.offset)
                .limit(query.limit)
            )
        )
    facets = _facets(request, cube, preds, by_id)
    return CatalogResult(
        courses=courses,
        total=total,
        offset=query.offset,
        limit=query.limit,
        facets=facets,
        categories=by_id,
        instructors=instructors_of(db, [c.id for c in courses]),
        sort=sort,
        selected_category=selected,
    )


def _cube(db, base) -> list[tuple[Any, ...]]:
    """One grouped count over the visible courses: (category_id, level, language,
    paid 0/1, rating bucket 0-5, count). Bounded by categories x levels x languages x
    2 x 6 rows whatever the number of courses; the total and every facet are summed
    from it in Python, so they cost one statement together."""
    bucket = sa.case(
        *[(Course.rating_average >= stars, stars) for stars in (5, 4, 3, 2, 1)], else_=0
    )
    paid = sa.case((Course.price_minor > 0, 1), else_=0)
    stmt = (
        sa.select(Course.category_id, Course.level, Course.language, paid, bucket, sa.func.count())
        .where(*base)
        .group_by(Course.category_id, Course.level, Course.language, paid, bucket)
    )
    return [tuple(row) for row in db.execute(stmt)]


def _predicates(query: CatalogQuery, category_ids: set[uuid.UUID] | None):
    """The filters of ``query`` as tests on a cube row, by facet (mirrors :func:`_filters`)."""
    preds: dict[str, Any] = {}
    if category_ids is not None:
        preds["category"] = lambda row: row[0] in category_ids
    if query.level:
        preds["level"] = lambda row: row[1] == query.level
    if query.language:
        preds["language"] = lambda row: row[2] == query.language
    if query.price:
        wanted = 1 if query.price == "paid" else 0
        preds["price"] = lambda row: row[3] == wanted
    if query.min_rating:
        preds["rating"] = lambda row: row[4] >= query.min_rating
    return preds


def _matching(cube, preds, facet: str | None = None):
    """Cube rows passing every filter but ``facet``'s."""
    tests = [test for name, test in preds.items() if name != facet]
    return [row for row in cube if all(test(row) for test in tests)]


def _facets(request, cube, preds, categories: dict[uuid.UUID, CourseCategory]):
    """Counts per value of each facet, over the courses matching every *other*
    filter (so choosing a level still shows how many courses each other level has)."""
    _ = request.gettext
    out: dict[str, list[dict[str, Any]]] = {}

    def counts(facet: str, column: int) -> dict[Any, int]:
        totals: dict[Any, int] = {}
        for row in _matching(cube, preds, facet):
            if row[column] is not None:
                totals[row[column]] = totals.get(row[column], 0) + row[5]
        return totals

    # a parent counts its sub-categories' courses too
    totals: dict[uuid.UUID, int] = {}
    for cid, count in counts("category", 0).items():
        seen: set[uuid.UUID] = set()
        node = categories.get(cid)
        while node is not None and node.id not in seen:
            seen.add(node.id)
            totals[node.id] = totals.get(node.id, 0) + count
            node = categories.get(node.parent_id) if node.parent_id else None
    out["category"] = [
        {"value": categories[cid].slug, "label": categories[cid].name, "count": n}
        for cid, n in sorted(
            totals.items(), key=lambda kv: (categories[kv[0]].position, categories[kv[0]].name)
        )
    ]
    labels = level_labels(request)
    levels = counts("level", 1)
    out["level"] = [
        {"value": lv, "label": labels[lv], "count": levels[lv]} for lv in labels if lv in levels
    ]
    out["language"] = [
        {"value": lang, "label": language_label(request, lang), "count": n}
        for lang, n in sorted(counts("language", 2).items())
    ]
    paid = counts("price", 3)
    out["price"] = [
        {"value": "free", "label": _("Free"), "count": paid.get(0, 0)},
        {"value": "paid", "label": _("Paid"), "count": paid.get(1, 0)},
    ]
    rated = _matching(cube, preds, "rating")
    out["rating"] = [
        {
            "value": str(stars),
            "label": _("%(stars)s stars and up", stars=stars),
            "count": sum(row[5] for row in rated if row[4] >= stars),
        }
        for stars in RATING_BUCKETS
    ]
    return out


def level_labels(request) -> dict[str, str]:
    _ = request.gettext
    return {
        "beginner": _("Beginner"),
        "intermediate": _("Intermediate"),
        "advanced": _("Advanced"),
        "all": _("All levels"),
    }


def language_label(request, code: str) -> str:
    from babel import Locale, UnknownLocaleError

    try:
        name = Locale.parse(code).get_display_name(request.locale) or code
    except (ValueError, UnknownLocaleError):
        return code
    return name[:1].upper() + name[1:]


def instructors_of(db, course_ids: list[uuid.UUID]) -> dict[str, list[dict[str, Any]]]:
    """course id (str) -> its instructors ``{"id", "display_name"}``, in one query."""
    if not course_ids:
        return {}
    rows = db.execute(
        sa.select(RoleGrant.resource_id, User.id, User.display_name)
        .join(User, User.id == RoleGrant.user_id)
        .where(
            RoleGrant.resource_type == "course",
            RoleGrant.role == "instructor",
            RoleGrant.resource_id.in_([str(cid) for cid in course_ids]),
        )
        .order_by(RoleGrant.created_at, User.display_name)
    ).all()
    out: dict[str, list[dict[str, Any]]] = {}
    for rid, uid, name in rows:
        out.setdefault(rid, []).append({"id": uid, "display_name": name})
    return out
