"""Hooks the enrollment plugin publishes (added through ``learninghub_addhooks``).

Implement them by name in your plugin's package ``__init__`` with ``@hookimpl``; call
them through ``request.hooks.<name>(request=..., course=...)``.
"""

from __future__ import annotations

from learninghub.hookspecs import hookspec


class EnrollmentSpecs:
    @hookspec(firstresult=True)
    def learninghub_enrollment_paid_enrolment(self, request, course):
        """Return the ``markupsafe.Markup`` of a buy control for ``course``, a paid
        course (``price_minor > 0``) the request's user is not enrolled in, or None
        when you do not sell it. The first non-None answer wins. The enrollment
        plugin shows it where free courses get their "Enrol" button, and answers
        ``POST /api/v1/courses/{id}/enrollment`` with 402 Payment Required while a
        seller exists (409 when nobody answers). Once paid, the seller enrols the
        user with ``learninghub_enrollment.services.enrol(request, course, user,
        "purchase")``. Anonymous visitors are asked too (offer a sign-in link or a
        price). Escape everything you interpolate."""
