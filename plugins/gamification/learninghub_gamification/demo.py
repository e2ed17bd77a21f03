"""Demo data: the default badges, and points for the demo learner from what they did.

The demo learner's completed lessons and courses (rows of the enrollment plugin) are
applied as the domain events that recorded them would be (``enrollment.lesson.completed``
and ``course.completed``, at their completion times): idempotent, since every effect
has its unique key. The demo plugin's progress is spread over days, so the learner
also gets a streak and the first badges.
"""

from __future__ import annotations

import sqlalchemy as sa

from learninghub.events import DomainEvent
from learninghub.identity import User

from .installer import seed_default_badges
from .rules import COURSE_COMPLETED, LESSON_COMPLETED
from .services import apply_event

DEMO_LEARNERS = ("learner@demo.example", "learner-ar@demo.example")


def _event(request, name, resource_type, resource_id, payload, when) -> DomainEvent:
    return DomainEvent(
        name=name,
        tenant_id=request.tenant.id,
        actor_id=None,
        resource_type=resource_type,
        resource_id=str(resource_id),
        payload=payload,
        occurred_at=when,
    )


def seed(request) -> None:
    from learninghub_enrollment.models import Enrollment, LessonProgress

    db = request.db
    seed_default_badges(db)
    users = list(db.scalars(sa.select(User).where(User.email.in_(DEMO_LEARNERS))))
    for user in users:
        enrolments = list(db.scalars(sa.select(Enrollment).where(Enrollment.user_id == user.id)))
        for enrollment in enrolments:
            done = db.scalars(
                sa.select(LessonProgress)
                .where(
                    LessonProgress.enrollment_id == enrollment.id,
                    LessonProgress.completed_at.is_not(None),
                )
                .order_by(LessonProgress.completed_at)
            )
            for progress in done:
                payload = {
                    "course_id": str(enrollment.course_id),
                    "user_id": str(user.id),
                    "enrollment_id": str(enrollment.id),
                }
                apply_event(
                    request,
                    _event(
                        request,
                        LESSON_COMPLETED,
                        "lesson",
                        progress.lesson_id,
                        payload,
                        progress.completed_at,
                    ),
                )
            if enrollment.completed_at is not None:
                apply_event(
                    request,
                    _event(
                        request,
                        COURSE_COMPLETED,
                        "course",
                        enrollment.course_id,
                        {"user_id": str(user.id), "enrollment_id": str(enrollment.id)},
                        enrollment.completed_at,
                    ),
                )
