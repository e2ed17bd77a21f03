"""``GET /api/v1/gamification/me``, ``/me/awards`` and ``PUT /me/privacy``: allowed,
forbidden, anonymous, cross-tenant and invalid input."""

from __future__ import annotations

ME = "/api/v1/gamification/me"
PRIVACY = "/api/v1/gamification/me/privacy"


def test_me_and_my_awards(tenant, user_factory, client, ev, feed):
    learner = user_factory(tenant)
    feed(tenant, ev.lesson(learner), ev.graded(learner, "90.00", True), ev.lesson(learner))
    c = client(tenant, learner)
    me = c.get(ME).json
    assert me["points"] == 70 and me["badge_count"] == 1
    assert me["level"] == {"number": 1, "floor": 0, "next_at": 100, "progress_percent": 70}
    assert me["streak"]["current"] == 1 and me["hide_from_leaderboards"] is False
    page = c.get(me["awards_url"].replace(f"http://{tenant.host}", "") + "?limit=1").json
    assert [a["badge_slug"] for a in page["items"]] == ["first-lesson"]
    assert page["next_cursor"] is None


def test_me_forbidden_anonymous_and_cross_tenant(tenant, other_tenant, user_factory, client):
    assert client(tenant).get(ME).status_int == 401
    assert client(tenant).put_json(PRIVACY, {"hide_from_leaderboards": True}).status_int == 401
    nobody = client(tenant, user_factory(tenant, "nobody", roles=()))
    assert nobody.get(ME).status_int == 403
    assert nobody.put_json(PRIVACY, {"hide_from_leaderboards": True}).status_int == 403
    learner = user_factory(tenant)
    stolen = client(other_tenant)
    stolen.headers.update(client(tenant, learner).headers)
    assert stolen.get(ME).status_int in (401, 404)
    assert stolen.put_json(PRIVACY, {"hide_from_leaderboards": True}).status_int in (401, 404)


def test_privacy_switch_and_invalid_input(tenant, user_factory, client):
    c = client(tenant, user_factory(tenant))
    r = c.put_json(PRIVACY, {"hide_from_leaderboards": True})
    assert r.status_int == 200 and r.json == {"hide_from_leaderboards": True}
    assert c.get(ME).json["hide_from_leaderboards"] is True
    for body in ({}, {"hide_from_leaderboards": "maybe"}, {"hide_from_leaderboards": True, "x": 1}):
        r = c.put_json(PRIVACY, body)
        assert r.status_int == 422, body
        assert r.json["errors"][0]["path"][0] == "body"
    assert c.put_json(PRIVACY, {"hide_from_leaderboards": False}).json == {
        "hide_from_leaderboards": False
    }
    assert c.get(f"{ME}/awards?cursor=bad").status_int == 400


def test_rules_api_authorization_and_invalid_input(tenant, other_tenant, user_factory, client):
    url = "/api/v1/admin/gamification/rules"
    admin = client(tenant, user_factory(tenant, "admin"))
    assert client(tenant).get(url).status_int == 401
    assert client(tenant, user_factory(tenant)).get(url).status_int == 403
    learner = client(tenant, user_factory(tenant))
    assert learner.put_json(f"{url}/quiz_passed", {"points": 1}).status_int == 403
    assert admin.put_json(f"{url}/no_such_rule", {"points": 1}).status_int == 404
    for body in ({"points": -1}, {"points": 100001}, {"points": "many"}, {}):
        assert admin.put_json(f"{url}/quiz_passed", body).status_int == 422, body
    admin.put_json(f"{url}/quiz_passed", {"points": 80})
    theirs = client(other_tenant, user_factory(other_tenant, "admin")).get(url).json
    assert next(r for r in theirs if r["rule"] == "quiz_passed")["points"] == 50
