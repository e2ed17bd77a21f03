"""The assignments part of the assessment plugin (see docs/design/assessment-contracts.md
and docs/plugins/assessment-assignments.md)."""

from __future__ import annotations


def includeme(config) -> None:
    """Routes and views of this part, and the template function of the player's panel."""
    from .views import assignment_panel

    config.add_route("assessment.page.submit", "/assignments/{id}/submit")
    config.add_route("assessment.page.assignments", "/teach/courses/{course_id}/assignments")
    config.add_route("assessment.page.assignment", "/teach/courses/{course_id}/assignments/{id}")
    config.add_route(
        "assessment.page.assignment_settings",
        "/teach/courses/{course_id}/assignments/{id}/settings",
    )
    config.add_route(
        "assessment.page.new_assignment",
        "/teach/courses/{course_id}/lessons/{lesson_id}/assignment",
    )
    config.scan(".api")
    config.scan(".views")
    config.scan(".editor")
    config.registry["templates"].globals["assessment_assignment_panel"] = assignment_panel
