"""Fixtures of the assignments tests."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest

from learninghub.db import utcnow

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def make_assignment(db):
    """``make_assignment(tenant, setup, lesson=0, **fields)``: the assignment of
    lesson ``lesson`` of a course made by ``make_course`` (inserted as set-up)."""
    from learninghub_assessment.models.assignments import Assignment

    def make(tenant, setup, lesson: int = 0, **fields):
        now = utcnow()
        values = {
            "instructions": "<p>Write an essay.</p>",
            "submission_type": "text_or_file",
            "due_at": None,
            "max_points": Decimal("20"),
            "passing_percent": None,
            "weight": Decimal("1"),
            "required": False,
        }
        values.update(fields)
        row = Assignment(
            id=uuid.uuid4(),
            tenant_id=tenant.id,
            course_id=setup.course.id,
            lesson_id=setup.lessons[lesson].id,
            created_at=now,
            updated_at=now,
            **values,
        )
        db.add(row)
        db.flush()
        return row

    return make


@pytest.fixture
def classroom(tenant, user_factory, make_course, enrol_directly, make_assignment):
    """A published course (lesson 0: an assignment, lesson 1: text) with an
    instructor, a teaching assistant, an enrolled learner and a stranger."""

    class Classroom:
        pass

    room = Classroom()
    room.instructor = user_factory(tenant, "instructor")
    room.assistant = user_factory(tenant)
    room.learner = user_factory(tenant)
    room.stranger = user_factory(tenant)
    room.setup = make_course(
        tenant,
        lessons=2,
        lesson_types=["assignment", "text"],
        instructor=room.instructor,
        assistant=room.assistant,
        title="Essays",
    )
    enrol_directly(tenant, room.setup.course, room.learner)
    room.assignment = make_assignment(tenant, room.setup)
    room.past = timedelta(hours=-1)
    return room
