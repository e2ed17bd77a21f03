"""Course announcements through the API: /api/v1/announcements with a scope and
/api/v1/courses/{course_id}/announcements (who posts, who reads, invalid input)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

LIST = "/api/v1/announcements"


def course_path(course) -> str:
    return f"/api/v1/courses/{course.id}/announcements"


def titles(response) -> list[str]:
    return [item["title"] for item in response.json["items"]]


def problem(response, status: int) -> dict:
    assert response.status_int == status, response.text
    assert response.content_type == "application/problem+json"
    return response.json


# ----------------------------------------------------------------- posting


@pytest.mark.parametrize("who", ["instructor", "assistant", "admin"])
def test_course_staff_post_through_the_course_route(tenant, client, course_world, who):
    w = course_world
    r = client(tenant, getattr(w, who)).post_json(
        course_path(w.course), {"title": "Lab moved", "body": "<p>Room 4</p>", "publish": True}
    )
    assert r.status_int == 201, r.text
    assert (r.json["scope_type"], r.json["scope_id"]) == ("course", str(w.course.id))
    assert r.json["status"] == "published"
    assert r.headers["Location"] == r.json["url"]


def test_staff_post_through_the_collection_with_a_scope(tenant, client, course_world):
    """The collection declares the tenant-wide create permission (so that API keys
    scoped to it may write): an instructor posts there with a scope; a teaching
    assistant, a learner tenant-wide, posts through the course's own route."""
    w = course_world
    body = {"title": "Quiz", "scope_type": "course", "scope_id": str(w.course.id)}
    r = client(tenant, w.instructor).post_json(LIST, body)
    assert r.status_int == 201, r.text
    assert r.json["status"] == "draft" and r.json["scope_id"] == str(w.course.id)
    assistant = client(tenant, w.assistant)
    problem(assistant.post_json(LIST, body), 403)
    r = assistant.post_json(course_path(w.course), {"title": "Quiz"})
    assert r.status_int == 201 and r.json["scope_id"] == str(w.course.id), r.text


@pytest.mark.parametrize("who", ["learner", "outsider", "other_instructor"])
def test_others_may_not_post_in_the_course(tenant, client, course_world, who):
    w = course_world
    c = client(tenant, getattr(w, who))
    problem(c.post_json(course_path(w.course), {"title": "Hi"}), 403)
    body = {"title": "Hi", "scope_type": "course", "scope_id": str(w.course.id)}
    problem(c.post_json(LIST, body), 403)


def test_anonymous_callers_get_401(tenant, client, course_world):
    c = client(tenant)
    path = course_path(course_world.course)
    assert problem(c.get(path), 401)
    assert problem(c.post_json(path, {"title": "Hi"}), 401)


def test_another_tenants_course_is_not_found(
    tenant, other_tenant, client, user_factory, make_course, course_world, foreign_client
):
    theirs = make_course(other_tenant, instructor=user_factory(other_tenant, "instructor"))
    admin = client(tenant, course_world.admin)
    problem(admin.get(course_path(theirs)), 404)
    problem(admin.post_json(course_path(theirs), {"title": "Hi"}), 404)
    body = {"title": "Hi", "scope_type": "course", "scope_id": str(theirs.id)}
    problem(admin.post_json(LIST, body), 404)
    params = {"scope_type": "course", "scope_id": str(theirs.id)}
    problem(admin.get(LIST, params=params), 404)
    # a token of the other tenant is not accepted here at all
    problem(foreign_client(tenant, other_tenant).get(course_path(course_world.course)), 401)


def test_unknown_and_malformed_courses_are_not_found(tenant, client, course_world, make_course):
    c = client(tenant, course_world.admin)
    problem(c.get(f"/api/v1/courses/{uuid.uuid4()}/announcements"), 404)
    problem(c.post_json("/api/v1/courses/not-a-uuid/announcements", {"title": "Hi"}), 404)
    draft = make_course(tenant, status="draft")  # hidden from everyone but its staff
    problem(client(tenant, course_world.learner).get(course_path(draft)), 404)


def test_unknown_scope_type_is_a_400(tenant, client, course_world):
    body = {"title": "Hi", "scope_type": "planet", "scope_id": "mars"}
    p = problem(client(tenant, course_world.admin).post_json(LIST, body), 400)
    assert p["errors"][0]["path"] == ["body", "scope_type"]
    assert p["errors"][0]["type"] == "unknown_scope_type"


def test_course_scope_is_unknown_without_the_courses_plugin(tenant_factory, user_factory, client):
    t = tenant_factory(plugins=["announcements"])
    c = client(t, user_factory(t, "admin"))
    body = {"title": "Hi", "scope_type": "course", "scope_id": str(uuid.uuid4())}
    problem(c.post_json(LIST, body), 400)
    problem(c.get(f"/api/v1/courses/{uuid.uuid4()}/announcements"), 404)


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"title": "Hi", "scope_type": "course"}, ["body"]),
        ({"title": "Hi", "scope_id": "x"}, ["body"]),
        ({"title": "Hi", "scope_type": "Course!", "scope_id": "x"}, ["body", "scope_type"]),
        ({"title": "Hi", "scope_type": "course", "scope_id": "x" * 65}, ["body", "scope_id"]),
        ({"title": "Hi", "scope_type": "course", "scope_id": " "}, ["body", "scope_id"]),
    ],
)
def test_invalid_scopes_are_refused(tenant, client, course_world, body, path):
    p = problem(client(tenant, course_world.admin).post_json(LIST, body), 422)
    assert path in [e["path"] for e in p["errors"]]


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"title": ""}, ["body", "title"]),
        ({"title": "Hi", "scope_type": "course"}, ["body", "scope_type"]),  # not here
        ({"title": "Hi", "publish": "soon"}, ["body", "publish"]),
    ],
)
def test_invalid_course_posts_are_refused(tenant, client, course_world, body, path):
    w = course_world
    p = problem(client(tenant, w.instructor).post_json(course_path(w.course), body), 422)
    assert path in [e["path"] for e in p["errors"]]


def test_query_scope_id_needs_a_scope_type(tenant, client, course_world):
    r = client(tenant, course_world.learner).get(LIST, params={"scope_id": "x"})
    p = problem(r, 422)
    assert p["errors"][0]["path"] == ["query"]


# ----------------------------------------------------------------- reading


def test_only_the_audience_sees_course_announcements_in_the_list(
    tenant, client, course_world, make_announcement
):
    w = course_world
    make_announcement(tenant, title="Everyone")
    make_announcement(tenant, w.instructor, title="Botany news", course=w.course)
    make_announcement(tenant, w.other_instructor, title="Other news", course=w.other_course)
    make_announcement(tenant, w.instructor, title="Botany draft", status="draft", course=w.course)
    expected = {
        "learner": ["Botany news", "Everyone"],
        "assistant": ["Botany news", "Everyone"],
        "instructor": ["Botany news", "Everyone"],
        "outsider": ["Everyone", "Other news"],
        "other_instructor": ["Everyone", "Other news"],
    }
    for who, seen in expected.items():
        r = client(tenant, getattr(w, who)).get(LIST)
        assert r.status_int == 200, r.text
        assert sorted(titles(r)) == seen, who
    # managers see every scope and status
    assert len(titles(client(tenant, w.admin).get(LIST))) == 4


def test_scope_filters(tenant, client, course_world, make_announcement):
    w = course_world
    make_announcement(tenant, title="Everyone")
    make_announcement(tenant, title="Botany news", course=w.course)
    c = client(tenant, w.learner)
    only_course = {"scope_type": "course", "scope_id": str(w.course.id)}
    assert titles(c.get(LIST, params=only_course)) == ["Botany news"]
    assert titles(c.get(LIST, params={"scope_type": "course"})) == ["Botany news"]
    assert titles(c.get(LIST, params={"scope_type": "planet"})) == []
    assert titles(c.get(course_path(w.course))) == ["Botany news"]


def test_readers_outside_the_audience_are_refused(tenant, client, course_world):
    w = course_world
    for who in ("outsider", "other_instructor"):
        c = client(tenant, getattr(w, who))
        problem(c.get(course_path(w.course)), 403)
        problem(c.get(LIST, params={"scope_type": "course", "scope_id": str(w.course.id)}), 403)
    unknown = {"scope_type": "planet", "scope_id": "mars"}
    assert problem(client(tenant, w.learner).get(LIST, params=unknown), 400)["errors"][0][
        "path"
    ] == ["query", "scope_type"]


def test_staff_list_drafts_of_their_course_learners_do_not(
    tenant, client, course_world, make_announcement
):
    w = course_world
    make_announcement(tenant, w.instructor, title="Live", course=w.course)
    make_announcement(tenant, w.instructor, title="Draft", status="draft", course=w.course)
    staff = client(tenant, w.assistant)
    assert sorted(titles(staff.get(course_path(w.course)))) == ["Draft", "Live"]
    assert titles(staff.get(course_path(w.course), params={"status": "draft"})) == ["Draft"]
    learner = client(tenant, w.learner)
    assert titles(learner.get(course_path(w.course))) == ["Live"]
    problem(learner.get(course_path(w.course), params={"status": "draft"}), 403)


def test_one_course_announcement_is_hidden_from_outsiders(
    tenant, client, course_world, make_announcement
):
    w = course_world
    a = make_announcement(tenant, w.instructor, course=w.course)
    assert client(tenant, w.learner).get(f"{LIST}/{a.id}").status_int == 200
    for who in ("outsider", "other_instructor"):
        problem(client(tenant, getattr(w, who)).get(f"{LIST}/{a.id}"), 404)


def test_lapsed_and_cancelled_enrolments_do_not_read(
    tenant, client, user_factory, course_world, enrol, make_announcement
):
    w = course_world
    make_announcement(tenant, title="Botany news", course=w.course)
    lapsed, cancelled = user_factory(tenant), user_factory(tenant)
    enrol(tenant, w.course, lapsed, expires_in=timedelta(days=-1))
    enrol(tenant, w.course, cancelled, status="cancelled")
    for user in (lapsed, cancelled):
        assert titles(client(tenant, user).get(LIST)) == []


# ----------------------------------------------------------------- changing


def test_course_staff_edit_publish_and_archive_each_others_announcements(
    tenant, client, course_world, make_announcement
):
    w = course_world
    a = make_announcement(tenant, w.instructor, status="draft", course=w.course)
    ta = client(tenant, w.assistant)
    assert ta.patch_json(f"{LIST}/{a.id}", {"title": "Renamed"}).status_int == 200
    assert ta.post_json(f"{LIST}/{a.id}/publish").json["status"] == "published"
    assert ta.post_json(f"{LIST}/{a.id}/archive").json["status"] == "archived"


def test_learners_and_other_instructors_may_not_change_them(
    tenant, client, course_world, make_announcement
):
    w = course_world
    a = make_announcement(tenant, w.instructor, course=w.course)
    problem(client(tenant, w.learner).patch_json(f"{LIST}/{a.id}", {"title": "x"}), 403)
    problem(client(tenant, w.learner).post_json(f"{LIST}/{a.id}/archive"), 403)
    problem(client(tenant, w.other_instructor).patch_json(f"{LIST}/{a.id}", {"title": "x"}), 404)
    draft = make_announcement(tenant, w.instructor, status="draft", course=w.course)
    problem(client(tenant, w.learner).delete(f"{LIST}/{draft.id}"), 404)
    assert client(tenant, w.assistant).delete(f"{LIST}/{draft.id}").status_int == 204


def test_publishing_emits_the_scope_in_the_event(tenant, client, course_world, events):
    w = course_world
    r = client(tenant, w.instructor).post_json(
        course_path(w.course), {"title": "Lab", "publish": True}
    )
    assert r.status_int == 201
    [event] = events.named("announcements.")
    assert event.payload["scope_type"] == "course"
    assert event.payload["scope_id"] == str(w.course.id)
