"""Tables of the assessment plugin, one module per part (see
docs/design/assessment-contracts.md); importing this package registers them all."""

from __future__ import annotations

from .assignments import Assignment, GradeOverride, Submission  # noqa: F401  (assignments part)
from .questions import Question
from .quizzes import Answer, Attempt, Quiz, ScoreChange  # noqa: F401  (quizzes part)
from .types import Points

__all__ = ["Points", "Question"]
