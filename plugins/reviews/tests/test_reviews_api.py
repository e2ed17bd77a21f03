"""Reviews: /api/v1/courses/{id}/reviews (GET, POST, PUT mine, DELETE mine), the
summary, the minimum progress, moderation."""

from __future__ import annotations

import uuid

import pytest


def reviews(course) -> str:
    return f"/api/v1/courses/{course.id}/reviews"


def summary_of(client, tenant, course) -> dict:
    r = client(tenant).get(reviews(course) + "/summary")
    assert r.status_int == 200, r.text
    return r.json


def assert_consistent(client, tenant, course, course_row, count, average, distribution):
    s = summary_of(client, tenant, course)
    assert s["count"] == count and s["average"] == average
    assert s["distribution"] == {str(k): distribution.get(k, 0) for k in range(1, 6)}
    row = course_row(course.id)
    assert (row.rating_count, row.rating_average) == (count, average)


def test_enrolled_learner_reviews_and_the_summary_follows(
    tenant, client, make_course, learner_in, course_row, events
):
    course = make_course(tenant)
    author, c = learner_in(tenant, course)
    r = c.post_json(reviews(course), {"rating": 4, "body": "  Clear and practical.\r\n"})
    assert r.status_int == 201, r.text
    assert r.headers["Location"] == r.json["url"]
    assert r.json["body"] == "Clear and practical." and r.json["rating"] == 4
    assert r.json["author_name"] and r.json["user_id"] == str(author.id)
    assert_consistent(client, tenant, course, course_row, 1, 4.0, {4: 1})
    _, c2 = learner_in(tenant, course)
    c2.post_json(reviews(course), {"rating": 5})
    _, c3 = learner_in(tenant, course)
    c3.post_json(reviews(course), {"rating": 1})
    assert_consistent(client, tenant, course, course_row, 3, 3.33, {1: 1, 4: 1, 5: 1})
    # edit
    r = c.put_json(reviews(course), {"rating": 2})
    assert (
        r.status_int == 200 and r.json["rating"] == 2 and r.json["body"] == "Clear and practical."
    )
    assert_consistent(client, tenant, course, course_row, 3, 2.67, {1: 1, 2: 1, 5: 1})
    # delete
    assert c3.delete(reviews(course)).status_int == 204
    assert_consistent(client, tenant, course, course_row, 2, 3.5, {2: 1, 5: 1})
    assert c3.delete(reviews(course)).status_int == 404
    assert c3.put_json(reviews(course), {"rating": 3}).status_int == 404
    assert [e.name for e in events.named("reviews.")] == [
        "reviews.review.created",
        "reviews.review.created",
        "reviews.review.created",
        "reviews.review.updated",
        "reviews.review.deleted",
    ]


def test_one_review_per_learner(tenant, make_course, learner_in):
    course = make_course(tenant)
    _, c = learner_in(tenant, course)
    first = c.post_json(reviews(course), {"rating": 4})
    again = c.post_json(reviews(course), {"rating": 5})
    assert again.status_int == 409 and again.headers["Location"] == first.json["url"]
    assert "PUT" in again.json["detail"]


def test_only_enrolled_learners_review(tenant, user_factory, client, make_course, learner_in):
    course = make_course(tenant)
    r = client(tenant, user_factory(tenant)).post_json(reviews(course), {"rating": 5})
    assert r.status_int == 403 and "enrolled" in r.json["detail"]
    user, c = learner_in(tenant, course)
    c.delete(f"/api/v1/courses/{course.id}/enrollment")
    assert c.post_json(reviews(course), {"rating": 5}).status_int == 403


def test_minimum_progress_setting(tenant, make_course, learner_in, plugin_admin):
    course = make_course(tenant, lessons=4)
    plugin_admin.settings(tenant, min_progress_percent=50)
    _, early = learner_in(tenant, course, completed=1)
    r = early.post_json(reviews(course), {"rating": 5})
    assert r.status_int == 403
    assert r.json["type"].endswith("/not-enough-progress")
    assert r.json["detail"] == (
        "complete at least 50 % of the course before reviewing it (you are at 25 %)"
    )
    _, ready = learner_in(tenant, course, completed=2)
    assert ready.post_json(reviews(course), {"rating": 5}).status_int == 201


def test_review_input_is_validated(tenant, make_course, learner_in):
    course = make_course(tenant)
    _, c = learner_in(tenant, course)
    for body, path in (
        ({"rating": 0}, ["body", "rating"]),
        ({"rating": 6}, ["body", "rating"]),
        ({"body": "no stars"}, ["body", "rating"]),
        ({"rating": 3, "body": "x" * 5001}, ["body", "body"]),
        ({"rating": 3, "extra": True}, ["body", "extra"]),
    ):
        r = c.post_json(reviews(course), body)
        assert r.status_int == 422, body
        assert r.json["errors"][0]["path"] == path
    c.post_json(reviews(course), {"rating": 3})
    r = c.put_json(reviews(course), {"rating": None})
    assert r.status_int == 422 and r.json["errors"][0]["path"] == ["body", "rating"]


def test_list_is_public_paginated_and_hides_hidden_reviews(
    tenant, user_factory, client, make_course, learner_in, course_row
):
    course = make_course(tenant)
    ids = []
    for rating in (1, 2, 3):
        _, c = learner_in(tenant, course)
        ids.append(c.post_json(reviews(course), {"rating": rating}).json["id"])
    anonymous = client(tenant)
    first = anonymous.get(reviews(course), params={"limit": 2})
    assert first.status_int == 200
    assert [i["rating"] for i in first.json["items"]] == [3, 2]
    second = anonymous.get(
        reviews(course), params={"limit": 2, "cursor": first.json["next_cursor"]}
    )
    assert [i["rating"] for i in second.json["items"]] == [1] and second.json["next_cursor"] is None
    # moderators hide one: gone from lists and the summary, 404 to readers
    admin = client(tenant, user_factory(tenant, "admin"))
    r = admin.post_json(f"/api/v1/reviews/{ids[0]}/moderation", {"hidden": True})
    assert r.status_int == 200 and r.json["hidden"] is True
    assert [i["rating"] for i in anonymous.get(reviews(course)).json["items"]] == [3, 2]
    assert anonymous.get(f"/api/v1/reviews/{ids[0]}").status_int == 404
    assert admin.get(f"/api/v1/reviews/{ids[0]}").status_int == 200
    row = course_row(course.id)
    assert (row.rating_count, row.rating_average) == (2, 2.5)
    learner = client(tenant, user_factory(tenant))
    assert (
        learner.post_json(f"/api/v1/reviews/{ids[1]}/moderation", {"hidden": True}).status_int
        == 403
    )
    assert (
        admin.post_json(f"/api/v1/reviews/{ids[1]}/moderation", {"hidden": "x"}).status_int == 422
    )


def test_reviews_of_unpublished_or_unknown_courses_are_404(tenant, client, make_course):
    draft = make_course(tenant, status="draft")
    assert client(tenant).get(reviews(draft)).status_int == 404
    assert client(tenant).get(reviews(draft) + "/summary").status_int == 404
    for bad in ("nope", uuid.uuid4()):
        assert client(tenant).get(f"/api/v1/courses/{bad}/reviews").status_int == 404
        assert client(tenant).get(f"/api/v1/reviews/{bad}").status_int == 404


def test_anonymous_and_roleless_writes(tenant, user_factory, client, make_course):
    course = make_course(tenant)
    for call in (
        lambda c: c.post_json(reviews(course), {"rating": 5}),
        lambda c: c.put_json(reviews(course), {"rating": 5}),
        lambda c: c.delete(reviews(course)),
    ):
        assert call(client(tenant)).status_int == 401
        r = call(client(tenant, user_factory(tenant, "guest")))
        assert r.status_int == 403 and r.json["detail"].endswith("reviews:review:write")


def test_cross_tenant(
    tenant, other_tenant, user_factory, client, make_course, learner_in, foreign_client
):
    course = make_course(tenant)
    _, c = learner_in(tenant, course)
    url = c.post_json(reviews(course), {"rating": 5}).json["url"]
    stranger = client(other_tenant, user_factory(other_tenant, "admin"))
    assert stranger.get(reviews(course)).status_int == 404
    assert stranger.post_json(reviews(course), {"rating": 1}).status_int == 404
    assert stranger.get(url).status_int == 404
    assert stranger.post_json(url + "/moderation", {"hidden": True}).status_int == 404
    assert stranger.post_json(url + "/helpful", {}).status_int == 404
    assert stranger.post_json(url + "/reply", {"body": "x"}).status_int == 404
    assert stranger.post_json(url + "/report", {"reason": "bad review"}).status_int == 404
    assert (
        foreign_client(tenant, other_tenant).post_json(reviews(course), {"rating": 1}).status_int
        == 401
    )


@pytest.mark.parametrize("ratings", [[5], [1, 1, 2], [3, 4, 5, 5, 2, 1]])
def test_summary_matches_the_reviews(tenant, client, make_course, learner_in, course_row, ratings):
    course = make_course(tenant)
    for rating in ratings:
        _, c = learner_in(tenant, course)
        c.post_json(reviews(course), {"rating": rating})
    average = round(sum(ratings) / len(ratings), 2)
    distribution = {k: ratings.count(k) for k in range(1, 6)}
    assert_consistent(client, tenant, course, course_row, len(ratings), average, distribution)
