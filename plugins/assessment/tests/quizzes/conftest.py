"""Fixtures of the quizzes tests: a course with a quiz lesson, its staff, an enrolled
learner, bank questions of every type (inserted as set-up) and a quiz."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

import pytest

from learninghub.db import utcnow

#: a spec per type whose key holds a word no learner view may ever contain
SPECS = {
    "single_choice": {
        "options": [{"id": "a", "text": "Paris"}, {"id": "b", "text": "Lyon"}],
        "correct": "a",
    },
    "multiple_choice": {
        "options": [
            {"id": "a", "text": "Two"},
            {"id": "b", "text": "Three"},
            {"id": "c", "text": "Four"},
        ],
        "correct": ["a", "b"],
        "scoring": "all_or_nothing",
    },
    "true_false": {"correct": True},
    "short_answer": {"mode": "casefold", "answers": ["Zanzibar"]},
    "essay": {"min_words": 0, "max_words": 2000, "rubric": "Rubricsecret"},
    "matching": {
        "prompts": [{"id": "p1", "text": "France"}, {"id": "p2", "text": "Spain"}],
        "answers": [{"id": "x", "text": "Paris"}, {"id": "y", "text": "Madrid"}],
        "pairs": {"p1": "x", "p2": "y"},
    },
    "ordering": {
        "items": [
            {"id": "i1", "text": "one"},
            {"id": "i2", "text": "two"},
            {"id": "i3", "text": "three"},
        ]
    },
    "fill_blanks": {
        "text": "The marsupial is a [[1]].",
        "blanks": {"1": {"answers": ["Quokka"], "mode": "casefold"}},
    },
}

RIGHT = {
    "single_choice": {"choice": "a"},
    "multiple_choice": {"choices": ["a", "b"]},
    "true_false": {"value": True},
    "short_answer": {"text": "zanzibar"},
    "essay": {"text": "An essay of some words."},
    "matching": {"pairs": {"p1": "x", "p2": "y"}},
    "ordering": {"order": ["i1", "i2", "i3"]},
    "fill_blanks": {"blanks": {"1": "quokka"}},
}

WRONG = {
    "single_choice": {"choice": "b"},
    "multiple_choice": {"choices": ["c"]},
    "true_false": {"value": False},
    "short_answer": {"text": "nowhere"},
    "essay": {"text": "Another essay."},
    "matching": {"pairs": {"p1": "y", "p2": "x"}},
    "ordering": {"order": ["i3", "i2", "i1"]},
    "fill_blanks": {"blanks": {"1": "kangaroo"}},
}

#: words only the key holds (the learner never types them in these tests)
KEY_WORDS = ("Zanzibar", "Quokka", "Rubricsecret")
KEY_FIELDS = ('"correct"', '"tolerance"', '"rubric"')


def without_responses(value):
    """``value`` without the learner's own responses (which may name their pairs)."""
    if isinstance(value, dict):
        return {k: without_responses(v) for k, v in value.items() if k != "response"}
    if isinstance(value, list):
        return [without_responses(v) for v in value]
    return value


def assert_no_key(body) -> None:
    import json

    text = json.dumps(without_responses(body))
    for word in KEY_WORDS + KEY_FIELDS:
        assert word not in text, word
    assert '"pairs"' not in text
    for item in (body.get("questions") or []) if isinstance(body, dict) else []:
        assert item.get("feedback") is None and item.get("awarded") is None


@dataclass
class QuizWorld:
    tenant: object
    course: object
    lesson: object
    instructor: object
    assistant: object
    learner: object
    quiz: object = None
    questions: dict = field(default_factory=dict)

    @property
    def quiz_url(self):
        return f"/api/v1/quizzes/{self.quiz.id}"


@pytest.fixture
def make_question(db):
    from learninghub_assessment.models import Question
    from learninghub_assessment.questions import types as qtypes

    def make(tenant, course, qtype, points="2", tags=("t",), difficulty="medium"):
        q = Question(
            id=uuid.uuid4(),
            tenant_id=tenant.id,
            course_id=course.id,
            type=qtype,
            title=f"{qtype} question",
            prompt=f"<p>Prompt of {qtype}</p>",
            spec=qtypes.validate_spec(qtype, SPECS[qtype]),
            points=Decimal(points),
            tags=list(tags),
            difficulty=difficulty,
            version=1,
            status="active",
            created_at=utcnow(),
            updated_at=utcnow(),
        )
        db.add(q)
        db.flush()
        return q

    return make


@pytest.fixture
def make_quiz(db):
    from learninghub_assessment.models.quizzes import Quiz

    def make(world, questions, **settings):
        values = dict(passing_percent=Decimal("50"), feedback="immediate", navigation="free")
        values.update(settings)
        quiz = Quiz(
            id=uuid.uuid4(),
            tenant_id=world.tenant.id,
            lesson_id=world.lesson.id,
            course_id=world.course.id,
            intro="<p>Good luck</p>",
            mode="fixed",
            question_ids=[str(q.id) for q in questions],
            draw_rules=[],
            created_at=utcnow(),
            updated_at=utcnow(),
            **values,
        )
        db.add(quiz)
        db.flush()
        world.quiz = quiz
        return quiz

    return make


@pytest.fixture
def world(tenant, user_factory, make_course, enrol_directly, make_question):
    instructor = user_factory(tenant, "instructor")
    assistant = user_factory(tenant, "learner")
    learner = user_factory(tenant, "learner")
    setup = make_course(
        tenant, lessons=2, instructor=instructor, assistant=assistant, lesson_types=["text", "quiz"]
    )
    enrol_directly(tenant, setup.course, learner)
    w = QuizWorld(tenant, setup.course, setup.lessons[1], instructor, assistant, learner)
    for qtype in ("single_choice", "true_false", "essay"):
        w.questions[qtype] = make_question(tenant, setup.course, qtype)
    return w


@pytest.fixture
def basic_quiz(world, make_quiz):
    """A free-navigation quiz of a single choice, a true/false and an essay."""
    make_quiz(world, [world.questions[t] for t in ("single_choice", "true_false", "essay")])
    return world


@pytest.fixture
def expire(db):
    """``expire(attempt_id, seconds=60)``: move an attempt's start and deadline into
    the past (instead of waiting)."""
    from learninghub_assessment.models.quizzes import Attempt

    def move(attempt_id, seconds=60):
        db.expire_all()
        attempt = db.get(Attempt, uuid.UUID(str(attempt_id)))
        attempt.started_at = utcnow() - timedelta(seconds=seconds + 600)
        attempt.deadline_at = utcnow() - timedelta(seconds=seconds)
        db.flush()
        return attempt

    return move
