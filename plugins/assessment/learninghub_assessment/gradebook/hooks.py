"""Hooks the gradebook part answers (gathered by the plugin's ``__init__``)."""

from __future__ import annotations

from decimal import Decimal

from learninghub.web import NavItem

from . import services

OVERRIDE_EVENTS = [services.OVERRIDDEN_EVENT, services.EXPORTED_EVENT]


def courses_teach_links(request, course) -> list:
    if not services.may_see_gradebook(request, course):
        return []
    return [
        NavItem(
            order=40,
            title=request.gettext("Gradebook"),
            url=request.route_path("assessment.page.gradebook", course_id=str(course.id)),
        )
    ]


def content_lesson_actions(request, course, lesson) -> list:
    """A link to the learner's own grades under every lesson of a course they are
    enrolled in (no query: the enrolment was read for the player's access check)."""
    from markupsafe import Markup, escape

    from learninghub_enrollment import services as enrollment

    if request.identity is None or enrollment.my_enrollment(request, course) is None:
        return []
    url = request.route_path("assessment.page.my_grades", slug=course.slug)
    return [
        Markup('<p class="assessment-grades-link"><a href="{}">{}</a></p>').format(
            url, escape(request.gettext("Your grades in this course"))
        )
    ]


def audit_auditable_events(request) -> list:
    return list(OVERRIDE_EVENTS)


def certificates_requirements(request, course, user_id) -> list:
    """One requirement per required item: met when the learner passed it (an
    override counts)."""
    from learninghub_certificates.hookspecs import Requirement

    columns, row = services.row_of(request, course, user_id)
    requirements = []
    for item in columns:
        if not item.required:
            continue
        label = (
            request.gettext("Pass the quiz “%(title)s”", title=item.title)
            if item.kind == "quiz"
            else request.gettext("Pass the assignment “%(title)s”", title=item.title)
        )
        requirements.append(
            Requirement(key=item.key, label=label, met=row.cells[item.key].passed is True)
        )
    return requirements


def certificates_course_grade(request, course, user_id) -> Decimal | None:
    """The learner's total percent (overrides applied); None when the course has no
    graded items."""
    columns, row = services.row_of(request, course, user_id)
    if not columns and not row.total_overridden:
        return None
    return row.total


def webhooks_event_types(request) -> list[tuple[str, str]]:
    """Gradebook changes, for integrations (a student information system)."""
    return [
        ("assessment.grade.changed", "A learner's grades in a course may have changed."),
        ("assessment.grade.overridden", "Course staff overrode a grade (old, new, reason)."),
    ]
