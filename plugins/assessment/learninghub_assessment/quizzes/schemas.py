"""Request and response bodies of the quizzes API."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from learninghub.api import PageQuery

Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
Percent = Annotated[Decimal, Field(ge=0, le=100, max_digits=5, decimal_places=2)]


class DrawRule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    tags: list[Tag] = Field(default_factory=list, max_length=20)
    difficulty: Literal["easy", "medium", "hard"] | None = None
    count: int = Field(ge=1, le=200)


class QuizFields(BaseModel):
    model_config = ConfigDict(extra="forbid")
    intro: str = Field("", max_length=20_000, description="HTML, sanitized")
    mode: Literal["fixed", "random"] = "fixed"
    question_ids: list[uuid.UUID] = Field(default_factory=list, max_length=500)
    draw_rules: list[DrawRule] = Field(default_factory=list, max_length=50)
    shuffle_questions: bool = False
    shuffle_options: bool = False
    time_limit_s: int | None = Field(None, ge=30, le=7 * 24 * 3600)
    max_attempts: int | None = Field(None, ge=1, le=100)
    passing_percent: Percent = Decimal("50")
    opens_at: AwareDatetime | None = None
    closes_at: AwareDatetime | None = Field(None, description="The due date")
    navigation: Literal["free", "sequential"] = "free"
    feedback: Literal["immediate", "after_due", "never"] = "immediate"
    grading_policy: Literal["highest", "latest"] = "highest"
    weight: Annotated[Decimal, Field(ge=0, le=1000, max_digits=6, decimal_places=2)] = Decimal("1")
    required: bool = False


class QuizCreate(QuizFields):
    lesson_id: uuid.UUID


class QuizUpdate(BaseModel):
    """Every field optional; ``null`` clears the nullable ones."""

    model_config = ConfigDict(extra="forbid")
    intro: str | None = Field(None, max_length=20_000)
    mode: Literal["fixed", "random"] | None = None
    question_ids: list[uuid.UUID] | None = Field(None, max_length=500)
    draw_rules: list[DrawRule] | None = Field(None, max_length=50)
    shuffle_questions: bool | None = None
    shuffle_options: bool | None = None
    time_limit_s: int | None = Field(None, ge=30, le=7 * 24 * 3600)
    max_attempts: int | None = Field(None, ge=1, le=100)
    passing_percent: Percent | None = None
    opens_at: AwareDatetime | None = None
    closes_at: AwareDatetime | None = None
    navigation: Literal["free", "sequential"] | None = None
    feedback: Literal["immediate", "after_due", "never"] | None = None
    grading_policy: Literal["highest", "latest"] | None = None
    weight: Annotated[Decimal, Field(ge=0, le=1000, max_digits=6, decimal_places=2)] | None = None
    required: bool | None = None

    #: fields that may not be null (the others clear with null)
    NOT_NULL: ClassVar[frozenset[str]] = frozenset(
        {
            "intro",
            "mode",
            "question_ids",
            "draw_rules",
            "shuffle_questions",
            "shuffle_options",
            "passing_percent",
            "navigation",
            "feedback",
            "grading_policy",
            "weight",
            "required",
        }
    )


class QuizOut(BaseModel):
    """A quiz as its editors see it (``question_ids``, ``draw_rules``) or as a learner
    does (those two are null: a learner never learns which questions a draw may take)."""

    id: uuid.UUID
    lesson_id: uuid.UUID
    course_id: uuid.UUID
    intro: str
    mode: str
    question_ids: list[uuid.UUID] | None
    draw_rules: list[DrawRule] | None
    question_count: int
    shuffle_questions: bool
    shuffle_options: bool
    time_limit_s: int | None
    max_attempts: int | None
    passing_percent: Decimal
    opens_at: datetime | None
    closes_at: datetime | None
    navigation: str
    feedback: str
    grading_policy: str
    weight: Decimal
    required: bool
    window: str = Field(description="open, not_open or closed")
    attempts_used: int | None = Field(None, description="the caller's attempts")
    attempts_left: int | None = Field(None, description="null: unlimited")
    created_at: datetime
    updated_at: datetime
    url: str


class AttemptOut(BaseModel):
    id: uuid.UUID
    quiz_id: uuid.UUID
    user_id: uuid.UUID
    number: int
    status: str
    started_at: datetime
    deadline_at: datetime | None
    submitted_at: datetime | None
    closed_by: str | None
    server_now: datetime
    remaining_s: int | None
    current_index: int
    question_count: int
    score: Decimal | None
    max_score: Decimal | None
    percent: Decimal | None
    passed: bool | None
    graded_at: datetime | None
    url: str
    html_url: str


class QuestionItem(BaseModel):
    """One question of an attempt. ``view`` is the learner view (never the key);
    ``feedback`` (the key, correctness), ``awarded`` and ``grader_feedback`` appear
    only when the quiz's feedback mode allows."""

    position: int
    question_id: uuid.UUID
    state: str = Field(description="open, locked, upcoming (content not sent) or closed")
    points: Decimal
    type: str | None
    prompt: str | None
    media_asset_id: uuid.UUID | None = None
    view: dict[str, Any] | None
    response: dict[str, Any] | None
    saved_at: datetime | None = None
    awarded: Decimal | None = None
    needs_manual: bool | None = None
    grader_feedback: str | None = None
    feedback: dict[str, Any] | None = None
    answer_id: uuid.UUID | None = None


class AttemptDetail(AttemptOut):
    questions: list[QuestionItem]
    feedback_available: bool


class AnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    response: dict[str, Any]


class AnswerOut(BaseModel):
    question_id: uuid.UUID
    position: int
    response: dict[str, Any] | None
    saved_at: datetime | None
    server_now: datetime
    remaining_s: int | None


class AttemptsQuery(PageQuery):
    user_id: uuid.UUID | None = Field(None, description="staff: one learner's attempts")


class GradeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    points: Annotated[Decimal, Field(ge=0, le=1000, max_digits=6, decimal_places=2)]
    feedback: str | None = Field(None, max_length=10_000)


class QueueItem(BaseModel):
    answer_id: uuid.UUID
    attempt_id: uuid.UUID
    quiz_id: uuid.UUID
    user_id: uuid.UUID
    question_id: uuid.UUID
    prompt: str | None
    rubric: str | None
    response: dict[str, Any] | None
    max_points: Decimal
    submitted_at: datetime | None


class GradeOut(BaseModel):
    answer_id: uuid.UUID
    points: Decimal
    feedback: str | None
    attempt: AttemptOut


class RegradeOut(BaseModel):
    changed: int


class ScoreChangeOut(BaseModel):
    id: uuid.UUID
    answer_id: uuid.UUID
    attempt_id: uuid.UUID
    old: Decimal | None
    new: Decimal | None
    reason: str
    changed_by: uuid.UUID | None
    changed_at: datetime
