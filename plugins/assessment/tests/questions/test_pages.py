"""Bank pages: who may open them, the form of every type round-tripping a question,
refusals shown in the form, archive and restore, the teach link."""

from __future__ import annotations

import re
import uuid

import pytest

ROWS = {
    "single_choice": {
        "option-0-text": "Paris",
        "option-1-text": "Lyon",
        "option-2-text": "",
        "correct": "0",
    },
    "multiple_choice": {
        "option-0-text": "tuple",
        "option-0-correct": "1",
        "option-1-text": "list",
        "option-2-text": "str",
        "option-2-correct": "1",
        "scoring": "partial",
    },
    "true_false": {"correct": "false"},
    "short_answer": {"mode": "numeric", "answers": "3.14\n3,1416", "tolerance": "0.01"},
    "essay": {"min_words": "10", "max_words": "200", "rubric": "Be clear."},
    "matching": {
        "pair-0-prompt": "France",
        "pair-0-answer": "Paris",
        "pair-1-prompt": "Germany",
        "pair-1-answer": "Berlin",
        "extra_answers": "Rome",
    },
    "ordering": {"item-0-text": "one", "item-1-text": "two", "item-2-text": "three"},
    "fill_blanks": {"text": "The capital of France is [[Paris|paris]].", "mode": "casefold"},
}


def common(**changes):
    return {
        "title": "A question",
        "prompt": "<p>Answer <b>this</b><script>x</script></p>",
        "points": "2,5",
        "tags": "Geo, europe",
        "difficulty": "hard",
        "media_asset_id": "",
        "rows": "3",
        "save": "1",
        **changes,
    }


def bank_questions(db, course_id):
    import sqlalchemy as sa

    from learninghub_assessment.models import Question

    db.expire_all()
    return list(db.scalars(sa.select(Question).where(Question.course_id == course_id)))


@pytest.mark.parametrize("question_type", list(ROWS))
def test_create_and_edit_every_type_through_its_form(tenant, bank, page_browser, db, question_type):
    from learninghub_assessment.questions import types

    b = page_browser(tenant, bank.instructor)
    new = f"{bank.page}/new?type={question_type}"
    page = b.get(new)
    assert page.status_int == 200, page.text
    r = b.submit(page, new, {**common(), **ROWS[question_type]})
    assert r.status_int == 303, r.text
    (question,) = bank_questions(db, bank.course.id)
    assert question.type == question_type
    assert question.prompt == "<p>Answer <b>this</b></p>"
    assert str(question.points) == "2.50" and question.tags == ["geo", "europe"]
    assert types.validate_spec(question_type, question.spec) == question.spec
    # the edit form shows it back, with a learner's preview; saving it unchanged
    # keeps the version (ids are kept in hidden fields)
    edit = f"{bank.page}/{question.id}"
    page = b.get(edit)
    assert page.status_int == 200 and "A question" in page.text
    assert 'id="preview-title"' in page.text
    fields = _form_fields(page.text)
    r = b.submit(page, edit, {**fields, "save": "1"})
    assert r.status_int == 303, r.text
    (again,) = bank_questions(db, bank.course.id)
    assert again.version == 1, (question.spec, again.spec)
    assert again.spec == question.spec


def _form_fields(html: str) -> dict[str, str]:
    """The values a browser would post from the question form (first form with rows)."""
    form = html[
        html.index('<form class="lh-form"') : html.index(
            "</form>", html.index('<form class="lh-form"')
        )
    ]
    fields: dict[str, str] = {}
    for tag in re.finditer(r"<input([^>]*)>", form):
        attrs = dict(re.findall(r'(\w[\w-]*)="([^"]*)"', tag.group(1)))
        name = attrs.get("name")
        if not name or name == "csrf_token":
            continue
        if attrs.get("type") in ("radio", "checkbox") and " checked" not in tag.group(1):
            continue
        fields[name] = _unescape(attrs.get("value", ""))
    for tag in re.finditer(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', form, re.S):
        fields[tag.group(1)] = _unescape(tag.group(2))
    for tag in re.finditer(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        chosen = re.search(r'<option value="([^"]*)"[^>]*selected', tag.group(2))
        first = re.search(r'<option value="([^"]*)"', tag.group(2))
        fields[tag.group(1)] = _unescape((chosen or first).group(1))
    return fields


def _unescape(text: str) -> str:
    import html

    return html.unescape(text)


def test_refused_form_shows_the_errors_and_keeps_the_input(tenant, bank, page_browser, db):
    b = page_browser(tenant, bank.instructor)
    new = f"{bank.page}/new?type=single_choice"
    page = b.get(new)
    fields = {**common(title="", points="0"), "option-0-text": "Only one", "correct": "0"}
    r = b.submit(page, new, fields)
    assert r.status_int == 400
    assert 'aria-invalid="true"' in r.text and 'id="title-error"' in r.text
    assert 'id="points-error"' in r.text and 'id="spec-error"' in r.text
    assert "At least 2 entries are needed." in r.text
    assert 'value="Only one"' in r.text
    assert bank_questions(db, bank.course.id) == []


def test_add_a_row_redraws_the_form_with_one_more(tenant, bank, page_browser, db):
    b = page_browser(tenant, bank.instructor)
    new = f"{bank.page}/new?type=ordering"
    page = b.get(new)
    assert 'name="item-2-text"' in page.text and 'name="item-3-text"' not in page.text
    r = b.submit(page, new, {**common(), "item-0-text": "first", "add_row": "1", "save": ""})
    assert r.status_int == 200
    assert 'name="item-3-text"' in r.text and 'value="first"' in r.text
    assert bank_questions(db, bank.course.id) == []


def test_bank_lists_filters_archives_and_restores(tenant, bank, page_browser, add_question):
    a = add_question(title="Rivers", tags=["geo"])
    add_question(title="Verbs", tags=["language"])
    b = page_browser(tenant, bank.instructor)
    page = b.get(bank.page)
    assert page.status_int == 200 and "Rivers" in page.text and "Verbs" in page.text
    filtered = b.get(f"{bank.page}?tag=geo")
    assert "Rivers" in filtered.text and "Verbs" not in filtered.text
    r = b.submit(page, bank.page, {"action": "archive", "question_id": a["id"]})
    assert r.status_int == 303
    page = b.get(r.headers["Location"])
    assert "Rivers" not in page.text and "archived" in page.text
    archived = b.get(f"{bank.page}?status=archived")
    assert "Rivers" in archived.text
    r = b.submit(archived, bank.page, {"action": "restore", "question_id": a["id"]})
    assert "Rivers" in b.get(r.headers["Location"]).text


def test_bank_pages_in_pages_of_page_size(tenant, bank, page_browser, add_question, plugin_admin):
    plugin_admin.settings(tenant, page_size=5)
    for i in range(6):
        add_question(title=f"Question number {i}")
    b = page_browser(tenant, bank.instructor)
    first = b.get(bank.page)
    assert first.text.count('<th scope="row">') == 5
    next_url = re.search(r'href="([^"]+)" rel="next"', first.text).group(1)
    second = b.get(_unescape(next_url))
    assert second.text.count('<th scope="row">') == 1
    assert "Question number 0" in second.text  # the oldest comes last
    assert b.get(f"{bank.page}?cursor=garbage").status_int == 200


@pytest.mark.parametrize("path", ["", "/new", "/new?type=essay"])
def test_who_may_open_the_pages(tenant, other_tenant, bank, page_browser, user_factory, path):
    url = bank.page + path
    assert page_browser(tenant, bank.instructor).get(url).status_int == 200
    assert page_browser(tenant, bank.admin).get(url).status_int == 200
    assert page_browser(tenant, bank.learner).get(url).status_int == 403
    assert page_browser(tenant, bank.assistant).get(url).status_int == 403
    assert page_browser(tenant).get(url).status_int in (302, 303, 403)
    foreign = page_browser(other_tenant, user_factory(other_tenant, "admin"))
    assert foreign.get(url).status_int == 404


def test_edit_page_access_and_unknown_ids(
    tenant, other_tenant, bank, page_browser, add_question, user_factory
):
    question = add_question()
    url = f"{bank.page}/{question['id']}"
    assert page_browser(tenant, bank.instructor).get(url).status_int == 200
    assert page_browser(tenant, bank.learner).get(url).status_int == 403
    assert page_browser(tenant).get(url).status_int in (302, 303, 403)
    foreign = page_browser(other_tenant, user_factory(other_tenant, "admin"))
    assert foreign.get(url).status_int == 404
    b = page_browser(tenant, bank.instructor)
    assert b.get(f"{bank.page}/{uuid.uuid4()}").status_int == 404
    assert b.get(f"/teach/courses/{uuid.uuid4()}/questions").status_int == 404
    assert b.get("/teach/courses/nope/questions").status_int == 404


def test_pages_answer_404_when_the_plugin_is_disabled(tenant, bank, page_browser, plugin_admin):
    plugin_admin.disable(tenant)
    assert page_browser(tenant, bank.instructor).get(bank.page).status_int == 404


def test_teach_link_for_editors_only(tenant, bank, hook_request):
    from learninghub_assessment import learninghub_courses_teach_links

    def titles(user):
        links = learninghub_courses_teach_links(
            request=hook_request(tenant, user), course=bank.course
        )
        return [link.url for link in links if link.url.endswith("/questions")]

    assert titles(bank.instructor) == [bank.page]
    assert titles(bank.admin) == [bank.page]
    assert titles(bank.assistant) == []
    assert titles(bank.learner) == []
