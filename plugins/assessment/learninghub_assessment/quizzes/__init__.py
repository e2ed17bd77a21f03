"""The quizzes part of the assessment plugin (see docs/design/assessment-contracts.md
and docs/plugins/assessment-quizzes.md): quizzes as lessons, attempts, grading."""

from __future__ import annotations

from . import tasks  # noqa: F401  (register the tasks)


def includeme(config) -> None:
    """Routes and views of this part."""
    from pathlib import Path

    from learninghub.web import ContentHashCacheBuster

    from .views import quiz_panel

    # the plugin's static files (the quiz player's script); absolute paths like media's
    static = Path(__file__).resolve().parent.parent / "static"
    max_age = int(config.registry.settings.get("static.max_age", 31536000))
    config.add_static_view("static/assessment", str(static), cache_max_age=max_age)
    config.add_cache_buster(str(static) + "/", ContentHashCacheBuster(static))

    config.add_route("assessment.page.attempt", "/quizzes/attempts/{attempt_id}")
    config.add_route("assessment.page.attempt_result", "/quizzes/attempts/{attempt_id}/result")
    config.add_route("assessment.page.autosave", "/quizzes/attempts/{attempt_id}/autosave")
    config.add_route("assessment.page.start", "/quizzes/{quiz_id}/start")
    config.add_route("assessment.page.grading", "/teach/courses/{course_id}/grading")
    config.add_route("assessment.page.grade", "/teach/courses/{course_id}/grading/{answer_id}")
    config.add_route("assessment.page.quiz", "/teach/courses/{course_id}/quizzes/{quiz_id}")
    config.add_route(
        "assessment.page.new_quiz", "/teach/courses/{course_id}/lessons/{lesson_id}/quiz"
    )
    config.registry["templates"].globals["assessment_quiz_panel"] = quiz_panel
    config.scan(".api")
    config.scan(".views")
    config.scan(".grading_views")
    config.scan(".settings_views")
