"""Hooks the certificates plugin publishes (added through ``learninghub_addhooks``).

The contract is docs/design/assessment-contracts.md ("Certificates' hooks"): the
assessment plugin answers them; any plugin may. Call them through
``request.hooks.<name>(request=..., course=..., user_id=...)``.
"""

from __future__ import annotations

from dataclasses import dataclass

from learninghub.hookspecs import hookspec


@dataclass(frozen=True)
class Requirement:
    """One condition a learner must meet before a course's certificate is issued."""

    #: stable, e.g. ``"quiz:<uuid>"``
    key: str
    #: translated, e.g. "Pass the quiz “Final exam”"
    label: str
    met: bool


class CertificatesSpecs:
    @hookspec
    def learninghub_certificates_requirements(self, request, course, user_id):
        """Return a list of :class:`Requirement` that ``user_id`` (a UUID) must meet
        in ``course`` before its certificate is issued (e.g. every required quiz
        passed). ``[]``: nothing to require. A certificate is issued only when every
        requirement of every answer is ``met``. Asked from tasks (no identity) and
        pages; read through ``request.db`` only, never write."""

    @hookspec(firstresult=True)
    def learninghub_certificates_course_grade(self, request, course, user_id):
        """Return the course grade of ``user_id`` in ``course`` as a percent
        (``decimal.Decimal`` in [0, 100], two decimal places), or None when there is
        no grade. The first non-None answer wins. When the course's template sets a
        minimum grade, a certificate needs an answer at or above it (no answer: no
        certificate)."""
