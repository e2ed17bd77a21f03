"""The gradebook: API and pages, learners see only their own grades, overrides
(audited), CSV export, the certificates hooks."""

from __future__ import annotations

import csv
import io
import uuid
from decimal import Decimal

import pytest


@pytest.fixture
def graded(classroom, tenant, client, user_factory, enrol_directly, make_assignment, make_course):
    """The classroom with a second assignment (weight 3, pass mark 50, required),
    and the learner graded 10/20 on the first and 15/20 on the second; a second
    learner who submitted nothing."""
    room = classroom
    room.second = make_assignment(
        tenant, room.setup, 1, weight=Decimal("3"), passing_percent=Decimal("50"), required=True
    )
    # lesson 1 is a text lesson in the fixture: make it an assignment lesson
    room.setup.lessons[1].type = "assignment"
    room.other = user_factory(tenant, email="=HYPERLINK(evil)@example.org")
    enrol_directly(tenant, room.setup.course, room.other)
    for assignment, points in ((room.assignment, "10"), (room.second, "15")):
        sub = (
            client(tenant, room.learner)
            .put_json(f"/api/v1/assignments/{assignment.id}/submission", {"text": "work"})
            .json
        )
        client(tenant, room.instructor).post_json(
            f"/api/v1/submissions/{sub['id']}/grade", {"points": points}
        )
    room.keys = [f"assignment:{room.assignment.id}", f"assignment:{room.second.id}"]
    return room


def book(course_id) -> str:
    return f"/api/v1/courses/{course_id}/gradebook"


def test_staff_read_the_gradebook(graded, tenant, client, user_factory):
    room = graded
    for who in (room.instructor, room.assistant, user_factory(tenant, "admin")):
        r = client(tenant, who).get(book(room.setup.id))
        assert r.status_int == 200, r.text
        assert [c["key"] for c in r.json["columns"]] == room.keys
        rows = {row["user_email"]: row for row in r.json["items"]}
        mine = rows[room.learner.email]
        assert mine["cells"][room.keys[0]]["percent"] == "50.00"
        assert mine["cells"][room.keys[1]]["percent"] == "75.00"
        assert mine["total"] == "68.75" and mine["current"] == "68.75"  # (50 + 3×75) / 4
        nothing = rows[room.other.email]
        assert nothing["total"] == "0.00" and nothing["current"] is None


def test_gradebook_paginates(graded, tenant, client):
    c = client(graded.tenant if hasattr(graded, "tenant") else tenant, graded.instructor)
    first = c.get(book(graded.setup.id), params={"limit": 1})
    second = c.get(book(graded.setup.id), params={"limit": 1, "cursor": first.json["next_cursor"]})
    ids = [r["user_id"] for r in first.json["items"] + second.json["items"]]
    assert sorted(ids) == sorted([str(graded.learner.id), str(graded.other.id)])
    assert (
        c.get(book(graded.setup.id), params={"cursor": "nope!"}, expect_errors=True).status_int
        == 400
    )


def test_gradebook_is_for_staff_only(graded, tenant, other_tenant, client, user_factory):
    room = graded
    url = book(room.setup.id)
    assert client(tenant, room.learner).get(url, expect_errors=True).status_int == 403
    assert (
        client(tenant, user_factory(tenant, "instructor")).get(url, expect_errors=True).status_int
        == 403
    )
    assert client(tenant).get(url, expect_errors=True).status_int == 401
    foreign = client(other_tenant, user_factory(other_tenant, "admin"))
    assert foreign.get(url, expect_errors=True).status_int == 404
    assert foreign.get(url + "/me", expect_errors=True).status_int == 404
    body = {"user_id": str(room.learner.id), "item": "total", "percent": "1", "reason": "x"}
    assert foreign.put_json(url + "/overrides", body, expect_errors=True).status_int == 404


def test_learners_see_their_own_grades_only(graded, tenant, client):
    room = graded
    mine = client(tenant, room.learner).get(book(room.setup.id) + "/me")
    assert mine.status_int == 200
    assert mine.json["row"]["user_id"] == str(room.learner.id)
    assert mine.json["row"]["total"] == "68.75"
    assert "items" not in mine.json
    other = client(tenant, room.other).get(book(room.setup.id) + "/me").json
    assert other["row"]["user_id"] == str(room.other.id) and other["row"]["total"] == "0.00"
    assert (
        client(tenant, room.stranger)
        .get(book(room.setup.id) + "/me", expect_errors=True)
        .status_int
        == 403
    )
    assert client(tenant).get(book(room.setup.id) + "/me", expect_errors=True).status_int == 401


def test_overrides_replace_a_cell_or_the_total_and_are_audited(graded, tenant, client, events):
    room = graded
    staff = client(tenant, room.instructor)
    url = book(room.setup.id) + "/overrides"
    r = staff.put_json(
        url,
        {
            "user_id": str(room.learner.id),
            "item": room.keys[0],
            "percent": "100",
            "reason": "Regraded by hand",
        },
    )
    assert r.status_int == 200, r.text
    event = events.named("assessment.grade.overridden")[-1]
    assert event.payload["old"] == {"percent": "50.00"} and event.payload["new"] == {
        "percent": "100"
    }
    assert event.payload["reason"] == "Regraded by hand"
    assert events.named("assessment.grade.changed")[-1].payload["user_id"] == str(room.learner.id)
    row = client(tenant, room.learner).get(book(room.setup.id) + "/me").json["row"]
    assert row["cells"][room.keys[0]]["percent"] == "100.00"
    assert row["cells"][room.keys[0]]["overridden"] is True
    assert row["cells"][room.keys[0]]["computed_percent"] == "50.00"
    assert row["total"] == "81.25"  # (100 + 3×75) / 4
    staff.put_json(
        url,
        {
            "user_id": str(room.learner.id),
            "item": "total",
            "percent": "90",
            "reason": "Participation",
        },
    )
    assert (
        client(tenant, room.learner).get(book(room.setup.id) + "/me").json["row"]["total"]
        == "90.00"
    )
    gone = staff.delete(url + f"?user_id={room.learner.id}&item=total")
    assert gone.status_int == 204
    assert (
        client(tenant, room.learner).get(book(room.setup.id) + "/me").json["row"]["total"]
        == "81.25"
    )
    assert (
        staff.delete(url + f"?user_id={room.learner.id}&item=total", expect_errors=True).status_int
        == 404
    )
    from learninghub_assessment.gradebook.hooks import audit_auditable_events

    assert "assessment.grade.overridden" in audit_auditable_events(None)


def test_overrides_validate_input(graded, tenant, client):
    room = graded
    staff = client(tenant, room.assistant)
    url = book(room.setup.id) + "/overrides"
    good = {"user_id": str(room.learner.id), "item": "total", "percent": "50", "reason": "why"}
    for field, value in (
        ("percent", "100.01"),
        ("percent", "-1"),
        ("percent", "1.234"),
        ("reason", ""),
        ("item", "quiz:nope"),
        ("user_id", str(room.stranger.id)),
        ("user_id", "nope"),
    ):
        r = staff.put_json(url, dict(good, **{field: value}), expect_errors=True)
        assert r.status_int == 422, (field, value)
        assert r.json["errors"][0]["path"][:2] == ["body", field], r.json
    missing = {k: v for k, v in good.items() if k != "reason"}
    assert staff.put_json(url, missing, expect_errors=True).status_int == 422
    assert client(tenant, room.learner).put_json(url, good, expect_errors=True).status_int == 403
    assert client(tenant).put_json(url, good, expect_errors=True).status_int == 401
    assert (
        client(tenant, room.learner)
        .delete(url + f"?user_id={room.learner.id}&item=total", expect_errors=True)
        .status_int
        == 403
    )


def test_csv_export(graded, tenant, page_browser, events, client):
    room = graded
    client(tenant, room.instructor).put_json(
        book(room.setup.id) + "/overrides",
        {"user_id": str(room.learner.id), "item": room.keys[1], "percent": "80", "reason": "r"},
    )
    r = page_browser(tenant, room.assistant).get(f"/teach/courses/{room.setup.id}/gradebook.csv")
    assert r.status_int == 200 and r.content_type == "text/csv"
    assert "attachment" in r.headers["Content-Disposition"]
    lines = list(csv.reader(io.StringIO(r.body.decode("utf-8-sig"))))
    assert lines[0][:3] == ["name", "email", "status"] and lines[0][-2:] == ["total", "current"]
    assert lines[0][3] == f"Lesson 1 [{room.keys[0]}]"
    by_email = {line[1]: line for line in lines[1:]}
    assert by_email[room.learner.email][3:] == ["50.00", "80.00", "72.50", "72.50"]
    assert "'=HYPERLINK(evil)@example.org" in by_email  # formula neutralised
    assert events.named("assessment.gradebook.exported")[-1].payload["rows"] == 2
    assert (
        page_browser(tenant, room.learner)
        .get(f"/teach/courses/{room.setup.id}/gradebook.csv")
        .status_int
        == 403
    )


def test_gradebook_page(graded, tenant, page_browser, other_tenant, user_factory):
    room = graded
    b = page_browser(tenant, room.instructor)
    path = f"/teach/courses/{room.setup.id}/gradebook"
    page = b.get(path)
    assert page.status_int == 200, page.text
    assert (
        "<caption" in page.text
        and '<th scope="col">' in page.text
        and '<th scope="row">' in page.text
    )
    assert "68.75%" in page.text
    refused = b.submit(
        page,
        path,
        {"user_id": str(room.learner.id), "item": "total", "percent": "95", "reason": ""},
    )
    assert refused.status_int == 422 and "Give the reason" in refused.text
    done = b.submit(
        page,
        path,
        {
            "user_id": str(room.learner.id),
            "item": "total",
            "percent": "95",
            "reason": "Bonus",
            "action": "set",
        },
    )
    assert (
        done.status_int == 200 and "The grade was overridden." in done.text and "95%" in done.text
    )
    cleared = b.submit(
        page, path, {"user_id": str(room.learner.id), "item": "total", "action": "clear"}
    )
    assert "The override was removed." in cleared.text
    anonymous = page_browser(tenant).get(path)
    assert anonymous.status_int == 303 and "/login" in anonymous.headers["Location"]
    assert page_browser(tenant, room.learner).get(path).status_int == 403
    assert (
        page_browser(other_tenant, user_factory(other_tenant, "admin")).get(path).status_int == 404
    )
    # the course form links to it
    teach = b.get(f"/teach/{room.setup.id}")
    assert path in teach.text


def test_my_grades_page(graded, tenant, page_browser, other_tenant, user_factory):
    room = graded
    path = f"/courses/{room.setup.course.slug}/grades"
    r = page_browser(tenant, room.learner).get(path)
    assert r.status_int == 200, r.text
    assert "68.75%" in r.text and "Passed" in r.text
    assert room.other.email not in r.text
    player = page_browser(tenant, room.learner).get(
        f"/courses/{room.setup.course.slug}/learn/{room.setup.lessons[0].slug}"
    )
    assert path in player.text
    assert page_browser(tenant, room.stranger).get(path).status_int == 403
    assert page_browser(tenant).get(path).status_int == 303
    assert page_browser(other_tenant, user_factory(other_tenant)).get(path).status_int == 404


def test_certificates_hooks(graded, tenant, registry, db):
    from learninghub_assessment.gradebook import hooks

    class FakeRequest:
        pass

    room = graded
    request = _request(registry, tenant, db, room.instructor)
    try:
        requirements = hooks.certificates_requirements(request, room.setup.course, room.learner.id)
    except ModuleNotFoundError:
        pytest.skip("the certificates plugin is not installed")
    assert [(r.key, r.met) for r in requirements] == [(room.keys[1], True)]
    other = hooks.certificates_requirements(request, room.setup.course, room.other.id)
    assert [(r.key, r.met) for r in other] == [(room.keys[1], False)]
    assert hooks.certificates_course_grade(request, room.setup.course, room.learner.id) == Decimal(
        "68.75"
    )


def _request(registry, tenant, db, user):
    from learninghub.tasks import make_tenant_request

    request = make_tenant_request(registry, tenant.orm, None)
    request.__dict__["db"] = db
    request.__dict__["_lh_identity"] = user
    request.context = None
    return request


def test_course_grade_is_none_without_graded_items(tenant, make_course, registry, db, user_factory):
    from learninghub_assessment.gradebook import hooks

    setup = make_course(tenant, lessons=1)
    request = _request(registry, tenant, db, user_factory(tenant, "admin"))
    assert hooks.certificates_course_grade(request, setup.course, uuid.uuid4()) is None
