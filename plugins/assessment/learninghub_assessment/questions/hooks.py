"""Hook answers of the questions part (gathered by the plugin's ``__init__``)."""

from __future__ import annotations

import sqlalchemy as sa

from learninghub.web import NavItem

from ..models.questions import Question
from . import services


def courses_teach_links(request, course) -> list:
    """The question bank, for the course's editors."""
    if not services.can_edit(request, course):
        return []
    return [
        NavItem(
            order=30,
            title=request.gettext("Question bank"),
            url=request.route_path("assessment.page.questions", course_id=str(course.id)),
        )
    ]


def media_can_access(request, asset):
    """True for an image, video or recording shown by an active question, to the
    course's staff and to those with access to the course (content's rule: staff, or
    ``learninghub_content_has_access``, on a published course); None otherwise (no
    opinion). Archived questions vouch for nothing."""
    from learninghub_content import services as content
    from learninghub_courses import services as courses

    asset_id = getattr(asset, "id", None)
    if asset_id is None:
        return None
    course_ids = set(
        request.db.scalars(
            sa.select(Question.course_id)
            .where(Question.media_asset_id == asset_id, Question.status == "active")
            .distinct()
        )
    )
    for course in courses.get_courses(request.db, course_ids).values():
        if content.is_staff(request, course):
            return True
        if course.status == "published" and content.has_full_access(request, course):
            return True
    return None


def demo_data(request) -> None:
    from .demo import seed_questions

    seed_questions(request)
