"""The question bank API: allowed, forbidden, anonymous and cross-tenant callers,
invalid input with its error paths, filters and pagination, versions and the event."""

from __future__ import annotations

import uuid

import pytest


def problem(r, status):
    assert r.status_int == status, r.text
    assert r.content_type == "application/problem+json"
    return r.json


def error_paths(r, status=422):
    return [e["path"] for e in problem(r, status)["errors"]]


CHOICE = {
    "type": "single_choice",
    "title": "Capital of France",
    "prompt": "<p>Which is the capital of France?</p>",
    "spec": {
        "options": [{"id": "a", "text": "Paris"}, {"id": "b", "text": "Lyon"}],
        "correct": "a",
    },
    "points": "2",
    "tags": ["Geography", "europe"],
    "difficulty": "easy",
}


# -- who may -------------------------------------------------------------------------------


def test_instructor_creates_reads_updates_and_archives(tenant, bank, client):
    c = client(tenant, bank.instructor)
    r = c.post_json(bank.url, {**CHOICE, "prompt": "<p onclick='x()'>Hi<script>1</script></p>"})
    assert r.status_int == 201, r.text
    created = r.json
    assert r.headers["Location"] == created["url"]
    assert created["prompt"] == "<p>Hi</p>"  # sanitized with nh3
    assert created["tags"] == ["geography", "europe"]
    assert created["points"] == "2.00" and created["version"] == 1
    assert created["status"] == "active" and created["created_by"] == str(bank.instructor.id)
    item = f"{bank.url}/{created['id']}"
    assert c.get(item).json["spec"]["correct"] == "a"
    changed = c.patch_json(item, {"title": "Renamed"})
    assert changed.status_int == 200 and changed.json["title"] == "Renamed"
    assert changed.json["version"] == 1  # the title is not versioned
    assert c.delete(item).status_int == 204
    assert c.get(item).json["status"] == "archived"
    assert c.delete(item).status_int == 204  # idempotent


def test_admin_uses_any_course_bank(tenant, bank, client):
    r = client(tenant, bank.admin).post_json(bank.url, CHOICE)
    assert r.status_int == 201
    assert client(tenant, bank.admin).get(bank.url).json["items"][0]["id"] == r.json["id"]


@pytest.mark.parametrize("who", ["learner", "assistant", "other_instructor"])
def test_others_are_refused_everywhere(tenant, bank, client, add_question, user_factory, who):
    """Learners, the course's teaching assistants and instructors of other courses:
    403 on every route (the key is in the spec)."""
    question = add_question()
    user = {
        "learner": bank.learner,
        "assistant": bank.assistant,
        "other_instructor": user_factory(tenant, "instructor"),
    }[who]
    c = client(tenant, user)
    item = f"{bank.url}/{question['id']}"
    calls = [
        c.get(bank.url),
        c.post_json(bank.url, CHOICE),
        c.get(item),
        c.patch_json(item, {"title": "x"}),
        c.delete(item),
    ]
    assert [r.status_int for r in calls] == [403] * 5
    assert all(r.content_type == "application/problem+json" for r in calls)


def test_anonymous_callers_must_sign_in(tenant, bank, client, add_question):
    question = add_question()
    c = client(tenant)
    item = f"{bank.url}/{question['id']}"
    for r in (
        c.get(bank.url),
        c.post_json(bank.url, CHOICE),
        c.get(item),
        c.patch_json(item, {"title": "x"}),
        c.delete(item),
    ):
        problem(r, 401)


def test_other_tenants_see_nothing(
    tenant, other_tenant, bank, client, foreign_client, add_question, user_factory
):
    question = add_question()
    item = f"{bank.url}/{question['id']}"
    foreign = foreign_client(tenant, other_tenant)
    for r in (
        foreign.get(bank.url),
        foreign.get(item),
        foreign.patch_json(item, {"title": "stolen"}),
        foreign.delete(item),
        foreign.post_json(bank.url, CHOICE),
    ):
        assert r.status_int in (401, 404), r.status
    # the other tenant's admin on their own host: the course is unknown there
    admin = client(other_tenant, user_factory(other_tenant, "admin"))
    for r in (
        admin.get(bank.url),
        admin.post_json(bank.url, CHOICE),
        admin.get(item),
        admin.patch_json(item, {"title": "x"}),
        admin.delete(item),
    ):
        problem(r, 404)
    unchanged = client(tenant, bank.instructor).get(item).json
    assert unchanged["title"] == question["title"] and unchanged["status"] == "active"


def test_unknown_and_malformed_ids_answer_404(tenant, bank, client, add_question, make_course):
    c = client(tenant, bank.instructor)
    problem(c.get(f"/api/v1/courses/{uuid.uuid4()}/questions"), 404)
    problem(c.get("/api/v1/courses/not-a-uuid/questions"), 404)
    problem(c.get(f"{bank.url}/{uuid.uuid4()}"), 404)
    problem(c.get(f"{bank.url}/nope"), 404)
    # a question of another course of the same tenant is not reachable through this one
    other = make_course(tenant, instructor=bank.instructor)
    theirs = c.post_json(f"/api/v1/courses/{other.id}/questions", CHOICE).json
    problem(c.get(f"{bank.url}/{theirs['id']}"), 404)
    problem(c.patch_json(f"{bank.url}/{theirs['id']}", {"title": "x"}), 404)


def test_draft_course_bank_is_hidden_from_non_staff(tenant, bank, client, make_course):
    draft = make_course(tenant, status="draft", instructor=bank.instructor)
    url = f"/api/v1/courses/{draft.id}/questions"
    assert client(tenant, bank.instructor).get(url).status_int == 200
    problem(client(tenant, bank.learner).get(url), 404)


# -- invalid input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "path"),
    [
        ({"type": "dance"}, ["body", "type"]),
        ({"title": ""}, ["body", "title"]),
        ({"title": "x" * 201}, ["body", "title"]),
        ({"points": "0"}, ["body", "points"]),
        ({"points": "1000.01"}, ["body", "points"]),
        ({"points": "1.005"}, ["body", "points"]),
        ({"difficulty": "brutal"}, ["body", "difficulty"]),
        ({"tags": ["x" * 41]}, ["body", "tags", 0]),
        ({"tags": ["t"] * 21}, ["body", "tags"]),
        ({"media_asset_id": "nope"}, ["body", "media_asset_id"]),
        ({"extra": 1}, ["body", "extra"]),
        ({"spec": {"options": [{"text": "only"}], "correct": 0}}, ["body", "spec", "options"]),
        (
            {"spec": {"options": [{"text": "a"}, {"text": "b"}], "correct": "z"}},
            ["body", "spec", "correct"],
        ),
        (
            {"type": "short_answer", "spec": {"mode": "regex", "answers": ["(a+)+"]}},
            ["body", "spec", "answers", 0],
        ),
        ({"type": "true_false", "spec": {"correct": "yes"}}, ["body", "spec", "correct"]),
        ({"spec": "not an object"}, ["body", "spec"]),
    ],
)
def test_create_refuses_invalid_input_with_its_path(tenant, bank, client, changes, path):
    r = client(tenant, bank.instructor).post_json(bank.url, {**CHOICE, **changes})
    assert path in error_paths(r)


def test_missing_fields_and_bad_json(tenant, bank, client):
    c = client(tenant, bank.instructor)
    paths = error_paths(c.post_json(bank.url, {}))
    assert ["body", "type"] in paths and ["body", "title"] in paths and ["body", "spec"] in paths
    problem(c.post(bank.url, "{", content_type="application/json"), 400)


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"title": None}, ["body", "title"]),
        ({"points": -1}, ["body", "points"]),
        ({"status": "deleted"}, ["body", "status"]),
        ({"spec": {"options": [], "correct": 0}}, ["body", "spec", "options"]),
        ({"type": "true_false"}, ["body", "spec"]),  # a new type needs its spec
        ({"type": "true_false", "spec": {"correct": 1}}, ["body", "spec", "correct"]),
        ({"unknown": True}, ["body", "unknown"]),
    ],
)
def test_update_refuses_invalid_input_with_its_path(tenant, bank, client, add_question, body, path):
    question = add_question()
    r = client(tenant, bank.instructor).patch_json(f"{bank.url}/{question['id']}", body)
    assert path in error_paths(r)


@pytest.mark.parametrize(
    ("query", "path"),
    [
        ("difficulty=brutal", ["query", "difficulty"]),
        ("type=dance", ["query", "type"]),
        ("status=gone", ["query", "status"]),
        ("limit=0", ["query", "limit"]),
        ("cursor=%21%21", ["query", "cursor"]),
    ],
)
def test_list_refuses_invalid_filters(tenant, bank, client, query, path):
    r = client(tenant, bank.instructor).get(f"{bank.url}?{query}")
    assert path in error_paths(r, 400 if "cursor" in query else 422)


# -- versions and events ---------------------------------------------------------------------------


def test_versioned_changes_bump_the_version_and_emit_the_event(
    tenant, bank, client, add_question, events
):
    question = add_question()
    item = f"{bank.url}/{question['id']}"
    c = client(tenant, bank.instructor)
    assert c.patch_json(item, {"tags": ["new"], "difficulty": "hard"}).json["version"] == 1
    assert events.named("assessment.question.updated") == []
    r = c.patch_json(item, {"points": "3", "prompt": "<p>Changed</p>"})
    assert r.json["version"] == 2
    (event,) = events.named("assessment.question.updated")
    assert event.resource_id == question["id"]
    assert event.payload == {
        "course_id": str(bank.course.id),
        "version": 2,
        "changed": ["prompt", "points"],
    }
    # the same values again: no new version, no event
    assert c.patch_json(item, {"points": "3.00", "prompt": "<p>Changed</p>"}).json["version"] == 2
    assert len(events.named("assessment.question.updated")) == 1
    r = c.patch_json(item, {"type": "true_false", "spec": {"correct": False}})
    assert r.json["version"] == 3 and r.json["spec"] == {"correct": False}
    assert events.named("assessment.question.updated")[-1].payload["changed"] == ["type", "spec"]


def test_a_refused_update_changes_nothing(tenant, bank, client, add_question, events):
    question = add_question()
    item = f"{bank.url}/{question['id']}"
    c = client(tenant, bank.instructor)
    problem(c.patch_json(item, {"points": "5", "spec": {"options": [], "correct": 0}}), 422)
    assert c.get(item).json["points"] == "2.00"
    assert events.named("assessment.question.updated") == []


# -- lists -------------------------------------------------------------------------------------------


def test_filters(tenant, bank, client, add_question):
    a = add_question(title="Rivers of Spain", tags=["geo", "spain"], difficulty="hard")
    b = add_question(
        title="Spanish verbs", tags=["language", "spain"], type="true_false", spec={"correct": True}
    )
    c_ = add_question(title="Pie", tags=["geo_x"], prompt="<p>About 100% of pies</p>")
    archived = add_question(title="Old", tags=["geo"])
    c = client(tenant, bank.instructor)
    c.delete(f"{bank.url}/{archived['id']}")

    def ids(query=""):
        return {q["id"] for q in c.get(f"{bank.url}?{query}").json["items"]}

    assert ids() == {a["id"], b["id"], c_["id"]}
    assert ids("tag=spain") == {a["id"], b["id"]}
    assert ids("tag=geo") == {a["id"]}  # whole tags only: not geo_x
    assert ids("tag=GEO") == {a["id"]}
    assert ids("tag=geo&status=all") == {a["id"], archived["id"]}
    assert ids("status=archived") == {archived["id"]}
    assert ids("difficulty=hard") == {a["id"]}
    assert ids("type=true_false") == {b["id"]}
    assert ids("q=spAnish") == {b["id"]}
    assert ids("q=100%25") == {c_["id"]}  # LIKE wildcards are literal
    assert ids("q=_") == set()


def test_pagination_walks_every_question_once(tenant, bank, client, add_question):
    made = {add_question(title=f"Q{i}")["id"] for i in range(7)}
    c = client(tenant, bank.instructor)
    seen, url, pages = [], f"{bank.url}?limit=3", 0
    while url:
        page = c.get(url).json
        seen.extend(q["id"] for q in page["items"])
        pages += 1
        url = f"{bank.url}?limit=3&cursor={page['next_cursor']}" if page["next_cursor"] else None
    assert pages == 3 and len(seen) == 7 and set(seen) == made


# -- media -------------------------------------------------------------------------------------------


def test_media_must_be_the_editors_and_fit(tenant, bank, client, make_asset, user_factory):
    c = client(tenant, bank.instructor)
    mine = make_asset(tenant, bank.instructor)
    r = c.post_json(bank.url, {**CHOICE, "media_asset_id": str(mine.id)})
    assert r.status_int == 201 and r.json["media_asset_id"] == str(mine.id)
    someone_elses = make_asset(tenant, user_factory(tenant, "instructor"))
    pdf = make_asset(tenant, bank.instructor, content_type="application/pdf")
    processing = make_asset(tenant, bank.instructor, status="uploading")
    for asset, kind in ((someone_elses, "media"), (pdf, "type"), (processing, "not_ready")):
        errors = problem(c.post_json(bank.url, {**CHOICE, "media_asset_id": str(asset.id)}), 422)[
            "errors"
        ]
        assert errors[0]["path"] == ["body", "media_asset_id"] and errors[0]["type"] == kind
    errors = problem(c.post_json(bank.url, {**CHOICE, "media_asset_id": str(uuid.uuid4())}), 422)[
        "errors"
    ]
    assert errors[0]["type"] == "media"
    # removing it
    item = r.json["url"]
    assert c.patch_json(item, {"media_asset_id": None}).json["media_asset_id"] is None


def test_question_media_is_visible_to_course_members_only(
    tenant, bank, client, make_asset, enrol_directly, user_factory, hook_request
):
    """``learninghub_media_can_access``: the course's staff and the learners with
    access to the course may see an active question's image; others get no opinion."""
    from learninghub_assessment import learninghub_media_can_access

    asset = make_asset(tenant, bank.instructor)
    c = client(tenant, bank.instructor)
    question = c.post_json(bank.url, {**CHOICE, "media_asset_id": str(asset.id)}).json
    enrol_directly(tenant, bank.course, bank.learner)
    stranger = user_factory(tenant, "learner")

    def access(user):
        return learninghub_media_can_access(request=hook_request(tenant, user), asset=asset)

    assert access(bank.instructor) is True
    assert access(bank.assistant) is True
    assert access(bank.learner) is True
    assert access(stranger) is None
    assert access(None) is None
    c.delete(question["url"])
    assert access(bank.learner) is None  # archived questions vouch for nothing
