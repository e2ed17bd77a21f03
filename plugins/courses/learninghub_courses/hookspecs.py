"""Hooks the courses plugin publishes (added through ``learninghub_addhooks``).

Call them through ``request.hooks.<name>(request=..., course=...)``; only plugins
enabled for the request's tenant answer. See docs/design/catalog-contracts.md.
"""

from __future__ import annotations

from learninghub.hookspecs import hookspec


class CoursesSpecs:
    @hookspec(firstresult=True)
    def learninghub_courses_enrol_action(self, request, course):
        """Return the ``markupsafe.Markup`` of the enrol or buy control shown on the
        landing page of ``course`` for the request's user (enrollment answers for free
        courses, commerce for paid ones). The first non-None answer wins; None from
        everyone: the page shows no control. Escape everything you interpolate."""

    @hookspec
    def learninghub_courses_landing_sections(self, request, course):
        """Return a list of :class:`learninghub.web.Widget` rendered, sorted by
        ``order``, on the landing page of ``course`` (content: the syllabus; reviews:
        the rating summary and the reviews). ``template`` is a logical template name
        rendered with the page's context plus ``ctx`` = the widget's ``context``.
        Return ``[]`` for users who may not see the section."""

    @hookspec
    def learninghub_courses_search_text(self, request, course):
        """Return a list of str added to the search document of ``course`` (content:
        lesson titles and text). Called by the reindex task, in its own transaction,
        after every change of the course; call
        :func:`learninghub_courses.services.request_reindex` when your text changes."""

    @hookspec
    def learninghub_courses_publish_problems(self, request, course):
        """Return a list of str: why ``course`` may not go to review or be published
        yet (content: it has no published lesson); ``[]`` when you have no objection.
        Asked before every change that would make the course public or put it in the
        review queue: submit (for review, or published at once), approve, and restore
        as published. Any message refuses the change with a 409 problem+json whose
        ``errors`` list the messages (``path`` ``["course"]``, ``type``
        ``"publish_problem"``); the instructor's page lists them beforehand.

        Messages are whole English sentences without placeholders, marked with
        ``N_`` so that they are in your catalog: the API returns them as they are and
        pages translate them with ``request.gettext`` (catalogs are merged)."""

    @hookspec
    def learninghub_courses_teach_links(self, request, course):
        """Return a list of :class:`learninghub.web.NavItem` shown, sorted by
        ``order``, as links on the edit page of ``course`` (``/teach/{id}``, seen by
        the course's staff) to your own pages about it (content: the curriculum
        editor). Translate the titles; return ``[]`` for users who may not use the
        page the link leads to."""
