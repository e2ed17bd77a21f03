"""The player's page routes for bookmarks (player/bridge.py): the downloads part's
bookmarks API run with the page session (cookie) and the CSRF header."""

from __future__ import annotations

import pytest


@pytest.fixture
def learner(page_browser, world):
    """The enrolled learner's page session, with a CSRF cookie (from the lesson page)."""
    browser = page_browser(world.tenant, world.learner)
    assert browser.get(world.url()).status_int == 200
    return browser


def list_url(world) -> str:
    return f"/streaming/player/streams/{world.stream.id}/bookmarks?scope={world.lesson.id}"


def create_url(world) -> str:
    return f"/streaming/player/streams/{world.stream.id}/bookmarks"


def send(browser, method: str, path: str, body=None, csrf: bool = True):
    headers = {"Accept": "application/json"}
    if csrf and "lh_csrf" in browser.cookies:
        headers["X-CSRF-Token"] = browser.cookies["lh_csrf"]
    if method == "delete":
        return browser._call("delete", path, headers=headers)
    return browser._call(f"{method}_json", path, params=body, headers=headers)


def add(browser, world, position_s=1.5, note="Look here"):
    return send(
        browser,
        "post",
        create_url(world),
        {"scope": str(world.lesson.id), "position_s": position_s, "note": note},
    )


def test_a_learner_lists_adds_moves_and_deletes_their_bookmarks(learner, world):
    r = learner.get(list_url(world), headers={"Accept": "application/json"})
    assert r.status_int == 200, r.text
    assert r.json == {"items": [], "next_cursor": None}

    r = add(learner, world)
    assert r.status_int == 201, r.text
    bookmark = r.json
    assert bookmark["position_s"] == 1.5 and bookmark["note"] == "Look here"
    assert bookmark["lesson_id"] == str(world.lesson.id)

    r = learner.get(list_url(world), headers={"Accept": "application/json"})
    assert [b["id"] for b in r.json["items"]] == [bookmark["id"]]

    path = f"/streaming/player/bookmarks/{bookmark['id']}"
    r = send(learner, "patch", path, {"note": "Changed"})
    assert r.status_int == 200, r.text
    assert r.json["note"] == "Changed"

    r = send(learner, "delete", path)
    assert r.status_int == 204, r.text
    r = learner.get(list_url(world), headers={"Accept": "application/json"})
    assert r.json["items"] == []


def test_writes_need_the_csrf_token(learner, world):
    r = send(
        learner,
        "post",
        create_url(world),
        {"scope": str(world.lesson.id), "position_s": 1, "note": ""},
        csrf=False,
    )
    assert r.status_int == 400
    assert r.content_type == "application/problem+json"
    r = learner.get(list_url(world), headers={"Accept": "application/json"})
    assert r.json["items"] == []


def test_invalid_input_answers_the_apis_problems(learner, world):
    r = add(learner, world, note="x" * 501)
    assert r.status_int == 422
    assert r.content_type == "application/problem+json"
    assert any(e["path"][-1] == "note" for e in r.json["errors"]), r.json

    r = add(learner, world, position_s=world.stream.duration_s + 10)
    assert r.status_int == 422
    assert "position_s" in r.text

    r = send(learner, "post", create_url(world), {"scope": "nope", "position_s": 1})
    assert r.status_int == 422
    assert "scope" in r.text

    r = learner.get(
        f"/streaming/player/streams/{world.stream.id}/bookmarks",
        headers={"Accept": "application/json"},
    )
    assert r.status_int == 422  # the scope is required

    headers = {"Accept": "application/json", "X-CSRF-Token": learner.cookies["lh_csrf"]}
    r = learner._call("post", create_url(world), params="{nope", headers=headers,
                      content_type="application/json")  # fmt: skip
    assert r.status_int == 400


def test_an_outsider_gets_404(page_browser, world):
    outsider = page_browser(world.tenant, world.outsider)
    outsider.cookies["lh_csrf"] = "a" * 32  # the double-submit pair passes: only access counts
    r = outsider.get(list_url(world), headers={"Accept": "application/json"})
    assert r.status_int == 404
    assert add(outsider, world).status_int == 404


def test_another_learners_bookmark_is_404(
    learner, page_browser, world, enrol_directly, user_factory
):
    bookmark = add(learner, world).json
    other_user = user_factory(world.tenant, "learner")
    enrol_directly(world.tenant, world.course, other_user)
    other = page_browser(world.tenant, other_user)
    other.get(world.url())
    path = f"/streaming/player/bookmarks/{bookmark['id']}"
    assert send(other, "patch", path, {"note": "mine"}).status_int == 404
    assert send(other, "delete", path).status_int == 404
    r = other.get(list_url(world), headers={"Accept": "application/json"})
    assert r.json["items"] == []


def test_an_anonymous_visitor_gets_401(page_browser, world):
    r = page_browser(world.tenant).get(list_url(world), headers={"Accept": "application/json"})
    assert r.status_int == 401
    assert r.content_type == "application/problem+json"


def test_another_tenants_admin_gets_404(page_browser, world, session_cookie):
    foreign = page_browser(world.other_tenant, world.foreign_admin)
    foreign.cookies["lh_csrf"] = "a" * 32  # the double-submit pair passes: only access counts
    r = foreign.get(list_url(world), headers={"Accept": "application/json"})
    assert r.status_int == 404
    assert add(foreign, world).status_int == 404
    # their session cookie on this tenant's host signs no one in
    cookie = session_cookie(world.other_tenant, world.foreign_admin)
    r = page_browser(world.tenant, cookie=cookie).get(
        list_url(world), headers={"Accept": "application/json"}
    )
    assert r.status_int == 401


def test_unknown_methods_are_not_routed(learner, world):
    r = send(learner, "patch", create_url(world), {"note": "x"})
    assert r.status_int in (404, 405)
