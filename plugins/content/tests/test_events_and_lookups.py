"""The lesson lifecycle events (unpublished, deleted, section deleted) on the API and
the editor's pages, and the lookups other plugins call (get_lesson_by_id, get_lessons)."""

from __future__ import annotations

import uuid

import pytest

from learninghub.tasks import make_tenant_request
from learninghub.testing.sql import counting, page_work
from learninghub_content import services


def editor_url(course):
    return f"/teach/courses/{course.id}/curriculum"


def course_tree(tenant, world, build, events=None):
    """Section "A" with a published and a draft lesson, section "B" with one published;
    the ``events`` recorder, if given, forgets the publications."""
    made = build(
        tenant,
        world.instructor,
        world.course,
        [
            ("A", [{"title": "One", "publish": True}, {"title": "Two"}]),
            ("B", [{"title": "Three", "publish": True}]),
        ],
    )
    if events is not None:
        events.events.clear()
        events.statuses.clear()
    return made


def assert_lesson_event(event, tenant, world, lesson, section, actor):
    assert event.tenant_id == tenant.id and event.actor_id == actor.id
    assert event.resource_type == "lesson" and event.resource_id == lesson["id"]
    assert event.payload["course_id"] == str(world.course.id)
    assert event.payload["section_id"] == section["id"]
    assert event.payload["title"] == lesson["title"]


# ----------------------------------------------------------------- API


def test_unpublishing_through_the_api_emits_an_event(
    tenant, other_tenant, world, client, build, events, user_factory
):
    made = course_tree(tenant, world, build)
    one, section = made["lessons"][0], made["sections"][0]
    url = one["url"] + "/unpublish"
    assert client(tenant, world.learner).post_json(url, {}).status_int == 403
    assert client(tenant).post_json(url, {}).status_int == 401
    foreign = client(other_tenant, user_factory(other_tenant, "admin"))
    assert foreign.post_json(url, {}).status_int == 404
    assert events.named("content.lesson.unpublished") == []

    assert client(tenant, world.instructor).post_json(url, {}).status_int == 200
    (event,) = events.named("content.lesson.unpublished")
    assert_lesson_event(event, tenant, world, one, section, world.instructor)
    assert event.payload["version"] == 1  # the version learners no longer see
    assert events.statuses[-1] == "Committed"

    # already a draft (409), a draft that never was published: no event
    assert client(tenant, world.instructor).post_json(url, {}).status_int == 409
    draft = made["lessons"][1]["url"] + "/unpublish"
    assert client(tenant, world.instructor).post_json(draft, {}).status_int == 409
    assert len(events.named("content.lesson.unpublished")) == 1


def test_deleting_a_lesson_through_the_api_emits_an_event(
    tenant, other_tenant, world, client, build, events, user_factory
):
    made = course_tree(tenant, world, build)
    one, two = made["lessons"][0], made["lessons"][1]
    section = made["sections"][0]
    assert client(tenant, world.learner).delete(one["url"], status="*").status_int == 403
    assert client(tenant).delete(one["url"], status="*").status_int == 401
    foreign = client(other_tenant, user_factory(other_tenant, "admin"))
    assert foreign.delete(one["url"], status="*").status_int == 404
    nope = f"{world.base}/lessons/{uuid.uuid4()}"
    assert client(tenant, world.instructor).delete(nope, status="*").status_int == 404
    assert events.named("content.lesson.deleted") == []

    c = client(tenant, world.admin)
    assert c.delete(one["url"]).status_int == 204
    assert c.delete(two["url"]).status_int == 204
    first, second = events.named("content.lesson.deleted")
    assert_lesson_event(first, tenant, world, one, section, world.admin)
    assert_lesson_event(second, tenant, world, two, section, world.admin)
    assert first.payload["was_published"] is True and second.payload["was_published"] is False
    assert c.delete(one["url"], status="*").status_int == 404  # gone: no second event
    assert len(events.named("content.lesson.deleted")) == 2
    assert events.named("content.section.") == []


def test_deleting_a_section_through_the_api_emits_one_event_per_lesson(
    tenant, other_tenant, world, client, build, events, user_factory
):
    made = course_tree(tenant, world, build, events)
    section = made["sections"][0]
    url = f"{world.base}/sections/{section['id']}"
    assert client(tenant, world.learner).delete(url, status="*").status_int == 403
    foreign = client(other_tenant, user_factory(other_tenant, "admin"))
    assert foreign.delete(url, status="*").status_int == 404
    assert events.named("content.") == []

    assert client(tenant, world.instructor).delete(url).status_int == 204
    assert events.names() == [
        "content.lesson.deleted",
        "content.lesson.deleted",
        "content.section.deleted",
    ]
    one, two, gone = events.events
    assert_lesson_event(one, tenant, world, made["lessons"][0], section, world.instructor)
    assert_lesson_event(two, tenant, world, made["lessons"][1], section, world.instructor)
    assert [one.payload["was_published"], two.payload["was_published"]] == [True, False]
    assert gone.resource_type == "section" and gone.resource_id == section["id"]
    assert gone.tenant_id == tenant.id and gone.actor_id == world.instructor.id
    assert gone.payload == {
        "course_id": str(world.course.id),
        "title": "A",
        "lesson_ids": [made["lessons"][0]["id"], made["lessons"][1]["id"]],
    }
    assert set(events.statuses) == {"Committed"}

    # an empty section: only its own event
    empty = client(tenant, world.instructor).post_json(world.base + "/sections", {"title": "E"})
    empty_url = f"{world.base}/sections/{empty.json['id']}"
    assert client(tenant, world.instructor).delete(empty_url).status_int == 204
    assert events.names()[3:] == ["content.section.deleted"]
    assert events.events[3].payload["lesson_ids"] == []


# ----------------------------------------------------------------- pages


def test_the_editor_emits_the_same_events(tenant, world, build, page_browser, events):
    made = course_tree(tenant, world, build, events)
    one, two, three = made["lessons"]
    first, second = made["sections"]
    url = editor_url(world.course)
    b = page_browser(tenant, world.instructor)

    assert b.post(url, {"action": "unpublish", "lesson_id": one["id"]}).status_int == 303
    (event,) = events.named("content.lesson.unpublished")
    assert_lesson_event(event, tenant, world, one, first, world.instructor)
    assert event.payload["version"] == 1

    assert b.post(url, {"action": "delete_lesson", "lesson_id": three["id"]}).status_int == 303
    (event,) = events.named("content.lesson.deleted")
    assert_lesson_event(event, tenant, world, three, second, world.instructor)
    assert event.payload["was_published"] is True

    assert b.post(url, {"action": "delete_section", "section_id": first["id"]}).status_int == 303
    assert events.names()[2:] == [
        "content.lesson.deleted",
        "content.lesson.deleted",
        "content.section.deleted",
    ]
    assert [e.resource_id for e in events.events[2:4]] == [one["id"], two["id"]]
    assert events.events[4].resource_id == first["id"]
    assert set(events.statuses) == {"Committed"}


def test_refused_editor_actions_emit_nothing(
    tenant, other_tenant, world, build, page_browser, events, user_factory
):
    made = course_tree(tenant, world, build, events)
    one, two = made["lessons"][0], made["lessons"][1]
    section = made["sections"][0]
    url = editor_url(world.course)
    b = page_browser(tenant, world.instructor)
    # a draft cannot be unpublished (409 -> the editor's message, 400)
    assert b.post(url, {"action": "unpublish", "lesson_id": two["id"]}).status_int == 400
    for action, field in (
        ("unpublish", "lesson_id"),
        ("delete_lesson", "lesson_id"),
        ("delete_section", "section_id"),
    ):
        for value in ("nope", str(uuid.uuid4())):
            assert b.post(url, {"action": action, field: value}).status_int == 404
    learner = page_browser(tenant, world.learner)
    for form in (
        {"action": "unpublish", "lesson_id": one["id"]},
        {"action": "delete_lesson", "lesson_id": one["id"]},
        {"action": "delete_section", "section_id": section["id"]},
    ):
        assert learner.post(url, form).status_int == 403
        foreign = page_browser(other_tenant, user_factory(other_tenant, "admin"))
        assert foreign.post(url, form).status_int == 404
        assert b.post(url, form, csrf=False).status_int in (400, 403)
    assert events.named("content.") == []


# ----------------------------------------------------------------- lookups


@pytest.fixture
def as_request(registry):
    """``as_request(tenant)``: a tenant-bound request (as tasks get) with its own
    transaction, aborted at the end."""
    import transaction

    made = []

    def make(tenant):
        tm = transaction.TransactionManager(explicit=True)
        tm.begin()
        made.append(tm)
        return make_tenant_request(registry, registry["tenancy.resolver"].by_id(tenant.id), tm)

    yield make
    for tm in reversed(made):
        tm.abort()


def selects(statements):
    """The SELECTs of page work (PostgreSQL's row-level security adds a
    ``SELECT set_config(...)``, which is not)."""
    return [s for s in page_work(statements) if s.lstrip().upper().startswith("SELECT")]


def test_get_lesson_by_id(tenant, other_tenant, world, build, as_request, registry):
    made = course_tree(tenant, world, build)
    published, draft = made["lessons"][0], made["lessons"][1]
    r = as_request(tenant)
    with counting(registry["db.engine"]) as statements:
        found = services.get_lesson_by_id(r.db, uuid.UUID(published["id"]))
    assert len(selects(statements)) == 1
    assert found.title == "One" and found.course_id == world.course.id and found.is_published
    assert services.get_lesson_by_id(r.db, draft["id"]).status == "draft"  # strings too
    with counting(registry["db.engine"]) as statements:
        assert services.get_lesson_by_id(r.db, "nope") is None
        assert services.get_lesson_by_id(r.db, None) is None
    assert statements == []
    assert services.get_lesson_by_id(r.db, uuid.uuid4()) is None
    # another tenant's id
    assert services.get_lesson_by_id(as_request(other_tenant).db, published["id"]) is None


def test_get_lessons_in_one_query(
    tenant, other_tenant, world, build, make_course, user_factory, as_request, registry
):
    made = course_tree(tenant, world, build)
    theirs_instructor = user_factory(other_tenant, "instructor")
    theirs_course = make_course(other_tenant, theirs_instructor)
    theirs = build(other_tenant, theirs_instructor, theirs_course, [("X", [{"title": "Z"}])])
    one, two, three = (lesson["id"] for lesson in made["lessons"])
    their_id = theirs["lessons"][0]["id"]
    ids = [uuid.UUID(one), two, one, three, their_id, uuid.uuid4(), "nope", None]
    r = as_request(tenant)
    with counting(registry["db.engine"]) as statements:
        found = services.get_lessons(r.db, ids)
    assert len(selects(statements)) == 1
    assert set(found) == {uuid.UUID(one), uuid.UUID(two), uuid.UUID(three)}
    assert [found[uuid.UUID(i)].title for i in (one, two, three)] == ["One", "Two", "Three"]
    with counting(registry["db.engine"]) as statements:
        assert services.get_lessons(r.db, []) == {}
        assert services.get_lessons(r.db, ["nope", None]) == {}
    assert statements == []
    assert list(services.get_lessons(as_request(other_tenant).db, ids)) == [uuid.UUID(their_id)]
