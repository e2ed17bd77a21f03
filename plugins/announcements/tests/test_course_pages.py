"""Course announcements on pages: the course landing page's section, the lists and
the staff page /teach/courses/{course_id}/announcements (session cookie, CSRF)."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from learninghub.db import utcnow
from learninghub_announcements.models import Announcement

SECTION = 'id="s-announcements"'


def teach_path(course) -> str:
    return f"/teach/courses/{course.id}/announcements"


def landing(course) -> str:
    return f"/courses/{course.slug}"


def stored(db, title):
    db.expire_all()
    return db.scalar(sa.select(Announcement).where(Announcement.title == title))


# ----------------------------------------------------------------- landing page


def test_landing_page_shows_the_latest_three_to_the_audience(
    tenant, page_browser, course_world, make_announcement
):
    w = course_world
    base = utcnow()
    for i in range(4):
        make_announcement(
            tenant, title=f"Week {i}", course=w.course, published_at=base - timedelta(days=i)
        )
    make_announcement(tenant, title="Unfinished", status="draft", course=w.course)
    make_announcement(tenant, title="Elsewhere", course=w.other_course)
    r = page_browser(tenant, w.learner).get(landing(w.course))
    assert r.status_int == 200, r.text
    assert SECTION in r.text
    assert re.findall(r">(Week \d)</a>", r.text) == ["Week 0", "Week 1", "Week 2"]
    assert "Unfinished" not in r.text and "Elsewhere" not in r.text
    assert f"scope_id={w.course.id}" in r.text  # the link to all of them
    assert teach_path(w.course) not in r.text  # learners do not post


@pytest.mark.parametrize("who", ["outsider", "other_instructor", None])
def test_landing_page_hides_them_from_others(
    tenant, page_browser, course_world, make_announcement, who
):
    w = course_world
    make_announcement(tenant, title="Members only", course=w.course)
    r = page_browser(tenant, getattr(w, who) if who else None).get(landing(w.course))
    assert r.status_int == 200, r.text
    assert "Members only" not in r.text and SECTION not in r.text


def test_staff_see_the_section_with_the_link_to_write(tenant, page_browser, course_world):
    w = course_world
    r = page_browser(tenant, w.assistant).get(landing(w.course))
    assert SECTION in r.text and teach_path(w.course) in r.text


# ----------------------------------------------------------------- lists


def test_lists_and_widget_show_course_announcements_to_the_audience_only(
    tenant, page_browser, course_world, make_announcement
):
    w = course_world
    a = make_announcement(tenant, title="Botany news", course=w.course)
    for path in ("/announcements", "/dashboard", f"/announcements/{a.id}"):
        assert "Botany news" in page_browser(tenant, w.learner).get(path).text, path
        r = page_browser(tenant, w.outsider).get(path)
        assert "Botany news" not in r.text, path
    assert page_browser(tenant, w.outsider).get(f"/announcements/{a.id}").status_int == 404
    detail = page_browser(tenant, w.learner).get(f"/announcements/{a.id}")
    assert "Announcements: Botany" in detail.text and f"scope_id={w.course.id}" in detail.text


def test_list_page_of_one_course(tenant, page_browser, course_world, make_announcement):
    w = course_world
    make_announcement(tenant, title="Everyone")
    make_announcement(tenant, title="Botany news", course=w.course)
    path = f"/announcements?scope_type=course&scope_id={w.course.id}"
    r = page_browser(tenant, w.learner).get(path)
    assert r.status_int == 200, r.text
    assert "Announcements: Botany" in r.text
    assert "Botany news" in r.text and "Everyone" not in r.text
    assert page_browser(tenant, w.outsider).get(path).status_int == 403
    assert (
        page_browser(tenant, w.learner).get(path.replace("course", "planet", 1)).status_int == 400
    )
    assert page_browser(tenant, w.learner).get("/announcements?scope_id=x").status_int == 400
    unknown = f"/announcements?scope_type=course&scope_id={uuid.uuid4()}"
    assert page_browser(tenant, w.learner).get(unknown).status_int == 404


# ----------------------------------------------------------------- the staff page


@pytest.mark.parametrize("who", ["instructor", "assistant", "admin"])
def test_staff_write_and_publish_from_their_page(
    tenant, db, page_browser, course_world, make_announcement, mailbox, who
):
    w = course_world
    make_announcement(tenant, title="Old draft", status="draft", course=w.course)
    make_announcement(tenant, title="Not ours", status="draft", course=w.other_course)
    b = page_browser(tenant, getattr(w, who))
    page = b.get(teach_path(w.course))
    assert page.status_int == 200, page.text
    assert "Old draft" in page.text and "Not ours" not in page.text
    r = b.submit(page, teach_path(w.course), {"title": "Exam date", "body": "<p>May 3</p>"})
    assert r.status_int == 303, r.text
    assert r.headers["Location"].endswith("done=draft")
    assert "Announcement saved as a draft." in b.get(r.headers["Location"]).text
    draft = stored(db, "Exam date")
    assert (draft.scope_type, draft.scope_id, draft.status) == ("course", str(w.course.id), "draft")
    assert mailbox.refresh() == []
    action = f"{teach_path(w.course)}/{draft.id}/publish"
    r = b.submit(page, action, {})
    assert r.status_int == 303, r.text
    assert stored(db, "Exam date").status == "published"
    assert sorted(m["To"].split("<")[-1].rstrip(">") for m in mailbox.refresh()) == sorted(
        [w.instructor.email, w.assistant.email, w.learner.email]
    )


def test_publish_at_once_and_archive(tenant, db, page_browser, course_world):
    w = course_world
    b = page_browser(tenant, w.instructor)
    page = b.get(teach_path(w.course))
    r = b.submit(page, teach_path(w.course), {"title": "Now", "publish": "1"})
    assert r.status_int == 303 and r.headers["Location"].endswith("done=published")
    a = stored(db, "Now")
    assert a.status == "published"
    assert b.submit(page, f"{teach_path(w.course)}/{a.id}/archive", {}).status_int == 303
    assert stored(db, "Now").status == "archived"
    assert b.submit(page, f"{teach_path(w.course)}/{a.id}/archive", {}).status_int == 409
    assert b.submit(page, f"{teach_path(w.course)}/{a.id}/explode", {}).status_int == 404


def test_staff_delete_drafts(tenant, db, page_browser, course_world, make_announcement):
    w = course_world
    a = make_announcement(tenant, title="Oops", status="draft", course=w.course)
    b = page_browser(tenant, w.assistant)
    page = b.get(teach_path(w.course))
    assert b.submit(page, f"{teach_path(w.course)}/{a.id}/delete", {}).status_int == 303
    assert stored(db, "Oops") is None


def test_invalid_input_is_shown_in_the_form(tenant, db, page_browser, course_world):
    w = course_world
    b = page_browser(tenant, w.instructor)
    page = b.get(teach_path(w.course))
    r = b.submit(page, teach_path(w.course), {"title": "  ", "body": "<p>kept</p>"})
    assert r.status_int == 422, r.text
    assert "Enter a title of at most 200 characters." in r.text
    assert 'aria-invalid="true"' in r.text and "&lt;p&gt;kept&lt;/p&gt;" in r.text
    r = b.submit(page, teach_path(w.course), {"title": "Long", "body": "x" * 20_001})
    assert r.status_int == 422 and "Enter at most 20000 characters." in r.text
    assert db.scalar(sa.select(sa.func.count()).select_from(Announcement)) == 0


def test_posting_needs_the_csrf_token(tenant, db, page_browser, course_world):
    b = page_browser(tenant, course_world.instructor)
    r = b.post(teach_path(course_world.course), {"title": "Forged"}, csrf=False)
    assert r.status_int in (400, 403)
    assert stored(db, "Forged") is None


@pytest.mark.parametrize("who", ["learner", "outsider", "other_instructor"])
def test_others_may_not_use_the_staff_page(
    tenant, db, page_browser, course_world, make_announcement, who
):
    w = course_world
    a = make_announcement(tenant, title="Live", course=w.course)
    b = page_browser(tenant, getattr(w, who))
    assert b.get(teach_path(w.course)).status_int == 403
    page = b.get("/announcements")
    assert b.submit(page, teach_path(w.course), {"title": "Hijack"}).status_int == 403
    assert b.submit(page, f"{teach_path(w.course)}/{a.id}/archive", {}).status_int == 403
    assert stored(db, "Hijack") is None and stored(db, "Live").status == "published"


def test_visitors_are_sent_to_sign_in(tenant, page_browser, course_world):
    r = page_browser(tenant).get(teach_path(course_world.course))
    assert r.status_int == 303 and "/login?next=" in r.headers["Location"]


def test_another_tenants_course_is_not_found_on_the_staff_page(
    tenant, other_tenant, user_factory, page_browser, make_course, course_world
):
    theirs = make_course(other_tenant, instructor=user_factory(other_tenant, "instructor"))
    b = page_browser(tenant, course_world.admin)
    assert b.get(teach_path(theirs)).status_int == 404
    assert b.get(f"/teach/courses/{uuid.uuid4()}/announcements").status_int == 404
    assert b.get("/teach/courses/nope/announcements").status_int == 404


def test_an_announcement_of_another_course_is_not_acted_on(
    tenant, page_browser, course_world, make_announcement
):
    w = course_world
    theirs = make_announcement(tenant, status="draft", course=w.other_course)
    b = page_browser(tenant, w.admin)  # may act on both courses, but not through the wrong one
    page = b.get(teach_path(w.course))
    assert b.submit(page, f"{teach_path(w.course)}/{theirs.id}/publish", {}).status_int == 404
