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
