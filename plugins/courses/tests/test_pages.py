"""Pages: the catalog, the landing page, the instructor pages and the review queue."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from learninghub.hookspecs import hookimpl

from .conftest import add_lesson


def card_titles(response) -> list[str]:
    return re.findall(r'<h2 id="c-[^"]+"><a href="[^"]+">([^<]*)</a></h2>', response.text)


# ----------------------------------------------------------------- catalog


def test_catalog_for_anonymous_visitors(tenant, page_browser, make_course, make_category):
    web = make_category(tenant, "Web")
    make_course(tenant, title="HTML basics", category_id=web.id, price_minor=1999, currency="EUR")
    make_course(tenant, status="draft", title="Secret draft")
    r = page_browser(tenant).get("/courses")
    assert r.status_int == 200, r.text
    assert card_titles(r) == ["HTML basics"]
    assert "€19.99" in r.text
    assert 'name="q"' in r.text and 'method="get"' in r.text
    assert "Web (1)" in r.text
    assert 'href="/courses"' in r.text  # the nav item


def test_catalog_filters_and_search_without_javascript(tenant, page_browser, make_course):
    make_course(tenant, title="Python basics", level="beginner")
    make_course(tenant, title="Advanced Rust", level="advanced", price_minor=500)
    b = page_browser(tenant)
    assert card_titles(b.get("/courses?level=advanced")) == ["Advanced Rust"]
    assert card_titles(b.get("/courses?price=free")) == ["Python basics"]
    assert card_titles(b.get("/courses?sort=price_desc")) == ["Advanced Rust", "Python basics"]
    # bad values are dropped, not an error page
    r = b.get("/courses?level=expert&page=x&min_rating=9")
    assert r.status_int == 200 and len(card_titles(r)) == 2


def test_catalog_search_uses_the_index(tenant, client, admin, page_browser):
    c = client(tenant, admin)
    for title in ("Gardening at home", "Cooking for friends"):
        r = c.post_json(
            "/api/v1/courses",
            {"title": title, "slug": title.lower().replace(" ", "-")},
        )
        add_lesson(client, tenant, admin, r.json["id"])
        c.post_json(r.json["url"] + "/submit", {})
    assert card_titles(page_browser(tenant).get("/courses?q=gardening")) == ["Gardening at home"]


def test_catalog_paginates(tenant, page_browser, make_course, plugin_admin):
    plugin_admin.settings(tenant, page_size=2)
    for i in range(5):
        make_course(tenant, title=f"C{i}")
    b = page_browser(tenant)
    first = b.get("/courses")
    assert card_titles(first) == ["C0", "C1"] and 'rel="next"' in first.text
    assert card_titles(b.get("/courses?page=3")) == ["C4"]


def test_catalog_of_another_tenant_is_separate(tenant, other_tenant, page_browser, make_course):
    make_course(tenant, title="Ours")
    assert card_titles(page_browser(other_tenant).get("/courses")) == []


# ----------------------------------------------------------------- landing page


def test_landing_page(tenant, page_browser, make_course, make_category, instructor, db):
    instructor.display_name = "Ada Lovelace"
    db.flush()
    cat = make_category(tenant, "Science")
    c = make_course(
        tenant,
        instructor,
        title="Analytical engines",
        subtitle="Computing before computers",
        description="<p>Punched <em>cards</em></p>",
        category_id=cat.id,
        level="advanced",
        language="es",
        rating_average=4.25,
        rating_count=8,
        tags=["history"],
    )
    r = page_browser(tenant).get(f"/courses/{c.slug}")
    assert r.status_int == 200, r.text
    for text in (
        "Analytical engines",
        "Computing before computers",
        "Punched <em>cards</em>",
        "Ada Lovelace",
        "Science",
        "Advanced",
        "Spanish",
        "4.2 out of 5, from 8 ratings",
        "history",
        "Free",
    ):
        assert text in r.text, text


def test_landing_page_renders_hook_answers(tenant, page_browser, make_course, registry):
    from markupsafe import Markup

    class Hooks:
        @hookimpl
        def learninghub_courses_enrol_action(self, request, course):
            return Markup('<button type="button">Enrol now</button>')

    pm = registry["plugins"].pm
    hooks = Hooks()
    pm.register(hooks, name="test-enrol-action")
    try:
        c = make_course(tenant)
        r = page_browser(tenant).get(f"/courses/{c.slug}")
    finally:
        pm.unregister(hooks)
    assert '<button type="button">Enrol now</button>' in r.text


def test_landing_page_of_a_draft_is_for_staff_only(
    tenant, other_tenant, page_browser, make_course, instructor, user_factory, session_cookie
):
    c = make_course(tenant, instructor, status="draft", title="Work in progress")
    assert page_browser(tenant).get(f"/courses/{c.slug}").status_int == 404
    learner = user_factory(tenant, "learner")
    assert (
        page_browser(tenant, cookie=session_cookie(tenant, learner))
        .get(f"/courses/{c.slug}")
        .status_int
        == 404
    )
    mine = page_browser(tenant, cookie=session_cookie(tenant, instructor)).get(f"/courses/{c.slug}")
    assert mine.status_int == 200 and "staff can see this page" in mine.text
    assert page_browser(other_tenant).get(f"/courses/{c.slug}").status_int == 404


def test_unknown_course_is_404(tenant, page_browser):
    assert page_browser(tenant).get("/courses/nope").status_int == 404


def test_thumbnail_without_media_is_404(tenant, page_browser, make_course):
    import uuid

    c = make_course(tenant, thumbnail_asset_id=uuid.uuid4())
    r = page_browser(tenant).get("/courses")
    assert "/thumbnail" not in r.text or "media" in r.text
    assert page_browser(tenant).get(f"/courses/{c.slug}/thumbnail").status_int == 404


# ----------------------------------------------------------------- instructor pages


def _form(**overrides):
    fields = {
        "title": "Bread baking",
        "slug": "bread-baking",
        "subtitle": "Sourdough and more",
        "description": "<p>Flour, water, <script>alert(1)</script>salt.</p>",
        "category_id": "",
        "tags": "bread, baking",
        "level": "beginner",
        "language": "en",
        "price": "12.50",
        "currency": "EUR",
        "thumbnail_asset_id": "",
    }
    fields.update(overrides)
    return fields


def test_instructor_creates_edits_and_submits(
    tenant, page_browser, instructor, session_cookie, db, give_lesson
):
    from learninghub_courses.models import Course

    b = page_browser(tenant, cookie=session_cookie(tenant, instructor))
    assert b.get("/teach").status_int == 200
    r = b.post("/teach/new", _form())
    assert r.status_int == 303, r.text
    edit_url = r.location.replace("http://" + tenant.host, "").split("?")[0]
    page = b.get(r.location)
    assert page.status_int == 200 and "Course created" in page.text
    course = db.scalar(__import__("sqlalchemy").select(Course).where(Course.slug == "bread-baking"))
    assert course.price_minor == 1250 and course.tags == ["bread", "baking"]
    assert "<script>" not in course.description
    r = b.submit(page, edit_url, _form(title="Bread baking 101"))
    assert r.status_int == 303
    give_lesson(tenant, instructor, course.id)
    r = b.submit(page, edit_url + "/submit", {})
    assert r.status_int == 303
    assert "Course submitted for review." in b.get(r.location).text  # the notice
    db.refresh(course)
    assert course.title == "Bread baking 101" and course.status == "in_review"
    listing = b.get("/teach")
    assert "Bread baking 101" in listing.text and "In review" in listing.text


def test_create_form_shows_errors(tenant, page_browser, instructor, session_cookie):
    b = page_browser(tenant, cookie=session_cookie(tenant, instructor))
    r = b.post(
        "/teach/new",
        _form(title="", slug="Bad Slug", price="-3", currency="XYZ", tags=", ".join(["t"] * 3)),
    )
    assert r.status_int == 422
    assert 'id="e-title"' in r.text and 'id="e-slug"' in r.text
    assert 'id="e-price"' in r.text and 'id="e-currency"' in r.text
    assert 'aria-invalid="true"' in r.text and "There is a problem" in r.text


def test_create_form_taken_slug(tenant, page_browser, instructor, session_cookie, make_course):
    make_course(tenant, slug="taken")
    b = page_browser(tenant, cookie=session_cookie(tenant, instructor))
    r = b.post("/teach/new", _form(slug="taken"))
    assert r.status_int == 409 and "Another course already uses this address" in r.text


def test_teach_pages_refuse_learners_and_visitors(
    tenant, page_browser, learner, session_cookie, make_course, instructor
):
    c = make_course(tenant, instructor, status="draft")
    anon = page_browser(tenant)
    assert anon.get("/teach").status_int in (302, 303)
    assert anon.get(f"/teach/{c.id}").status_int in (302, 303)
    b = page_browser(tenant, cookie=session_cookie(tenant, learner))
    assert b.get("/teach").status_int == 403
    assert b.get("/teach/new").status_int == 403
    assert b.get(f"/teach/{c.id}").status_int == 404


def test_teach_page_of_another_tenant_is_404(
    tenant, other_tenant, page_browser, user_factory, session_cookie, make_course, instructor
):
    c = make_course(tenant, instructor, status="draft")
    foreign = user_factory(other_tenant, "admin")
    b = page_browser(other_tenant, cookie=session_cookie(other_tenant, foreign))
    assert b.get(f"/teach/{c.id}").status_int == 404


def test_teaching_assistant_sees_but_cannot_edit(
    tenant, page_browser, user_factory, session_cookie, make_course, instructor, db
):
    from learninghub.db import bind_tenant, system_session
    from learninghub.identity import grant_role

    c = make_course(tenant, instructor, status="draft", title="TA course")
    ta = user_factory(tenant, "learner")
    bind_tenant(db, tenant.id)
    grant_role(db, ta, "teaching_assistant", "course", str(c.id))
    system_session(db)
    b = page_browser(tenant, cookie=session_cookie(tenant, ta))
    page = b.get(f"/teach/{c.id}")
    assert page.status_int == 200 and "readonly" in page.text
    assert b.submit(page, f"/teach/{c.id}", _form()).status_int == 403
    assert b.submit(page, f"/teach/{c.id}/submit", {}).status_int == 403


def test_staff_added_and_removed_on_the_page(
    tenant, page_browser, user_factory, session_cookie, make_course, instructor
):
    c = make_course(tenant, instructor, status="draft")
    helper = user_factory(tenant, "learner", email="helper@example.org")
    b = page_browser(tenant, cookie=session_cookie(tenant, instructor))
    page = b.get(f"/teach/{c.id}")
    r = b.submit(
        page,
        f"/teach/{c.id}/staff-add",
        {"email": "helper@example.org", "role": "teaching_assistant"},
    )
    assert r.status_int == 303
    page = b.get(f"/teach/{c.id}")
    assert "helper@example.org" in page.text
    r = b.submit(page, f"/teach/{c.id}/staff-remove", {"user_id": str(helper.id)})
    assert r.status_int == 303
    # the last instructor stays
    r = b.submit(page, f"/teach/{c.id}/staff-remove", {"user_id": str(instructor.id)})
    assert r.status_int == 409 and "at least one instructor" in r.text


# ----------------------------------------------------------------- review queue


def test_admin_reviews_the_queue(
    tenant, page_browser, admin, session_cookie, make_course, instructor, db, events, give_lesson
):
    ok = make_course(tenant, instructor, status="in_review", title="Ready one")
    give_lesson(tenant, admin, ok.id)
    back = make_course(tenant, instructor, status="in_review", title="Needs work")
    b = page_browser(tenant, cookie=session_cookie(tenant, admin))
    page = b.get("/admin/courses")
    assert page.status_int == 200
    assert "Ready one" in page.text and "Needs work" in page.text
    assert 'aria-current="page"' in page.text  # the admin section
    r = b.submit(page, f"/admin/courses/{ok.id}/approve", {})
    assert r.status_int == 303
    r = b.submit(page, f"/admin/courses/{back.id}/return", {"comment": ""})
    assert r.status_int == 422 and "Write what the instructors should change" in r.text
    r = b.submit(page, f"/admin/courses/{back.id}/return", {"comment": "Add a syllabus"})
    assert r.status_int == 303
    db.refresh(ok)
    db.refresh(back)
    assert ok.status == "published" and back.status == "draft"
    assert back.review_comment == "Add a syllabus"
    assert {"courses.course.published", "courses.course.returned"} <= set(events.names())
    r = b.submit(page, f"/admin/courses/{ok.id}/approve", {})
    assert r.status_int == 409


def test_review_queue_refuses_others(
    tenant, other_tenant, page_browser, instructor, session_cookie, user_factory, make_course
):
    c = make_course(tenant, instructor, status="in_review")
    assert page_browser(tenant).get("/admin/courses").status_int in (302, 303)
    b = page_browser(tenant, cookie=session_cookie(tenant, instructor))
    assert b.get("/admin/courses").status_int == 403
    foreign = user_factory(other_tenant, "admin")
    fb = page_browser(other_tenant, cookie=session_cookie(other_tenant, foreign))
    page = fb.get("/admin/courses")
    assert page.status_int == 200 and c.title not in page.text
    assert fb.submit(page, f"/admin/courses/{c.id}/approve", {}).status_int == 404


def test_nav_and_admin_section(tenant, page_browser, admin, session_cookie):
    r = page_browser(tenant, cookie=session_cookie(tenant, admin)).get("/admin/courses")
    assert 'href="/admin/courses"' in r.text and 'href="/teach"' in r.text


@pytest.mark.parametrize(
    "locale, heading, price",
    [("es", "Cursos", "19,99\u00a0€"), ("ar", "الدورات", "19.99\u00a0€")],
)
def test_catalog_in_spanish_and_arabic(
    tenant, page_browser, make_course, user_factory, session_cookie, db, locale, heading, price
):
    make_course(tenant, title="Paid one", price_minor=1999, currency="EUR")
    user = user_factory(tenant, "learner")
    user.locale = locale
    db.flush()
    r = page_browser(tenant, cookie=session_cookie(tenant, user)).get("/courses")
    assert r.status_int == 200
    assert f"<h1>{heading}</h1>" in r.text
    assert price in r.text
    if locale == "ar":
        assert 'dir="rtl"' in r.text


# ----------------------------------------------------------------- category admin


def test_admin_manages_categories_on_the_page(tenant, page_browser, admin, session_cookie, db):
    from learninghub_courses.models import CourseCategory

    b = page_browser(tenant, cookie=session_cookie(tenant, admin))
    page = b.get("/admin/courses/categories")
    assert page.status_int == 200 and "There are no categories yet" in page.text
    r = b.submit(page, "/admin/courses/categories", {"name": "Arts", "slug": "arts"})
    assert r.status_int == 303
    arts = db.scalar(sa.select(CourseCategory).where(CourseCategory.slug == "arts"))
    r = b.submit(
        page,
        "/admin/courses/categories",
        {"name": "Music", "slug": "music", "parent_id": str(arts.id), "position": "2"},
    )
    assert r.status_int == 303
    music = db.scalar(sa.select(CourseCategory).where(CourseCategory.slug == "music"))
    assert music.parent_id == arts.id and music.position == 2
    bad = b.submit(page, "/admin/courses/categories", {"name": "", "slug": "Bad slug"})
    assert bad.status_int == 422 and "There is a problem" in bad.text
    taken = b.submit(page, "/admin/courses/categories", {"name": "Again", "slug": "arts"})
    assert taken.status_int == 409 and "Another category already uses this address" in taken.text
    cycle = b.submit(
        page,
        f"/admin/courses/categories/{arts.id}",
        {"name": "Arts", "slug": "arts", "parent_id": str(music.id), "action": "save"},
    )
    assert cycle.status_int == 422
    r = b.submit(
        page,
        f"/admin/courses/categories/{music.id}",
        {"name": "Music and sound", "slug": "music", "parent_id": "", "action": "save"},
    )
    assert r.status_int == 303
    db.refresh(music)
    assert music.name == "Music and sound" and music.parent_id is None
    r = b.submit(page, f"/admin/courses/categories/{arts.id}", {"action": "delete"})
    assert r.status_int == 303
    gone = (
        sa.select(sa.func.count()).select_from(CourseCategory).where(CourseCategory.id == arts.id)
    )
    assert db.scalar(gone) == 0


def test_category_page_refuses_others(
    tenant, other_tenant, page_browser, instructor, session_cookie, user_factory, make_category
):
    cat = make_category(tenant, "Ours")
    assert page_browser(tenant).get("/admin/courses/categories").status_int in (302, 303)
    b = page_browser(tenant, cookie=session_cookie(tenant, instructor))
    assert b.get("/admin/courses/categories").status_int == 403
    foreign = user_factory(other_tenant, "admin")
    fb = page_browser(other_tenant, cookie=session_cookie(other_tenant, foreign))
    page = fb.get("/admin/courses/categories")
    assert page.status_int == 200 and "Ours" not in page.text
    r = fb.submit(page, f"/admin/courses/categories/{cat.id}", {"action": "delete"})
    assert r.status_int == 404
