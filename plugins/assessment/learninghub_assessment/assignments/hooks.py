"""Hooks the assignments part answers (gathered by the plugin's ``__init__``)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa

from learninghub.db import utcnow
from learninghub.web import NavItem

from ..models.assignments import Assignment, Submission
from . import services

DEMO_SLUG = "assignment-your-own-project"


def content_lesson_types(request) -> list:
    from learninghub_content import LessonType

    return [
        LessonType(
            services.LESSON_TYPE,
            request.gettext("Assignment"),
            "assessment/assignments/lesson.jinja2",
            completed_by_owner=True,  # complete when graded (or submitted)
        )
    ]


def courses_teach_links(request, course) -> list:
    """The course's assignments (set them up, change them, grade them), for its staff."""
    if not services.is_staff(request, course):
        return []
    return [
        NavItem(
            order=35,
            title=request.gettext("Assignments"),
            url=request.route_path("assessment.page.assignments", course_id=str(course.id)),
        )
    ]


def media_can_access(request, asset):
    """A submission's file: its learner and the course's staff; no opinion on other
    assets (one indexed query)."""
    found = request.db.execute(
        sa.select(Submission.user_id, Assignment.course_id)
        .join(Assignment, Assignment.id == Submission.assignment_id)
        .where(Submission.media_asset_id == asset.id)
    ).all()
    if not found:
        return None
    user = request.identity
    if user is None:
        return False
    from learninghub_courses import services as courses

    for user_id, course_id in found:
        if user_id == user.id:
            return True
        course = courses.get_course(request.db, course_id)
        if course is not None and services.is_staff(request, course):
            return True
    return False


def demo_data(request) -> None:
    """One assignment lesson (due in two weeks) at the end of the first published
    demo course. Idempotent: a course that has the lesson is left alone."""
    from learninghub_content import services as content
    from learninghub_content.services import ContentInput
    from learninghub_courses.models import Course

    course = request.db.scalar(
        sa.select(Course).where(Course.status == "published").order_by(Course.created_at, Course.id)
    )
    if course is None:
        return
    nodes = content.curriculum(request.db, course.id, drafts=True)
    if not nodes:
        return
    if any(lesson.slug == DEMO_SLUG for node in nodes for lesson in node.lessons):
        return
    lesson = content.create_lesson(
        request,
        course,
        nodes[-1].section,
        title="Assignment: your own project",
        slug=DEMO_SLUG,
        lesson_type=services.LESSON_TYPE,
        content=ContentInput(body="<p>Put what you learned into practice.</p>"),
    )
    content.publish_lesson(request, course, lesson)
    request.db.add(
        Assignment(
            course_id=course.id,
            lesson_id=lesson.id,
            instructions=services.sanitize(
                "<p>Describe a small project of your own that uses what this course "
                "taught (300 words), or attach a PDF.</p>"
            ),
            submission_type="text_or_file",
            due_at=utcnow() + timedelta(days=14),
            max_points=Decimal("20"),
            passing_percent=Decimal("50"),
            weight=Decimal("1"),
            required=True,
        )
    )
    request.db.flush()


def webhooks_event_types(request) -> list[tuple[str, str]]:
    """Submissions, for integrations (payload: course, assignment and learner ids)."""
    return [
        ("assessment.submission.submitted", "A learner submitted (or replaced) an assignment."),
        ("assessment.submission.graded", "An assignment submission was graded."),
    ]
