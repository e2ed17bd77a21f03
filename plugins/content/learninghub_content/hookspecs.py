"""Hooks the content plugin publishes (through ``learninghub_addhooks``).

Implement them by name in your plugin's package ``__init__`` with ``@hookimpl``; no
import of this module is needed (except :class:`LessonType` to describe a type).
"""

from __future__ import annotations

from dataclasses import dataclass

from learninghub.hookspecs import hookspec


@dataclass(frozen=True)
class LessonType:
    """A kind of lesson. ``template`` is a logical template name rendered inside the
    lesson player with ``lesson``, ``version`` (the version shown; ``version.data`` is
    the type's own JSON), ``course``, ``media_url`` (a signed URL of
    ``version.media_asset_id`` or None) and the shell context.

    ``completed_by_owner``: True when the providing plugin decides that a learner
    completed the lesson (a quiz passed, an assignment graded) and marks it through
    ``learninghub_enrollment.services.record_progress``; learners then cannot mark it
    complete or not complete themselves (no "Mark complete" button; 409 on the
    progress API and form)."""

    key: str
    title: str
    template: str
    completed_by_owner: bool = False


class ContentSpecs:
    @hookspec
    def learninghub_content_lesson_types(self, request) -> list:
        """Return :class:`LessonType` entries for lesson types your plugin provides
        (quiz, code exercise...). Keys must be unique; a key of the built-in types
        (``text``, ``video``, ``audio``, ``file``, ``embed``) is ignored."""

    @hookspec(firstresult=True)
    def learninghub_content_has_access(self, request, course):
        """May the request's user see every published lesson of ``course`` (a
        published course)? True / False / None (no opinion). Enrollment answers
        (an active enrolment). Nobody answering means no: only free-preview lessons
        and the course staff."""

    @hookspec
    def learninghub_content_lesson_actions(self, request, course, lesson) -> list:
        """Return ``Markup`` fragments shown under the lesson in the player (e.g.
        enrollment's "Mark complete" form). Escape what you interpolate."""

    @hookspec(firstresult=True)
    def learninghub_content_completed_lessons(self, request, course):
        """The ids (a set of UUIDs) of ``course``'s lessons the request's user has
        completed, shown as marks in the player's curriculum; None: no opinion.
        Called once per page (one query, not one per lesson)."""

    @hookspec(firstresult=True)
    def learninghub_content_media_player(self, request, course, lesson, version):
        """``Markup`` that plays the media of a ``video`` or ``audio`` lesson in place
        of the default ``<video>``/``<audio>`` of the type's template (the lesson's
        text still follows), or None to keep the default. Called only when the
        viewer may see the lesson and ``version.media_asset_id`` is set; the
        streaming plugin answers with its HLS player. Escape what you interpolate."""
