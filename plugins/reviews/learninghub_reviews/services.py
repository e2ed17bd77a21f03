"""Rules of the reviews plugin, shared by the API, the pages and the hooks.

* One review per learner and course, written by a learner with an active enrolment
  (``enrollment.services.active_enrollment``) whose course progress reaches the
  tenant's ``min_progress_percent``; the author edits (PUT) and deletes it.
* The course staff (``courses.services.is_staff``) reply publicly, one reply per
  review (replacing it edits it).
* "Helpful" votes: one per user and review, never on one's own review.
* Reports go to moderation through ``learninghub_reviews_reported``.
* The rating summary (average, count, distribution 1..5) counts the visible
  reviews. It is recomputed in the transaction of every change of a review (create,
  edit, delete, hide) and the average and count are written to the course through
  ``courses.services.bump_stats``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from learninghub.api import ProblemError
from learninghub.db import utcnow

from .models import Review, ReviewReport, ReviewVote
from .permissions import ReviewPermission as P

PLUGIN = "reviews"
CREATED_EVENT = "reviews.review.created"
UPDATED_EVENT = "reviews.review.updated"
DELETED_EVENT = "reviews.review.deleted"
REPLIED_EVENT = "reviews.review.replied"
REPORTED_EVENT = "reviews.review.reported"


def as_uuid(value: Any) -> uuid.UUID | None:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError):
        return None


def clean_text(text: str) -> str:
    """Plain text as stored: trimmed, Windows line ends folded, NUL removed."""
    return text.replace("\r\n", "\n").replace("\x00", "").strip()


# ----------------------------------------------------------------- summary


@dataclass
class Summary:
    count: int = 0
    average: float = 0.0
    #: rating -> number of reviews, for 1..5 (every key present)
    distribution: dict[int, int] = field(default_factory=lambda: dict.fromkeys(range(1, 6), 0))

    def share(self, rating: int) -> float:
        return self.distribution[rating] / self.count if self.count else 0.0

    def as_dict(self) -> dict:
        return {
            "count": self.count,
            "average": self.average,
            "distribution": {str(k): v for k, v in self.distribution.items()},
        }


def summarize(counts: dict[int, int]) -> Summary:
    """The summary of ``rating -> number of reviews`` (ratings outside 1..5 ignored):
    count, average rounded to two decimals (0 without reviews), distribution."""
    result = Summary()
    for rating, count in counts.items():
        if 1 <= int(rating) <= 5:
            result.distribution[int(rating)] += int(count)
    result.count = sum(result.distribution.values())
    if result.count:
        total = sum(r * n for r, n in result.distribution.items())
        result.average = round(total / result.count, 2)
    return result


def summary(db, course_id) -> Summary:
    """The rating summary of the course's visible reviews (one statement)."""
    rows = db.execute(
        sa.select(Review.rating, sa.func.count())
        .where(Review.course_id == course_id, Review.hidden.is_(False))
        .group_by(Review.rating)
    ).all()
    return summarize(dict(rows))


def refresh_summary(request, course_id) -> Summary:
    """Recompute the summary and write the average and count to the course (same
    transaction)."""
    from learninghub_courses.services import bump_stats

    db = request.db
    db.flush()
    first = summary(db, course_id)
    # The UPDATE takes the course row's lock. A transaction that changed another
    # review of the course at the same time waits here until the first one commits;
    # under READ COMMITTED its next statement then sees that review, so the summary
    # computed after the lock is complete (the last writer does not lose a review).
    bump_stats(db, course_id, rating_average=first.average, rating_count=first.count)
    current = summary(db, course_id)
    if current != first:
        bump_stats(db, course_id, rating_average=current.average, rating_count=current.count)
    return current


# ----------------------------------------------------------------- access


def may_write(request) -> bool:
    return request.identity is not None and bool(request.has_permission(P.WRITE))


def is_moderator(request) -> bool:
    return request.identity is not None and bool(request.has_permission(P.MODERATE))


def is_course_staff(request, course) -> bool:
    from learninghub_courses.services import is_staff

    return request.identity is not None and bool(is_staff(request, course))


def not_found(what: str = "course") -> ProblemError:
    return ProblemError(404, "Not found", f"no such {what}")


def visible_course(request, raw_id: Any):
    """The course if the caller may view it; 404 otherwise."""
    from learninghub_courses import services as courses

    course = courses.get_course(request.db, as_uuid(raw_id))
    if course is None or not courses.can_view(request, course):
        raise not_found()
    return course


def can_see(request, review: Review) -> bool:
    return (
        not review.hidden
        or is_moderator(request)
        or (request.identity is not None and review.user_id == request.identity.id)
    )


def visible_review(request, raw_id: Any) -> tuple[Review, Any]:
    """``(review, course)`` if the caller may see both; 404 otherwise."""
    from learninghub_courses import services as courses

    review_id = as_uuid(raw_id)
    review = request.db.get(Review, review_id) if review_id else None
    if review is None or not can_see(request, review):
        raise not_found("review")
    course = courses.get_course(request.db, review.course_id)
    if course is None or not courses.can_view(request, course):
        raise not_found("review")
    return review, course


def my_review(request, course) -> Review | None:
    if request.identity is None:
        return None
    return request.db.scalar(
        sa.select(Review).where(
            Review.course_id == course.id, Review.user_id == request.identity.id
        )
    )


def review_refusal(request, course) -> ProblemError | None:
    """Why the caller may not review ``course`` now (None: they may)."""
    from learninghub_enrollment.services import active_enrollment

    if request.identity is None or not request.has_permission(P.WRITE):
        return ProblemError(403, "Forbidden", f"you lack the permission {P.WRITE}")
    enrollment = active_enrollment(request, course)
    if enrollment is None:
        return ProblemError(403, "Forbidden", "only learners enrolled in the course review it")
    needed = request.plugin_settings(PLUGIN).min_progress_percent
    if enrollment.progress_percent < needed:
        return ProblemError(
            403,
            "Forbidden",
            f"complete at least {needed} % of the course before reviewing it "
            f"(you are at {enrollment.progress_percent} %)",
            type="https://learninghub.dev/problems/not-enough-progress",
        )
    return None


# ----------------------------------------------------------------- changes


def _emit(request, name: str, review: Review, **payload) -> None:
    request.emit(
        name,
        resource_type="review",
        resource_id=review.id,
        payload={"course_id": str(review.course_id), "user_id": str(review.user_id), **payload},
    )


def create(request, course, rating: int, body: str) -> Review:
    """The caller's review of ``course`` (409 when they already wrote one)."""
    refusal = review_refusal(request, course)
    if refusal is not None:
        raise refusal
    existing = my_review(request, course)
    if existing is not None:
        raise ProblemError(
            409,
            "Conflict",
            "you already reviewed this course: edit your review with PUT",
            headers={"Location": request.route_url("reviews.item", id=str(existing.id))},
        )
    now = utcnow()
    review = Review(
        id=uuid.uuid4(),
        course_id=course.id,
        user_id=request.identity.id,
        rating=rating,
        body=clean_text(body),
        created_at=now,
        updated_at=now,
    )
    try:
        with request.db.begin_nested():  # a concurrent twin must not abort the request
            request.db.add(review)
            request.db.flush()
    except IntegrityError:
        raise ProblemError(409, "Conflict", "you already reviewed this course") from None
    refresh_summary(request, course.id)
    _emit(request, CREATED_EVENT, review, rating=rating)
    return review


def update(request, review: Review, changes: dict[str, Any]) -> Review:
    if "rating" in changes:
        review.rating = changes["rating"]
    if "body" in changes:
        review.body = clean_text(changes["body"])
    review.updated_at = utcnow()
    refresh_summary(request, review.course_id)
    _emit(request, UPDATED_EVENT, review, rating=review.rating)
    return review


def delete(request, review: Review) -> None:
    course_id = review.course_id
    _emit(request, DELETED_EVENT, review)
    request.db.delete(review)
    refresh_summary(request, course_id)


def set_hidden(request, review: Review, hidden: bool) -> None:
    """Hide or show a review (moderation); the summary follows."""
    review.hidden = hidden
    refresh_summary(request, review.course_id)


def reply(request, review: Review, text: str) -> None:
    """Set (or replace; empty: remove) the staff's public reply."""
    text = clean_text(text)
    review.instructor_reply = text
    review.replied_at = utcnow() if text else None
    review.replied_by = request.identity.id if text else None
    request.db.flush()
    if text:
        _emit(request, REPLIED_EVENT, review, replied_by=str(request.identity.id))


def vote(request, review: Review, helpful: bool) -> bool:
    """Add (``helpful``) or withdraw the caller's vote; returns whether it changed
    anything. Refused (403) on one's own review."""
    user = request.identity
    if review.user_id == user.id:
        raise ProblemError(403, "Forbidden", "you cannot vote for your own review")
    existing = request.db.get(ReviewVote, (review.id, user.id))
    if helpful and existing is None:
        try:
            with request.db.begin_nested():
                request.db.add(ReviewVote(review_id=review.id, user_id=user.id))
                request.db.flush()
        except IntegrityError:
            return False  # the same vote, counted by a request that committed first
        delta = 1
    elif not helpful and existing is not None:
        request.db.delete(existing)
        delta = -1
    else:
        return False
    request.db.flush()
    # counted in SQL: two voters at once both count
    request.db.execute(
        sa.update(Review)
        .where(Review.id == review.id)
        .values(helpful_count=Review.helpful_count + delta)
        .execution_options(synchronize_session="fetch")
    )
    return True


def report(request, review: Review, reason: str) -> ReviewReport:
    """Report ``review`` (409 when the caller already did); the moderation hook is
    called in this transaction and ``reviews.review.reported`` emitted."""
    user = request.identity
    already = request.db.scalar(
        sa.select(ReviewReport.id).where(
            ReviewReport.review_id == review.id, ReviewReport.user_id == user.id
        )
    )
    if already is not None:
        raise ProblemError(409, "Conflict", "you already reported this review")
    entry = ReviewReport(
        id=uuid.uuid4(),
        review_id=review.id,
        user_id=user.id,
        reason=clean_text(reason),
        created_at=utcnow(),
    )
    try:
        with request.db.begin_nested():
            request.db.add(entry)
            request.db.flush()
    except IntegrityError:
        raise ProblemError(409, "Conflict", "you already reported this review") from None
    request.hooks.learninghub_reviews_reported(request=request, review=review, report=entry)
    _emit(request, REPORTED_EVENT, review, reporter_id=str(user.id), report_id=str(entry.id))
    return entry


def voted_ids(request, review_ids: list[uuid.UUID]) -> set[uuid.UUID]:
    """Which of these reviews the caller marked helpful (one statement)."""
    if request.identity is None or not review_ids:
        return set()
    return set(
        request.db.scalars(
            sa.select(ReviewVote.review_id).where(
                ReviewVote.user_id == request.identity.id, ReviewVote.review_id.in_(review_ids)
            )
        )
    )


def list_statement(course_id, *, include_hidden: bool = False):
    from sqlalchemy.orm import joinedload

    stmt = sa.select(Review).options(joinedload(Review.user)).where(Review.course_id == course_id)
    if not include_hidden:
        stmt = stmt.where(Review.hidden.is_(False))
    return stmt
