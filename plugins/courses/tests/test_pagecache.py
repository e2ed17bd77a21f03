"""The anonymous catalog, landing page and course API through the kernel's page cache
(learninghub.pagecache): hits, outdating by committed writes, what is never cached,
per-visitor CSRF tokens, locales and tenants kept apart."""

from __future__ import annotations

import re

from learninghub.testing.pages import CSRF_RE
from learninghub.testing.sql import counting

from .conftest import add_lesson
from .test_pages import card_titles


def state(response) -> str | None:
    return response.headers.get("X-Page-Cache")


def publish(client, tenant, admin, title: str) -> dict:
    """Create and publish a course through the API (committed requests)."""
    c = client(tenant, admin)
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    r = c.post_json("/api/v1/courses", {"title": title, "slug": slug})
    assert r.status_int == 201, r.text
    add_lesson(client, tenant, admin, r.json["id"])
    r = c.post_json(r.json["url"] + "/submit", {})
    assert r.json["status"] == "published", r.text
    return r.json


def test_second_anonymous_visit_is_a_hit_without_sql(tenant, page_browser, make_course, registry):
    make_course(tenant, title="Cached course")
    browser = page_browser(tenant)
    first = browser.get("/courses")
    assert first.status_int == 200 and state(first) == "miss"
    with counting(registry["db.engine"]) as statements:
        second = browser.get("/courses")
    assert state(second) == "hit"
    assert statements == []
    assert second.text == first.text
    assert card_titles(second) == ["Cached course"]


def test_a_committed_change_outdates_the_cached_catalog(tenant, page_browser, client, admin):
    publish(client, tenant, admin, "Gardening at home")
    browser = page_browser(tenant)
    assert state(browser.get("/courses")) == "miss"
    assert state(browser.get("/courses")) == "hit"
    assert state(browser.get("/courses?q=gardening")) == "miss"
    assert state(browser.get("/courses?q=cooking")) == "miss"

    publish(client, tenant, admin, "Cooking for friends")
    r = browser.get("/courses")
    assert state(r) == "miss"
    assert sorted(card_titles(r)) == ["Cooking for friends", "Gardening at home"]
    r = browser.get("/courses?q=cooking")  # the search index moved on as well
    assert card_titles(r) == ["Cooking for friends"]


def test_landing_page_follows_edits(tenant, page_browser, client, admin):
    course = publish(client, tenant, admin, "Pottery")
    browser = page_browser(tenant)
    path = f"/courses/{course['slug']}"
    assert state(browser.get(path)) == "miss"
    assert state(browser.get(path)) == "hit"
    r = client(tenant, admin).patch_json(course["url"], {"subtitle": "Wheel and kiln"})
    assert r.status_int == 200, r.text
    r = browser.get(path)
    assert state(r) == "miss" and "Wheel and kiln" in r.text


def test_signed_in_pages_and_token_calls_are_never_cached(
    tenant, page_browser, client, learner, make_course
):
    make_course(tenant, title="Private view")
    browser = page_browser(tenant, learner)
    for _ in range(2):
        r = browser.get("/courses")
        assert r.status_int == 200 and state(r) is None
    api = client(tenant, learner)
    for _ in range(2):
        r = api.get("/api/v1/courses")
        assert r.status_int == 200 and state(r) is None


def test_anonymous_api_is_cached(tenant, client, admin):
    publish(client, tenant, admin, "Api course")
    anonymous = client(tenant)
    first = anonymous.get("/api/v1/courses")
    second = anonymous.get("/api/v1/courses")
    assert (state(first), state(second)) == ("miss", "hit")
    assert second.json == first.json
    assert [c["title"] for c in second.json["items"]] == ["Api course"]


def test_each_visitor_gets_its_own_csrf_token(tenant, page_browser, make_course):
    make_course(tenant, title="Tokens")
    first, second = page_browser(tenant), page_browser(tenant)
    assert state(first.get("/courses")) == "miss"
    hit = second.get("/courses")
    assert state(hit) == "hit"
    token = CSRF_RE.search(hit.text).group(1)
    assert token == second.cookies["lh_csrf"] != first.cookies["lh_csrf"]
    assert b"lh-csrf-hole" not in hit.body
    # the token of a cached page works: switch the language from the footer form
    r = second.submit(hit, "/preferences/locale", {"locale": "es", "next": "/courses"})
    assert r.status_int in (302, 303), r.text
    assert 'lang="es"' in second.get("/courses").text


def test_locale_and_tenant_are_part_of_the_key(
    tenant, other_tenant, page_browser, make_course, plugin_admin
):
    make_course(tenant, title="Mine")
    make_course(other_tenant, title="Theirs")
    english = page_browser(tenant)
    assert state(english.get("/courses")) == "miss"
    assert state(english.get("/courses")) == "hit"
    spanish = page_browser(tenant, cookie="lh_locale=es")
    r = spanish.get("/courses")
    assert state(r) == "miss" and 'lang="es"' in r.text
    r = page_browser(other_tenant).get("/courses")
    assert state(r) == "miss" and card_titles(r) == ["Theirs"]
    # disabling the plugin for the tenant outdates its pages (tenant generation)
    plugin_admin.disable(tenant)
    assert english.get("/courses").status_int == 404
    assert card_titles(page_browser(other_tenant).get("/courses")) == ["Theirs"]


def test_not_found_and_drafts_are_not_cached(tenant, page_browser, client, admin, instructor):
    c = client(tenant, instructor)
    made = c.post_json("/api/v1/courses", {"title": "Soon", "slug": "soon"}).json
    url = made["url"]
    add_lesson(client, tenant, instructor, made["id"])
    browser = page_browser(tenant)
    for _ in range(2):
        r = browser.get("/courses/soon")
        assert r.status_int == 404 and state(r) is None
    assert c.post_json(url + "/submit", {}).json["status"] == "in_review"
    courses = client(tenant, admin).get("/api/v1/courses?status=in_review").json["items"]
    assert [x["title"] for x in courses] == ["Soon"]
    r = client(tenant, admin).post_json(courses[0]["url"] + "/approve", {})
    assert r.status_int == 200, r.text
    assert browser.get("/courses/soon").status_int == 200


def test_no_cache_request_renders_afresh(tenant, page_browser, make_course):
    make_course(tenant, title="Reload")
    browser = page_browser(tenant)
    assert state(browser.get("/courses")) == "miss"
    assert state(browser.get("/courses")) == "hit"
    r = browser.get("/courses", headers={"Cache-Control": "no-cache"})
    assert state(r) == "miss" and card_titles(r) == ["Reload"]
    assert state(browser.get("/courses", headers={"Pragma": "no-cache"})) == "miss"
    assert state(browser.get("/courses")) == "hit"
