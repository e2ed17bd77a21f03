"""The gradebook part of the assessment plugin (see docs/design/assessment-contracts.md
and docs/plugins/assessment-gradebook.md)."""

from __future__ import annotations


def includeme(config) -> None:
    """Routes and views of this part."""
    config.add_route("assessment.page.gradebook_csv", "/teach/courses/{course_id}/gradebook.csv")
    config.add_route("assessment.page.gradebook", "/teach/courses/{course_id}/gradebook")
    config.add_route("assessment.page.my_grades", "/courses/{slug}/grades")
    config.scan(".api")
    config.scan(".views")
