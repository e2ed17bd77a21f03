"""Pages: the landing-page section, /courses/{slug}/reviews and its forms; disabling
the plugin for one tenant while another keeps it; statements per page."""

from __future__ import annotations

import re

from learninghub.testing.sql import counting, page_work


def page(course) -> str:
    return f"/courses/{course.course.slug}/reviews"


def post_review(tenant, course, learner_in, rating, body=""):
    user, c = learner_in(tenant, course)
    r = c.post_json(f"/api/v1/courses/{course.id}/reviews", {"rating": rating, "body": body})
    assert r.status_int == 201, r.text
    return user, r.json["id"]


def test_landing_page_shows_the_summary_and_latest_reviews(
    tenant, page_browser, make_course, learner_in, plugin_admin
):
    course = make_course(tenant, title="Weaving")
    plugin_admin.settings(tenant, landing_reviews=2)
    for rating, body in ((5, "Loved it"), (3, "Decent"), (4, "<b>Bold</b> claims")):
        post_review(tenant, course, learner_in, rating, body)
    r = page_browser(tenant).get(f"/courses/{course.course.slug}")
    assert r.status_int == 200, r.text
    section = r.text.split('id="w-reviews"', 1)[-1] if 'id="w-reviews"' in r.text else r.text
    assert "4 out of 5 stars" in section and "3 reviews" in section
    assert "&lt;b&gt;Bold&lt;/b&gt; claims" in section and "Decent" in section
    assert "Loved it" not in section  # only the latest two
    assert f'href="{page(course)}"' in section
    assert section.count("<progress") >= 5  # the distribution, one bar per rating


def test_reviews_page_for_visitors(tenant, page_browser, make_course, learner_in):
    course = make_course(tenant, title="Knots")
    post_review(tenant, course, learner_in, 2, "Too short")
    r = page_browser(tenant).get(page(course))
    assert r.status_int == 200
    assert "Reviews of Knots" in r.text and "Too short" in r.text
    assert "Sign in to review this course" in r.text
    assert 'name="rating"' not in r.text
    assert page_browser(tenant).get("/courses/nope/reviews").status_int == 404


def test_learner_writes_edits_and_deletes_from_the_page(
    tenant, page_browser, make_course, learner_in, course_row
):
    course = make_course(tenant)
    user, _ = learner_in(tenant, course)
    b = page_browser(tenant, user)
    form = b.get(page(course))
    assert "Write a review" in form.text and 'name="rating"' in form.text
    r = b.submit(form, page(course), {"rating": "4", "body": "Well paced"})
    assert r.status_int == 303
    assert (course_row(course.id).rating_count, course_row(course.id).rating_average) == (1, 4.0)
    mine = b.get(page(course))
    assert "Your review" in mine.text and 'value="4" checked' in mine.text
    assert "Well paced" in mine.text
    b.submit(mine, page(course), {"rating": "2", "body": "On second thought"})
    assert course_row(course.id).rating_average == 2.0
    bad = b.submit(mine, page(course), {"body": "no rating"})
    assert bad.status_int == 422 and "Choose from 1 to 5 stars." in bad.text
    r = b.submit(mine, page(course) + "/delete", {})
    assert r.status_int == 303 and course_row(course.id).rating_count == 0


def test_page_tells_why_one_cannot_review(
    tenant, user_factory, page_browser, make_course, learner_in, plugin_admin
):
    course = make_course(tenant, lessons=2)
    outsider = page_browser(tenant, user_factory(tenant)).get(page(course))
    assert "Only learners enrolled in this course can review it." in outsider.text
    plugin_admin.settings(tenant, min_progress_percent=100)
    user, _ = learner_in(tenant, course, completed=1)
    b = page_browser(tenant, user)
    early = b.get(page(course))
    assert "Complete at least 100 % of the course before reviewing it." in early.text
    assert b.submit(early, page(course), {"rating": "5"}).status_int == 403


def test_helpful_report_and_reply_forms(
    tenant, user_factory, page_browser, make_course, learner_in, moderation
):
    instructor = user_factory(tenant, "instructor")
    course = make_course(tenant, instructor=instructor)
    author, review_id = post_review(tenant, course, learner_in, 5, "Great")
    reader = page_browser(tenant, user_factory(tenant))
    p = reader.get(page(course))
    r = reader.submit(p, f"{page(course)}/{review_id}/helpful", {"vote": "1"})
    assert r.status_int == 303
    p = reader.get(page(course))
    assert "1 person found this helpful" in p.text and 'aria-pressed="true"' in p.text
    r = reader.submit(p, f"{page(course)}/{review_id}/report", {"reason": "Off topic"})
    assert r.status_int == 303
    assert "a moderator will look at this review" in reader.get(r.headers["Location"]).text
    assert [reason for _, reason, _ in moderation.reports] == ["Off topic"]
    own = page_browser(tenant, author)
    own_page = own.get(page(course))
    assert own.submit(own_page, f"{page(course)}/{review_id}/helpful", {}).status_int == 403
    assert (
        own.submit(own_page, f"{page(course)}/{review_id}/reply", {"body": "x"}).status_int == 403
    )
    staff = page_browser(tenant, instructor)
    staff_page = staff.get(page(course))
    assert "Your public reply" in staff_page.text
    r = staff.submit(staff_page, f"{page(course)}/{review_id}/reply", {"body": "Thank you!"})
    assert r.status_int == 303
    assert "Reply from the course team" in reader.get(page(course)).text
    anonymous = page_browser(tenant)
    login = anonymous.get("/login")
    r = anonymous.submit(login, f"{page(course)}/{review_id}/helpful", {})
    assert r.status_int == 303 and "/login" in r.headers["Location"]
    assert reader.submit(p, f"{page(course)}/{review_id}/helpful", {}, csrf=False).status_int in (
        400,
        403,
    )


def test_reviews_page_paginates(tenant, page_browser, make_course, learner_in, plugin_admin):
    course = make_course(tenant)
    plugin_admin.settings(tenant, page_size=2)
    for rating in (1, 2, 3):
        post_review(tenant, course, learner_in, rating, f"Body {rating}")
    b = page_browser(tenant)
    first = b.get(page(course))
    assert "Body 3" in first.text and "Body 2" in first.text and "Body 1" not in first.text
    next_url = re.search(r'<a href="([^"]+)" rel="next">', first.text).group(1)
    second = b.get(next_url.replace("&amp;", "&"))
    assert "Body 1" in second.text and 'rel="next"' not in second.text
    assert b.get(page(course) + "?cursor=garbage!").status_int == 400


def test_disabled_for_one_tenant_while_another_keeps_it(
    tenant, other_tenant, user_factory, client, page_browser, make_course, learner_in, plugin_admin
):
    ours, theirs = make_course(tenant), make_course(other_tenant)
    post_review(tenant, ours, learner_in, 5, "Ours")
    post_review(other_tenant, theirs, learner_in, 4, "Theirs")
    plugin_admin.disable(tenant)
    assert page_browser(tenant).get(page(ours)).status_int == 404
    assert client(tenant).get(f"/api/v1/courses/{ours.id}/reviews").status_int == 404
    landing = page_browser(tenant).get(f"/courses/{ours.course.slug}")
    assert landing.status_int == 200 and "Ours" not in landing.text
    admin = client(tenant, user_factory(tenant, "admin"))
    paths = admin.get("/api/v1/openapi.json").json["paths"]
    assert not [p for p in paths if "reviews" in p]
    assert "Theirs" in page_browser(other_tenant).get(page(theirs)).text
    assert client(other_tenant).get(f"/api/v1/courses/{theirs.id}/reviews").status_int == 200


def test_reviews_page_statements_do_not_grow(
    registry, tenant, user_factory, page_browser, make_course, learner_in, plugin_admin
):
    plugin_admin.settings(tenant, page_size=50)

    def cost(n):
        course = make_course(tenant)
        for i in range(n):
            post_review(tenant, course, learner_in, 1 + i % 5, f"Review {i}")
        b = page_browser(tenant, user_factory(tenant))
        b.get(page(course))
        with counting(registry["db.engine"]) as statements:
            r = b.get(page(course))
        assert r.status_int == 200
        return len(page_work(statements))

    assert cost(5) == cost(50)


def test_reviews_page_speaks_spanish_and_arabic(
    tenant, user_factory, page_browser, make_course, learner_in, db
):
    course = make_course(tenant)
    for rating in (5, 4):
        post_review(tenant, course, learner_in, rating)
    reader = user_factory(tenant)
    reader.locale = "es"
    db.flush()
    es = page_browser(tenant, reader).get(page(course))
    assert "2 reseñas" in es.text and "Lo que dicen los estudiantes" in es.text
    reader.locale = "ar"
    db.flush()
    ar = page_browser(tenant, reader).get(page(course))
    assert 'dir="rtl"' in ar.text and "مراجعتان" in ar.text
