"""Names shared by the certificates plugin's services: the plugin, its tasks and
events, the verification code's alphabet, and the built-in texts and refusal messages
(English, marked with ``N_``). Re-exported by :mod:`learninghub_certificates.services`.
"""

from __future__ import annotations

import re

from learninghub.i18n import N_

PLUGIN = "certificates"
ISSUE_TASK = "certificates.issue"
RENAME_TASK = "certificates.rename"
ISSUED_EVENT = "certificates.certificate.issued"
REVOKED_EVENT = "certificates.certificate.revoked"
SUPERSEDED_EVENT = "certificates.certificate.superseded"
REISSUED_EVENT = "certificates.certificate.reissued"
TEMPLATE_UPDATED_EVENT = "certificates.template.updated"
#: events after which a learner may have become eligible (payload user_id; course in
#: payload course_id or, for course.completed, the resource id)
TRIGGER_EVENTS = ("course.completed", "assessment.grade.changed")
CODE_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"  # no 0/o, 1/l: read off paper
CODE_LENGTH = 16
CODE_RE = re.compile(rf"^[{CODE_ALPHABET}]{{{CODE_LENGTH}}}$")
PLACEHOLDER_RE = re.compile(r"\{([a-z][a-z0-9_]{0,39})\}")

DEFAULT_TITLE = N_("Certificate of completion")
DEFAULT_BODY = N_("This certifies that {learner_name} has completed the course {course_title}.")
NOT_COMPLETED = N_("The course is not completed yet.")
GRADE_MISSING = N_("The course has no grade yet.")
GRADE_TOO_LOW = N_("The course grade is below the minimum.")
CRITERIA_FAILED = N_("The criteria could not be checked.")
