"""Draws from the bank, lookups, the learner's macros and the demo questions."""

from __future__ import annotations

import random

import pytest
from webob.multidict import MultiDict


def test_draw_takes_active_questions_having_every_tag(tenant, bank, add_question, client, db):
    from learninghub_assessment.questions import services

    both = {add_question(tags=["geo", "spain"])["id"] for _ in range(3)}
    hard = add_question(tags=["geo", "spain"], difficulty="hard")["id"]
    add_question(tags=["geo"])
    gone = add_question(tags=["geo", "spain"])
    client(tenant, bank.instructor).delete(gone["url"])
    course = bank.course.id

    drawn = services.draw(db, course, tags=["spain", "GEO"], count=4, rng=random.Random(1))
    assert {str(q.id) for q in drawn} == both | {hard}
    assert services.draw_pool_size(db, course, tags=["geo", "spain"]) == 4
    assert services.draw_pool_size(db, course, tags=["geo"], difficulty="hard") == 1
    easy = services.draw(
        db, course, tags=["spain"], difficulty="easy", count=2, rng=random.Random(2)
    )
    assert {str(q.id) for q in easy} <= both
    with pytest.raises(services.NotEnoughQuestions) as info:
        services.draw(db, course, tags=["spain"], count=5, rng=random.Random(3))
    assert info.value.available == 4 and info.value.wanted == 5
    # the same seed draws the same questions
    first = services.draw(db, course, tags=["geo"], count=2, rng=random.Random(7))
    assert first == services.draw(db, course, tags=["geo"], count=2, rng=random.Random(7))
    # rules in turn never repeat a question
    rules = [{"tags": ["spain"], "difficulty": "hard", "count": 1}, {"tags": ["spain"], "count": 3}]
    by_rules = services.draw(db, course, rules, rng=random.Random(4))
    assert len({q.id for q in by_rules}) == 4 and str(by_rules[0].id) == hard
    with pytest.raises(services.NotEnoughQuestions):
        services.draw(
            db,
            course,
            [{"tags": ["spain"], "count": 4}, {"tags": [], "count": 2}],
            rng=random.Random(5),
        )


def test_get_questions_is_scoped_to_the_course(tenant, bank, add_question, make_course, client, db):
    from learninghub_assessment.questions import services

    mine = add_question()
    other = make_course(tenant, instructor=bank.instructor)
    theirs = (
        client(tenant, bank.instructor)
        .post_json(
            f"/api/v1/courses/{other.id}/questions",
            {"type": "true_false", "title": "T", "spec": {"correct": True}},
        )
        .json
    )
    found = services.get_questions(db, bank.course.id, [mine["id"], theirs["id"], "junk"])
    assert [str(k) for k in found] == [mine["id"]]
    assert services.get_questions(db, bank.course.id, []) == {}


SPECS = {
    "single_choice": {
        "options": [{"id": "a", "text": "Paris"}, {"id": "b", "text": "Lyon"}],
        "correct": "a",
    },
    "multiple_choice": {
        "options": [{"id": "a", "text": "A1"}, {"id": "b", "text": "B1"}],
        "correct": ["a"],
    },
    "true_false": {"correct": True},
    "short_answer": {"answers": ["ZQSECRET"]},
    "essay": {"min_words": 5, "max_words": 50, "rubric": "ZQRUBRIC"},
    "matching": {
        "prompts": [{"id": "p1", "text": "France"}, {"id": "p2", "text": "Spain"}],
        "answers": [{"id": "x1", "text": "Paris"}, {"id": "x2", "text": "Madrid"}],
        "pairs": {"p1": "x1", "p2": "x2"},
    },
    "ordering": {
        "items": [
            {"id": "i1", "text": "first"},
            {"id": "i2", "text": "second"},
            {"id": "i3", "text": "third"},
        ]
    },
    "fill_blanks": {"text": "Capital: [[1]].", "blanks": {"1": {"answers": ["ZQPARIS"]}}},
}
KEYS = {
    "single_choice": {"choice": "a"},
    "multiple_choice": {"choices": ["a"]},
    "true_false": {"value": True},
    "short_answer": {"text": "ZQSECRET"},
    "essay": {"text": "one two three four five"},
    "matching": {"pairs": {"p1": "x1", "p2": "x2"}},
    "ordering": {"order": ["i1", "i2", "i3"]},
    "fill_blanks": {"blanks": {"1": "ZQPARIS"}},
}


@pytest.fixture
def render(registry, hook_request, tenant):
    """``render(source)``: a template string rendered like a page, importing the macros."""
    templates = registry["templates"]

    def run(source: str, **values) -> str:
        request = hook_request(tenant)
        env = templates.for_request(request)
        header = '{% from "assessment/questions/_render.jinja2" import render_question, render_feedback with context %}'
        from learninghub.templating import shell_context

        context = shell_context(request)
        context.update(values)
        return env.from_string(header + source).render(context)

    return run


@pytest.mark.parametrize("question_type", list(SPECS))
def test_macro_fields_post_back_the_response(render, question_type):
    """Every control is labelled; its names are those response_from_form reads; no key
    in the page; feedback says right or wrong in words."""
    import html
    import re

    from learninghub_assessment.questions import types

    spec = types.validate_spec(question_type, SPECS[question_type])
    view = types.learner_view(question_type, spec, shuffle_seed=3)
    q = {
        "id": "q1",
        "type": question_type,
        "prompt": "<p>Prompt<script>x</script></p>",
        "view": view,
    }
    key = types.validate_response(question_type, spec, KEYS[question_type])
    page = render("{{ render_question(q, key, prefix='q0-') }}", q=q, key=key)
    assert "<script>" not in page and "<p>Prompt</p>" in page
    blank = render("{{ render_question(q, prefix='q0-') }}", q=q)
    assert "ZQ" not in blank  # short answers, blanks and rubric stay on the server
    ids = re.findall(r'<(?:input|select|textarea)[^>]*\bid="([^"]+)"', page)
    assert ids and all(f'for="{i}"' in page for i in ids), ids
    form = MultiDict()
    for tag in re.finditer(
        r"<(input|select|textarea)([^>]*)>(.*?</(?:select|textarea)>)?", page, re.S
    ):
        attrs = dict(re.findall(r'([\w-]+)="([^"]*)"', tag.group(2)))
        name = attrs["name"]
        if tag.group(1) == "input" and attrs.get("type") in ("radio", "checkbox"):
            if " checked" in tag.group(2):
                form.add(name, attrs["value"])
        elif tag.group(1) == "input":
            form.add(name, html.unescape(attrs.get("value", "")))
        elif tag.group(1) == "textarea":
            form.add(name, html.unescape(re.sub(r"</textarea>$", "", tag.group(3))))
        else:
            chosen = re.search(r'<option value="([^"]*)" selected', tag.group(3))
            form.add(name, chosen.group(1) if chosen else "")
    posted = types.response_from_form(question_type, view, form, "q0-")
    assert types.validate_response(question_type, spec, posted) == key
    # the quiz player's form of the call gives the same controls
    legacy = render(
        "{{ render_question(t, p, v, 'q0-', key, readonly=true) }}",
        t=question_type,
        p=q["prompt"],
        v=view,
        key=key,
    )
    assert legacy.count(" disabled") == page.count("<input") + page.count("<select") + page.count(
        "<textarea"
    )
    feedback = types.feedback_view(question_type, spec, key)
    marked = render("{{ render_question(q, key, feedback=fb) }}", q=q, key=key, fb=feedback)
    if question_type != "essay":
        assert "Correct" in marked and "Incorrect" not in marked
    wrong = render(
        "{{ render_feedback(t, p, v, {}, fb) }}",
        t=question_type,
        p="",
        v=view,
        fb=types.feedback_view(question_type, spec, {}),
    )
    if question_type != "essay":
        assert "Incorrect" in wrong or "no answer" in wrong


def test_demo_questions_are_seeded_once(tenant, bank, hook_request, db, make_course):
    import sqlalchemy as sa

    from learninghub_assessment.models import Question
    from learninghub_assessment.questions.demo import QUESTIONS, seed_questions
    from learninghub_courses.models import Course

    course = db.get(Course, bank.course.id)
    course.slug = "intro-to-python"
    db.flush()
    request = hook_request(tenant)
    seed_questions(request)
    seed_questions(request)
    rows = list(db.scalars(sa.select(Question).where(Question.course_id == course.id)))
    assert len(rows) == len(QUESTIONS)
    assert {q.type for q in rows} == {
        "single_choice",
        "multiple_choice",
        "true_false",
        "short_answer",
        "essay",
        "matching",
        "ordering",
        "fill_blanks",
    }
