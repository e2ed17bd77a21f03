"""Pages and forms of the reviews plugin.

* the landing-page section (``learninghub_courses_landing_sections``): rating
  summary, latest reviews, a link to all of them;
* ``/courses/{slug}/reviews`` — every visible review (paginated), the summary, and
  for the signed-in user: their own review form, "helpful" and "report" buttons, and
  for the course staff a reply form under each review. Forms POST with the CSRF
  token to the page's own route and its ``/delete``, ``/{id}/helpful``,
  ``/{id}/report`` and ``/{id}/reply`` siblings, then redirect back (303).
"""

from __future__ import annotations

from types import SimpleNamespace

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPBadRequest, HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from learninghub.api import PageQuery, ProblemError, paginate
from learninghub.shell import render_page
from learninghub.web import render_error_page

from . import services
from .models import Review
from .settings import BODY_CHARS_CEILING


def _course_by_slug(request):
    from learninghub_courses import services as courses

    course = courses.get_course_by_slug(request.db, request.matchdict["slug"])
    if course is None or not courses.can_view(request, course):
        raise HTTPNotFound()
    return course


def _page_url(request, course, **query) -> str:
    return request.route_path("reviews.page.list", slug=course.slug, _query=query or {})


def refusal_message(request, course) -> str | None:
    """Why the signed-in user may not write a review, for people (None: they may)."""
    refusal = services.review_refusal(request, course)
    if refusal is None:
        return None
    if "not-enough-progress" in refusal.type:
        needed = request.plugin_settings(services.PLUGIN).min_progress_percent
        return request.gettext(
            "Complete at least %(needed)s %% of the course before reviewing it.",
            needed=needed,
        )
    return request.gettext("Only learners enrolled in this course can review it.")


def landing_context(request, course) -> dict:
    """Summary and latest reviews for the landing page: the same for every visitor,
    so computed once and kept by ``pagecache.memo`` until a review changes (two
    statements when it is computed)."""
    from learninghub import pagecache

    limit = request.plugin_settings(services.PLUGIN).landing_reviews

    def compute():
        latest = []
        if limit:
            latest = [
                _plain_review(review)
                for review in request.db.scalars(
                    services.list_statement(course.id)
                    .order_by(Review.created_at.desc(), Review.id.desc())
                    .limit(limit)
                )
            ]
        return services.summary(request.db, course.id), tuple(latest)

    summary, latest = pagecache.memo(request, f"reviews:landing:{course.id}:{limit}", compute)
    return {"summary": summary, "reviews": latest, "all_url": _page_url(request, course)}


def _plain_review(review: Review) -> SimpleNamespace:
    """What reviews/_review.jinja2 reads of a review, detached from the session."""
    return SimpleNamespace(
        id=review.id,
        user_id=review.user_id,
        user=SimpleNamespace(display_name=review.user.display_name, email=review.user.email),
        rating=review.rating,
        body=review.body,
        created_at=review.created_at,
        hidden=review.hidden,
        instructor_reply=review.instructor_reply,
        replied_at=review.replied_at,
        helpful_count=review.helpful_count,
    )


@view_config(route_name="reviews.page.list", request_method="GET")
@view_config(route_name="reviews.page.list", request_method="POST")
def reviews_page(request):
    course = _course_by_slug(request)
    user = request.identity
    mine = services.my_review(request, course) if user is not None else None
    errors: dict[str, str] = {}
    form = {"rating": str(mine.rating) if mine else "", "body": mine.body if mine else ""}
    if request.method == "POST":
        if user is None:
            return HTTPSeeOther(location=f"/login?next={_page_url(request, course)}")
        form = {"rating": request.POST.get("rating", ""), "body": request.POST.get("body", "")}
        rating = int(form["rating"]) if form["rating"] in ("1", "2", "3", "4", "5") else None
        if rating is None:
            errors["rating"] = "missing"
        if len(form["body"]) > BODY_CHARS_CEILING:
            errors["body"] = "long"
        if not errors:
            if mine is None:
                refusal = services.review_refusal(request, course)
                if refusal is not None:
                    return render_error_page(request, 403, "Forbidden")
                services.create(request, course, rating, form["body"])
            else:
                services.update(request, mine, {"rating": rating, "body": form["body"]})
            return HTTPSeeOther(location=_page_url(request, course) + "#my-review")
    cursor = request.GET.get("cursor") or None
    size = request.plugin_settings(services.PLUGIN).page_size
    try:
        rows, next_cursor = paginate(
            request.db,
            services.list_statement(course.id),
            Review.created_at,
            Review.id,
            PageQuery(limit=size, cursor=cursor),
        )
    except (ProblemError, ValueError):
        raise HTTPBadRequest() from None
    from learninghub_courses.services import course_url

    staff = services.is_course_staff(request, course)
    can_write = mine is not None or (
        user is not None and services.review_refusal(request, course) is None
    )
    return render_page(
        request,
        "reviews/page.jinja2",
        status=422 if errors else 200,
        course=course,
        course_url=course_url(request, course),
        summary=services.summary(request.db, course.id),
        reviews=rows,
        voted=services.voted_ids(request, [r.id for r in rows]),
        next_url=_page_url(request, course, cursor=next_cursor) if next_cursor else None,
        first_page=not cursor,
        mine=mine,
        can_write=can_write,
        refusal=None if can_write or user is None else refusal_message(request, course),
        staff=staff,
        form=form,
        errors=errors,
        max_body=BODY_CHARS_CEILING,
        login_url=request.route_path("login", _query={"next": _page_url(request, course)}),
    )


def _form_target(request):
    """``(course, review)`` of a review form; the response to return when the user
    is not signed in (sign-in redirect)."""
    course = _course_by_slug(request)
    if request.identity is None:
        return course, None, HTTPSeeOther(location=f"/login?next={_page_url(request, course)}")
    try:
        review, review_course = services.visible_review(request, request.matchdict["review_id"])
    except ProblemError:
        raise HTTPNotFound() from None
    if review_course.id != course.id:
        raise HTTPNotFound()
    return course, review, None


def _back(request, course, review=None) -> HTTPSeeOther:
    anchor = f"#review-{review.id}" if review is not None else ""
    return HTTPSeeOther(location=_page_url(request, course) + anchor)


@view_config(route_name="reviews.page.delete", request_method="POST")
def delete_form(request):
    course = _course_by_slug(request)
    if request.identity is None:
        return HTTPSeeOther(location=f"/login?next={_page_url(request, course)}")
    mine = services.my_review(request, course)
    if mine is not None:
        services.delete(request, mine)
    return _back(request, course)


@view_config(route_name="reviews.page.helpful", request_method="POST")
def helpful_form(request):
    course, review, redirect = _form_target(request)
    if redirect is not None:
        return redirect
    if review.user_id == request.identity.id or not services.may_write(request):
        return render_error_page(request, 403, "Forbidden")
    services.vote(request, review, request.POST.get("vote", "1") != "0")
    return _back(request, course, review)


@view_config(route_name="reviews.page.report", request_method="POST")
def report_form(request):
    course, review, redirect = _form_target(request)
    if redirect is not None:
        return redirect
    if not services.may_write(request):
        return render_error_page(request, 403, "Forbidden")
    reason = (request.POST.get("reason") or "").strip()[:1000] or request.gettext(
        "Reported from the reviews page"
    )
    already = request.db.scalar(
        sa.select(sa.func.count())
        .select_from(services.ReviewReport)
        .where(
            services.ReviewReport.review_id == review.id,
            services.ReviewReport.user_id == request.identity.id,
        )
    )
    if not already:
        services.report(request, review, reason)
    return HTTPSeeOther(location=_page_url(request, course, reported=str(review.id)))


@view_config(route_name="reviews.page.reply", request_method="POST")
def reply_form(request):
    course, review, redirect = _form_target(request)
    if redirect is not None:
        return redirect
    if not services.is_course_staff(request, course):
        return render_error_page(request, 403, "Forbidden")
    text = request.POST.get("body", "")[:BODY_CHARS_CEILING]
    services.reply(request, review, text)
    return _back(request, course, review)
