"""The assignments part of the assessment plugin (see docs/design/assessment-contracts.md
and docs/plugins/assessment-assignments.md)."""

from __future__ import annotations


def includeme(config) -> None:
    """Routes and views of this part, and the template function of the player's panel."""
    from .views import assignment_panel

    config.add_route("assessment.page.submit", "/assignments/{id}/submit")
    config.add_route("assessment.page.assignment", "/teach/courses/{course_id}/assignments/{id}")
    config.scan(".api")
    config.scan(".views")
    config.registry["templates"].globals["assessment_assignment_panel"] = assignment_panel
