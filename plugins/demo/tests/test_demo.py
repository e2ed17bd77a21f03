"""The demo plugin: seeding through the hook, idempotency, and the seeded catalog
seen through the HTTP API and the lesson player (video on a signed media URL)."""

from __future__ import annotations

import html
import logging
import re
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
import transaction

from learninghub.tasks import make_tenant_request
from learninghub_demo import generate
from learninghub_demo.catalog import all_courses


def run_hook(registry, tenant) -> None:
    """What ``learninghub demo`` does for one tenant: a tenant-bound request in its own
    transaction, the hook called through ``request.hooks``, then commit (events and
    in-process tasks run after it)."""
    registry["tenancy.resolver"].invalidate()
    info = registry["tenancy.resolver"].by_id(tenant.id)
    tm = transaction.TransactionManager(explicit=True)
    request = make_tenant_request(registry, info, tm)
    tm.begin()
    try:
        request.hooks.learninghub_demo_data(request=request)
        tm.commit()
    except BaseException:
        tm.abort()
        raise


@pytest.fixture
def demo_tenant(tenant_factory, user_factory):
    """A tenant named ``demo`` (every plugin enabled, demo included) with the kernel's
    demo users."""
    t = tenant_factory(slug="demo")
    users = {
        role: user_factory(t, role, email=f"{role}@demo.example")
        for role in ("admin", "instructor", "learner")
    }
    return t, users


def counts(db, tenant_id) -> dict[str, int]:
    tables = ("courses", "course_sections", "lessons", "enrollments", "reviews", "media_assets")
    out = {}
    for name in tables:
        table = sa.table(name, sa.column("tenant_id", sa.Uuid))
        out[name] = db.scalar(
            sa.select(sa.func.count()).select_from(table).where(table.c.tenant_id == tenant_id)
        )
    return out


def test_manifest_is_hidden_and_requires_the_catalog(registry):
    manifest = registry["plugins"].plugins["demo"].manifest
    assert manifest.hidden is True
    assert set(manifest.requires) == {"courses", "content", "media", "enrollment", "reviews"}
    assert manifest.migrations is None


def test_hook_seeds_once(registry, db, demo_tenant):
    t, _ = demo_tenant
    run_hook(registry, t)
    first = counts(db, t.id)
    specs = all_courses()
    assert first["courses"] == len(specs) >= 10
    assert first["lessons"] >= 3 * len(specs)
    assert first["reviews"] >= 5 and first["enrollments"] >= 5

    run_hook(registry, t)
    assert counts(db, t.id) == first

    from learninghub_courses.models import Course

    rows = list(db.scalars(sa.select(Course).where(Course.tenant_id == t.id)))
    assert {c.status for c in rows} == {"published"}
    assert {c.language for c in rows} == {"en", "es"}
    assert any(c.price_minor > 0 for c in rows) and any(c.price_minor == 0 for c in rows)
    assert all(c.thumbnail_asset_id is not None for c in rows)
    # counters kept by enrollment and reviews through courses.services.bump_stats
    assert sum(c.enrolment_count for c in rows) == first["enrollments"]
    assert sum(c.rating_count for c in rows) == first["reviews"]


def test_other_tenants_are_left_alone(registry, db, tenant):
    run_hook(registry, tenant)
    assert counts(db, tenant.id)["courses"] == 0


def test_catalog_api_lists_the_courses(registry, demo_tenant, client):
    t, _ = demo_tenant
    run_hook(registry, t)
    r = client(t).get("/api/v1/courses", params={"limit": 50})
    assert r.status_int == 200
    assert r.json["total"] == len(all_courses())
    slugs = {c["slug"] for c in r.json["items"]}
    assert {"intro-to-python", "introduccion-a-javascript"} <= slugs
    spanish = client(t).get("/api/v1/courses", params={"language": "es"}).json
    assert spanish["total"] == 3


def test_video_lesson_streams_on_a_signed_url(registry, demo_tenant, app, session_cookie):
    """The demo's video lesson: its upload was transcoded by the streaming plugin (the
    tasks ran after the demo's commit), so the player shows the HLS player with a
    signed master playlist bound to the learner, and the demo's caption track."""
    if generate.ffmpeg_exe() is None:
        pytest.skip("imageio-ffmpeg is not installed")
    t, users = demo_tenant
    run_hook(registry, t)
    cookie = session_cookie(t, users["learner"])
    page = app.get(
        "/courses/intro-to-python/learn/welcome-to-the-course",
        headers={"Host": t.host, "Cookie": cookie},
    )
    assert page.status_int == 200
    match = re.search(r'data-src="([^"]+)"', page.text)
    assert match, "the player shows the streaming player with a signed master playlist"
    url = urlsplit(html.unescape(match.group(1)))
    assert url.path.startswith("/streaming/hls/") and url.path.endswith("/master.m3u8")
    r = app.get(url.path, headers={"Host": t.host, "Cookie": cookie})
    assert r.text.startswith("#EXTM3U") and "#EXT-X-STREAM-INF" in r.text
    assert "TYPE=SUBTITLES" in r.text and 'LANGUAGE="en"' in r.text  # the demo captions
    assert re.search(r'<track kind="captions" src="[^"]+" srclang="en" label="English"', page.text)
    # the same URL without the learner's session is refused (bound to the user)
    app.get(url.path, headers={"Host": t.host}, status=403)


def test_without_ffmpeg_media_lessons_are_left_out(registry, db, demo_tenant, monkeypatch, caplog):
    monkeypatch.setattr(generate, "ffmpeg_exe", lambda: None)
    monkeypatch.setattr(generate, "CACHE_DIR", "demo-cache-without-ffmpeg")
    t, _ = demo_tenant
    with caplog.at_level(logging.WARNING, logger="learninghub_demo"):
        run_hook(registry, t)
    lessons = sa.table("lessons", sa.column("tenant_id", sa.Uuid), sa.column("type"))
    types = set(db.scalars(sa.select(lessons.c.type).where(lessons.c.tenant_id == t.id)))
    # no media lessons; other plugins' demo lessons (assessment's quiz and assignment)
    # need no ffmpeg
    assert not types & {"video", "audio"} and "text" in types
    assert counts(db, t.id)["courses"] == len(all_courses())
    assert "ffmpeg not available" in caplog.text
