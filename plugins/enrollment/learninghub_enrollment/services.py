"""The enrollment plugin's Python API (for commerce, reviews and its own views).

Promised to other plugins (docs/design/catalog-contracts.md): :func:`active_enrollment`
and :func:`enrol`. The rest is the plugin's own.

Rules:

* An enrolment gives access while its status is ``active`` or ``completed`` and the
  clock is inside its window (``starts_at <= now < expires_at``, each bound optional).
  The window is checked on every access; the ``enrollment.expire`` task (queued when
  a lapsed enrolment is met, and by ``learninghub enrollment expire`` from cron) turns
  lapsed rows into ``expired``.
* ``courses.enrolment_count`` counts the enrolments that are ``active`` or
  ``completed``; every change of status in or out of those moves it through
  ``courses.services.bump_stats`` in the same transaction.
* Progress = completed published lessons / published lessons, floored to a whole
  percent (so 100 % means every published lesson is completed), recomputed in the
  transaction of every progress change. The first time it reaches 100 %,
  ``completed_at`` is set and ``course.completed`` emitted: once per enrolment.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from learninghub.api import ProblemError
from learninghub.db import utcnow

from .models import ACCESS_STATUSES, Enrollment, LessonProgress

PLUGIN = "enrollment"
CREATED_EVENT = "enrollment.enrollment.created"
CANCELLED_EVENT = "enrollment.enrollment.cancelled"
LESSON_COMPLETED_EVENT = "enrollment.lesson.completed"
COURSE_COMPLETED_EVENT = "course.completed"
EXPIRE_TASK = "enrollment.expire"
RECOMPUTE_TASK = "enrollment.recompute_course"
#: events after which a course's published lessons may have changed
#: content events after which a course's number of published lessons may differ
LESSONS_CHANGED_EVENTS = (
    "content.lesson.published",
    "content.lesson.unpublished",
    "content.lesson.deleted",
)

_MINE_KEY = "_lh_enrollment_mine"
_ONE_KEY = "_lh_enrollment_one"
_COMPLETED_KEY = "_lh_enrollment_completed"
_EXPIRE_QUEUED_KEY = "_lh_enrollment_expire_queued"


def as_uuid(value: Any) -> uuid.UUID | None:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError):
        return None


def is_lapsed(enrollment: Enrollment, now: datetime) -> bool:
    """Still marked as giving access, but past its expiry."""
    return (
        enrollment.status in ACCESS_STATUSES
        and enrollment.expires_at is not None
        and enrollment.expires_at <= now
    )


def effective_status(enrollment: Enrollment, now: datetime | None = None) -> str:
    """The status as the learner lives it: ``expired`` as soon as the window closed,
    ``scheduled`` before it opens, even before the expiry task ran."""
    now = now or utcnow()
    if is_lapsed(enrollment, now):
        return "expired"
    if (
        enrollment.status in ACCESS_STATUSES
        and enrollment.starts_at is not None
        and now < enrollment.starts_at
    ):
        return "scheduled"
    return enrollment.status


# ----------------------------------------------------------------- reading


def find_enrollment(db, course_id, user_id) -> Enrollment | None:
    """The enrolment of ``user_id`` in ``course_id`` (any status), or None."""
    return db.scalar(
        sa.select(Enrollment).where(
            Enrollment.course_id == course_id, Enrollment.user_id == user_id
        )
    )


def my_enrollments(request) -> dict[uuid.UUID, Enrollment]:
    """course id -> the request user's enrolment (any status), read once per
    request (catalog and lesson pages ask about many courses or many times)."""
    cached = request.__dict__.get(_MINE_KEY)
    if cached is not None:
        return cached
    mine: dict[uuid.UUID, Enrollment] = {}
    user = request.identity
    if user is not None:
        for enrollment in request.db.scalars(
            sa.select(Enrollment).where(Enrollment.user_id == user.id)
        ):
            mine[enrollment.course_id] = enrollment
    request.__dict__[_MINE_KEY] = mine
    return mine


def forget(request) -> None:
    """Drop the per-request caches after a change."""
    for key in (_MINE_KEY, _ONE_KEY, _COMPLETED_KEY):
        request.__dict__.pop(key, None)


def my_enrollment(request, course) -> Enrollment | None:
    """The request user's enrolment in ``course`` whatever its status: from
    :func:`my_enrollments` when a page already read them all, else one small query
    per course and request (a learner may have hundreds of enrolments; a lesson
    page needs one)."""
    mine = request.__dict__.get(_MINE_KEY)
    if mine is not None:
        return mine.get(course.id)
    one = request.__dict__.setdefault(_ONE_KEY, {})
    if course.id not in one:
        user = request.identity
        one[course.id] = (
            None
            if user is None
            else request.db.scalar(
                sa.select(Enrollment).where(
                    Enrollment.user_id == user.id, Enrollment.course_id == course.id
                )
            )
        )
    return one[course.id]


def active_enrollment(request, course) -> Enrollment | None:
    """The request user's enrolment in ``course`` if it gives access now (status
    active or completed, inside its window), else None. Meeting a lapsed enrolment
    queues the expiry task (once per request)."""
    enrollment = my_enrollment(request, course)
    if enrollment is None:
        return None
    now = utcnow()
    if enrollment.has_access_at(now):
        return enrollment
    if is_lapsed(enrollment, now):
        schedule_expiry(request)
    return None


def schedule_expiry(request) -> None:
    if request.__dict__.get(_EXPIRE_QUEUED_KEY) or request.tenant is None:
        return
    request.__dict__[_EXPIRE_QUEUED_KEY] = True
    request.tasks.enqueue(EXPIRE_TASK)


def completed_lesson_ids(request, course) -> set[uuid.UUID]:
    """Ids of the lessons of ``course`` the request's user completed (one query,
    cached per request)."""
    cache: dict = request.__dict__.setdefault(_COMPLETED_KEY, {})
    if course.id in cache:
        return cache[course.id]
    enrollment = my_enrollment(request, course)
    done: set[uuid.UUID] = set()
    if enrollment is not None:
        done = set(
            request.db.scalars(
                sa.select(LessonProgress.lesson_id).where(
                    LessonProgress.enrollment_id == enrollment.id,
                    LessonProgress.completed_at.is_not(None),
                )
            )
        )
    cache[course.id] = done
    return done


def lesson_progress(db, enrollment: Enrollment, lesson_id) -> LessonProgress | None:
    return db.get(LessonProgress, (enrollment.id, lesson_id))


# ----------------------------------------------------------------- enrolling


def default_expiry(request) -> datetime | None:
    days = request.plugin_settings(PLUGIN).access_days
    return utcnow() + timedelta(days=days) if days else None


def enrol(
    request,
    course,
    user,
    source: str,
    *,
    starts_at: datetime | None = None,
    expires_at: datetime | None = None,
) -> Enrollment:
    """Enrol ``user`` in ``course`` (no permission check: callers decide; commerce
    calls it with ``source="purchase"`` once paid).

    A new row, or the user's old one brought back (its progress kept) when it was
    cancelled or expired; ``enrollment.enrollment.created`` is emitted and
    ``enrolment_count`` raised in both cases. Enrolling someone who already has
    access changes nothing but the window and source given (no event)."""
    if starts_at is not None and expires_at is not None and expires_at <= starts_at:
        raise ProblemError(
            422,
            "Validation failed",
            "expires_at must be after starts_at",
            errors=[
                {
                    "path": ["body", "expires_at"],
                    "message": "must be after starts_at",
                    "type": "value_error",
                }
            ],
        )
    db = request.db
    now = utcnow()
    enrollment = find_enrollment(db, course.id, user.id)
    if enrollment is None:
        enrollment = Enrollment(
            id=uuid.uuid4(),
            course_id=course.id,
            user_id=user.id,
            status="active",
            source=source,
            enrolled_at=now,
            starts_at=starts_at,
            expires_at=expires_at,
        )
        try:
            with db.begin_nested():  # a savepoint: a concurrent twin must not abort us
                db.add(enrollment)
                db.flush()
        except IntegrityError:
            # the same user was enrolled in the same course by a request that committed
            # in the meantime: theirs is the enrolment (and theirs the event and count)
            twin = find_enrollment(db, course.id, user.id)
            if twin is None:
                raise
            forget(request)
            return twin
    else:
        if enrollment.status in ACCESS_STATUSES and not is_lapsed(enrollment, now):
            if source == "admin":  # an admin (re)sets the window of a current enrolment
                enrollment.starts_at = starts_at
                enrollment.expires_at = expires_at
                enrollment.source = source
                db.flush()
                forget(request)
            return enrollment
        # cancelled, expired, or lapsed but not yet marked (still counted): a new period
        was_counted = enrollment.status in ACCESS_STATUSES
        enrollment.status = "completed" if enrollment.completed_at is not None else "active"
        enrollment.source = source
        enrollment.enrolled_at = now
        enrollment.starts_at = starts_at
        enrollment.expires_at = expires_at
        db.flush()
        forget(request)
        if not was_counted:
            _bump(db, course.id, +1)
        _emit_created(request, enrollment, reactivated=True)
        return enrollment
    db.flush()
    forget(request)
    _bump(db, course.id, +1)
    _emit_created(request, enrollment, reactivated=False)
    return enrollment


def _emit_created(request, enrollment: Enrollment, reactivated: bool) -> None:
    request.emit(
        CREATED_EVENT,
        resource_type="enrollment",
        resource_id=enrollment.id,
        payload={
            "course_id": str(enrollment.course_id),
            "user_id": str(enrollment.user_id),
            "source": enrollment.source,
            "starts_at": _iso(enrollment.starts_at),
            "expires_at": _iso(enrollment.expires_at),
            "reactivated": reactivated,
        },
    )


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _bump(db, course_id, delta: int) -> None:
    from learninghub_courses.services import bump_stats

    bump_stats(db, course_id, enrolment_delta=delta)


def cancel(request, enrollment: Enrollment, *, reason: str = "unenrolled") -> None:
    """Unenrol: the row stays (``cancelled``) with its progress, in case the learner
    comes back. Refused (409) when it is already cancelled."""
    if enrollment.status == "cancelled":
        raise ProblemError(409, "Conflict", "the enrolment is already cancelled")
    counted = enrollment.status in ACCESS_STATUSES
    enrollment.status = "cancelled"
    request.db.flush()
    forget(request)
    if counted:
        _bump(request.db, enrollment.course_id, -1)
    request.emit(
        CANCELLED_EVENT,
        resource_type="enrollment",
        resource_id=enrollment.id,
        payload={
            "course_id": str(enrollment.course_id),
            "user_id": str(enrollment.user_id),
            "reason": reason,
        },
    )


def change_window(
    request,
    enrollment: Enrollment,
    *,
    starts_at: datetime | None,
    expires_at: datetime | None,
) -> None:
    """Set the access window (admins). An expired enrolment whose new window is open
    again becomes active (and counted) again."""
    if starts_at is not None and expires_at is not None and expires_at <= starts_at:
        raise ProblemError(
            422,
            "Validation failed",
            "expires_at must be after starts_at",
            errors=[
                {
                    "path": ["body", "expires_at"],
                    "message": "must be after starts_at",
                    "type": "value_error",
                }
            ],
        )
    enrollment.starts_at = starts_at
    enrollment.expires_at = expires_at
    if enrollment.status == "expired" and not is_lapsed_window(expires_at, utcnow()):
        enrollment.status = "completed" if enrollment.completed_at is not None else "active"
        _bump(request.db, enrollment.course_id, +1)
    request.db.flush()
    forget(request)


def is_lapsed_window(expires_at: datetime | None, now: datetime) -> bool:
    return expires_at is not None and expires_at <= now


def expire_lapsed(db) -> int:
    """Mark every lapsed enrolment of the session's tenant ``expired`` and take it out
    of its course's ``enrolment_count``. Idempotent; returns how many changed."""
    now = utcnow()
    rows = db.execute(
        sa.select(Enrollment.id, Enrollment.course_id)
        .where(
            Enrollment.status.in_(ACCESS_STATUSES),
            Enrollment.expires_at.is_not(None),
            Enrollment.expires_at <= now,
        )
        .with_for_update()
    ).all()
    if not rows:
        return 0
    db.execute(
        sa.update(Enrollment)
        .where(Enrollment.id.in_([r.id for r in rows]))
        .values(status="expired")
        .execution_options(synchronize_session="fetch")
    )
    per_course: dict[uuid.UUID, int] = {}
    for row in rows:
        per_course[row.course_id] = per_course.get(row.course_id, 0) + 1
    for course_id, count in per_course.items():
        _bump(db, course_id, -count)
    return len(rows)


# ----------------------------------------------------------------- progress


def percent(done: int, total: int) -> int:
    """Whole percent, floored: 100 only when every lesson is done."""
    if total <= 0:
        return 0
    return min(100, done * 100 // total)


def record_progress(
    request,
    enrollment: Enrollment,
    lesson,
    *,
    completed: bool | None = None,
    position_s: int | None = None,
) -> LessonProgress:
    """Record the learner's progress in ``lesson`` (a published lesson of the
    enrolment's course) and recompute the course progress in the same transaction.

    ``completed`` True marks the lesson complete (``enrollment.lesson.completed``
    the first time), False marks it not complete; None leaves it. ``position_s`` is
    the media position in seconds. The lesson becomes the one to continue from."""
    db = request.db
    now = utcnow()
    row = lesson_progress(db, enrollment, lesson.id)
    if row is None:
        row = LessonProgress(
            enrollment_id=enrollment.id,
            lesson_id=lesson.id,
            position_s=0,
            updated_at=now,
        )
        db.add(row)
    if position_s is not None:
        row.position_s = position_s
    newly_completed = False
    if completed is True and row.completed_at is None:
        row.completed_at = now
        newly_completed = True
    elif completed is False:
        row.completed_at = None
    row.updated_at = now
    enrollment.last_lesson_id = lesson.id
    db.flush()
    forget(request)
    if newly_completed:
        request.emit(
            LESSON_COMPLETED_EVENT,
            resource_type="lesson",
            resource_id=lesson.id,
            payload={
                "course_id": str(enrollment.course_id),
                "user_id": str(enrollment.user_id),
                "enrollment_id": str(enrollment.id),
            },
        )
    recompute(request, enrollment)
    return row


def published_lesson_ids(db, course_id) -> list[uuid.UUID]:
    from learninghub_content.services import published_lessons

    return [lesson.id for lesson in published_lessons(db, course_id)]


def recompute(request, enrollment: Enrollment) -> int:
    """Recompute ``progress_percent`` (two queries); the first time it reaches 100,
    set ``completed_at``, mark the enrolment completed and emit ``course.completed``."""
    db = request.db
    ids = published_lesson_ids(db, enrollment.course_id)
    done = 0
    if ids:
        done = db.scalar(
            sa.select(sa.func.count())
            .select_from(LessonProgress)
            .where(
                LessonProgress.enrollment_id == enrollment.id,
                LessonProgress.lesson_id.in_(ids),
                LessonProgress.completed_at.is_not(None),
            )
        )
    enrollment.progress_percent = percent(done, len(ids))
    if enrollment.progress_percent == 100 and enrollment.completed_at is None:
        enrollment.completed_at = utcnow()
        if enrollment.status == "active":
            enrollment.status = "completed"
        request.emit(
            COURSE_COMPLETED_EVENT,
            resource_type="course",
            resource_id=enrollment.course_id,
            payload={"user_id": str(enrollment.user_id), "enrollment_id": str(enrollment.id)},
        )
    db.flush()
    return enrollment.progress_percent


# ----------------------------------------------------------------- lists


def courses_by_id(db, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Any]:
    """The courses with these ids, in one query (tenant-filtered like every ORM
    query). Uses ``courses.services.get_courses`` when the courses plugin offers it;
    until then, an ORM select on the class mapped to the contract's ``courses``
    table (the contract has no batch read yet: see docs/plugins/enrollment.md)."""
    from learninghub_courses import services as courses

    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return {}
    getter = getattr(courses, "get_courses", None)
    if getter is not None:
        found = getter(db, wanted)
        return found if isinstance(found, dict) else {c.id: c for c in found}
    course_cls = _mapped_class("courses")
    return {c.id: c for c in db.scalars(sa.select(course_cls).where(course_cls.id.in_(wanted)))}


def _mapped_class(table_name: str):
    from learninghub.db import Base

    for mapper in Base.registry.mappers:
        if mapper.local_table is not None and mapper.local_table.name == table_name:
            return mapper.class_
    raise LookupError(f"no model is mapped to {table_name!r}")


def lesson_by_id(db, raw_id: Any):
    """The lesson with this id in the session's tenant, or None. Uses
    ``content.services.get_lesson_by_id`` when the content plugin offers it; the
    contract's ``get_lesson`` needs the course, which a progress call does not
    know yet (see docs/plugins/enrollment.md)."""
    from learninghub_content import services as content

    lesson_id = as_uuid(raw_id)
    if lesson_id is None:
        return None
    getter = getattr(content, "get_lesson_by_id", None)
    if getter is not None:
        return getter(db, lesson_id)
    return db.get(_mapped_class("lessons"), lesson_id)


def recompute_course(request, course_id) -> int:
    """Recompute the progress of every enrolment of the course after its published
    lessons changed (three statements plus one UPDATE per enrolment whose percent
    moved). Enrolments that reach 100 % complete as in :func:`recompute`. Returns
    how many changed."""
    db = request.db
    ids = published_lesson_ids(db, course_id)
    done: dict[uuid.UUID, int] = {}
    if ids:
        done = dict(
            db.execute(
                sa.select(LessonProgress.enrollment_id, sa.func.count())
                .join(Enrollment, Enrollment.id == LessonProgress.enrollment_id)
                .where(
                    Enrollment.course_id == course_id,
                    LessonProgress.lesson_id.in_(ids),
                    LessonProgress.completed_at.is_not(None),
                )
                .group_by(LessonProgress.enrollment_id)
            ).all()
        )
    changed = 0
    for enrollment in db.scalars(sa.select(Enrollment).where(Enrollment.course_id == course_id)):
        value = percent(done.get(enrollment.id, 0), len(ids))
        if value != enrollment.progress_percent:
            enrollment.progress_percent = value
            changed += 1
        if value == 100 and enrollment.completed_at is None:
            enrollment.completed_at = utcnow()
            if enrollment.status == "active":
                enrollment.status = "completed"
            request.emit(
                COURSE_COMPLETED_EVENT,
                resource_type="course",
                resource_id=enrollment.course_id,
                payload={"user_id": str(enrollment.user_id), "enrollment_id": str(enrollment.id)},
            )
    db.flush()
    return changed
