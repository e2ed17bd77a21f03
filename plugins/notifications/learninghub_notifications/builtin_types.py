"""The notification types of the plugins that existed before notifications (issue 8):
enrolment, announcement published, quiz graded, assignment graded, certificate issued,
order paid, review reply and course completed.

They are offered through the same hook as anyone's (``learninghub_notifications_types``,
answered in :mod:`learninghub_notifications`), each only while its plugin is enabled for
the tenant; the other plugins' modules are imported only then (notifications requires
nothing but the kernel). Recipients and texts come from the events' payloads (checked in
each plugin's code: ``enrollment/services.py`` ``_emit_created``,
``announcements/services.py`` ``publish``, ``assessment/quizzes/attempts.py`` ``_emit``,
``assessment/assignments/services.py`` ``grade``, ``certificates/services.py`` ``_emit``,
``payments/orders/settlement.py`` ``event_payload``, ``reviews/services.py`` ``_emit``)
and the rows they name, read in the recipient's language.
"""

from __future__ import annotations

import logging
import uuid
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa

from .types import NotificationType, Rendered

log = logging.getLogger(__name__)


def as_uuid(value: Any) -> uuid.UUID | None:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError):
        return None


def payload_user(request, event) -> list[uuid.UUID]:
    """The user the event is about (``payload["user_id"]``)."""
    user_id = as_uuid((event.payload or {}).get("user_id"))
    return [user_id] if user_id else []


def _course(request, raw_id):
    from learninghub_courses.models import Course

    course_id = as_uuid(raw_id)
    return request.db.get(Course, course_id) if course_id else None


def _course_url(request, course) -> str:
    return request.route_path("courses.page.landing", slug=course.slug)


def _percent(raw) -> str:
    try:
        value = Decimal(str(raw))
    except (InvalidOperation, ValueError):
        return ""
    return f"{value.normalize():f}" if value == value.to_integral() else f"{value:.2f}"


# ------------------------------------------------------------------ enrollment


def render_enrolled(request, event, user) -> Rendered | None:
    course = _course(request, event.payload.get("course_id"))
    if course is None:
        return None
    _ = request.gettext
    return Rendered(
        subject=_("You are enrolled in “%(course)s”", course=course.title),
        body=_("You can start learning now."),
        url=request.route_path("enrollment.page.continue", course_id=str(course.id)),
    )


def render_course_completed(request, event, user) -> Rendered | None:
    course = _course(request, event.resource_id)
    if course is None:
        return None
    _ = request.gettext
    return Rendered(
        subject=_("You completed “%(course)s”", course=course.title),
        body=_("Congratulations on finishing every lesson of the course."),
        url=_course_url(request, course),
    )


def enrollment_types(request) -> list[NotificationType]:
    _ = request.gettext
    category = _("Learning")
    return [
        NotificationType(
            key="enrollment.enrolled",
            title=_("You are enrolled in a course"),
            event="enrollment.enrollment.created",
            recipients=payload_user,
            render=render_enrolled,
            default_channels=("in_app", "email"),
            category=category,
        ),
        NotificationType(
            key="enrollment.course_completed",
            title=_("You completed a course"),
            event="course.completed",
            recipients=payload_user,
            render=render_course_completed,
            default_channels=("in_app", "email"),
            category=category,
        ),
    ]


# --------------------------------------------------------------- announcements


def announcement_recipients(request, event) -> list[uuid.UUID]:
    """A tenant-wide announcement: every active user; a scoped one: the scope's
    audience (``learninghub_announcements_audience``); never its author."""
    from learninghub.identity import User

    payload = event.payload or {}
    author = as_uuid(payload.get("author_id")) or event.actor_id
    stmt = sa.select(User.id).where(User.status == "active")
    if payload.get("scope_type"):
        answer = request.hooks.learninghub_announcements_audience(
            request=request, scope_type=payload["scope_type"], scope_id=payload.get("scope_id")
        )
        audience = {as_uuid(raw) for raw in (answer or ())} - {None}
        if not audience:
            return []
        stmt = stmt.where(User.id.in_(sorted(audience)))
    return [user_id for user_id in request.db.scalars(stmt) if user_id != author]


def render_announcement(request, event, user) -> Rendered | None:
    payload = event.payload or {}
    _ = request.gettext
    return Rendered(
        subject=_("New announcement: %(title)s", title=str(payload.get("title") or "")[:200]),
        body="",
        url=str(payload.get("url") or ""),
    )


def announcement_types(request) -> list[NotificationType]:
    _ = request.gettext
    return [
        NotificationType(
            key="announcements.published",
            title=_("A new announcement"),
            event="announcements.announcement.published",
            recipients=announcement_recipients,
            render=render_announcement,
            # the announcements plugin emails them itself (email_on_publish)
            default_channels=("in_app",),
            category=_("Announcements"),
        )
    ]


# ------------------------------------------------------------------ assessment


def render_quiz_graded(request, event, user) -> Rendered | None:
    from learninghub_assessment.models.quizzes import Quiz
    from learninghub_content.models import Lesson

    payload = event.payload or {}
    quiz_id = as_uuid(payload.get("quiz_id"))
    quiz = request.db.get(Quiz, quiz_id) if quiz_id else None
    lesson = request.db.get(Lesson, quiz.lesson_id) if quiz is not None else None
    if lesson is None:
        return None
    _ = request.gettext
    percent = _percent(payload.get("percent"))
    if payload.get("passed"):
        body = _("You scored %(percent)s%% and passed.", percent=percent)
    elif payload.get("passed") is False:
        body = _("You scored %(percent)s%%.", percent=percent)
    else:
        body = ""
    return Rendered(
        subject=_("Your quiz “%(quiz)s” was graded", quiz=lesson.title),
        body=body,
        url=request.route_path("assessment.page.attempt_result", attempt_id=str(event.resource_id)),
    )


def render_assignment_graded(request, event, user) -> Rendered | None:
    from learninghub_assessment.models.assignments import Assignment, Submission
    from learninghub_content.models import Lesson

    submission_id = as_uuid(event.resource_id)
    submission = request.db.get(Submission, submission_id) if submission_id else None
    if submission is None or submission.points is None:
        return None
    assignment = request.db.get(Assignment, submission.assignment_id)
    lesson = request.db.get(Lesson, assignment.lesson_id) if assignment is not None else None
    course = _course(request, event.payload.get("course_id"))
    if lesson is None or course is None:
        return None
    _ = request.gettext
    return Rendered(
        subject=_("Your assignment “%(assignment)s” was graded", assignment=lesson.title),
        body=_(
            "%(points)s of %(max)s points.",
            points=_percent(submission.points),
            max=_percent(assignment.max_points),
        ),
        url=request.route_path("assessment.page.my_grades", slug=course.slug),
    )


def assessment_types(request) -> list[NotificationType]:
    _ = request.gettext
    category = _("Grades")
    return [
        NotificationType(
            key="assessment.quiz_graded",
            title=_("A quiz of yours was graded"),
            event="assessment.attempt.graded",
            recipients=payload_user,
            render=render_quiz_graded,
            default_channels=("in_app",),
            category=category,
        ),
        NotificationType(
            key="assessment.assignment_graded",
            title=_("An assignment of yours was graded"),
            event="assessment.submission.graded",
            recipients=payload_user,
            render=render_assignment_graded,
            default_channels=("in_app", "email"),
            category=category,
        ),
    ]


# ---------------------------------------------------------------- certificates


def render_certificate(request, event, user) -> Rendered | None:
    course = _course(request, event.payload.get("course_id"))
    if course is None:
        return None
    _ = request.gettext
    return Rendered(
        subject=_("Your certificate for “%(course)s” is ready", course=course.title),
        body=_("Download it or share it from your certificates."),
        url=request.route_path("certificates.page.detail", id=str(event.resource_id)),
    )


def certificate_types(request) -> list[NotificationType]:
    _ = request.gettext
    return [
        NotificationType(
            key="certificates.issued",
            title=_("A certificate was issued to you"),
            event="certificates.certificate.issued",
            recipients=payload_user,
            render=render_certificate,
            default_channels=("in_app", "email"),
            category=_("Learning"),
        )
    ]


# -------------------------------------------------------------------- payments


def render_order_paid(request, event, user) -> Rendered | None:
    from learninghub.i18n import format_money, request_locale

    payload = event.payload or {}
    try:
        amount = int(payload.get("total_minor"))
        currency = str(payload["currency"])
    except (KeyError, TypeError, ValueError):
        return None
    _ = request.gettext
    return Rendered(
        subject=_("Payment received for order %(number)s", number=str(payload.get("number"))),
        body=_(
            "We received %(amount)s. Thank you!",
            amount=format_money(amount, currency, request_locale(request)),
        ),
        url=request.route_path("payments.page.order", id=str(event.resource_id)),
    )


def payment_types(request) -> list[NotificationType]:
    _ = request.gettext
    return [
        NotificationType(
            key="payments.order_paid",
            title=_("Your order was paid"),
            event="payments.order.paid",
            recipients=payload_user,
            render=render_order_paid,
            # the receipt matters: by email as well
            default_channels=("in_app", "email"),
            category=_("Purchases"),
        )
    ]


# --------------------------------------------------------------------- reviews


def review_reply_recipients(request, event) -> list[uuid.UUID]:
    """The review's author, unless they replied to themselves."""
    return [u for u in payload_user(request, event) if u != event.actor_id]


def render_review_reply(request, event, user) -> Rendered | None:
    course = _course(request, event.payload.get("course_id"))
    if course is None:
        return None
    _ = request.gettext
    return Rendered(
        subject=_("Your review of “%(course)s” got a reply", course=course.title),
        body="",
        url=request.route_path("reviews.page.list", slug=course.slug),
    )


def review_types(request) -> list[NotificationType]:
    _ = request.gettext
    return [
        NotificationType(
            key="reviews.replied",
            title=_("A reply to your review"),
            event="reviews.review.replied",
            recipients=review_reply_recipients,
            render=render_review_reply,
            default_channels=("in_app",),
            category=_("Reviews"),
        )
    ]


#: plugin -> the plugins its types read from (all must be enabled) and the factory
BUILTIN: tuple[tuple[tuple[str, ...], Any], ...] = (
    (("enrollment", "courses"), enrollment_types),
    (("announcements",), announcement_types),
    (("assessment", "courses", "content"), assessment_types),
    (("certificates", "courses"), certificate_types),
    (("payments",), payment_types),
    (("reviews", "courses"), review_types),
)


def builtin_types(request) -> list[NotificationType]:
    """The built-in types of the plugins enabled for the request's tenant."""
    tenant = getattr(request, "tenant", None)
    if tenant is None:
        return []
    found: list[NotificationType] = []
    for plugins, factory in BUILTIN:
        if all(tenant.is_enabled(name) for name in plugins):
            found.extend(factory(request))
    return found
