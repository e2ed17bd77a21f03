"""The figures of a stream, from heartbeats sent through the API, against values
computed by hand; the analytics API and who may read it."""

from __future__ import annotations

import uuid

import pytest

from learninghub_streaming.analytics import services


@pytest.fixture
def watched(world, beat, long_stream, streaming_settings):
    """Five views of a 100 s stream (bucket i is second [i, i+1)), one beat each:

    ====  ===========  =========================  ==========  =====================
    view  who          ranges                     watched_s   buckets
    ====  ===========  =========================  ==========  =====================
    V1    learner      [0, 100)                   100         0–99 (100)
    V2    learner      [0, 50)                    50          0–49 (50)
    V3    learner2     [0, 10.5)                  10.5        0–10 (11: ⌈10.5⌉−1)
    V4    learner2     [20, 30), [95, 100)        15          20–29, 95–99 (15)
    V5    instructor   [47.5, 52.5) (manage)      5           47–52 (6)
    ====  ===========  =========================  ==========  =====================
    """
    streaming_settings(world.tenant, heartbeat_seconds=60)  # a first beat up to 125 s
    long_stream(world)
    for user, ranges, scope in [
        (world.learner, [(0, 100)], None),
        (world.learner, [(0, 50)], None),
        (world.learner2, [(0, 10.5)], None),
        (world.learner2, [(20, 30), (95, 100)], None),
        (world.instructor, [(47.5, 52.5)], "manage"),
    ]:
        r = beat(world, user, ranges, scope=scope)
        assert r.status_int == 200, r.text
    return world


# The curve reads bucket min(5k, 99) for k = 0 … 20 (buckets 0, 5, …, 95, 99):
#   0, 5, 10      V1 V2 V3          3/5 = 0.6
#   15            V1 V2             0.4   (V3 stops after bucket 10)
#   20, 25        V1 V2 V4          0.6
#   30 … 45       V1 V2             0.4   (V4's first range stops after 29; V5 is 47–52)
#   50            V1 V5             0.4   (V2 stops after 49)
#   55 … 90       V1                0.2
#   95, 99        V1 V4             0.4
EXPECTED_CURVE = [
    0.6, 0.6, 0.6, 0.4, 0.6, 0.6, 0.4, 0.4, 0.4, 0.4, 0.4,
    0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.4, 0.4,
]  # fmt: skip
EXPECTED_VIEWS = [
    3, 3, 3, 2, 3, 3, 2, 2, 2, 2, 2,
    1, 1, 1, 1, 1, 1, 1, 1, 2, 2,
]  # fmt: skip


def test_the_figures_equal_those_computed_by_hand(watched, client):
    world = watched
    r = client(world.tenant, world.instructor).get(world.url("analytics"))
    assert r.status_int == 200, r.text
    body = r.json
    assert body["stream_id"] == str(world.stream.id) and body["duration_s"] == 100
    # 5 rows; learner, learner2, instructor
    assert (body["views"], body["unique_viewers"]) == (5, 3)
    # 100 + 50 + 10.5 + 15 + 5 = 180.5 s; / 5 views = 36.1 s
    assert body["total_watch_s"] == pytest.approx(180.5)
    assert body["average_watch_s"] == pytest.approx(36.1)
    # coverage 100, 50, 11, 15, 6 buckets: only V1 reaches 90
    assert (body["complete_percent"], body["completed_views"]) == (90, 1)
    assert body["completion_rate"] == pytest.approx(0.2)
    curve = body["curve"]
    assert [p["at_percent"] for p in curve] == list(range(0, 101, 5))
    assert [p["bucket"] for p in curve] == [*range(0, 100, 5), 99]
    assert [p["views"] for p in curve] == EXPECTED_VIEWS
    assert [p["share"] for p in curve] == pytest.approx(EXPECTED_CURVE)


def test_the_completion_rate_follows_the_tenants_percent(watched, client, streaming_settings):
    world = watched
    # at 50 %: V1 (100) and V2 (50) are complete
    streaming_settings(world.tenant, complete_percent=50)
    body = client(world.tenant, world.instructor).get(world.url("analytics")).json
    assert (body["complete_percent"], body["completed_views"]) == (50, 2)
    assert body["completion_rate"] == pytest.approx(0.4)
    # at 11 %: V3's 11 buckets count too, V5's 6 do not
    streaming_settings(world.tenant, complete_percent=11)
    body = client(world.tenant, world.instructor).get(world.url("analytics")).json
    assert body["completed_views"] == 4


def test_a_stream_without_views(world, client):
    body = client(world.tenant, world.instructor).get(world.url("analytics")).json
    assert (body["views"], body["unique_viewers"], body["total_watch_s"]) == (0, 0, 0)
    assert (body["average_watch_s"], body["completion_rate"]) == (0, 0)
    assert [p["share"] for p in body["curve"]] == [0] * 21


def test_stream_stats_service_groups_equal_coverages(world, db):
    """Many views with the same coverage are counted by the group (two queries)."""
    from learninghub_streaming.analytics.models import View

    world.stream.duration_s = 100.0
    full, half = services.format_mask(services.FULL), services.format_mask((1 << 50) - 1)
    for i in range(30):
        db.add(
            View(
                id=uuid.uuid4(),
                tenant_id=world.tenant.id,
                stream_id=world.stream.id,
                lesson_id=world.lesson.id,
                user_id=(world.learner if i % 2 else world.learner2).id,
                watched_s=10.0,
                coverage=full if i < 10 else half,
            )
        )
    db.flush()
    stats = services.stream_stats(db, world.stream, complete_percent=90)
    assert (stats.views, stats.unique_viewers, stats.total_watch_s) == (30, 2, 300.0)
    assert stats.completed_views == 10
    assert [p.views for p in stats.curve] == [30] * 10 + [10] * 11


def test_who_may_read_the_analytics(world, client, foreign_client, user_factory):
    url = world.url("analytics")
    assert client(world.tenant, world.instructor).get(url).status_int == 200
    admin = user_factory(world.tenant, "admin")  # streaming:stream:manage
    assert client(world.tenant, admin).get(url).status_int == 200
    for user in (world.learner, world.outsider):
        r = client(world.tenant, user).get(url)
        assert r.status_int == 404 and r.content_type == "application/problem+json"
    assert client(world.tenant).get(url).status_int == 401
    assert foreign_client(world.tenant, world.other_tenant).get(url).status_int == 401
    assert client(world.other_tenant, world.foreign_admin).get(url).status_int == 404
    assert client(world.tenant, admin).get("/api/v1/streams/nope/analytics").status_int == 404
    r = client(world.tenant, admin).get(f"/api/v1/streams/{uuid.uuid4()}/analytics")
    assert r.status_int == 404 and r.json["detail"] == "no such stream"


def test_every_route_is_gone_when_the_plugin_is_disabled(
    world, beat, client, page_browser, plugin_operator
):
    plugin_operator("streaming").disable(world.tenant)
    assert beat(world, world.learner, [(0, 1)]).status_int == 404
    assert client(world.tenant, world.instructor).get(world.url("analytics")).status_int == 404
    browser = page_browser(world.tenant, world.instructor)
    for suffix in ("", ".csv"):
        url = f"/streaming/streams/{world.stream.id}/analytics{suffix}"
        assert browser.get(url).status_int == 404
