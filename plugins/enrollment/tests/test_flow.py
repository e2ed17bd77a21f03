"""End to end through the other plugins' pages: the course landing page (courses) and
the lesson player (content) show enrollment's controls and obey its access."""

from __future__ import annotations

import re


def form_action(html: str, label: str) -> str:
    """The action of the form whose submit button says ``label``."""
    for form in re.findall(r"<form[^>]*>.*?</form>", html, re.S):
        if f">{label}</button>" in form:
            return re.search(r'action="([^"]+)"', form).group(1)
    raise AssertionError(f"no form with a {label!r} button")


def test_learner_enrols_from_the_landing_page_and_completes_in_the_player(
    tenant, user_factory, page_browser, make_course, course_row, events
):
    setup = make_course(tenant, lessons=2, title="Pottery")
    b = page_browser(tenant, user_factory(tenant))
    landing = b.get(f"/courses/{setup.course.slug}")
    assert landing.status_int == 200, landing.text
    action = form_action(landing.text, "Enrol")
    r = b.submit(landing, action, {})
    assert r.status_int == 303
    r = b.get(r.headers["Location"])  # continue
    player_url = r.headers["Location"]
    assert player_url.endswith(f"/courses/{setup.course.slug}/learn/lesson-1")
    player = b.get(player_url)
    assert player.status_int == 200, player.text
    mark = form_action(player.text, "Mark complete")
    r = b.submit(
        player, mark, {"completed": "1", "next": f"/courses/{setup.course.slug}/learn/lesson-1"}
    )
    assert r.status_int == 303
    again = b.get(f"/courses/{setup.course.slug}/learn/lesson-1")
    assert "Mark as not complete" in again.text
    landing = b.get(f"/courses/{setup.course.slug}")
    assert "Continue" in landing.text and 'value="50"' in landing.text
    second = b.get(f"/courses/{setup.course.slug}/learn/lesson-2")
    b.submit(second, form_action(second.text, "Mark complete"), {"completed": "1"})
    assert course_row(setup.id).enrolment_count == 1
    assert events.names().count("course.completed") == 1
    assert 'value="100"' in b.get("/my-learning").text


def test_landing_page_for_visitors_and_paid_courses(
    catalog_tenant, user_factory, page_browser, make_course, seller
):
    free = make_course(catalog_tenant)
    visitor = page_browser(catalog_tenant).get(f"/courses/{free.course.slug}")
    assert "Sign in to enrol" in visitor.text
    paid = make_course(catalog_tenant, price_minor=2500)
    page = page_browser(catalog_tenant, user_factory(catalog_tenant)).get(
        f"/courses/{paid.course.slug}"
    )
    assert f'href="/buy/{paid.id}"' in page.text and ">Enrol</button>" not in page.text


def test_player_refuses_lessons_without_an_enrolment(
    tenant, user_factory, page_browser, make_course, enrol_directly
):
    from datetime import timedelta

    setup = make_course(tenant, lessons=1)
    path = f"/courses/{setup.course.slug}/learn/lesson-1"
    assert page_browser(tenant, user_factory(tenant)).get(path).status_int == 403
    lapsed = user_factory(tenant)
    enrol_directly(tenant, setup.course, lapsed, expires_in=-timedelta(minutes=1))
    page = page_browser(tenant, lapsed).get(path)
    assert page.status_int == 403 and "Mark complete" not in page.text
    ok = user_factory(tenant)
    enrol_directly(tenant, setup.course, ok)
    assert page_browser(tenant, ok).get(path).status_int == 200
