"""Replies (course staff), helpful votes, reports for moderation."""

from __future__ import annotations


def write_review(tenant, course, learner_in, rating=4):
    author, c = learner_in(tenant, course)
    r = c.post_json(f"/api/v1/courses/{course.id}/reviews", {"rating": rating, "body": "Nice"})
    assert r.status_int == 201, r.text
    return author, c, r.json["url"]


# ----------------------------------------------------------------- replies


def test_course_staff_reply_publicly(tenant, user_factory, client, make_course, learner_in, events):
    instructor, assistant = user_factory(tenant, "instructor"), user_factory(tenant)
    course = make_course(tenant, instructor=instructor, assistant=assistant)
    _, _, url = write_review(tenant, course, learner_in)
    for who, text in (
        (instructor, "Thanks!"),
        (assistant, "Glad it helped"),
        (user_factory(tenant, "admin"), "Noted"),
    ):
        r = client(tenant, who).post_json(url + "/reply", {"body": text})
        assert r.status_int == 200, r.text
        assert r.json["instructor_reply"] == text and r.json["replied_at"]
    assert client(tenant).get(url).json["instructor_reply"] == "Noted"
    r = client(tenant, instructor).post_json(url + "/reply", {"body": ""})
    assert r.json["instructor_reply"] == "" and r.json["replied_at"] is None
    assert len(events.named("reviews.review.replied")) == 3


def test_others_cannot_reply(tenant, user_factory, client, make_course, learner_in):
    course = make_course(tenant)
    _, author, url = write_review(tenant, course, learner_in)
    assert author.post_json(url + "/reply", {"body": "I reply to myself"}).status_int == 403
    other_instructor = client(tenant, user_factory(tenant, "instructor"))
    assert other_instructor.post_json(url + "/reply", {"body": "x"}).status_int == 403
    assert client(tenant).post_json(url + "/reply", {"body": "x"}).status_int == 401
    staff = user_factory(tenant, "admin")
    r = client(tenant, staff).post_json(url + "/reply", {"body": "x" * 5001})
    assert r.status_int == 422 and r.json["errors"][0]["path"] == ["body", "body"]


# ----------------------------------------------------------------- votes


def test_helpful_votes(tenant, user_factory, client, make_course, learner_in):
    course = make_course(tenant)
    _, author, url = write_review(tenant, course, learner_in)
    reader = client(tenant, user_factory(tenant))
    r = reader.post_json(url + "/helpful", {})
    assert r.status_int == 200 and r.json == {
        "review_id": url.rsplit("/", 1)[1],
        "helpful_count": 1,
        "voted_helpful": True,
    }
    assert reader.post_json(url + "/helpful", {}).json["helpful_count"] == 1  # one per user
    other = client(tenant, user_factory(tenant, "instructor"))
    assert other.post_json(url + "/helpful", {}).json["helpful_count"] == 2
    assert reader.get(url).json["voted_helpful"] is True
    assert client(tenant).get(url).json["helpful_count"] == 2
    r = reader.delete(url + "/helpful")
    assert r.status_int == 200 and r.json["helpful_count"] == 1 and r.json["voted_helpful"] is False
    assert reader.delete(url + "/helpful").json["helpful_count"] == 1


def test_no_vote_on_ones_own_review(tenant, user_factory, client, make_course, learner_in):
    course = make_course(tenant)
    _, author, url = write_review(tenant, course, learner_in)
    r = author.post_json(url + "/helpful", {})
    assert r.status_int == 403 and "own review" in r.json["detail"]
    assert client(tenant).post_json(url + "/helpful", {}).status_int == 401
    guest = client(tenant, user_factory(tenant, "guest"))
    assert guest.post_json(url + "/helpful", {}).status_int == 403


# ----------------------------------------------------------------- reports


def test_report_reaches_moderation(
    tenant, user_factory, client, make_course, learner_in, moderation, events
):
    course = make_course(tenant)
    _, _, url = write_review(tenant, course, learner_in)
    reader = client(tenant, user_factory(tenant))
    r = reader.post_json(url + "/report", {"reason": "  Insults the teacher  "})
    assert r.status_int == 201, r.text
    assert r.json["reason"] == "Insults the teacher"
    review_id = url.rsplit("/", 1)[1]
    assert [(str(rid), reason) for rid, reason, _ in moderation.reports] == [
        (review_id, "Insults the teacher")
    ]
    assert moderation.reports[0][2] == "Active"  # inside the reporting transaction
    again = reader.post_json(url + "/report", {"reason": "Insults the teacher"})
    assert again.status_int == 409
    assert events.named("reviews.review.reported")[0].payload["report_id"] == r.json["id"]


def test_moderation_may_hide_at_once(
    tenant, user_factory, client, make_course, learner_in, moderation, course_row
):
    course = make_course(tenant)
    _, _, url = write_review(tenant, course, learner_in, rating=1)
    assert course_row(course.id).rating_count == 1
    client(tenant, user_factory(tenant)).post_json(url + "/report", {"reason": "spam spam spam"})
    assert client(tenant).get(url).status_int == 404
    assert course_row(course.id).rating_count == 0


def test_report_input_and_access(tenant, user_factory, client, make_course, learner_in):
    course = make_course(tenant)
    _, _, url = write_review(tenant, course, learner_in)
    reader = client(tenant, user_factory(tenant))
    r = reader.post_json(url + "/report", {"reason": "x"})
    assert r.status_int == 422 and r.json["errors"][0]["path"] == ["body", "reason"]
    assert reader.post_json(url + "/report", {}).status_int == 422
    assert client(tenant).post_json(url + "/report", {"reason": "bad review"}).status_int == 401
    guest = client(tenant, user_factory(tenant, "guest"))
    assert guest.post_json(url + "/report", {"reason": "bad review"}).status_int == 403


def test_concurrent_twins_answer_409_not_500(
    tenant, user_factory, client, make_course, learner_in, monkeypatch
):
    """A second review, vote or report racing the first meets the unique constraints
    (simulated by hiding the first one's row from the checks)."""
    from learninghub_reviews import services

    course = make_course(tenant)
    _, c = learner_in(tenant, course)
    c.post_json(f"/api/v1/courses/{course.id}/reviews", {"rating": 3})
    monkeypatch.setattr(services, "my_review", lambda request, course: None)
    r = c.post_json(f"/api/v1/courses/{course.id}/reviews", {"rating": 4})
    assert r.status_int == 409 and r.json["detail"] == "you already reviewed this course"
    monkeypatch.undo()
    _, _, url = write_review(tenant, course, learner_in)
    reader = client(tenant, user_factory(tenant))
    reader.post_json(url + "/report", {"reason": "first report"})
    import sqlalchemy.orm

    real_scalar = sqlalchemy.orm.Session.scalar

    def blind(self, statement, *args, **kwargs):
        if "review_reports" in str(statement):
            return None
        return real_scalar(self, statement, *args, **kwargs)

    monkeypatch.setattr(sqlalchemy.orm.Session, "scalar", blind)
    r = reader.post_json(url + "/report", {"reason": "second report"})
    assert r.status_int == 409 and r.json["detail"] == "you already reported this review"
