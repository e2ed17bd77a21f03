"""The analytics page (SVG chart, table), the CSV, the link under the lesson, and the
player's page-session heartbeat route."""

from __future__ import annotations

import json
import re
import uuid

import pytest
import sqlalchemy as sa

from learninghub.testing.pages import CSRF_RE


@pytest.fixture
def two_views(world, beat, long_stream, streaming_settings, db):
    """learner played [0, 100) and learner2 [0, 50) of a 100 s stream whose upload is
    named like a spreadsheet formula."""
    from learninghub_media.models import MediaAsset

    streaming_settings(world.tenant, heartbeat_seconds=60)
    long_stream(world)
    db.execute(
        sa.update(MediaAsset)
        .where(MediaAsset.id == world.asset_id)
        .values(filename='=HYPERLINK("http://evil.example/","clip")')
    )
    db.flush()
    assert beat(world, world.learner, [(0, 100)]).status_int == 200
    assert beat(world, world.learner2, [(0, 50)]).status_int == 200
    return world


def page_url(world, suffix="") -> str:
    return f"/streaming/streams/{world.stream.id}/analytics{suffix}"


def test_the_page_draws_the_curve_as_an_accessible_svg(two_views, page_browser):
    world = two_views
    page = page_browser(world.tenant, world.instructor).get(page_url(world))
    assert page.status_int == 200, page.text
    assert page.headers["Cache-Control"] == "no-store"
    html = page.text
    svg = re.search(r"<svg[^>]*>.*?</svg>", html, re.S).group(0)
    assert 'role="img"' in svg and 'aria-label="Drop-off curve' in svg
    assert "<title>Drop-off curve" in svg
    # x: 56 + 568 × p / 100; y: 16 + 256 × (1 − share): shares 1 (k ≤ 9) then 0.5
    points = re.search(r'<polyline[^>]*points="([^"]+)"', svg).group(1).split()
    assert len(points) == 21
    assert points[0] == "56.0,16.0" and points[9] == "311.6,16.0"
    assert points[10] == "340.0,144.0" and points[20] == "624.0,144.0"
    for tick in ("0 %", "50 %", "100 %"):
        assert f">{tick}</text>" in svg
    # the same figures as a table, and the summary
    rows = re.findall(r'<tr><th scope="row">(\d+) %</th><td>(\d+)</td><td>([\d.]+) %</td>', html)
    assert rows[:2] == [("0", "2", "100"), ("5", "2", "100")]
    assert rows[10] == ("50", "1", "50") and len(rows) == 21
    assert '<dd data-figure="views">2</dd>' in html
    assert '<dd data-figure="unique_viewers">2</dd>' in html
    assert '<dd data-figure="total_watch_s">150 s</dd>' in html
    assert '<dd data-figure="average_watch_s">75 s</dd>' in html
    assert '<dd data-figure="completion_rate">50 %</dd>' in html
    # the name is escaped, the CSV linked
    assert "=HYPERLINK(&#34;http://evil.example/&#34;" in html
    assert f'href="{page_url(world, ".csv")}"' in html


def test_the_csv_holds_the_curve_then_the_summary(two_views, page_browser):
    world = two_views
    r = page_browser(world.tenant, world.instructor).get(page_url(world, ".csv"))
    assert r.status_int == 200
    assert r.content_type == "text/csv" and r.charset == "utf-8"
    assert r.headers["Content-Disposition"] == (
        f'attachment; filename="stream-{world.stream.id}-analytics.csv"'
    )
    curve = [f"{5 * k},{min(5 * k, 99)},2,1.0" for k in range(10)]
    curve += [f"{5 * k},{min(5 * k, 99)},1,0.5" for k in range(10, 21)]
    expected = [
        "position_percent,bucket,views,share",
        *curve,
        "",
        "metric,value",
        f"stream_id,{world.stream.id}",
        # a formula is written as text; the quotes are CSV's
        'media,"\'=HYPERLINK(""http://evil.example/"",""clip"")"',
        "duration_s,100.0",
        "views,2",
        "unique_viewers,2",
        "total_watch_s,150.0",
        "average_watch_s,75.0",
        "complete_percent,90",
        "completed_views,1",
        "completion_rate,0.5",
    ]
    assert r.text.split("\r\n") == [*expected, ""]


@pytest.mark.parametrize("suffix", ["", ".csv"])
def test_who_may_see_the_page_and_the_csv(world, page_browser, user_factory, suffix):
    url = page_url(world, suffix)
    r = page_browser(world.tenant).get(url)
    assert r.status_int == 303 and r.location.endswith(f"/login?next={url}")
    for user in (world.learner, world.outsider):
        assert page_browser(world.tenant, user).get(url).status_int == 404
    # another tenant's admin on their own host (the stream is not theirs) and on ours
    assert page_browser(world.other_tenant, world.foreign_admin).get(url).status_int == 404
    assert page_browser(world.tenant, world.foreign_admin).get(url).status_int == 303
    assert page_browser(world.tenant, world.instructor).get(url).status_int == 200
    admin = user_factory(world.tenant, "admin")
    assert page_browser(world.tenant, admin).get(url).status_int == 200
    bad = f"/streaming/streams/nope/analytics{suffix}"
    assert page_browser(world.tenant, admin).get(bad).status_int == 404


def test_editors_see_a_link_under_a_lesson_with_a_ready_stream(world, page_browser, db):
    from learninghub_streaming.transcoding.models import Stream

    player = f"/courses/{world.course.slug}/learn/{world.lesson.slug}"
    link = f'href="{page_url(world)}"'
    page = page_browser(world.tenant, world.instructor).get(player)
    assert page.status_int == 200 and link in page.text and "Viewing analytics" in page.text
    learner_page = page_browser(world.tenant, world.learner).get(player)
    assert learner_page.status_int == 200 and link not in learner_page.text
    db.execute(sa.update(Stream).where(Stream.id == world.stream.id).values(status="processing"))
    db.flush()
    assert link not in page_browser(world.tenant, world.instructor).get(player).text


def _token(browser) -> str:
    return CSRF_RE.search(browser.get("/dashboard").text).group(1)


def test_the_player_beats_with_its_session(world, page_browser, long_stream):
    long_stream(world)
    url = f"/streaming/streams/{world.stream.id}/heartbeats"
    browser = page_browser(world.tenant, world.learner)
    body = {
        "view_id": str(uuid.uuid4()),
        "scope": str(world.lesson.id),
        "position_s": 4,
        "ranges": [[0, 4]],
    }
    data = json.dumps(body)
    json_type = {"Content-Type": "application/json"}
    # fetch: the token as a header
    r = browser._call(
        "post", url, params=data, headers={**json_type, "X-CSRF-Token": _token(browser)}
    )
    assert r.status_int == 200, r.text
    assert r.json == {"position_s": 4, "watched_percent": 4, "lesson_completed": False}
    # sendBeacon: a form with the token and the beat
    body["ranges"], body["position_s"] = [[4, 6]], 6
    r = browser._call("post", url, params={"csrf_token": _token(browser), "beat": json.dumps(body)})
    assert r.status_int == 200 and r.json["watched_percent"] == 6
    # no token, a wrong one: 403; invalid: 422; anonymous: 401; outsider: 404
    assert browser._call("post", url, params=data, headers=json_type).status_int == 403
    r = browser._call("post", url, params=data, headers={**json_type, "X-CSRF-Token": "x"})
    assert r.status_int == 403 and r.content_type == "application/problem+json"
    bad = json.dumps({**body, "ranges": [[5, 1]]})
    r = browser._call(
        "post", url, params=bad, headers={**json_type, "X-CSRF-Token": _token(browser)}
    )
    assert r.status_int == 422 and r.json["errors"][0]["path"] == ["body", "ranges", 0]
    anonymous = page_browser(world.tenant)
    assert anonymous._call("post", url, params=data, headers=json_type).status_int == 401
    outsider = page_browser(world.tenant, world.outsider)
    r = outsider._call(
        "post", url, params=data, headers={**json_type, "X-CSRF-Token": _token(outsider)}
    )
    assert r.status_int == 404
    foreign = page_browser(world.other_tenant, world.foreign_admin)
    r = foreign._call(
        "post", url, params=data, headers={**json_type, "X-CSRF-Token": _token(foreign)}
    )
    assert r.status_int == 404


def test_the_players_beat_refuses_another_origin(world, page_browser):
    url = f"/streaming/streams/{world.stream.id}/heartbeats"
    browser = page_browser(world.tenant, world.learner)
    token = _token(browser)
    body = json.dumps(
        {"view_id": str(uuid.uuid4()), "scope": str(world.lesson.id), "position_s": 1,
         "ranges": [[0, 1]]}
    )  # fmt: skip

    def post(origin: str):
        return browser.app.post(
            url,
            body,
            headers={
                "Cookie": "; ".join(f"{k}={v}" for k, v in browser.cookies.items()),
                "Content-Type": "application/json",
                "X-CSRF-Token": token,
                "Origin": origin,
            },
            extra_environ={"HTTP_HOST": world.tenant.host, "wsgi.url_scheme": "https"},
            expect_errors=True,
        )

    assert post("https://evil.example").status_int == 403
    assert post(f"https://{world.tenant.host}").status_int == 200
