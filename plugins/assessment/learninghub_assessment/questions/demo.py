"""Demo questions (``learninghub demo``): a small bank of every kind for the demo
Python course, through the same service as the API. Idempotent: a course that has
questions already is left alone; a tenant without the course gets none (the demo
plugin creates it; the next run adds the questions)."""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa

from ..models.questions import Question
from . import services

log = logging.getLogger(__name__)

COURSE_SLUGS = ("intro-to-python", "introduccion-a-javascript")
AUTHORS = ("instructor@demo.example", "admin@campus.example")

QUESTIONS: list[dict[str, Any]] = [
    {
        "type": "single_choice",
        "title": "Printing text",
        "prompt": "<p>Which line prints <code>Hello</code>?</p>",
        "spec": {
            "options": [
                {"id": "print", "text": 'print("Hello")'},
                {"id": "echo", "text": 'echo "Hello"'},
                {"id": "console", "text": 'console.log("Hello")'},
            ],
            "correct": "print",
        },
        "tags": ["basics"],
        "difficulty": "easy",
    },
    {
        "type": "multiple_choice",
        "title": "Immutable types",
        "prompt": "<p>Which of these types are immutable?</p>",
        "spec": {
            "options": [
                {"id": "tuple", "text": "tuple"},
                {"id": "str", "text": "str"},
                {"id": "list", "text": "list"},
                {"id": "dict", "text": "dict"},
            ],
            "correct": ["tuple", "str"],
            "scoring": "partial",
        },
        "points": "2",
        "tags": ["types"],
        "difficulty": "medium",
    },
    {
        "type": "true_false",
        "title": "Indentation matters",
        "prompt": "<p>In Python, indentation is part of the syntax.</p>",
        "spec": {"correct": True},
        "tags": ["basics"],
        "difficulty": "easy",
    },
    {
        "type": "short_answer",
        "title": "Integer division",
        "prompt": "<p>What does <code>7 // 2</code> evaluate to?</p>",
        "spec": {"mode": "numeric", "answers": ["3"], "tolerance": "0"},
        "tags": ["numbers"],
        "difficulty": "medium",
    },
    {
        "type": "matching",
        "title": "Literals and types",
        "prompt": "<p>Match each literal with its type.</p>",
        "spec": {
            "prompts": [
                {"id": "m1", "text": "3.14"},
                {"id": "m2", "text": "'pi'"},
                {"id": "m3", "text": "[3, 1, 4]"},
            ],
            "answers": [
                {"id": "ta", "text": "float"},
                {"id": "tb", "text": "str"},
                {"id": "tc", "text": "list"},
                {"id": "td", "text": "int"},
            ],
            "pairs": {"m1": "ta", "m2": "tb", "m3": "tc"},
        },
        "points": "3",
        "tags": ["types"],
        "difficulty": "medium",
    },
    {
        "type": "ordering",
        "title": "Steps of a loop",
        "prompt": "<p>Put the steps of summing a list in order.</p>",
        "spec": {
            "items": [
                {"id": "s7", "text": "total = 0"},
                {"id": "s2", "text": "for n in numbers:"},
                {"id": "s9", "text": "    total += n"},
                {"id": "s4", "text": "print(total)"},
            ]
        },
        "points": "2",
        "tags": ["loops"],
        "difficulty": "hard",
    },
    {
        "type": "fill_blanks",
        "title": "Keywords",
        "prompt": "<p>Complete the sentence.</p>",
        "spec": {
            "text": "A function is defined with [[1]] and gives back a value with [[2]].",
            "blanks": {"1": {"answers": ["def"]}, "2": {"answers": ["return"]}},
        },
        "points": "2",
        "tags": ["functions"],
        "difficulty": "medium",
    },
    {
        "type": "essay",
        "title": "Why Python?",
        "prompt": "<p>In a few sentences, say what you would like to build with Python.</p>",
        "spec": {"min_words": 20, "max_words": 300, "rubric": "Clear goal; realistic."},
        "points": "5",
        "tags": ["reflection"],
        "difficulty": "easy",
    },
]


def seed_questions(request) -> None:
    from learninghub.identity import User
    from learninghub_courses import services as courses

    db = request.db
    for slug in COURSE_SLUGS:
        course = courses.get_course_by_slug(db, slug)
        if course is None:
            continue
        has_any = db.scalar(
            sa.select(sa.func.count()).select_from(Question).where(Question.course_id == course.id)
        )
        if has_any:
            continue
        author = db.scalar(sa.select(User).where(User.email.in_(AUTHORS)))
        for data in QUESTIONS:
            question = services.create_question(request, course, dict(data))
            question.created_by = author.id if author is not None else None
        db.flush()
        log.info("demo: %d questions in %s", len(QUESTIONS), slug)
