"""Demo data of the quizzes part: a quiz lesson in the demo course whose bank the
questions part filled (its ``demo_data`` runs first). Idempotent."""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa

from ..models import Question
from ..models.quizzes import Quiz
from . import services


def seed_quiz(request) -> Quiz | None:
    from learninghub_content import services as content
    from learninghub_content.models import CourseSection
    from learninghub_courses.services import get_course

    course_id = request.db.scalar(
        sa.select(Question.course_id)
        .where(Question.status == "active", Question.type != "essay")
        .order_by(Question.created_at)
        .limit(1)
    )
    if course_id is None or request.db.scalar(
        sa.select(Quiz.id).where(Quiz.course_id == course_id).limit(1)
    ):
        return None
    course = get_course(request.db, course_id)
    section = request.db.scalar(
        sa.select(CourseSection)
        .where(CourseSection.course_id == course_id)
        .order_by(CourseSection.position.desc())
        .limit(1)
    )
    if course is None or section is None:
        return None
    lesson = content.create_lesson(
        request, course, section, title="Check your understanding", lesson_type=services.QUIZ_TYPE
    )
    content.publish_lesson(request, course, lesson)
    ids = list(
        request.db.scalars(
            sa.select(Question.id)
            .where(Question.course_id == course_id, Question.status == "active")
            .order_by(Question.created_at)
            .limit(5)
        )
    )
    quiz = Quiz(
        lesson_id=lesson.id,
        course_id=course_id,
        intro="<p>Five questions on this course. You may take it three times.</p>",
        mode="fixed",
        question_ids=[str(i) for i in ids],
        draw_rules=[],
        time_limit_s=600,
        max_attempts=3,
        passing_percent=Decimal("60"),
        shuffle_options=True,
    )
    request.db.add(quiz)
    request.db.flush()
    return quiz
