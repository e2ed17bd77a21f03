"""GET /api/v1/gamification/leaderboards: the board a page at a time, the caller's
place, course boards for the course's learners and staff; invalid inputs, anonymous,
forbidden and cross-tenant callers."""

from __future__ import annotations

import uuid

import pytest


@pytest.fixture
def board(tenant, user_factory, ledger, hide, make_course, enrol_directly):
    """Learners with 30, 30 and 10 points (one of the 30s in the course), a hidden one
    with 99, and a course with its learner."""
    users = [user_factory(tenant) for _ in range(4)]
    for n, user in enumerate(users):
        user.display_name = f"Learner {n}"
    course = make_course(tenant)
    enrol_directly(tenant, course, users[0])
    ledger(tenant, users[0], 30, course_id=course.id)
    ledger(tenant, users[1], 20)
    ledger(tenant, users[1], 10)
    ledger(tenant, users[2], 10)
    ledger(tenant, users[3], 99, course_id=course.id)
    hide(tenant, users[3])
    return users, course


URL = "/api/v1/gamification/leaderboards"


def test_board_pages_and_my_place(tenant, client, board):
    users, _ = board
    api = client(tenant, users[2])
    first = api.get(URL, params={"period": "all", "limit": 2}).json
    tied = sorted([users[0].id, users[1].id])
    assert [(i["rank"], i["points"], i["user_id"]) for i in first["items"]] == [
        (1, 30, str(tied[0])),
        (1, 30, str(tied[1])),
    ]
    assert first["me"] == {"rank": 3, "points": 10} and first["period"] == "all"
    second = api.get(URL, params={"period": "all", "limit": 2, "cursor": first["next_cursor"]}).json
    assert [(i["rank"], i["name"], i["is_me"]) for i in second["items"]] == [(3, "Learner 2", True)]
    assert second["next_cursor"] is None
    week = api.get(URL).json  # the default period: this week
    assert week["period"] == "week" and len(week["items"]) == 3
    hidden = client(tenant, users[3]).get(URL, params={"period": "all"}).json
    assert hidden["me"] is None and str(users[3].id) not in {i["user_id"] for i in hidden["items"]}


def test_course_board_for_its_learners_and_staff(
    tenant, other_tenant, client, user_factory, make_course, board
):
    users, course = board
    mine = client(tenant, users[0]).get(
        URL, params={"course_id": str(course.id), "period": "month"}
    )
    assert [(i["user_id"], i["points"]) for i in mine.json["items"]] == [(str(users[0].id), 30)]
    assert mine.json["course_id"] == str(course.id)
    teacher = user_factory(tenant, "instructor")
    staffed = make_course(tenant, instructor=teacher, status="draft")
    assert client(tenant, teacher).get(URL, params={"course_id": str(staffed.id)}).status_int == 200
    outsider = client(tenant, users[1])
    r = outsider.get(URL, params={"course_id": str(course.id)}, status=403)
    assert r.content_type == "application/problem+json"
    outsider.get(URL, params={"course_id": str(staffed.id)}, status=404)  # a draft they cannot see
    outsider.get(URL, params={"course_id": str(uuid.uuid4())}, status=404)
    foreign_course = make_course(other_tenant)
    outsider.get(URL, params={"course_id": str(foreign_course.id)}, status=404)


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        ({"period": "year"}, 422, "period"),
        ({"course_id": "not-a-uuid"}, 422, "course_id"),
        ({"limit": "0"}, 422, "limit"),
        ({"limit": "101"}, 422, "limit"),
        ({"colour": "red"}, 422, "colour"),
        ({"cursor": "!!"}, 400, "cursor"),
        ({"cursor": "WyItNSJd"}, 400, "cursor"),  # a well-formed cursor to offset -5
    ],
)
def test_invalid_inputs(tenant, client, user_factory, params, status, field):
    r = client(tenant, user_factory(tenant)).get(URL, params=params, status=status)
    assert r.content_type == "application/problem+json"
    assert field in {e["path"][-1] for e in r.json["errors"]}


def test_anonymous_forbidden_and_other_tenants(tenant, other_tenant, client, user_factory, board):
    users, course = board
    r = client(tenant).get(URL, status=401)
    assert r.content_type == "application/problem+json"
    nobody = client(tenant, user_factory(tenant, "nobody", roles=()))
    nobody.get(URL, status=403)
    foreign = client(other_tenant, user_factory(other_tenant))
    assert foreign.get(URL, params={"period": "all"}).json["items"] == []  # their own, empty board
    foreign.get(URL, params={"course_id": str(course.id)}, status=404)
