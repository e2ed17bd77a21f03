"""What stands in the way of review and publication
(``learninghub_courses_publish_problems``; content answers for courses without a
published lesson), and the links other plugins add to the course's form
(``learninghub_courses_teach_links``; content: the curriculum editor)."""

from __future__ import annotations

import pytest

from learninghub.hookspecs import hookimpl

from .conftest import course_body

URL = "/api/v1/courses"
NO_LESSON = "The course has no published lesson yet. Add a lesson in the curriculum and publish it."


@pytest.fixture
def hooks(registry):
    """``hooks(obj)``: register ``obj``'s hook implementations for this test."""
    pm = registry["plugins"].pm
    names = []

    def register(obj):
        names.append(pm.register(obj, name=f"test-publish-problems-{len(names)}"))

    yield register
    for name in names:
        pm.unregister(name=name)


def create(client, tenant, user, **overrides) -> dict:
    r = client(tenant, user).post_json(URL, course_body(**overrides))
    assert r.status_int == 201, r.text
    return r.json


# ----------------------------------------------------------------- API


def test_submit_without_a_published_lesson_is_refused(tenant, client, instructor, events):
    out = create(client, tenant, instructor)
    r = client(tenant, instructor).post_json(out["url"] + "/submit", {})
    assert r.status_int == 409 and r.content_type == "application/problem+json"
    assert r.json["errors"] == [
        {"path": ["course"], "message": NO_LESSON, "type": "publish_problem"}
    ]
    assert NO_LESSON in r.json["detail"]
    assert client(tenant, instructor).get(out["url"]).json["status"] == "draft"
    assert "courses.course.submitted" not in events.names()


def test_a_draft_lesson_is_not_enough(tenant, client, instructor, give_lesson):
    out = create(client, tenant, instructor)
    lesson = give_lesson(tenant, instructor, out["id"])
    c = client(tenant, instructor)
    assert c.post_json(lesson["url"] + "/unpublish", {}).status_int == 200
    assert c.post_json(out["url"] + "/submit", {}).status_int == 409
    assert c.post_json(lesson["url"] + "/publish", {}).status_int == 200
    r = c.post_json(out["url"] + "/submit", {})
    assert r.status_int == 200 and r.json["status"] == "in_review"


def test_direct_publish_is_refused_too(tenant, client, admin, instructor, plugin_admin):
    out = create(client, tenant, admin)
    r = client(tenant, admin).post_json(out["url"] + "/submit", {})
    assert r.status_int == 409 and r.json["errors"][0]["message"] == NO_LESSON
    plugin_admin.settings(tenant, publish_without_review=True)
    mine = create(client, tenant, instructor)
    r = client(tenant, instructor).post_json(mine["url"] + "/submit", {})
    assert r.status_int == 409 and r.json["errors"][0]["type"] == "publish_problem"


def test_approve_is_refused_when_the_lessons_went_away(
    tenant, client, instructor, admin, give_lesson
):
    out = create(client, tenant, instructor)
    lesson = give_lesson(tenant, instructor, out["id"])
    c = client(tenant, instructor)
    assert c.post_json(out["url"] + "/submit", {}).json["status"] == "in_review"
    assert c.post_json(lesson["url"] + "/unpublish", {}).status_int == 200
    r = client(tenant, admin).post_json(out["url"] + "/approve", {})
    assert r.status_int == 409 and r.json["errors"][0]["message"] == NO_LESSON
    assert c.get(out["url"]).json["status"] == "in_review"


def test_refusals_for_others_come_first(tenant, client, learner, instructor, user_factory):
    """Who may submit is decided before the problems are asked (a learner learns
    nothing about the course's lessons)."""
    out = create(client, tenant, instructor)
    other = user_factory(tenant, "instructor")
    assert client(tenant, learner).post_json(out["url"] + "/submit", {}).status_int == 404
    assert client(tenant, other).post_json(out["url"] + "/submit", {}).status_int == 404
    assert client(tenant).post_json(out["url"] + "/submit", {}).status_int == 401


def test_without_content_nothing_is_asked(tenant_factory, client, user_factory):
    t = tenant_factory(plugins=["courses"])
    teacher = user_factory(t, "instructor")
    out = create(client, t, teacher)
    r = client(t, teacher).post_json(out["url"] + "/submit", {})
    assert r.status_int == 200 and r.json["status"] == "in_review"


def test_every_answer_is_listed_once(tenant, client, admin, hooks, give_lesson):
    class Cover:
        @hookimpl
        def learninghub_courses_publish_problems(self, request, course):
            return ["The course needs a cover image.", "The course needs a cover image."]

    class Broken:
        @hookimpl
        def learninghub_courses_publish_problems(self, request, course):
            raise RuntimeError("a broken plugin is skipped")

    hooks(Cover())
    hooks(Broken())
    out = create(client, tenant, admin)
    r = client(tenant, admin).post_json(out["url"] + "/submit", {})
    assert r.status_int == 409
    assert sorted(e["message"] for e in r.json["errors"]) == [
        "The course has no published lesson yet. Add a lesson in the curriculum and publish it.",
        "The course needs a cover image.",
    ]
    give_lesson(tenant, admin, out["id"])
    r = client(tenant, admin).post_json(out["url"] + "/submit", {})
    assert [e["message"] for e in r.json["errors"]] == ["The course needs a cover image."]


# ----------------------------------------------------------------- the course's form


def test_form_lists_the_problems_and_refuses_to_submit(
    tenant, page_browser, instructor, make_course, give_lesson, db
):
    course = make_course(tenant, instructor, status="draft")
    b = page_browser(tenant, instructor)
    page = b.get(f"/teach/{course.id}")
    assert "Before this course can be submitted for review:" in page.text
    assert f"<li>{NO_LESSON}</li>" in page.text
    r = b.submit(page, f"/teach/{course.id}/submit", {})
    assert r.status_int == 409
    assert "This course cannot be submitted for review yet" in r.text
    assert f"<li>{NO_LESSON}</li>" in r.text
    db.refresh(course)
    assert course.status == "draft"
    give_lesson(tenant, instructor, course.id)
    page = b.get(f"/teach/{course.id}")
    assert NO_LESSON not in page.text and 'id="publish-problems"' not in page.text
    r = b.submit(page, f"/teach/{course.id}/submit", {})
    assert r.status_int == 303
    db.refresh(course)
    assert course.status == "in_review"


def test_form_says_published_for_those_who_publish_directly(
    tenant, page_browser, admin, make_course
):
    course = make_course(tenant, status="draft")
    b = page_browser(tenant, admin)
    page = b.get(f"/teach/{course.id}")
    assert "Before this course can be published:" in page.text
    r = b.submit(page, f"/teach/{course.id}/submit", {})
    assert r.status_int == 409 and "This course cannot be published yet" in r.text


def test_form_shows_the_problems_translated(tenant, page_browser, user_factory, make_course, db):
    teacher = user_factory(tenant, "instructor")
    teacher.locale = "es"
    db.flush()
    course = make_course(tenant, teacher, status="draft")
    page = page_browser(tenant, teacher).get(f"/teach/{course.id}")
    assert page.status_int == 200 and 'lang="es"' in page.text
    # the message is content's msgid, translated through content's catalog
    assert "<li>El curso aún no tiene ninguna lección publicada." in page.text
    assert NO_LESSON not in page.text
    assert "Antes de poder enviar este curso a revisión:" in page.text


def test_teaching_assistants_see_no_problem_list(
    tenant, page_browser, user_factory, make_course, instructor, db
):
    from learninghub.db import bind_tenant, system_session
    from learninghub.identity import grant_role

    course = make_course(tenant, instructor, status="draft")
    ta = user_factory(tenant, "learner")
    bind_tenant(db, tenant.id)
    grant_role(db, ta, "teaching_assistant", "course", str(course.id))
    system_session(db)
    page = page_browser(tenant, ta).get(f"/teach/{course.id}")
    assert page.status_int == 200 and NO_LESSON not in page.text


# ----------------------------------------------------------------- links of other plugins


def test_form_links_to_the_curriculum_editor(tenant, page_browser, instructor, make_course):
    course = make_course(tenant, instructor, status="draft")
    page = page_browser(tenant, instructor).get(f"/teach/{course.id}")
    assert f'<a href="/teach/courses/{course.id}/curriculum">Edit the curriculum</a>' in page.text


def test_no_curriculum_link_for_assistants_or_without_content(
    tenant, tenant_factory, page_browser, user_factory, make_course, instructor, db
):
    from learninghub.db import bind_tenant, system_session
    from learninghub.identity import grant_role

    course = make_course(tenant, instructor, status="draft")
    ta = user_factory(tenant, "learner")
    bind_tenant(db, tenant.id)
    grant_role(db, ta, "teaching_assistant", "course", str(course.id))
    system_session(db)
    page = page_browser(tenant, ta).get(f"/teach/{course.id}")
    assert page.status_int == 200 and "/curriculum" not in page.text
    bare = tenant_factory(plugins=["courses"])
    teacher = user_factory(bare, "instructor")
    theirs = make_course(bare, teacher, status="draft")
    page = page_browser(bare, teacher).get(f"/teach/{theirs.id}")
    assert page.status_int == 200 and "/curriculum" not in page.text


def test_links_come_from_the_hook(tenant, page_browser, instructor, make_course, hooks):
    from learninghub.web import NavItem

    class Links:
        @hookimpl
        def learninghub_courses_teach_links(self, request, course):
            return [NavItem(order=1, title="Quiz bank", url=f"/quizzes/{course.id}")]

    hooks(Links())
    course = make_course(tenant, instructor, status="draft")
    text = page_browser(tenant, instructor).get(f"/teach/{course.id}").text
    quiz = text.index(f'<a href="/quizzes/{course.id}">Quiz bank</a>')
    assert quiz < text.index("Edit the curriculum")  # sorted by order


def test_review_queue_says_why_it_cannot_approve(
    tenant, page_browser, admin, instructor, make_course, give_lesson, db
):
    course = make_course(tenant, instructor, status="in_review", title="Empty one")
    b = page_browser(tenant, admin)
    page = b.get("/admin/courses")
    r = b.submit(page, f"/admin/courses/{course.id}/approve", {})
    assert r.status_int == 409
    assert f"This course cannot be published yet: {NO_LESSON}" in r.text
    db.refresh(course)
    assert course.status == "in_review"
    give_lesson(tenant, admin, course.id)
    assert b.submit(page, f"/admin/courses/{course.id}/approve", {}).status_int == 303
