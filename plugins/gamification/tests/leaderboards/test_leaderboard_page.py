"""/leaderboards: period tabs, the course selector, "you are #N", pages; visitors,
roles without the permission, other tenants' courses and invalid inputs."""

from __future__ import annotations

import re

from learninghub_gamification.leaderboards import views


def test_leaderboards_page(
    tenant,
    other_tenant,
    user_factory,
    page_client,
    ledger,
    make_course,
    enrol_directly,
    monkeypatch,
):
    ada, bob = user_factory(tenant), user_factory(tenant)
    ada.display_name, bob.display_name = "Ada Lovelace", "Bob Kahn"
    course = make_course(tenant, title="Analytical Engines")
    enrol_directly(tenant, course, ada)
    ledger(tenant, ada, 40, course_id=course.id)
    ledger(tenant, bob, 25)
    monkeypatch.setattr(views, "PAGE_SIZE", 1)

    page = page_client(tenant, bob).get("/leaderboards")
    assert page.status_int == 200
    assert '<th scope="row">Ada Lovelace</th>' in page.text
    assert '<th scope="row">Bob Kahn' not in page.text  # one per page here
    assert "You are #2 with 25 points." in page.text
    assert re.search(r'<a href="[^"]*period=week"\s+aria-current="page">', page.text)
    assert "Analytical Engines" not in page.text  # bob takes no course: no selector
    following = re.search(r'href="([^"]+)" rel="next"', page.text).group(1)
    second = page_client(tenant, bob).get(following.replace("&amp;", "&"))
    assert '<th scope="row">Bob Kahn <small>(you)</small></th>' in second.text

    mine = page_client(tenant, ada)
    listing = mine.get("/leaderboards?period=month")
    assert f'<option value="{course.id}"' in listing.text
    board = mine.get(f"/leaderboards?period=all&course_id={course.id}")
    assert "Leaderboard of Analytical Engines" in board.text and "You are #1 with 40" in board.text

    assert page_client(tenant, bob).get(f"/leaderboards?course_id={course.id}").status_int == 403
    assert mine.get("/leaderboards?period=year").status_int == 400
    assert mine.get("/leaderboards?cursor=%21%21").status_int == 400
    assert mine.get("/leaderboards?course_id=nope").status_int == 404
    anonymous = page_client(tenant).get("/leaderboards")
    assert anonymous.status_int == 303 and "/login" in anonymous.headers["Location"]
    nobody = page_client(tenant, user_factory(tenant, "nobody", roles=()))
    assert nobody.get("/leaderboards").status_int == 403
    foreign = page_client(other_tenant, user_factory(other_tenant))
    assert foreign.get(f"/leaderboards?course_id={course.id}").status_int == 404
    assert "Ada Lovelace" not in foreign.get("/leaderboards?period=all").text


def test_absent_where_the_plugin_is_not_enabled(tenant_factory, user_factory, page_client, client):
    bare = tenant_factory(plugins=["courses", "media", "content", "enrollment"])
    learner = user_factory(bare)
    assert page_client(bare, learner).get("/leaderboards").status_int == 404
    assert client(bare, learner).get("/api/v1/gamification/leaderboards").status_int == 404
