"""Enrolling and unenrolling: /api/v1/courses/{id}/enrollment and admin enrolments."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from learninghub.db import utcnow


def mine(course_id) -> str:
    return f"/api/v1/courses/{course_id}/enrollment"


def roster(course_id) -> str:
    return f"/api/v1/courses/{course_id}/enrollments"


# ----------------------------------------------------------------- self-enrolment


def test_learner_enrols_in_a_free_course(
    tenant, user_factory, client, make_course, course_row, events
):
    setup = make_course(tenant)
    learner = user_factory(tenant)
    r = client(tenant, learner).post_json(mine(setup.id), {})
    assert r.status_int == 201, r.text
    body = r.json
    assert body["status"] == "active" and body["source"] == "free" and body["has_access"]
    assert body["progress_percent"] == 0 and body["course_title"] == setup.course.title
    assert r.headers["Location"] == body["url"]
    assert body["continue_url"].endswith(f"/my-learning/continue/{setup.id}")
    assert course_row(setup.id).enrolment_count == 1
    assert events.names() == ["enrollment.enrollment.created"]
    event = events.events[0]
    assert event.payload["user_id"] == str(learner.id)
    assert event.payload["course_id"] == str(setup.id)
    assert event.actor_id == learner.id


def test_enrolling_twice_is_idempotent(
    tenant, user_factory, client, make_course, course_row, events
):
    setup = make_course(tenant)
    c = client(tenant, user_factory(tenant))
    first = c.post_json(mine(setup.id), {})
    again = c.post_json(mine(setup.id), {})
    assert first.status_int == 201 and again.status_int == 200
    assert again.json["id"] == first.json["id"]
    assert course_row(setup.id).enrolment_count == 1
    assert events.names() == ["enrollment.enrollment.created"]


def test_get_my_enrollment(tenant, user_factory, client, make_course):
    setup = make_course(tenant)
    c = client(tenant, user_factory(tenant))
    assert c.get(mine(setup.id)).status_int == 404
    c.post_json(mine(setup.id), {})
    c.post_json(f"/api/v1/lessons/{setup.lessons[1].id}/progress", {"completed": True})
    r = c.get(mine(setup.id))
    assert r.status_int == 200
    assert r.json["completed_lesson_ids"] == [str(setup.lessons[1].id)]
    assert r.json["last_lesson_id"] == str(setup.lessons[1].id)


def test_unenrol_keeps_progress_and_enrolling_again_restores_it(
    tenant, user_factory, client, make_course, course_row, events
):
    setup = make_course(tenant, lessons=2)
    c = client(tenant, user_factory(tenant))
    c.post_json(mine(setup.id), {})
    c.post_json(f"/api/v1/lessons/{setup.lessons[0].id}/progress", {"completed": True})
    r = c.delete(mine(setup.id))
    assert r.status_int == 204
    assert course_row(setup.id).enrolment_count == 0
    assert c.get(mine(setup.id)).json["status"] == "cancelled"
    assert c.delete(mine(setup.id)).status_int == 404  # not enrolled any more
    again = c.post_json(mine(setup.id), {})
    assert again.status_int == 201
    assert again.json["status"] == "active" and again.json["progress_percent"] == 50
    assert course_row(setup.id).enrolment_count == 1
    ours = events.named("enrollment.")  # gamification adds its own (a badge)
    assert [e.name for e in ours] == [
        "enrollment.enrollment.created",
        "enrollment.lesson.completed",
        "enrollment.enrollment.cancelled",
        "enrollment.enrollment.created",
    ]
    assert ours[-1].payload["reactivated"] is True


def test_paid_course_is_refused_without_a_seller(catalog_tenant, user_factory, client, make_course):
    setup = make_course(catalog_tenant, price_minor=4900)
    r = client(catalog_tenant, user_factory(catalog_tenant)).post_json(mine(setup.id), {})
    assert r.status_int == 409
    assert r.content_type == "application/problem+json"
    assert "paid course" in r.json["detail"]


def test_paid_course_answers_402_when_someone_sells_it(
    tenant, user_factory, client, make_course, seller, course_row
):
    setup = make_course(tenant, price_minor=4900)
    r = client(tenant, user_factory(tenant)).post_json(mine(setup.id), {})
    assert r.status_int == 402
    assert r.json["title"] == "Payment required"
    assert course_row(setup.id).enrolment_count == 0


def test_self_enrolment_can_be_turned_off(tenant, user_factory, client, make_course, plugin_admin):
    setup = make_course(tenant)
    plugin_admin.settings(tenant, self_enrolment=False)
    r = client(tenant, user_factory(tenant)).post_json(mine(setup.id), {})
    assert r.status_int == 403 and "admin enrols you" in r.json["detail"]


def test_access_days_setting_gives_an_expiry(
    tenant, user_factory, client, make_course, plugin_admin
):
    setup = make_course(tenant)
    plugin_admin.settings(tenant, access_days=30)
    r = client(tenant, user_factory(tenant)).post_json(mine(setup.id), {})
    assert r.status_int == 201
    from datetime import datetime

    expires = datetime.fromisoformat(r.json["expires_at"])
    assert timedelta(days=29) < expires - utcnow() <= timedelta(days=30)


def test_unpublished_course_is_invisible_to_learners_and_closed_to_staff(
    tenant, user_factory, client, make_course
):
    instructor = user_factory(tenant, "instructor")
    setup = make_course(tenant, status="draft", instructor=instructor)
    assert client(tenant, user_factory(tenant)).post_json(mine(setup.id), {}).status_int == 404
    r = client(tenant, instructor).post_json(mine(setup.id), {})
    assert r.status_int == 409 and "not published" in r.json["detail"]


@pytest.mark.parametrize("bad", ["nope", str(uuid.uuid4()), "1" * 300])
def test_unknown_course_ids_answer_404(tenant, user_factory, client, bad):
    c = client(tenant, user_factory(tenant))
    assert c.post_json(mine(bad), {}).status_int == 404
    assert c.get(mine(bad)).status_int == 404
    assert c.delete(mine(bad)).status_int == 404


def test_anonymous_gets_401(tenant, client, make_course):
    setup = make_course(tenant)
    assert client(tenant).post_json(mine(setup.id), {}).status_int == 401
    assert client(tenant).get(mine(setup.id)).status_int == 401
    assert client(tenant).delete(mine(setup.id)).status_int == 401
    assert client(tenant).get("/api/v1/me/enrollments").status_int == 401


def test_role_without_grants_is_forbidden(tenant, user_factory, client, make_course):
    setup = make_course(tenant)
    guest = client(tenant, user_factory(tenant, "guest"))
    r = guest.post_json(mine(setup.id), {})
    assert r.status_int == 403 and r.json["detail"].endswith("enrollment:enrollment:learn")


def test_cross_tenant(tenant, other_tenant, user_factory, client, make_course, foreign_client):
    setup = make_course(tenant)
    stranger = client(other_tenant, user_factory(other_tenant, "admin"))
    assert stranger.post_json(mine(setup.id), {}).status_int == 404
    assert stranger.get(roster(setup.id)).status_int == 404
    assert foreign_client(tenant, other_tenant).post_json(mine(setup.id), {}).status_int == 401


# ----------------------------------------------------------------- my list


def test_my_enrollments_lists_only_mine(tenant, user_factory, client, make_course):
    a, b = make_course(tenant, title="Alpha"), make_course(tenant, title="Beta")
    me, other = user_factory(tenant), user_factory(tenant)
    c = client(tenant, me)
    c.post_json(mine(a.id), {})
    c.post_json(mine(b.id), {})
    client(tenant, other).post_json(mine(a.id), {})
    r = c.get("/api/v1/me/enrollments", params={"limit": 1})
    assert r.status_int == 200
    assert [i["course_title"] for i in r.json["items"]] == ["Beta"]
    r2 = c.get("/api/v1/me/enrollments", params={"limit": 1, "cursor": r.json["next_cursor"]})
    assert [i["course_title"] for i in r2.json["items"]] == ["Alpha"]
    assert r2.json["next_cursor"] is None
    bad = c.get("/api/v1/me/enrollments", params={"limit": 0})
    assert bad.status_int == 422 and bad.json["errors"][0]["path"] == ["query", "limit"]


# ----------------------------------------------------------------- admin enrolments


def test_admin_enrols_a_user_with_a_window(
    tenant, user_factory, client, make_course, course_row, events
):
    setup = make_course(tenant, price_minor=9900)  # admins enrol in paid courses too
    learner = user_factory(tenant)
    starts = (utcnow() - timedelta(days=1)).isoformat()
    expires = (utcnow() + timedelta(days=10)).isoformat()
    r = client(tenant, user_factory(tenant, "admin")).post_json(
        roster(setup.id), {"user_id": str(learner.id), "starts_at": starts, "expires_at": expires}
    )
    assert r.status_int == 201, r.text
    assert r.json["source"] == "admin" and r.json["has_access"] is True
    assert r.json["user_id"] == str(learner.id)
    assert course_row(setup.id).enrolment_count == 1
    assert events.names() == ["enrollment.enrollment.created"]
    own = client(tenant, learner).get(mine(setup.id))
    assert own.status_int == 200 and own.json["has_access"] is True


def test_admin_enrolment_input_is_validated(tenant, user_factory, client, make_course):
    setup = make_course(tenant)
    admin = client(tenant, user_factory(tenant, "admin"))
    learner = user_factory(tenant)
    r = admin.post_json(
        roster(setup.id),
        {
            "user_id": str(learner.id),
            "starts_at": "2030-01-02T00:00:00Z",
            "expires_at": "2030-01-01T00:00:00Z",
        },
    )
    assert r.status_int == 422 and "expires_at must be after starts_at" in r.text
    r = admin.post_json(roster(setup.id), {"user_id": str(uuid.uuid4())})
    assert r.status_int == 422 and r.json["errors"][0]["path"] == ["body", "user_id"]
    r = admin.post_json(roster(setup.id), {"user_id": str(learner.id), "expires_at": "2030-01-01"})
    assert r.status_int == 422  # naive: a date without a time zone
    r = admin.post_json(roster(setup.id), {"user_id": str(learner.id), "role": "x"})
    assert r.status_int == 422 and r.json["errors"][0]["type"] == "extra_forbidden"


def test_admin_cannot_enrol_a_user_of_another_tenant(
    tenant, other_tenant, user_factory, client, make_course
):
    setup = make_course(tenant)
    stranger = user_factory(other_tenant)
    r = client(tenant, user_factory(tenant, "admin")).post_json(
        roster(setup.id), {"user_id": str(stranger.id)}
    )
    assert r.status_int == 422


def test_only_managers_enrol_others(tenant, user_factory, client, make_course):
    instructor = user_factory(tenant, "instructor")
    setup = make_course(tenant, instructor=instructor)
    learner = user_factory(tenant)
    for who in (instructor, user_factory(tenant)):
        r = client(tenant, who).post_json(roster(setup.id), {"user_id": str(learner.id)})
        assert r.status_int == 403
    assert (
        client(tenant).post_json(roster(setup.id), {"user_id": str(learner.id)}).status_int == 401
    )


def test_manager_changes_the_window_and_cancels(
    tenant, user_factory, client, make_course, course_row
):
    setup = make_course(tenant)
    learner = user_factory(tenant)
    admin = client(tenant, user_factory(tenant, "admin"))
    url = client(tenant, learner).post_json(mine(setup.id), {}).json["url"]
    past = (utcnow() - timedelta(hours=1)).isoformat()
    r = admin.patch_json(url, {"expires_at": past})
    assert r.status_int == 200 and r.json["has_access"] is False
    assert r.json["effective_status"] == "expired"
    assert client(tenant, learner).get(mine(setup.id)).json["has_access"] is False
    r = admin.patch_json(url, {"expires_at": None})
    assert r.json["has_access"] is True
    r = admin.patch_json(url, {"status": "cancelled"})
    assert r.json["status"] == "cancelled" and course_row(setup.id).enrolment_count == 0
    r = admin.patch_json(url, {"status": "active"})
    assert r.json["status"] == "active" and course_row(setup.id).enrolment_count == 1
    assert admin.patch_json(url, {"status": "expired"}).status_int == 422
    assert client(tenant, learner).patch_json(url, {"expires_at": None}).status_int == 403


def test_enrollment_item_visibility(tenant, user_factory, client, make_course):
    instructor, assistant = user_factory(tenant, "instructor"), user_factory(tenant)
    setup = make_course(tenant, instructor=instructor, assistant=assistant)
    learner = user_factory(tenant)
    url = client(tenant, learner).post_json(mine(setup.id), {}).json["url"]
    for who in (learner, instructor, assistant, user_factory(tenant, "admin")):
        assert client(tenant, who).get(url).status_int == 200
    assert client(tenant, user_factory(tenant)).get(url).status_int == 404
    assert client(tenant, user_factory(tenant, "instructor")).get(url).status_int == 404
    assert client(tenant).get(url).status_int == 401


def test_a_concurrent_twin_enrolment_is_returned_not_a_500(
    tenant, user_factory, client, make_course, enrol_directly, monkeypatch, events
):
    """Two requests enrol the same user at once: the second one's INSERT meets the
    unique constraint (simulated: it does not see the first one's row) and answers
    with the first one's enrolment."""
    from learninghub_enrollment import services

    setup = make_course(tenant)
    learner = user_factory(tenant)
    twin = enrol_directly(tenant, setup.course, learner)
    real_find = services.find_enrollment
    calls = []

    def blind_once(db, course_id, user_id):
        calls.append(1)
        return None if len(calls) == 1 else real_find(db, course_id, user_id)

    monkeypatch.setattr(services, "find_enrollment", blind_once)
    monkeypatch.setattr(services, "my_enrollments", lambda request: {})
    monkeypatch.setattr(services, "my_enrollment", lambda request, course: None)
    r = client(tenant, learner).post_json(mine(setup.id), {})
    assert r.status_int == 201, r.text
    assert r.json["id"] == str(twin.id)
    assert events.names() == []  # the first request announced it
