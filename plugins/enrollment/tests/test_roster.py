"""The instructor roster: API, page, CSV export."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

from learninghub.db import utcnow


def roster_api(course_id) -> str:
    return f"/api/v1/courses/{course_id}/enrollments"


def roster_page(course_id) -> str:
    return f"/teach/courses/{course_id}/roster"


def fill(tenant, setup, enrol_directly, user_factory, n, **kw):
    base = utcnow()
    users = []
    for i in range(n):
        user = user_factory(tenant, email=f"learner{i:03d}@example.org")
        enrol_directly(tenant, setup.course, user, enrolled_at=base - timedelta(minutes=i), **kw)
        users.append(user)
    return users


# ----------------------------------------------------------------- API


def test_staff_read_the_roster(tenant, user_factory, client, make_course, enrol_directly):
    instructor, assistant = user_factory(tenant, "instructor"), user_factory(tenant)
    setup = make_course(tenant, instructor=instructor, assistant=assistant)
    fill(tenant, setup, enrol_directly, user_factory, 3)
    for who in (instructor, assistant, user_factory(tenant, "admin")):
        r = client(tenant, who).get(roster_api(setup.id))
        assert r.status_int == 200, r.text
        assert [i["user_email"] for i in r.json["items"]] == [
            "learner000@example.org",
            "learner001@example.org",
            "learner002@example.org",
        ]
        assert r.json["items"][0]["progress_percent"] == 0


def test_roster_paginates_and_filters(tenant, user_factory, client, make_course, enrol_directly):
    instructor = user_factory(tenant, "instructor")
    setup = make_course(tenant, instructor=instructor)
    fill(tenant, setup, enrol_directly, user_factory, 5)
    c = client(tenant, instructor)
    first = c.get(roster_api(setup.id), params={"limit": 3})
    second = c.get(roster_api(setup.id), params={"limit": 3, "cursor": first.json["next_cursor"]})
    emails = [i["user_email"] for i in first.json["items"] + second.json["items"]]
    assert emails == [f"learner{i:03d}@example.org" for i in range(5)]
    assert second.json["next_cursor"] is None
    assert c.get(roster_api(setup.id), params={"status": "cancelled"}).json["items"] == []
    bad = c.get(roster_api(setup.id), params={"status": "nope"})
    assert bad.status_int == 422 and bad.json["errors"][0]["path"] == ["query", "status"]
    assert c.get(roster_api(setup.id), params={"cursor": "garbage!"}).status_int == 400


def test_roster_is_for_staff_only(
    tenant, other_tenant, user_factory, client, make_course, foreign_client
):
    setup = make_course(tenant)
    assert client(tenant, user_factory(tenant)).get(roster_api(setup.id)).status_int == 403
    assert (
        client(tenant, user_factory(tenant, "instructor")).get(roster_api(setup.id)).status_int
        == 403
    )
    assert client(tenant).get(roster_api(setup.id)).status_int == 401
    assert foreign_client(tenant, other_tenant).get(roster_api(setup.id)).status_int == 401
    stranger = client(other_tenant, user_factory(other_tenant, "admin"))
    assert stranger.get(roster_api(setup.id)).status_int == 404


# ----------------------------------------------------------------- page


def test_roster_page_lists_learners_with_progress(
    tenant, user_factory, page_browser, make_course, enrol_directly
):
    instructor = user_factory(tenant, "instructor")
    setup = make_course(tenant, instructor=instructor, title="Gardening")
    fill(tenant, setup, enrol_directly, user_factory, 2)
    r = page_browser(tenant, instructor).get(roster_page(setup.id))
    assert r.status_int == 200, r.text
    assert "Learners of Gardening" in r.text
    assert r.text.count("<progress") == 2
    assert "learner000@example.org" in r.text
    assert "Enrol a user" not in r.text  # instructors do not enrol others


def test_roster_page_paginates(
    tenant, user_factory, page_browser, make_course, enrol_directly, plugin_admin
):
    instructor = user_factory(tenant, "instructor")
    setup = make_course(tenant, instructor=instructor)
    plugin_admin.settings(tenant, roster_page_size=5)
    fill(tenant, setup, enrol_directly, user_factory, 7)
    b = page_browser(tenant, instructor)
    first = b.get(roster_page(setup.id))
    assert first.text.count("<progress") == 5
    next_url = re.search(r'<a href="([^"]+)" rel="next">', first.text).group(1)
    second = b.get(next_url.replace("&amp;", "&"))
    assert second.text.count("<progress") == 2 and 'rel="next"' not in second.text
    assert b.get(roster_page(setup.id) + "?cursor=garbage!").status_int == 400


def test_roster_page_access(tenant, other_tenant, user_factory, page_browser, make_course):
    setup = make_course(tenant)
    anonymous = page_browser(tenant).get(roster_page(setup.id))
    assert anonymous.status_int == 303 and "/login" in anonymous.headers["Location"]
    assert page_browser(tenant, user_factory(tenant)).get(roster_page(setup.id)).status_int == 403
    foreign = page_browser(other_tenant, user_factory(other_tenant, "admin"))
    assert foreign.get(roster_page(setup.id)).status_int == 404
    assert foreign.get(roster_page(setup.id) + ".csv").status_int == 404
    learner = page_browser(tenant, user_factory(tenant))
    assert learner.get(roster_page(setup.id) + ".csv").status_int == 403
    assert page_browser(tenant).get(roster_page(setup.id) + ".csv").status_int == 303


def test_admin_enrols_a_user_from_the_roster_page(
    tenant, user_factory, page_browser, make_course, course_row, enrollment_row
):
    setup = make_course(tenant)
    learner = user_factory(tenant, email="newcomer@example.org")
    b = page_browser(tenant, user_factory(tenant, "admin"))
    page = b.get(roster_page(setup.id))
    assert "Enrol a user" in page.text
    r = b.submit(
        page,
        roster_page(setup.id),
        {"email": "newcomer@example.org", "starts_at": "", "expires_at": "2099-12-31"},
    )
    assert r.status_int == 200, r.text
    assert "is enrolled" in r.text and "newcomer@example.org" in r.text
    row = enrollment_row(setup.id, learner)
    assert row.source == "admin" and row.expires_at.year == 2099
    assert course_row(setup.id).enrolment_count == 1
    bad = b.submit(page, roster_page(setup.id), {"email": "nobody@example.org"})
    assert bad.status_int == 422 and "No user of this site has this email address." in bad.text
    bad = b.submit(
        page,
        roster_page(setup.id),
        {"email": "newcomer@example.org", "starts_at": "2030-01-02", "expires_at": "2030-01-01"},
    )
    assert bad.status_int == 422 and "The end must come after the start." in bad.text
    bad = b.submit(
        page, roster_page(setup.id), {"email": "newcomer@example.org", "starts_at": "soon"}
    )
    assert bad.status_int == 422 and "Enter a date such as" in bad.text
    no_csrf = b.submit(page, roster_page(setup.id), {"email": "newcomer@example.org"}, csrf=False)
    assert no_csrf.status_int in (400, 403)


def test_instructor_cannot_post_the_enrol_form(tenant, user_factory, page_browser, make_course):
    instructor = user_factory(tenant, "instructor")
    setup = make_course(tenant, instructor=instructor)
    user_factory(tenant, email="x@example.org")
    r = page_browser(tenant, instructor).post(roster_page(setup.id), {"email": "x@example.org"})
    assert r.status_int == 403


# ----------------------------------------------------------------- CSV


def test_csv_export_is_formula_safe(
    tenant, user_factory, page_browser, make_course, db, enrol_directly
):
    instructor = user_factory(tenant, "instructor")
    setup = make_course(tenant, instructor=instructor)
    names = ['=HYPERLINK("http://evil")', "+1+2", "-3", "@SUM(A1)", "Ada Lovelace"]
    for i, name in enumerate(names):
        user = user_factory(tenant, email=f"csv{i}@example.org")
        user.display_name = name
        enrol_directly(tenant, setup.course, user, enrolled_at=utcnow() - timedelta(minutes=i))
    db.flush()
    r = page_browser(tenant, instructor).get(roster_page(setup.id) + ".csv")
    assert r.status_int == 200
    assert r.content_type == "text/csv"
    assert "attachment" in r.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(r.body.decode("utf-8-sig"))))
    assert rows[0][:3] == ["name", "email", "status"]
    shown = [row[0] for row in rows[1:]]
    assert shown == ['\'=HYPERLINK("http://evil")', "'+1+2", "'-3", "'@SUM(A1)", "Ada Lovelace"]
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows[1:] for cell in row)


def test_csv_cell():
    from learninghub_enrollment.views import csv_cell

    assert csv_cell("=1") == "'=1"
    assert csv_cell("\t=1") == "'\t=1"
    assert csv_cell("plain") == "plain"
    assert csv_cell(None) == ""
    assert csv_cell(42) == "42"
