"""/api/v1/courses: create, read, edit, archive; the approval workflow; staff."""

from __future__ import annotations

import uuid

import pytest

from learninghub.db import bind_tenant, system_session
from learninghub.identity import grant_role

from .conftest import course_body

URL = "/api/v1/courses"


def create(client, tenant, user, **overrides):
    r = client(tenant, user).post_json(URL, course_body(**overrides))
    assert r.status_int == 201, r.text
    return r.json


# ----------------------------------------------------------------- create


def test_instructor_creates_a_draft_and_becomes_its_instructor(tenant, client, instructor, events):
    body = course_body(description='<p onclick="x()">Hi<script>bad()</script></p>')
    r = client(tenant, instructor).post_json(URL, body)
    assert r.status_int == 201, r.text
    out = r.json
    assert r.headers["Location"].endswith(out["url"])
    assert out["status"] == "draft" and out["created_by"] == str(instructor.id)
    assert out["description"] == "<p>Hi</p>"
    assert [p["id"] for p in out["instructors"]] == [str(instructor.id)]
    assert out["html_url"] == f"/courses/{body['slug']}"
    assert events.names() == ["courses.course.created"]
    event = events.events[0]
    assert event.resource_type == "course" and event.resource_id == out["id"]


def test_learner_cannot_create(tenant, client, learner):
    r = client(tenant, learner).post_json(URL, course_body())
    assert r.status_int == 403 and r.content_type == "application/problem+json"


def test_anonymous_cannot_create(tenant, client):
    assert client(tenant).post_json(URL, course_body()).status_int == 401


def test_token_of_another_tenant_cannot_create(tenant, other_tenant, foreign_client):
    assert foreign_client(tenant, other_tenant).post_json(URL, course_body()).status_int == 401


@pytest.mark.parametrize(
    "field, value",
    [
        ("slug", "Not A Slug"),
        ("slug", "double--hyphen"),
        ("slug", ""),
        ("title", ""),
        ("title", "x" * 201),
        ("subtitle", "x" * 301),
        ("price_minor", -1),
        ("currency", "XYZ"),
        ("currency", "EURO"),
        ("level", "expert"),
        ("tags", [f"t{i}" for i in range(21)]),
        ("tags", ["x" * 41]),
        ("tags", [""]),
        ("category_id", "not-a-uuid"),
        ("unknown", 1),
    ],
)
def test_invalid_input_is_refused(tenant, client, instructor, field, value):
    r = client(tenant, instructor).post_json(URL, course_body(**{field: value}))
    assert r.status_int == 422, r.text
    assert r.content_type == "application/problem+json"
    assert r.json["errors"][0]["path"][:2] == ["body", field]


def test_language_must_be_offered(tenant, client, instructor):
    r = client(tenant, instructor).post_json(URL, course_body(language="de"))
    assert r.status_int == 422
    assert r.json["errors"][0]["path"] == ["body", "language"]
    ok = client(tenant, instructor).post_json(URL, course_body(language="es"))
    assert ok.status_int == 201 and ok.json["language"] == "es"


def test_currency_is_normalised_and_unknown_category_refused(tenant, client, instructor):
    ok = client(tenant, instructor).post_json(URL, course_body(currency="usd", price_minor=999))
    assert ok.json["currency"] == "USD" and ok.json["is_free"] is False
    r = client(tenant, instructor).post_json(URL, course_body(category_id=str(uuid.uuid4())))
    assert r.status_int == 422 and r.json["errors"][0]["path"] == ["body", "category_id"]


def test_slug_is_unique_per_tenant(tenant, other_tenant, client, instructor, user_factory):
    create(client, tenant, instructor, slug="same")
    r = client(tenant, instructor).post_json(URL, course_body(slug="same"))
    assert r.status_int == 409 and r.json["errors"][0]["path"] == ["body", "slug"]
    other = user_factory(other_tenant, "instructor")
    assert client(other_tenant, other).post_json(URL, course_body(slug="same")).status_int == 201


def test_tags_are_deduplicated(tenant, client, instructor):
    out = create(client, tenant, instructor, tags=["Python", "python", "  web   dev "])
    assert out["tags"] == ["Python", "web dev"]


# ----------------------------------------------------------------- read


def test_published_course_is_public(tenant, client, make_course):
    c = make_course(tenant)
    r = client(tenant).get(f"{URL}/{c.id}")
    assert r.status_int == 200 and r.json["title"] == c.title
    assert r.json["review_comment"] is None


def test_draft_is_hidden_except_from_staff(tenant, client, make_course, instructor, learner, admin):
    c = make_course(tenant, instructor, status="draft")
    assert client(tenant).get(f"{URL}/{c.id}").status_int == 404
    assert client(tenant, learner).get(f"{URL}/{c.id}").status_int == 404
    assert client(tenant, instructor).get(f"{URL}/{c.id}").status_int == 200
    assert client(tenant, admin).get(f"{URL}/{c.id}").status_int == 200


def test_other_tenant_gets_404(tenant, other_tenant, client, make_course, user_factory):
    c = make_course(tenant)
    assert client(other_tenant).get(f"{URL}/{c.id}").status_int == 404
    stranger = user_factory(other_tenant, "admin")
    assert client(other_tenant, stranger).get(f"{URL}/{c.id}").status_int == 404


def test_malformed_id_is_404(tenant, client):
    assert client(tenant).get(f"{URL}/nope").status_int == 404


# ----------------------------------------------------------------- edit


def test_instructor_edits_own_course(tenant, client, instructor, events):
    out = create(client, tenant, instructor)
    r = client(tenant, instructor).patch_json(
        out["url"], {"title": "New title", "description": "<b>x</b><img src=x onerror=y>"}
    )
    assert r.status_int == 200, r.text
    assert r.json["title"] == "New title" and "onerror" not in r.json["description"]
    assert events.names()[-1] == "courses.course.updated"


def test_admin_edits_any_course(tenant, client, instructor, admin):
    out = create(client, tenant, instructor)
    assert client(tenant, admin).patch_json(out["url"], {"level": "advanced"}).status_int == 200


def test_other_instructor_cannot_edit(tenant, client, instructor, user_factory, make_course):
    c = make_course(tenant, instructor)
    other = user_factory(tenant, "instructor")
    r = client(tenant, other).patch_json(f"{URL}/{c.id}", {"title": "Mine now"})
    assert r.status_int == 403


def test_teaching_assistant_cannot_edit(tenant, client, instructor, user_factory, make_course, db):
    c = make_course(tenant, instructor, status="draft")
    ta = user_factory(tenant, "learner")
    bind_tenant(db, tenant.id)
    grant_role(db, ta, "teaching_assistant", "course", str(c.id))
    system_session(db)
    assert client(tenant, ta).get(f"{URL}/{c.id}").status_int == 200  # staff see drafts
    assert client(tenant, ta).patch_json(f"{URL}/{c.id}", {"title": "x"}).status_int == 403


def test_anonymous_cannot_edit(tenant, client, make_course):
    c = make_course(tenant)
    assert client(tenant).patch_json(f"{URL}/{c.id}", {"title": "x"}).status_int == 401


def test_edit_from_another_tenant_is_refused(
    tenant, other_tenant, client, make_course, user_factory
):
    c = make_course(tenant)
    stranger = user_factory(other_tenant, "admin")
    r = client(other_tenant, stranger).patch_json(f"{URL}/{c.id}", {"title": "x"})
    assert r.status_int == 404


def test_edit_validation(tenant, client, instructor, make_course):
    c = make_course(tenant, instructor)
    c2 = make_course(tenant, instructor, slug="taken")
    url = f"{URL}/{c.id}"
    assert client(tenant, instructor).patch_json(url, {"title": None}).status_int == 422
    assert client(tenant, instructor).patch_json(url, {"price_minor": -5}).status_int == 422
    assert client(tenant, instructor).patch_json(url, {"status": "published"}).status_int == 422
    assert client(tenant, instructor).patch_json(url, {"slug": "taken"}).status_int == 409
    same = client(tenant, instructor).patch_json(f"{URL}/{c2.id}", {"slug": "taken"})
    assert same.status_int == 200
    cleared = client(tenant, instructor).patch_json(url, {"category_id": None})
    assert cleared.status_int == 200 and cleared.json["category"] is None


# ----------------------------------------------------------------- workflow


def test_submit_approve_publishes(tenant, client, instructor, admin, events, give_lesson):
    out = create(client, tenant, instructor)
    give_lesson(tenant, instructor, out["id"])
    r = client(tenant, instructor).post_json(out["url"] + "/submit", {})
    assert r.status_int == 200 and r.json["status"] == "in_review"
    assert client(tenant).get(out["url"]).status_int == 404
    r = client(tenant, admin).post_json(out["url"] + "/approve", {})
    assert r.status_int == 200 and r.json["status"] == "published"
    assert r.json["published_at"] is not None
    assert client(tenant).get(out["url"]).status_int == 200
    assert [n for n in events.names() if n.startswith("courses.")] == [
        "courses.course.created",
        "courses.course.submitted",
        "courses.course.published",
    ]


def test_return_with_comment(tenant, client, instructor, admin, events, give_lesson):
    out = create(client, tenant, instructor)
    give_lesson(tenant, instructor, out["id"])
    client(tenant, instructor).post_json(out["url"] + "/submit", {})
    r = client(tenant, admin).post_json(out["url"] + "/return", {"comment": "Add lessons"})
    assert r.status_int == 200 and r.json["status"] == "draft"
    assert client(tenant, instructor).get(out["url"]).json["review_comment"] == "Add lessons"
    assert events.names()[-1] == "courses.course.returned"
    assert events.events[-1].payload["comment"] == "Add lessons"


def test_return_needs_a_comment(tenant, client, instructor, admin, give_lesson):
    out = create(client, tenant, instructor)
    give_lesson(tenant, instructor, out["id"])
    client(tenant, instructor).post_json(out["url"] + "/submit", {})
    r = client(tenant, admin).post_json(out["url"] + "/return", {"comment": "  "})
    assert r.status_int == 422 and r.json["errors"][0]["path"] == ["body", "comment"]


def test_only_admins_approve_or_return(tenant, client, instructor, learner, make_course):
    c = make_course(tenant, instructor, status="in_review")
    for user in (instructor, learner):
        assert client(tenant, user).post_json(f"{URL}/{c.id}/approve", {}).status_int == 403
        r = client(tenant, user).post_json(f"{URL}/{c.id}/return", {"comment": "x"})
        assert r.status_int == 403
    assert client(tenant).post_json(f"{URL}/{c.id}/approve", {}).status_int == 401


def test_approve_from_another_tenant(tenant, other_tenant, client, make_course, user_factory):
    c = make_course(tenant, status="in_review")
    stranger = user_factory(other_tenant, "admin")
    assert client(other_tenant, stranger).post_json(f"{URL}/{c.id}/approve", {}).status_int == 404


def test_wrong_transitions_conflict(tenant, client, instructor, admin, make_course):
    draft = make_course(tenant, instructor, status="draft")
    published = make_course(tenant, instructor)
    assert client(tenant, admin).post_json(f"{URL}/{draft.id}/approve", {}).status_int == 409
    r = client(tenant, admin).post_json(f"{URL}/{draft.id}/return", {"comment": "x"})
    assert r.status_int == 409
    assert (
        client(tenant, instructor).post_json(f"{URL}/{published.id}/submit", {}).status_int == 409
    )


def test_submit_is_for_the_course_instructors(tenant, client, learner, make_course, user_factory):
    c = make_course(tenant, status="draft")
    # not staff: the draft does not exist for them
    assert client(tenant, learner).post_json(f"{URL}/{c.id}/submit", {}).status_int == 404
    assert client(tenant).post_json(f"{URL}/{c.id}/submit", {}).status_int == 401


def test_publish_without_review_setting(
    tenant, client, instructor, plugin_admin, events, give_lesson
):
    plugin_admin.settings(tenant, publish_without_review=True)
    out = create(client, tenant, instructor)
    give_lesson(tenant, instructor, out["id"])
    r = client(tenant, instructor).post_json(out["url"] + "/submit", {})
    assert r.status_int == 200 and r.json["status"] == "published"
    assert "courses.course.submitted" not in events.names()
    assert events.names()[-1] == "courses.course.published"


def test_archive(tenant, client, instructor, learner, make_course, events):
    c = make_course(tenant, instructor)
    assert client(tenant, learner).delete(f"{URL}/{c.id}").status_int == 403
    assert client(tenant).delete(f"{URL}/{c.id}").status_int == 401
    r = client(tenant, instructor).delete(f"{URL}/{c.id}")
    assert r.status_int == 200 and r.json["status"] == "archived"
    assert events.names() == ["courses.course.archived"]
    assert client(tenant).get(f"{URL}/{c.id}").status_int == 404
    assert client(tenant, instructor).get(f"{URL}/{c.id}").status_int == 200
    assert client(tenant, instructor).delete(f"{URL}/{c.id}").status_int == 409


def test_rolled_back_change_emits_nothing(tenant, client, instructor, make_course, events):
    make_course(tenant, slug="taken")
    client(tenant, instructor).post_json(URL, course_body(slug="taken"))
    assert events.names() == []


# ----------------------------------------------------------------- staff


def test_staff_management(tenant, client, instructor, user_factory, make_course, events):
    c = make_course(tenant, instructor, status="draft")
    ta = user_factory(tenant, "learner", email="ta@example.org")
    co = user_factory(tenant, "instructor")
    url = f"{URL}/{c.id}/staff"
    me = client(tenant, instructor)
    r = me.post_json(url, {"email": "ta@EXAMPLE.org", "role": "teaching_assistant"})
    assert r.status_int == 201, r.text
    r = me.post_json(url, {"user_id": str(co.id), "role": "instructor"})
    roles = {m["email"]: m["roles"] for m in r.json}
    assert roles["ta@example.org"] == ["teaching_assistant"] and roles[co.email] == ["instructor"]
    # the TA now sees the draft; the co-instructor may edit
    assert client(tenant, ta).get(f"{URL}/{c.id}").status_int == 200
    assert client(tenant, co).patch_json(f"{URL}/{c.id}", {"title": "Co"}).status_int == 200
    assert client(tenant, ta).get(url).status_int == 200
    assert (
        client(tenant, ta).post_json(url, {"user_id": str(ta.id), "role": "instructor"}).status_int
        == 403
    )
    assert me.delete(f"{url}/{ta.id}").status_int == 204
    assert client(tenant, ta).get(f"{URL}/{c.id}").status_int == 404
    assert me.delete(f"{url}/{co.id}?role=instructor").status_int == 204
    # the last instructor stays
    assert me.delete(f"{url}/{instructor.id}").status_int == 409
    assert me.delete(f"{url}/{uuid.uuid4()}").status_int == 404
    assert me.delete(f"{url}/{ta.id}?role=owner").status_int == 422
    assert "courses.course.updated" in events.names()


def test_staff_validation(tenant, client, instructor, make_course, user_factory, other_tenant):
    c = make_course(tenant, instructor)
    url = f"{URL}/{c.id}/staff"
    me = client(tenant, instructor)
    assert me.post_json(url, {"role": "instructor"}).status_int == 422
    assert me.post_json(url, {"email": "x@example.org", "role": "owner"}).status_int == 422
    assert (
        me.post_json(url, {"email": "nobody@example.org", "role": "instructor"}).status_int == 422
    )
    stranger = user_factory(other_tenant, "learner")
    r = me.post_json(url, {"user_id": str(stranger.id), "role": "instructor"})
    assert r.status_int == 422 and r.json["errors"][0]["path"] == ["body", "user_id"]


def test_staff_forbidden_anonymous_and_cross_tenant(
    tenant, other_tenant, client, learner, make_course, user_factory, instructor
):
    c = make_course(tenant, instructor)
    url = f"{URL}/{c.id}/staff"
    assert client(tenant, learner).get(url).status_int == 403
    assert client(tenant).get(url).status_int == 401
    stranger = user_factory(other_tenant, "admin")
    assert client(other_tenant, stranger).get(url).status_int == 404
    r = client(other_tenant, stranger).post_json(
        url, {"user_id": str(stranger.id), "role": "instructor"}
    )
    assert r.status_int == 404


# ----------------------------------------------------------------- enablement


def test_disabled_for_one_tenant_while_another_keeps_it(
    tenant_factory, client, make_course, plugin_admin
):
    tenant, other_tenant = tenant_factory(plugins=["courses"]), tenant_factory(plugins=["courses"])
    mine = make_course(tenant, title="Still here")
    theirs = make_course(other_tenant, title="Gone")
    plugin_admin.disable(other_tenant)
    assert client(other_tenant).get(URL).status_int == 404
    assert client(other_tenant).get(f"{URL}/{theirs.id}").status_int == 404
    assert client(other_tenant).get("/courses").status_int == 404
    r = client(tenant).get(URL)
    assert r.status_int == 200 and [i["title"] for i in r.json["items"]] == ["Still here"]
    assert client(tenant).get(f"/courses/{mine.slug}").status_int == 200


def test_openapi_lists_the_endpoints(tenant, tenant_factory, client):
    doc = client(tenant).get("/api/v1/openapi.json")
    assert doc.status_int == 200
    paths = doc.json["paths"]
    for path in (URL, URL + "/{id}", URL + "/{id}/staff", "/api/v1/course-categories"):
        assert path in paths, path
    without = tenant_factory(plugins=[])
    assert URL not in client(without).get("/api/v1/openapi.json").json["paths"]
