"""Pages and forms: /my-learning, the dashboard widget, enrol/unenrol/progress forms,
continue; and disabling the plugin for one tenant while another keeps it."""

from __future__ import annotations

import re
from datetime import timedelta

NAV_LINK = '<a href="/my-learning"'


def test_my_learning_lists_courses_with_progress(
    tenant, user_factory, client, page_browser, make_course, enrol_directly
):
    a, b = make_course(tenant, title="Astronomy", lessons=4), make_course(tenant, title="Botany")
    gone = make_course(tenant, title="Chemistry")
    learner = user_factory(tenant)
    c = client(tenant, learner)
    c.post_json(f"/api/v1/courses/{a.id}/enrollment", {})
    c.post_json(f"/api/v1/lessons/{a.lessons[0].id}/progress", {"completed": True})
    c.post_json(f"/api/v1/courses/{b.id}/enrollment", {})
    enrol_directly(tenant, gone.course, learner, expires_in=-timedelta(days=1))
    r = page_browser(tenant, learner).get("/my-learning")
    assert r.status_int == 200, r.text
    assert "Astronomy" in r.text and "Botany" in r.text
    current, _, ended = r.text.partition("<h2>Access ended</h2>")
    assert "Chemistry" in ended and "Chemistry" not in current
    assert re.search(r'<progress id="ml-progress-[^"]+" max="100" value="25"', r.text)
    assert r.text.count('<label for="ml-progress-') == 3  # every bar has a label
    assert f'href="/my-learning/continue/{a.id}"' in r.text
    assert "Continue where you left off" in r.text and "Start the course" in r.text
    assert NAV_LINK in r.text


def test_my_learning_access(tenant, other_tenant, user_factory, page_browser, make_course, client):
    anonymous = page_browser(tenant).get("/my-learning")
    assert (
        anonymous.status_int == 303 and "/login?next=/my-learning" in anonymous.headers["Location"]
    )
    assert page_browser(tenant, user_factory(tenant, "guest")).get("/my-learning").status_int == 403
    setup = make_course(tenant, title="Ours only")
    learner = user_factory(tenant)
    client(tenant, learner).post_json(f"/api/v1/courses/{setup.id}/enrollment", {})
    foreign = page_browser(other_tenant, user_factory(other_tenant, "admin"))
    assert "Ours only" not in foreign.get("/my-learning").text
    assert foreign.get(f"/my-learning/continue/{setup.id}").status_int == 404


def test_dashboard_widget(tenant, user_factory, client, page_browser, make_course):
    learner = user_factory(tenant)
    empty = page_browser(tenant, learner).get("/dashboard")
    assert 'id="w-enrollment-my-learning"' in empty.text
    assert "You are not enrolled in any course yet." in empty.text
    setup = make_course(tenant, title="Cartography")
    client(tenant, learner).post_json(f"/api/v1/courses/{setup.id}/enrollment", {})
    r = page_browser(tenant, learner).get("/dashboard")
    widget = r.text.split('id="w-enrollment-my-learning"', 1)[1]
    assert "Cartography" in widget and "<progress" in widget and "<label for=" in widget
    assert f'href="/my-learning/continue/{setup.id}"' in widget


def test_enrol_form_then_continue_and_mark_complete(
    tenant, user_factory, page_browser, make_course, course_row, events
):
    setup = make_course(tenant, lessons=2)
    learner = user_factory(tenant)
    b = page_browser(tenant, learner)
    page = b.get("/my-learning")  # any page of ours carries a CSRF token
    r = b.submit(page, f"/my-learning/enrol/{setup.id}", {})
    assert r.status_int == 303
    assert r.headers["Location"].endswith(f"/my-learning/continue/{setup.id}")
    assert course_row(setup.id).enrolment_count == 1
    go = b.get(f"/my-learning/continue/{setup.id}")
    assert go.status_int == 303
    assert go.headers["Location"].endswith(f"/courses/{setup.course.slug}/learn/lesson-1")
    first = setup.lessons[0]
    player = f"/courses/{setup.course.slug}/learn/lesson-1"
    r = b.submit(
        page, f"/my-learning/lessons/{first.id}/progress", {"completed": "1", "next": player}
    )
    assert r.status_int == 303 and r.headers["Location"].endswith(player)
    # the last lesson touched is done: continue points at the next one
    assert (
        b.get(f"/my-learning/continue/{setup.id}").headers["Location"].endswith("/learn/lesson-2")
    )
    r = b.submit(
        page,
        f"/my-learning/lessons/{setup.lessons[1].id}/progress",
        {"completed": "1", "next": "//evil.example/x"},
    )
    assert r.status_int == 303 and "evil" not in r.headers["Location"]
    assert events.names().count("course.completed") == 1
    my = b.get("/my-learning")
    assert 'value="100"' in my.text


def test_continue_skips_to_the_first_lesson_not_completed(
    tenant, user_factory, client, page_browser, make_course
):
    setup = make_course(tenant, lessons=3)
    learner = user_factory(tenant)
    c = client(tenant, learner)
    c.post_json(f"/api/v1/courses/{setup.id}/enrollment", {})
    b = page_browser(tenant, learner)
    assert (
        b.get(f"/my-learning/continue/{setup.id}").headers["Location"].endswith("/learn/lesson-1")
    )


def test_forms_need_csrf_and_a_session(tenant, user_factory, page_browser, make_course):
    setup = make_course(tenant)
    learner = user_factory(tenant)
    b = page_browser(tenant, learner)
    page = b.get("/my-learning")
    assert b.submit(page, f"/my-learning/enrol/{setup.id}", {}, csrf=False).status_int in (400, 403)
    anonymous = page_browser(tenant)
    anon_page = anonymous.get("/login")
    r = anonymous.submit(anon_page, f"/my-learning/enrol/{setup.id}", {})
    assert r.status_int == 303 and "/login" in r.headers["Location"]


def test_enrol_form_refuses_paid_courses(
    tenant, user_factory, page_browser, make_course, course_row
):
    setup = make_course(tenant, price_minor=500)
    b = page_browser(tenant, user_factory(tenant))
    page = b.get("/my-learning")
    assert b.submit(page, f"/my-learning/enrol/{setup.id}", {}).status_int == 403
    assert course_row(setup.id).enrolment_count == 0


def test_unenrol_form(tenant, user_factory, page_browser, client, make_course, course_row):
    setup = make_course(tenant)
    learner = user_factory(tenant)
    client(tenant, learner).post_json(f"/api/v1/courses/{setup.id}/enrollment", {})
    b = page_browser(tenant, learner)
    page = b.get("/my-learning")
    r = b.submit(page, f"/my-learning/unenrol/{setup.id}", {})
    assert r.status_int == 303 and r.headers["Location"].endswith("/my-learning")
    assert course_row(setup.id).enrolment_count == 0


def test_progress_form_refuses_learners_without_access(
    tenant, user_factory, page_browser, make_course
):
    setup = make_course(tenant)
    b = page_browser(tenant, user_factory(tenant))
    page = b.get("/my-learning")
    r = b.submit(page, f"/my-learning/lessons/{setup.lessons[0].id}/progress", {"completed": "1"})
    assert r.status_int == 403
    assert b.submit(page, "/my-learning/lessons/nope/progress", {}).status_int == 404


def test_disabled_for_one_tenant_while_another_keeps_it(
    tenant, other_tenant, user_factory, client, page_browser, make_course, plugin_admin
):
    ours, theirs = make_course(tenant), make_course(other_tenant)
    me, them = user_factory(tenant), user_factory(other_tenant)
    assert (
        client(tenant, me).post_json(f"/api/v1/courses/{ours.id}/enrollment", {}).status_int == 201
    )
    plugin_admin.disable(tenant)
    api = client(tenant, me)
    assert api.get(f"/api/v1/courses/{ours.id}/enrollment").status_int == 404
    assert api.get("/api/v1/me/enrollments").status_int == 404
    assert (
        api.post_json(
            f"/api/v1/lessons/{ours.lessons[0].id}/progress", {"completed": True}
        ).status_int
        == 404
    )
    pages = page_browser(tenant, me)
    assert pages.get("/my-learning").status_int == 404
    dashboard = pages.get("/dashboard")
    assert NAV_LINK not in dashboard.text and "w-enrollment-my-learning" not in dashboard.text
    paths = api.get("/api/v1/openapi.json").json["paths"]
    assert not [p for p in paths if "enrollment" in p or "progress" in p]
    # the other tenant keeps everything
    other = client(other_tenant, them)
    assert other.post_json(f"/api/v1/courses/{theirs.id}/enrollment", {}).status_int == 201
    assert page_browser(other_tenant, them).get("/my-learning").status_int == 200
    assert NAV_LINK in page_browser(other_tenant, them).get("/dashboard").text


def test_pages_speak_spanish_and_arabic(
    tenant, user_factory, client, page_browser, make_course, db
):
    instructor = user_factory(tenant, "instructor")
    setup = make_course(tenant, instructor=instructor)
    learner = user_factory(tenant)
    client(tenant, learner).post_json(f"/api/v1/courses/{setup.id}/enrollment", {})
    for user, locale in ((learner, "es"), (instructor, "ar")):
        user.locale = locale
    db.flush()
    es = page_browser(tenant, learner).get("/my-learning")
    assert "<h1>Mi aprendizaje</h1>" in es.text and "Empieza el curso" in es.text
    ar = page_browser(tenant, instructor).get(f"/teach/courses/{setup.id}/roster")
    assert 'dir="rtl"' in ar.text and "تنزيل بصيغة CSV" in ar.text
