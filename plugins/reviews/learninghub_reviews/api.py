"""JSON API of the reviews plugin.

* ``/api/v1/courses/{course_id}/reviews`` — GET (public, paginated, newest first),
  POST (write yours), PUT (edit yours), DELETE (delete yours);
* ``/api/v1/courses/{course_id}/reviews/summary`` — the rating summary (public);
* ``/api/v1/reviews/{id}`` — one review (GET); ``/moderation`` (POST ``hidden``);
* ``/api/v1/reviews/{id}/reply`` (course staff), ``/helpful`` (POST vote, DELETE
  withdraw), ``/report``.

Unknown, malformed, other tenants' and hidden ids answer 404 alike.
"""

from __future__ import annotations

import sqlalchemy as sa
from pyramid.response import Response

from learninghub.api import Page, ProblemError, api_view, paginate
from learninghub.identity import User

from . import services
from .models import Review
from .permissions import ReviewPermission as P
from .schemas import (
    ModerationIn,
    ReplyIn,
    ReportIn,
    ReportOut,
    ReviewCreate,
    ReviewListQuery,
    ReviewOut,
    ReviewUpdate,
    SummaryOut,
    VoteOut,
)

COLLECTION = "/api/v1/courses/{course_id}/reviews"
ITEM = "/api/v1/reviews/{id}"


def author_name(request, review: Review) -> str:
    """The author's display name: from the loaded ``user`` of a list (joinedload),
    else one look-up."""
    loaded = sa.inspect(review).dict.get("user")
    user = loaded if loaded is not None else request.db.get(User, review.user_id)
    if user is None:
        return ""
    return user.display_name or user.email.split("@")[0]


def to_out(request, review: Review, voted: bool = False) -> ReviewOut:
    return ReviewOut(
        id=review.id,
        course_id=review.course_id,
        user_id=review.user_id,
        author_name=author_name(request, review),
        rating=review.rating,
        body=review.body,
        created_at=review.created_at,
        updated_at=review.updated_at,
        instructor_reply=review.instructor_reply,
        replied_at=review.replied_at,
        helpful_count=review.helpful_count,
        hidden=review.hidden,
        voted_helpful=voted,
        url=request.route_url("reviews.item", id=str(review.id)),
    )


def mine_or_404(request, course) -> Review:
    review = services.my_review(request, course)
    if review is None:
        raise ProblemError(404, "Not found", "you have not reviewed this course")
    return review


@api_view(
    "reviews.collection",
    COLLECTION,
    "GET",
    query=ReviewListQuery,
    response=Page[ReviewOut],
    summary="Reviews of a course, newest first (public)",
)
def list_reviews(request, query: ReviewListQuery):
    course = services.visible_course(request, request.matchdict["course_id"])
    stmt = services.list_statement(course.id)
    rows, next_cursor = paginate(request.db, stmt, Review.created_at, Review.id, query)
    voted = services.voted_ids(request, [r.id for r in rows])
    return Page[ReviewOut](
        items=[to_out(request, r, r.id in voted) for r in rows], next_cursor=next_cursor
    )


@api_view(
    "reviews.collection",
    COLLECTION,
    "POST",
    body=ReviewCreate,
    response=ReviewOut,
    status=201,
    permission=P.WRITE,
    summary="Review a course you are enrolled in (one review per course)",
)
def create_review(request, body: ReviewCreate):
    course = services.visible_course(request, request.matchdict["course_id"])
    review = services.create(request, course, body.rating, body.body)
    out = to_out(request, review)
    response = Response(
        out.model_dump_json(), status=201, content_type="application/json", charset="utf-8"
    )
    response.location = out.url
    return response


@api_view(
    "reviews.collection",
    COLLECTION,
    "PUT",
    body=ReviewUpdate,
    response=ReviewOut,
    permission=P.WRITE,
    summary="Edit your review of the course",
)
def update_my_review(request, body: ReviewUpdate):
    course = services.visible_course(request, request.matchdict["course_id"])
    review = mine_or_404(request, course)
    services.update(request, review, body.model_dump(exclude_unset=True))
    return to_out(request, review)


@api_view(
    "reviews.collection",
    COLLECTION,
    "DELETE",
    status=204,
    permission=P.WRITE,
    summary="Delete your review of the course",
)
def delete_my_review(request):
    course = services.visible_course(request, request.matchdict["course_id"])
    services.delete(request, mine_or_404(request, course))


@api_view(
    "reviews.summary",
    COLLECTION + "/summary",
    "GET",
    response=SummaryOut,
    summary="The course's rating summary: average, count, distribution (public)",
)
def get_summary(request):
    course = services.visible_course(request, request.matchdict["course_id"])
    current = services.summary(request.db, course.id)
    return SummaryOut(course_id=course.id, **current.as_dict())


@api_view(
    "reviews.item",
    ITEM,
    "GET",
    response=ReviewOut,
    summary="One review (public unless hidden)",
)
def get_review(request):
    review, _course = services.visible_review(request, request.matchdict["id"])
    voted = review.id in services.voted_ids(request, [review.id])
    return to_out(request, review, voted)


@api_view(
    "reviews.moderation",
    ITEM + "/moderation",
    "POST",
    body=ModerationIn,
    response=ReviewOut,
    permission=P.MODERATE,
    summary="Hide or show a review (moderators)",
)
def moderate_review(request, body: ModerationIn):
    review, _course = services.visible_review(request, request.matchdict["id"])
    services.set_hidden(request, review, body.hidden)
    return to_out(request, review)


@api_view(
    "reviews.reply",
    ITEM + "/reply",
    "POST",
    body=ReplyIn,
    response=ReviewOut,
    permission=P.WRITE,
    summary="Reply publicly to a review (course staff; empty removes the reply)",
)
def reply_to_review(request, body: ReplyIn):
    review, course = services.visible_review(request, request.matchdict["id"])
    if not services.is_course_staff(request, course):
        raise ProblemError(403, "Forbidden", "only the course's staff reply to its reviews")
    services.reply(request, review, body.body)
    return to_out(request, review)


def _vote(request, helpful: bool) -> VoteOut:
    review, _course = services.visible_review(request, request.matchdict["id"])
    services.vote(request, review, helpful)
    return VoteOut(review_id=review.id, helpful_count=review.helpful_count, voted_helpful=helpful)


@api_view(
    "reviews.helpful",
    ITEM + "/helpful",
    "POST",
    response=VoteOut,
    permission=P.WRITE,
    summary="Mark a review helpful (once; not your own)",
)
def vote_helpful(request):
    return _vote(request, True)


@api_view(
    "reviews.helpful",
    ITEM + "/helpful",
    "DELETE",
    response=VoteOut,
    permission=P.WRITE,
    summary="Withdraw your helpful vote",
)
def withdraw_vote(request):
    return _vote(request, False)


@api_view(
    "reviews.report",
    ITEM + "/report",
    "POST",
    body=ReportIn,
    response=ReportOut,
    status=201,
    permission=P.WRITE,
    summary="Report a review for moderation (once per review)",
)
def report_review(request, body: ReportIn):
    review, _course = services.visible_review(request, request.matchdict["id"])
    entry = services.report(request, review, body.reason)
    return ReportOut(
        id=entry.id, review_id=review.id, reason=entry.reason, created_at=entry.created_at
    )
