"""JSON API: sections, lessons, publish, curriculum — allowed, forbidden, anonymous and
cross-tenant callers, invalid input, versions and free previews."""

from __future__ import annotations

import uuid

import pytest


def problem(r, status):
    assert r.status_int == status, r.text
    assert r.content_type == "application/problem+json"
    return r.json


# ----------------------------------------------------------------- sections


def test_instructor_manages_sections(tenant, world, client):
    c = client(tenant, world.instructor)
    a = c.post_json(world.base + "/sections", {"title": " Basics "})
    assert a.status_int == 201, a.text
    assert a.json["title"] == "Basics" and a.json["position"] == 0
    assert a.headers["Location"].endswith(f"/sections/{a.json['id']}")
    b = c.post_json(world.base + "/sections", {"title": "More"})
    assert b.json["position"] == 1
    url = f"{world.base}/sections/{a.json['id']}"
    assert c.patch_json(url, {"title": "Intro"}).json["title"] == "Intro"
    assert [s["title"] for s in c.get(world.base + "/sections").json] == ["Intro", "More"]
    assert c.delete(url).status_int == 204
    assert c.get(url).status_int == 404


def test_section_input_is_validated(tenant, world, client):
    c = client(tenant, world.instructor)
    for body in ({}, {"title": ""}, {"title": "x" * 201}, {"title": "ok", "extra": 1}):
        errors = problem(c.post_json(world.base + "/sections", body), 422)["errors"]
        assert errors and errors[0]["path"][0] == "body"


@pytest.mark.parametrize("role", ["learner", "instructor"])
def test_only_the_course_editors_write(tenant, world, client, user_factory, build, role):
    """A learner, and an instructor of another course, are refused (403)."""
    made = build(tenant, world.instructor, world.course, [("S", [{"title": "L"}])])
    stranger = user_factory(tenant, role)
    c = client(tenant, stranger)
    section = made["sections"][0]["id"]
    lesson = made["lessons"][0]["id"]
    calls = [
        c.post_json(world.base + "/sections", {"title": "x"}),
        c.patch_json(f"{world.base}/sections/{section}", {"title": "x"}),
        c.delete(f"{world.base}/sections/{section}"),
        c.post_json(world.base + "/lessons", {"section_id": section, "title": "x"}),
        c.patch_json(f"{world.base}/lessons/{lesson}", {"title": "x"}),
        c.delete(f"{world.base}/lessons/{lesson}"),
        c.post_json(f"{world.base}/lessons/{lesson}/publish", {}),
        c.put_json(world.base + "/curriculum", {"sections": []}),
    ]
    assert [r.status_int for r in calls] == [403] * len(calls)


def test_admin_edits_any_course(tenant, world, client):
    r = client(tenant, world.admin).post_json(world.base + "/sections", {"title": "By admin"})
    assert r.status_int == 201


def test_anonymous_reads_a_published_outline_but_cannot_write(tenant, world, client, build):
    build(tenant, world.instructor, world.course, [("S", [{"title": "L", "publish": True}])])
    anon = client(tenant)
    assert anon.get(world.base + "/sections").status_int == 200
    tree = anon.get(world.base + "/curriculum").json
    assert [lesson["title"] for lesson in tree["sections"][0]["lessons"]] == ["L"]
    problem(anon.post_json(world.base + "/sections", {"title": "x"}), 401)
    problem(anon.put_json(world.base + "/curriculum", {"sections": []}), 401)


def test_draft_course_is_hidden_from_everyone_but_staff(
    tenant, user_factory, client, make_course, build
):
    instructor = user_factory(tenant, "instructor")
    course = make_course(tenant, instructor, status="draft")
    build(tenant, instructor, course, [("S", [{"title": "L"}])])
    base = f"/api/v1/courses/{course.id}"
    assert client(tenant).get(base + "/sections").status_int == 404
    learner = client(tenant, user_factory(tenant, "learner"))
    assert learner.get(base + "/lessons").status_int == 404
    assert learner.post_json(base + "/sections", {"title": "x"}).status_int == 404
    assert len(client(tenant, instructor).get(base + "/lessons").json) == 1


def test_other_tenants_cannot_reach_the_course(
    tenant, other_tenant, world, client, user_factory, build
):
    made = build(tenant, world.instructor, world.course, [("S", [{"title": "L"}])])
    foreign = client(other_tenant, user_factory(other_tenant, "admin"))
    section = made["sections"][0]["id"]
    lesson = made["lessons"][0]["id"]
    for r in (
        foreign.get(world.base + "/sections"),
        foreign.get(world.base + "/curriculum"),
        foreign.get(f"{world.base}/lessons/{lesson}"),
        foreign.post_json(world.base + "/sections", {"title": "x"}),
        foreign.patch_json(f"{world.base}/sections/{section}", {"title": "x"}),
        foreign.post_json(f"{world.base}/lessons/{lesson}/publish", {}),
        foreign.put_json(world.base + "/curriculum", {"sections": []}),
    ):
        assert r.status_int == 404, r.text
    stolen = client(other_tenant)
    stolen.headers.update(client(tenant, world.instructor).headers)
    assert stolen.post_json(world.base + "/sections", {"title": "x"}).status_int == 401
    assert client(tenant, world.instructor).get(f"{world.base}/lessons/{lesson}").status_int == 200


def test_malformed_and_unknown_ids_answer_404(tenant, world, client):
    c = client(tenant, world.instructor)
    for path in (
        "/api/v1/courses/nope/sections",
        f"/api/v1/courses/{uuid.uuid4()}/lessons",
        f"{world.base}/lessons/nope",
        f"{world.base}/lessons/{uuid.uuid4()}",
        f"{world.base}/sections/{uuid.uuid4()}",
    ):
        problem(c.get(path), 404)


# ----------------------------------------------------------------- lessons


def test_lesson_slugs_are_unique_per_course(tenant, world, client, build):
    made = build(tenant, world.instructor, world.course, [("S", [{"title": "Intro"}] * 2)])
    assert [lesson["slug"] for lesson in made["lessons"]] == ["intro", "intro-2"]
    section = made["sections"][0]["id"]
    r = client(tenant, world.instructor).post_json(
        world.base + "/lessons", {"section_id": section, "title": "x", "slug": "intro"}
    )
    assert problem(r, 422)["errors"][0]["path"] == ["body", "slug"]


def test_lesson_input_is_validated(tenant, world, client, build):
    made = build(tenant, world.instructor, world.course, [("S", [])])
    section = made["sections"][0]["id"]
    c = client(tenant, world.instructor)
    cases = [
        ({"title": "x"}, "section_id"),
        ({"section_id": section, "title": ""}, "title"),
        ({"section_id": section, "title": "x", "type": "hologram"}, "type"),
        ({"section_id": section, "title": "x", "slug": "Not A Slug"}, "slug"),
        ({"section_id": section, "title": "x", "duration_s": -1}, "duration_s"),
        ({"section_id": str(uuid.uuid4()), "title": "x"}, "section_id"),
        ({"section_id": section, "title": "x", "type": "video"}, "media_asset_id"),
        ({"section_id": section, "title": "x", "type": "embed"}, "embed_url"),
    ]
    for body, field in cases:
        errors = problem(c.post_json(world.base + "/lessons", body), 422)["errors"]
        assert errors[0]["path"][:2] == ["body", field], (body, errors)
    patch = c.patch_json(
        f"{world.base}/lessons/{uuid.uuid4()}", {"title": None}
    )  # unknown id: 404 before anything else? validation runs first
    assert patch.status_int == 422


def test_text_is_sanitized_and_markdown_rendered(tenant, world, client, build):
    made = build(
        tenant,
        world.instructor,
        world.course,
        [
            (
                "S",
                [
                    {
                        "title": "Html",
                        "body": '<p onclick="x()">Hi <script>alert(1)</script>'
                        '<a href="javascript:alert(1)">link</a><b>bold</b></p>',
                    },
                    {
                        "title": "Md",
                        "format": "markdown",
                        "body": "# Title\n\n*em* <script>x()</script> [l](javascript:alert(1))",
                    },
                ],
            )
        ],
    )
    html, md = (lesson["draft"] for lesson in made["lessons"])
    assert "<script" not in html["body"] and "onclick" not in html["body"]
    assert "javascript:" not in html["body"] and "<b>bold</b>" in html["body"]
    assert "<h1>Title</h1>" in md["body"] and "<em>em</em>" in md["body"]
    assert "<script" not in md["body"] and 'href="javascript' not in md["body"]
    assert md["markdown"].startswith("# Title")


def test_versions_drafts_and_publishing(tenant, world, client, build):
    made = build(tenant, world.instructor, world.course, [("S", [{"title": "L"}])])
    lesson = made["lessons"][0]
    url = lesson["url"]
    staff = client(tenant, world.instructor)
    learner = client(tenant, world.learner)
    assert lesson["status"] == "draft" and lesson["published"] is None
    assert learner.get(url).status_int == 404  # drafts do not exist for learners
    first = staff.post_json(url + "/publish", {})
    assert first.json["status"] == "published" and first.json["published"]["number"] == 1
    problem(staff.post_json(url + "/publish", {}), 409)
    edited = staff.patch_json(url, {"body": "<p>Second</p>"}).json
    assert edited["draft"]["number"] == 2 and edited["published"]["number"] == 1
    # a free preview shows the published version, never the draft
    staff.patch_json(url, {"is_free_preview": True})
    seen = learner.get(url).json
    assert seen["published"]["body"] == "<p>Text</p>" and seen["draft"] is None
    staff.post_json(url + "/publish", {})
    assert learner.get(url).json["published"]["body"] == "<p>Second</p>"
    staff.post_json(url + "/unpublish", {})
    assert learner.get(url).status_int == 404


def test_learner_without_access_sees_titles_not_content(tenant, world, client, build):
    made = build(
        tenant,
        world.instructor,
        world.course,
        [("S", [{"title": "Free", "is_free_preview": True, "publish": True}])]
        + [("T", [{"title": "Paid", "publish": True}])],
    )
    free, paid = (lesson["url"] for lesson in made["lessons"])
    for c in (client(tenant), client(tenant, world.learner)):
        assert c.get(free).json["published"]["body"] == "<p>Text</p>"
        assert c.get(paid).status_int == 200 and c.get(paid).json["published"] is None
        titles = [lesson["title"] for lesson in c.get(world.base + "/lessons").json]
        assert titles == ["Free", "Paid"]


def test_has_access_hook_opens_every_lesson(tenant, world, client, build, registry):
    from learninghub.hookspecs import hookimpl

    made = build(tenant, world.instructor, world.course, [("S", [{"title": "L", "publish": True}])])

    class Enrolled:
        @hookimpl
        def learninghub_content_has_access(self, request, course):
            return request.identity is not None and request.identity.id == world.learner.id

    pm = registry["plugins"].pm
    pm.register(Enrolled(), name="test-enrolled")
    try:
        url = made["lessons"][0]["url"]
        assert client(tenant, world.learner).get(url).json["published"]["number"] == 1
        other = client(tenant, world.admin).get(url).json  # staff anyway
        assert other["draft"]["number"] == 1
    finally:
        pm.unregister(name="test-enrolled")


# ----------------------------------------------------------------- media and embeds


def test_video_lessons_need_a_visible_video_asset(
    tenant, world, client, build, make_asset, user_factory
):
    made = build(tenant, world.instructor, world.course, [("S", [])])
    section = made["sections"][0]["id"]
    c = client(tenant, world.instructor)
    own = make_asset(tenant, world.instructor, "video/mp4")
    pdf = make_asset(tenant, world.instructor, "application/pdf")
    someone_elses = make_asset(tenant, user_factory(tenant, "learner"), "video/mp4")

    def create(asset, lesson_type="video"):
        return c.post_json(
            world.base + "/lessons",
            {
                "section_id": section,
                "title": "V",
                "type": lesson_type,
                "media_asset_id": str(asset.id),
            },
        )

    assert create(own).status_int == 201
    assert create(pdf, "file").status_int == 201
    for asset in (pdf, someone_elses):
        assert problem(create(asset), 422)["errors"][0]["path"] == ["body", "media_asset_id"]


@pytest.mark.parametrize(
    "given, stored",
    [
        (
            "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=5",
            "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ",
        ),
        ("https://youtu.be/dQw4w9WgXcQ", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"),
        ("https://vimeo.com/76979871", "https://player.vimeo.com/video/76979871"),
        ("https://player.vimeo.com/video/76979871", "https://player.vimeo.com/video/76979871"),
    ],
)
def test_embeds_are_normalised(tenant, world, client, build, given, stored):
    made = build(tenant, world.instructor, world.course, [("S", [])])
    r = client(tenant, world.instructor).post_json(
        world.base + "/lessons",
        {
            "section_id": made["sections"][0]["id"],
            "title": "E",
            "type": "embed",
            "embed_url": given,
        },
    )
    assert r.status_int == 201, r.text
    assert r.json["draft"]["embed_url"] == stored


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example/embed",
        "javascript:alert(1)",
        "https://www.youtube.com/watch?v=short",
        "https://user:pw@www.youtube.com/watch?v=dQw4w9WgXcQ",
        "http://www.loom.com/embed/abc",  # allowed host, but not https
        "https://www.loom.com:8443/embed/abc",
    ],
)
def test_embeds_outside_the_allow_list_are_refused(tenant, world, client, build, plugin_admin, url):
    plugin_admin.settings(tenant, embed_hosts=["www.loom.com"])
    made = build(tenant, world.instructor, world.course, [("S", [])])
    r = client(tenant, world.instructor).post_json(
        world.base + "/lessons",
        {"section_id": made["sections"][0]["id"], "title": "E", "type": "embed", "embed_url": url},
    )
    assert problem(r, 422)["errors"][0]["path"] == ["body", "embed_url"]


def test_tenant_allow_list_adds_hosts(tenant, other_tenant, client, build, plugin_admin, world):
    plugin_admin.settings(tenant, embed_hosts=["www.loom.com"])
    made = build(tenant, world.instructor, world.course, [("S", [])])
    body = {
        "section_id": made["sections"][0]["id"],
        "title": "Loom",
        "type": "embed",
        "embed_url": "https://www.loom.com/embed/abc?x=1#frag",
    }
    r = client(tenant, world.instructor).post_json(world.base + "/lessons", body)
    assert r.json["draft"]["embed_url"] == "https://www.loom.com/embed/abc?x=1"


# ----------------------------------------------------------------- reorder


def _tree(made, order):
    sections = made["sections"]
    return {
        "sections": [
            {"id": sections[i]["id"], "lesson_ids": [made["lessons"][j]["id"] for j in ids]}
            for i, ids in order
        ]
    }


def test_curriculum_reorder(tenant, world, client, build):
    made = build(
        tenant,
        world.instructor,
        world.course,
        [("A", [{"title": "a1"}, {"title": "a2"}]), ("B", [{"title": "b1"}])],
    )
    c = client(tenant, world.instructor)
    r = c.put_json(world.base + "/curriculum", _tree(made, [(1, [1, 2]), (0, [0])]))
    assert r.status_int == 200, r.text
    got = [(s["title"], [lesson["title"] for lesson in s["lessons"]]) for s in r.json["sections"]]
    assert got == [("B", ["a2", "b1"]), ("A", ["a1"])]
    assert c.get(world.base + "/curriculum").json == r.json


def test_curriculum_reorder_is_validated(tenant, world, client, build, make_course, user_factory):
    made = build(
        tenant,
        world.instructor,
        world.course,
        [("A", [{"title": "a1"}, {"title": "a2"}]), ("B", [])],
    )
    other = build(
        tenant, world.instructor, make_course(tenant, world.instructor), [("X", [{"title": "x"}])]
    )
    c = client(tenant, world.instructor)
    before = c.get(world.base + "/curriculum").json
    s0, s1 = (s["id"] for s in made["sections"])
    l0, l1 = (lesson["id"] for lesson in made["lessons"])
    bad = [
        {"sections": [{"id": s0, "lesson_ids": [l0, l1]}]},  # section B missing
        {"sections": [{"id": s0, "lesson_ids": [l0]}, {"id": s1, "lesson_ids": []}]},  # l1 missing
        {"sections": [{"id": s0, "lesson_ids": [l0, l1, l0]}, {"id": s1, "lesson_ids": []}]},
        {"sections": [{"id": s0, "lesson_ids": [l0, l1]}, {"id": s0, "lesson_ids": []}]},
        {
            "sections": [
                {"id": s0, "lesson_ids": [l0, l1, other["lessons"][0]["id"]]},
                {"id": s1, "lesson_ids": []},
            ]
        },
        {"sections": [{"id": other["sections"][0]["id"], "lesson_ids": []}]},
        {"sections": [{"id": "nope", "lesson_ids": []}]},
        {},
    ]
    for body in bad:
        r = c.put_json(world.base + "/curriculum", body)
        assert problem(r, 422)["errors"], body
    assert c.get(world.base + "/curriculum").json == before


def test_patch_moves_a_lesson_and_changes_its_type(tenant, world, client, build):
    made = build(tenant, world.instructor, world.course, [("A", [{"title": "L"}]), ("B", [])])
    url = made["lessons"][0]["url"]
    c = client(tenant, world.instructor)
    target = made["sections"][1]["id"]
    r = c.patch_json(
        url, {"section_id": target, "type": "embed", "embed_url": "https://vimeo.com/76979871"}
    )
    assert r.status_int == 200, r.text
    assert r.json["section_id"] == target and r.json["type"] == "embed"
    assert r.json["draft"]["number"] == 2
    assert r.json["draft"]["embed_url"] == "https://player.vimeo.com/video/76979871"
    elsewhere = build(tenant, world.instructor, world.course, [("C", [])])["sections"][0]["id"]
    assert c.patch_json(url, {"section_id": elsewhere}).json["section_id"] == elsewhere
    wrong = c.patch_json(url, {"section_id": str(uuid.uuid4())})
    assert problem(wrong, 422)["errors"][0]["path"] == ["body", "section_id"]
    assert problem(c.patch_json(url, {"title": None}), 422)["errors"]


def test_plugin_lesson_types(tenant, world, client, build, registry, page_browser):
    from learninghub.hookspecs import hookimpl
    from learninghub_content import LessonType

    class Flashcards:  # a type no installed plugin provides
        @hookimpl
        def learninghub_content_lesson_types(self, request):
            return [
                LessonType("flashcards", "Flashcards", "content/types/text.jinja2"),
                LessonType("text", "Hijacked", "nowhere.jinja2"),  # built-ins win
            ]

    made = build(tenant, world.instructor, world.course, [("S", [])])
    body = {
        "section_id": made["sections"][0]["id"],
        "title": "Cards one",
        "type": "flashcards",
        "data": {"questions": [1, 2]},
        "publish": True,
        "is_free_preview": True,
    }
    pm = registry["plugins"].pm
    c = client(tenant, world.instructor)
    assert problem(c.post_json(world.base + "/lessons", body), 422)["errors"][0]["path"] == [
        "body",
        "type",
    ]
    pm.register(Flashcards(), name="test-flashcards")
    try:
        r = c.post_json(world.base + "/lessons", body)
        assert r.status_int == 201, r.text
        assert r.json["draft"]["data"] == {"questions": [1, 2]}
        page = page_browser(tenant).get(f"/courses/{world.course.slug}/learn/cards-one")
        assert page.status_int == 200 and "not available here" not in page.text
    finally:
        pm.unregister(name="test-flashcards")
    page = page_browser(tenant).get(f"/courses/{world.course.slug}/learn/cards-one")
    assert "This kind of lesson is not available here." in page.text


def test_type_data_is_limited(tenant, world, client, build, plugin_admin):
    plugin_admin.settings(tenant, max_body_chars=1000)
    made = build(tenant, world.instructor, world.course, [("S", [])])
    c = client(tenant, world.instructor)
    base = {"section_id": made["sections"][0]["id"], "title": "Big"}
    r = c.post_json(world.base + "/lessons", {**base, "data": {"x": "y" * 2000}})
    assert problem(r, 422)["errors"][0]["path"] == ["body", "data"]
    r = c.post_json(world.base + "/lessons", {**base, "body": "y" * 2000})
    assert problem(r, 422)["errors"][0]["path"] == ["body", "body"]


def test_publishing_emits_an_event_after_commit(tenant, world, client, build, events):
    made = build(tenant, world.instructor, world.course, [("S", [{"title": "L"}])])
    url = made["lessons"][0]["url"]
    assert events.named("content.") == []
    client(tenant, world.instructor).post_json(url + "/publish", {})
    (event,) = events.named("content.lesson.published")
    assert event.resource_id == made["lessons"][0]["id"]
    assert event.payload["course_id"] == str(world.course.id) and event.payload["version"] == 1
    client(tenant, world.learner).post_json(url + "/publish", {})  # refused: no event
    assert len(events.named("content.")) == 1


def test_a_markdown_lesson_stays_markdown(tenant, world, client, build):
    made = build(
        tenant,
        world.instructor,
        world.course,
        [("S", [{"title": "Md", "format": "markdown", "body": "*one*"}])],
    )
    c = client(tenant, world.instructor)
    url = made["lessons"][0]["url"]
    edited = c.patch_json(url, {"body": "**two**"}).json["draft"]
    assert edited["body"].strip() == "<p><strong>two</strong></p>"
    assert edited["markdown"] == "**two**"
    html = c.patch_json(url, {"body": "<p>**three**</p>", "format": "html"}).json["draft"]
    assert html["body"] == "<p>**three**</p>" and html["markdown"] is None
    assert c.patch_json(url, {"format": "markdown"}).json["draft"]["number"] == 3  # no-op


def test_media_lessons_take_the_length_of_their_asset(tenant, world, client, build, make_asset):
    made = build(tenant, world.instructor, world.course, [("S", [])])
    c = client(tenant, world.instructor)
    base = {"section_id": made["sections"][0]["id"], "title": "V", "type": "video"}
    clip = make_asset(tenant, world.instructor, "video/mp4", duration_s=125)
    unready = make_asset(tenant, world.instructor, "video/mp4", status="uploading")
    r = c.post_json(world.base + "/lessons", {**base, "media_asset_id": str(clip.id)})
    assert r.json["duration_s"] == 125
    given = {**base, "media_asset_id": str(clip.id), "duration_s": 60}
    assert c.post_json(world.base + "/lessons", given).json["duration_s"] == 60
    r = c.post_json(world.base + "/lessons", {**base, "media_asset_id": str(unready.id)})
    assert problem(r, 422)["errors"][0]["path"] == ["body", "media_asset_id"]
