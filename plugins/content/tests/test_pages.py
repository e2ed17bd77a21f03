"""Pages: the lesson player, the curriculum editor, the lesson form, the syllabus
widget and the hooks for search and media — plus disabling for one tenant."""

from __future__ import annotations

import os
import re
import uuid

import pytest
import sqlalchemy as sa

from learninghub.hookspecs import hookimpl

#: the tenant snapshot is cached for 5 s: a slow run may re-read it during the measured
#: request; that, and the test's own savepoints, are not the page's statements
_NOT_THE_PAGE = re.compile(
    r"^\s*(SAVEPOINT|RELEASE|ROLLBACK)|\bFROM tenant(s|_plugins|_domains)\b", re.I
)


def counted(statement: str) -> bool:
    return not _NOT_THE_PAGE.search(statement)


def player_url(course, lesson, preview=False):
    return f"/courses/{course.slug}/learn/{lesson['slug']}" + ("?preview=1" if preview else "")


def editor_url(course):
    return f"/teach/courses/{course.id}/curriculum"


def tree(tenant, world, build):
    return build(
        tenant,
        world.instructor,
        world.course,
        [
            ("Getting started", [{"title": "Welcome", "is_free_preview": True, "publish": True}]),
            (
                "Core",
                [
                    {"title": "Numbers", "body": "<p>Numbers body</p>", "publish": True},
                    {"title": "Unfinished"},
                ],
            ),
        ],
    )


# ----------------------------------------------------------------- player


def test_free_preview_is_open_to_anonymous_visitors(tenant, world, build, page_browser):
    made = tree(tenant, world, build)
    r = page_browser(tenant).get(player_url(world.course, made["lessons"][0]))
    assert r.status_int == 200, r.text
    assert '<h1 id="lesson-title">Welcome</h1>' in r.text
    assert 'aria-current="page">Welcome</a>' in r.text
    assert "Numbers" in r.text and "Unfinished" not in r.text  # drafts never listed
    assert 'rel="next"' not in r.text  # the next lesson is locked: no link
    assert "Next: Numbers" in r.text


def test_locked_lessons(tenant, world, build, page_browser):
    made = tree(tenant, world, build)
    locked = player_url(world.course, made["lessons"][1])
    anonymous = page_browser(tenant).get(locked)
    assert anonymous.status_int in (303, 403) and "Numbers body" not in anonymous.text
    learner = page_browser(tenant, world.learner).get(locked)
    assert learner.status_int == 403
    assert "for enrolled learners" in learner.text and "Numbers body" not in learner.text
    assert (
        page_browser(tenant, world.learner)
        .get(player_url(world.course, made["lessons"][2]))
        .status_int
        == 404
    )  # a draft


def test_enrolled_learner_plays_with_actions_and_marks(
    tenant, world, build, page_browser, registry
):
    from markupsafe import Markup

    made = tree(tenant, world, build)
    first_id = uuid.UUID(made["lessons"][0]["id"])

    class Enrollment:
        @hookimpl
        def learninghub_content_has_access(self, request, course):
            return True

        @hookimpl
        def learninghub_content_completed_lessons(self, request, course):
            return {first_id}

        @hookimpl
        def learninghub_content_lesson_actions(self, request, course, lesson):
            return [Markup('<button type="button" id="mark">Mark complete</button>')]

    pm = registry["plugins"].pm
    pm.register(Enrollment(), name="test-enrollment")
    try:
        r = page_browser(tenant, world.learner).get(player_url(world.course, made["lessons"][1]))
    finally:
        pm.unregister(name="test-enrollment")
    assert r.status_int == 200, r.text
    assert "<p>Numbers body</p>" in r.text
    assert '<button type="button" id="mark">Mark complete</button>' in r.text
    assert "(completed)" in r.text
    assert re.search(r'<a href="[^"]+/learn/welcome" rel="prev">Previous: Welcome</a>', r.text)


def test_preview_shows_drafts_to_staff_only(tenant, world, build, page_browser, client):
    made = tree(tenant, world, build)
    lesson = made["lessons"][1]
    client(tenant, world.instructor).patch_json(lesson["url"], {"body": "<p>New draft</p>"})
    staff = page_browser(tenant, world.instructor)
    live = staff.get(player_url(world.course, lesson))
    assert "Numbers body" in live.text and "New draft" not in live.text
    preview = staff.get(player_url(world.course, lesson, preview=True))
    assert "New draft" in preview.text and "Unfinished" in preview.text
    assert "Preview: you are seeing the newest draft" in preview.text
    learner = page_browser(tenant, world.learner).get(
        player_url(world.course, made["lessons"][0], preview=True)
    )
    assert "Preview:" not in learner.text and "Unfinished" not in learner.text


def test_player_renders_each_type(tenant, world, client, build, make_asset, page_browser):
    made = build(tenant, world.instructor, world.course, [("S", [])])
    section = made["sections"][0]["id"]
    c = client(tenant, world.instructor)
    video = make_asset(tenant, world.instructor, "video/mp4")
    audio = make_asset(tenant, world.instructor, "audio/mpeg")
    doc = make_asset(tenant, world.instructor, "application/pdf")
    specs = [
        {"type": "video", "media_asset_id": str(video.id)},
        {"type": "audio", "media_asset_id": str(audio.id)},
        {"type": "file", "media_asset_id": str(doc.id)},
        {"type": "embed", "embed_url": "https://youtu.be/dQw4w9WgXcQ"},
    ]
    pages = {}
    for spec in specs:
        r = c.post_json(
            world.base + "/lessons",
            {"section_id": section, "title": spec["type"], "publish": True, **spec},
        )
        assert r.status_int == 201, r.text
        pages[spec["type"]] = (
            page_browser(tenant, world.instructor).get(player_url(world.course, r.json)).text
        )
    assert re.search(rf'<video [^>]*src="[^"]*{video.id}[^"]*sig=', pages["video"])
    assert re.search(rf'<audio [^>]*src="[^"]*{audio.id}[^"]*sig=', pages["audio"])
    assert re.search(rf'<a class="lh-button" href="[^"]*{doc.id}[^"]*" download>', pages["file"])
    assert '<iframe src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"' in pages["embed"]


def test_player_runs_a_fixed_number_of_statements(
    tenant, world, build, page_browser, registry, db, make_course
):
    from learninghub_content.models import CourseSection, Lesson, LessonVersion

    def make_course_with(n):
        course = make_course(tenant, world.instructor)
        from learninghub.db import bind_tenant, system_session

        bind_tenant(db, tenant.id)
        try:
            section = CourseSection(course_id=course.id, title="S", position=0)
            db.add(section)
            db.flush()
            first = None
            for i in range(n):
                lesson = Lesson(
                    course_id=course.id,
                    section_id=section.id,
                    title=f"L{i}",
                    slug=f"l{i}",
                    position=i,
                    status="published",
                    is_free_preview=(i == 0),
                )
                db.add(lesson)
                db.flush()
                version = LessonVersion(lesson_id=lesson.id, body="<p>x</p>")
                db.add(version)
                db.flush()
                lesson.published_version_id = version.id
                first = first or lesson
            db.flush()
        finally:
            system_session(db)
        return course

    def count(course, user):
        browser = page_browser(tenant, user)
        browser.get(f"/courses/{course.slug}/learn/l0")  # warm caches
        statements = []

        def listener(conn, cursor, statement, *args):
            if counted(statement):
                statements.append(statement)

        engine = db.get_bind().engine
        sa.event.listen(engine, "before_cursor_execute", listener)
        try:
            r = browser.get(f"/courses/{course.slug}/learn/l0")  # the free preview
        finally:
            sa.event.remove(engine, "before_cursor_execute", listener)
        assert r.status_int == 200, r.text
        if os.environ.get("SHOW_SQL"):  # SHOW_SQL=1 pytest -s: print them
            print(len(statements), *[" ".join(x.split())[:110] for x in statements], sep="\n")
        return len(statements)

    small, large = make_course_with(5), make_course_with(50)
    for user in (world.learner, world.instructor):
        assert count(small, user) == count(large, user)
    assert 3 <= count(large, world.learner) <= 20, count(large, world.learner)
    assert 3 <= count(large, world.instructor) <= 20, count(large, world.instructor)


# ----------------------------------------------------------------- editor


def test_editor_page_access(tenant, other_tenant, world, page_browser, user_factory):
    url = editor_url(world.course)
    page = page_browser(tenant, world.instructor).get(url)
    assert page.status_int == 200
    # the way back to the course's own form (details, submit for review)
    assert f'<a href="/teach/{world.course.id}">Course details and publishing</a>' in page.text
    assert page_browser(tenant, world.admin).get(url).status_int == 200
    assert page_browser(tenant, world.learner).get(url).status_int == 403
    anonymous = page_browser(tenant).get(url)
    assert anonymous.status_int in (303, 403)
    foreign = page_browser(other_tenant, user_factory(other_tenant, "admin"))
    assert foreign.get(url).status_int == 404
    assert (
        page_browser(tenant, world.instructor).get("/teach/courses/nope/curriculum").status_int
        == 404
    )


def test_editor_builds_a_curriculum(tenant, world, page_browser, client):
    b = page_browser(tenant, world.instructor)
    url = editor_url(world.course)
    assert b.post(url, {"action": "add_section", "title": "First"}).status_int == 303
    assert b.post(url, {"action": "add_section", "title": "Second"}).status_int == 303
    sections = client(tenant, world.instructor).get(world.base + "/sections").json
    first, second = (s["id"] for s in sections)
    for title in ("One", "Two"):
        r = b.post(
            url, {"action": "add_lesson", "section_id": first, "title": title, "type": "text"}
        )
        assert r.status_int == 303
    lessons = client(tenant, world.instructor).get(world.base + "/lessons").json
    one, two = (lesson["id"] for lesson in lessons)
    b.post(url, {"action": "move_down", "kind": "lesson", "item_id": one})
    b.post(url, {"action": "move_up", "kind": "section", "item_id": second})
    b.post(url, {"action": "publish", "lesson_id": two})
    page = b.get(url)
    assert 'aria-label="Publish One"' in page.text
    assert 'aria-label="Publish Two"' not in page.text  # nothing newer to publish
    assert page.text.index("Second") < page.text.index("First")
    assert page.text.index(">Two</a>") < page.text.index(">One</a>")
    tree_ = client(tenant, world.learner).get(world.base + "/curriculum").json
    assert [[lesson["title"] for lesson in s["lessons"]] for s in tree_["sections"]] == [
        [],
        ["Two"],
    ]
    bad = b.post(url, {"action": "add_section", "title": ""})
    assert bad.status_int == 400 and 'role="alert"' in bad.text
    assert b.post(url, {"action": "add_section", "title": "x"}, csrf=False).status_int in (400, 403)
    assert (
        page_browser(tenant, world.learner)
        .post(url, {"action": "add_section", "title": "x"})
        .status_int
        == 403
    )


def test_lesson_form_saves_a_new_draft_and_publishes(tenant, world, build, page_browser, client):
    made = tree(tenant, world, build)
    lesson = made["lessons"][1]
    url = f"/teach/courses/{world.course.id}/lessons/{lesson['id']}"
    b = page_browser(tenant, world.instructor)
    page = b.get(url)
    assert page.status_int == 200 and "Numbers body" in page.text
    fields = {
        "title": "Numbers",
        "slug": "numbers",
        "type": "text",
        "format": "markdown",
        "body": "## Counting\n\n<script>x()</script>",
        "duration_s": "90",
    }
    assert b.submit(page, url, fields).status_int == 303
    api = client(tenant, world.instructor).get(lesson["url"]).json
    assert api["draft"]["number"] == 2 and api["published"]["number"] == 1
    assert "<h2>Counting</h2>" in api["draft"]["body"] and "<script" not in api["draft"]["body"]
    bad = b.submit(
        b.get(url), url, {**fields, "type": "embed", "embed_url": "https://evil.example/"}
    )
    assert bad.status_int == 400 and 'aria-invalid="true"' in bad.text
    editor = b.get(editor_url(world.course)).text
    assert "unpublished changes" in editor and 'aria-label="Publish Numbers"' in editor
    assert b.submit(b.get(url), url, {**fields, "publish": "1"}).status_int == 303
    assert 'aria-label="Publish Numbers"' not in b.get(editor_url(world.course)).text
    assert client(tenant, world.instructor).get(lesson["url"]).json["published"]["number"] == 3
    assert page_browser(tenant, world.learner).get(url).status_int == 403


# ----------------------------------------------------------------- hooks


@pytest.fixture
def hook_request(registry, db):
    """``hook_request(tenant, user=None)``: a tenant-bound request on the test
    session, to call hook implementations directly."""
    from learninghub.db import bind_tenant, system_session
    from learninghub.tasks import make_tenant_request

    def make(tenant, user=None):
        info = registry["tenancy.resolver"].by_id(tenant.id)
        request = make_tenant_request(registry, info, None)
        request.__dict__["db"] = db
        request.__dict__["_lh_identity"] = user
        bind_tenant(db, tenant.id)
        return request

    yield make
    system_session(db)


def test_syllabus_widget_and_search_text(tenant, world, build, hook_request):
    from learninghub_content import (
        learninghub_courses_landing_sections,
        learninghub_courses_search_text,
    )

    tree(tenant, world, build)
    request = hook_request(tenant)
    widgets = learninghub_courses_landing_sections(request=request, course=world.course)
    ctx = widgets[0].context
    assert widgets[0].template == "content/syllabus.jinja2"
    assert [s["title"] for s in ctx["sections"]] == ["Getting started", "Core"]
    welcome = ctx["sections"][0]["lessons"][0]
    assert welcome["free"] and welcome["url"].endswith("/learn/welcome")
    assert ctx["sections"][1]["lessons"][0]["url"] is None  # locked for a visitor
    text = learninghub_courses_search_text(request=request, course=world.course)
    assert "Numbers" in text and "Numbers body" in text and "Unfinished" not in text


def test_media_access_follows_lesson_access(tenant, world, client, build, make_asset, hook_request):
    from learninghub_content import learninghub_media_can_access

    made = build(tenant, world.instructor, world.course, [("S", [])])
    video = make_asset(tenant, world.instructor, "video/mp4")
    unused = make_asset(tenant, world.instructor, "video/mp4")
    r = client(tenant, world.instructor).post_json(
        world.base + "/lessons",
        {
            "section_id": made["sections"][0]["id"],
            "title": "V",
            "type": "video",
            "media_asset_id": str(video.id),
            "is_free_preview": True,
        },
    )

    def answer(asset, user=None):
        return learninghub_media_can_access(request=hook_request(tenant, user), asset=asset)

    assert answer(video) is None  # a draft: nobody but staff
    assert answer(video, world.instructor) is True
    client(tenant, world.instructor).post_json(r.json["url"] + "/publish", {})
    assert answer(video) is True  # a published free preview
    assert answer(unused) is None


# ----------------------------------------------------------------- enablement


def test_disabled_for_one_tenant_while_another_keeps_it(
    tenant,
    other_tenant,
    world,
    build,
    page_browser,
    client,
    plugin_admin,
    make_course,
    user_factory,
):
    made = tree(tenant, world, build)
    other_instructor = user_factory(other_tenant, "instructor")
    other_course = make_course(other_tenant, other_instructor)
    other = build(
        other_tenant,
        other_instructor,
        other_course,
        [("S", [{"title": "Kept", "publish": True, "is_free_preview": True}])],
    )
    plugin_admin.disable(tenant)
    b = page_browser(tenant, world.admin)
    assert b.get(player_url(world.course, made["lessons"][0])).status_int == 404
    assert b.get(editor_url(world.course)).status_int == 404
    api = client(tenant, world.admin)
    assert api.get(world.base + "/sections").status_int == 404
    assert api.post_json(world.base + "/sections", {"title": "x"}).status_int == 404
    assert not [p for p in api.get("/api/v1/openapi.json").json["paths"] if "/lessons" in p]
    kept = page_browser(other_tenant).get(player_url(other_course, other["lessons"][0]))
    assert kept.status_int == 200 and "Kept" in kept.text


# ----------------------------------------------------------------- with courses


def test_landing_page_shows_the_syllabus(tenant, world, build, page_browser):
    tree(tenant, world, build)
    r = page_browser(tenant).get(f"/courses/{world.course.slug}")
    assert r.status_int == 200, r.text
    assert "Course content" in r.text and "Getting started" in r.text
    assert "Unfinished" not in r.text
    assert re.search(r'<a href="[^"]+/learn/welcome">Welcome</a>', r.text)
    assert "Watch a free preview" in r.text
    assert "Edit the curriculum" not in r.text
    staff = page_browser(tenant, world.instructor).get(f"/courses/{world.course.slug}")
    assert "Start learning" in staff.text
    assert f'<a href="{editor_url(world.course)}">Edit the curriculum</a>' in staff.text


def test_editors_find_the_editor_on_an_empty_draft_course(
    tenant, user_factory, make_course, page_browser
):
    instructor = user_factory(tenant, "instructor")
    course = make_course(tenant, instructor, status="draft")
    page = page_browser(tenant, instructor).get(f"/courses/{course.slug}")
    assert page.status_int == 200 and editor_url(course) in page.text


def test_published_lesson_text_is_searchable(tenant, world, build, client):
    made = tree(tenant, world, build)
    c = client(tenant, world.learner)

    def found(q):
        r = c.get("/api/v1/courses", params={"q": q})
        assert r.status_int == 200, r.text
        return [item["id"] for item in r.json["items"]]

    assert found("Numbers") == [str(world.course.id)]
    assert found("Unfinished") == []
    client(tenant, world.instructor).post_json(made["lessons"][2]["url"] + "/publish", {})
    assert found("Unfinished") == [str(world.course.id)]


def test_start_redirects_to_the_first_open_lesson(tenant, world, build, page_browser):
    tree(tenant, world, build)
    r = page_browser(tenant).get(f"/courses/{world.course.slug}/learn")
    assert r.status_int == 303 and r.location.endswith("/learn/welcome")
    assert page_browser(tenant).get("/courses/nope/learn").status_int == 404


# ----------------------------------------------------------------- with enrollment


def test_enrolled_learner_with_the_enrollment_plugin(
    tenant, world, build, client, page_browser, db, make_course
):
    """The real enrollment plugin: access after enrolling, "Mark complete" under the
    lesson, the completed mark in the sidebar, and a statement count that grows with
    neither the lessons nor the enrolments."""

    def course_with(n, learners):
        course = make_course(tenant, world.instructor)
        lessons = [{"title": f"Lesson {i}", "publish": True} for i in range(n)]
        made = build(tenant, world.instructor, course, [("S", lessons)])
        for learner in learners:
            r = client(tenant, learner).post_json(f"/api/v1/courses/{course.id}/enrollment", {})
            assert r.status_int in (200, 201), r.text
        return course, made

    others = [world.admin]
    small, small_made = course_with(5, [world.learner])
    large, large_made = course_with(50, [world.learner, *others])
    lesson = small_made["lessons"][1]
    browser = page_browser(tenant, world.learner)
    page = browser.get(player_url(small, lesson))
    assert page.status_int == 200, page.text
    assert "<p>Text</p>" in page.text and "Mark complete" in page.text
    done = client(tenant, world.learner).post_json(
        f"/api/v1/lessons/{lesson['id']}/progress", {"completed": True}
    )
    assert done.status_int == 200, done.text
    assert "(completed)" in browser.get(player_url(small, lesson)).text

    def count(course, made):
        url = player_url(course, made["lessons"][1])
        browser.get(url)
        statements = []

        def listener(conn, cursor, statement, *args):
            if counted(statement):
                statements.append(statement)

        engine = db.get_bind().engine
        sa.event.listen(engine, "before_cursor_execute", listener)
        try:
            assert browser.get(url).status_int == 200
        finally:
            sa.event.remove(engine, "before_cursor_execute", listener)
        return len(statements)

    assert count(small, small_made) == count(large, large_made) <= 25


def test_player_guards_what_hooks_and_settings_give(
    tenant, world, client, build, registry, page_browser, plugin_admin
):
    """Plain strings from the actions hook are escaped; an embed whose host the tenant
    removed from its list since is no longer framed."""
    plugin_admin.settings(tenant, embed_hosts=["www.loom.com"])
    made = build(tenant, world.instructor, world.course, [("S", [])])
    r = client(tenant, world.instructor).post_json(
        world.base + "/lessons",
        {
            "section_id": made["sections"][0]["id"],
            "title": "Loom",
            "type": "embed",
            "embed_url": "https://www.loom.com/embed/abc",
            "publish": True,
            "is_free_preview": True,
        },
    )
    assert r.status_int == 201, r.text

    class Careless:
        @hookimpl
        def learninghub_content_lesson_actions(self, request, course, lesson):
            return ["<b>not markup</b>"]

    pm = registry["plugins"].pm
    pm.register(Careless(), name="test-careless")
    try:
        page = page_browser(tenant).get(player_url(world.course, r.json))
    finally:
        pm.unregister(name="test-careless")
    assert "&lt;b&gt;not markup&lt;/b&gt;" in page.text and "<b>not markup" not in page.text
    assert '<iframe src="https://www.loom.com/embed/abc"' in page.text
    plugin_admin.settings(tenant, embed_hosts=[])
    page = page_browser(tenant).get(player_url(world.course, r.json))
    assert "<iframe" not in page.text and "This embedded page is not available." in page.text


def test_openapi_lists_the_endpoints(tenant, world, client):
    paths = client(tenant, world.admin).get("/api/v1/openapi.json").json["paths"]
    assert {
        "/api/v1/courses/{course_id}/sections",
        "/api/v1/courses/{course_id}/lessons/{id}",
        "/api/v1/courses/{course_id}/curriculum",
    } <= set(paths)


@pytest.mark.parametrize(
    "who, expected",
    [
        # (player of a locked lesson, /learn, editor, lesson form)
        ("anonymous", ((303, 403), (303,), (303, 403), (303, 403))),
        ("learner", ((403,), (303,), (403,), (403,))),
        ("instructor", ((200,), (303,), (200,), (200,))),
        ("admin", ((200,), (303,), (200,), (200,))),
        ("foreign admin", ((404,), (404,), (404,), (404,))),
    ],
)
def test_every_page_by_role(
    tenant, other_tenant, world, build, page_browser, user_factory, who, expected
):
    made = tree(tenant, world, build)
    users = {
        "anonymous": None,
        "learner": world.learner,
        "instructor": world.instructor,
        "admin": world.admin,
    }
    if who == "foreign admin":
        browser = page_browser(other_tenant, user_factory(other_tenant, "admin"))
    else:
        browser = page_browser(tenant, users[who])
    course = world.course
    paths = [
        player_url(course, made["lessons"][1]),
        f"/courses/{course.slug}/learn",
        editor_url(course),
        f"/teach/courses/{course.id}/lessons/{made['lessons'][1]['id']}",
    ]
    got = [browser.get(path).status_int for path in paths]
    assert all(status in allowed for status, allowed in zip(got, expected, strict=True)), got
