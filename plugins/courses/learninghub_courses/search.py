"""Course documents in the kernel's search index (one index per tenant).

A document per course (``type="course"``, ``id`` = the course id): the title
(boosted by the index), and a body made of the subtitle, the description's text,
the tags and what other plugins add through ``learninghub_courses_search_text``.
Every course is indexed whatever its status; the catalog filters visibility in SQL,
so a search never reveals a draft to a visitor.
"""

from __future__ import annotations

import html
import logging
import uuid

import nh3

from learninghub import pagecache
from learninghub.interfaces import ISearchIndex

from .models import Course

log = logging.getLogger(__name__)
DOC_TYPE = "course"
#: how many hits a text search considers before facets and filters apply
MAX_HITS = 5000


def _index(request) -> ISearchIndex:
    return request.find_service(ISearchIndex)


def html_text(markup: str) -> str:
    return " ".join(html.unescape(nh3.clean(markup or "", tags=set())).split())


def course_document(request, course: Course) -> dict[str, str]:
    extra: list[str] = []
    for answer in request.hooks.learninghub_courses_search_text(request=request, course=course):
        if isinstance(answer, str):
            extra.append(answer)
        elif answer:
            extra.extend(str(part) for part in answer)
    body = "\n".join(
        [course.subtitle or "", html_text(course.description), " ".join(course.tags or []), *extra]
    )
    return {"id": str(course.id), "type": DOC_TYPE, "title": course.title, "body": body}


#: Page-cache source of answers that used the index (learninghub.pagecache).
PAGECACHE_SOURCE = "search:courses"


def index_course(request, course: Course) -> None:
    _index(request).index(request.tenant.id, [course_document(request, course)])
    pagecache.bump(request.registry, request.tenant.id, PAGECACHE_SOURCE)


def remove_course(request, course_id: uuid.UUID) -> None:
    _index(request).delete(request.tenant.id, [str(course_id)])
    pagecache.bump(request.registry, request.tenant.id, PAGECACHE_SOURCE)


def search_ids(request, text: str) -> list[tuple[uuid.UUID, float]]:
    """(course id, score) of the tenant's courses matching ``text``, best first."""
    pagecache.depends(request, PAGECACHE_SOURCE)
    result = _index(request).search(
        request.tenant.id, text, types=[DOC_TYPE], limit=MAX_HITS, offset=0
    )
    out: list[tuple[uuid.UUID, float]] = []
    for hit in result["hits"]:
        try:
            out.append((uuid.UUID(hit["id"]), float(hit.get("score") or 0.0)))
        except (KeyError, ValueError):
            continue
    return out
