"""The questions part of the assessment plugin (see docs/design/assessment-contracts.md
and docs/plugins/assessment-questions.md): the question bank of each course, the
question types (``types``) and their pages and API."""

from __future__ import annotations

import nh3
from markupsafe import Markup


def prompt_markup(prompt: str | None) -> Markup:
    """A stored prompt as HTML for templates (global ``assessment_prompt``): sanitized
    on the way in, and again here, on the line that marks it safe."""
    return Markup(nh3.clean(prompt or ""))


def includeme(config) -> None:
    """Routes and views of this part."""
    config.add_route("assessment.page.questions", "/teach/courses/{course_id}/questions")
    config.add_route("assessment.page.question_new", "/teach/courses/{course_id}/questions/new")
    config.add_route(
        "assessment.page.question", "/teach/courses/{course_id}/questions/{question_id}"
    )
    config.registry["templates"].globals["assessment_prompt"] = prompt_markup
    config.scan(".api")
    config.scan(".views")
