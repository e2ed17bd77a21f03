"""Background work of the courses plugin: keeping the tenant's search index current.

``courses.reindex`` is enqueued after every committed change of a course (and by
other plugins through :func:`learninghub_courses.services.request_reindex`); it
rebuilds the course's search document from the row and from every
``learninghub_courses_search_text`` answer. Idempotent: it writes the current state,
whatever ran before.
"""

from __future__ import annotations

import uuid

from learninghub.tasks import task

from .search import index_course, remove_course
from .services import REINDEX_TASK, get_course


@task(REINDEX_TASK, max_retries=5, coalesce=True)
def reindex(request, course_id: str) -> None:
    course = get_course(request.db, course_id)
    if course is None:
        remove_course(request, uuid.UUID(course_id))
        return
    index_course(request, course)
