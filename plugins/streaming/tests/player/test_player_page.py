"""The player in the lesson page (content's ``learninghub_content_media_player`` hook):
who gets it, what it carries (signed master playlist, tracks, poster, resume position,
the heartbeat and bookmarks routes, the CSRF token), and when content's plain player
stays."""

from __future__ import annotations

import re

from learninghub.db import utcnow

from .conftest import VTT, player


def page(page_browser, world, user, lesson=None, host=None):
    return page_browser(world.tenant, user, host=host).get(world.url(lesson))


def master_pattern(world) -> re.Pattern:
    return re.compile(
        rf"^/streaming/hls/{world.lesson.id}/{world.stream.id}/\d+/[A-Za-z0-9_-]+/master\.m3u8$"
    )


def test_enrolled_learner_gets_the_streaming_player(page_browser, world):
    browser = page_browser(world.tenant, world.learner)
    r = browser.get(world.url())
    assert r.status_int == 200
    section = player(r.text)
    assert section is not None, "no streaming player on the page"
    assert section["data-kind"] == "video"
    assert section["data-stream-id"] == str(world.stream.id)
    assert section["data-scope"] == str(world.lesson.id)
    assert master_pattern(world).match(section["data-src"]), section["data-src"]
    assert float(section["data-duration"]) == world.stream.duration_s
    assert section["data-resume"] == "0"
    assert section["data-heartbeat-seconds"] == "10"
    assert section["data-heartbeat-url"] == f"/streaming/streams/{world.stream.id}/heartbeats"
    assert section["data-bookmarks-url"] == f"/streaming/player/streams/{world.stream.id}/bookmarks"
    assert section["data-bookmark-url"] == "/streaming/player/bookmarks/__id__"
    assert section["data-csrf"] == browser.cookies["lh_csrf"]
    assert section["data-course-path"] == f"/courses/{world.course.slug}/learn/"
    video = section.select_one("video.lh-sp-media")
    assert video is not None and "/poster.jpg" in video["poster"]
    # the quality menu is filled by the script from hls.js's levels; its labels
    renditions = section["data-renditions"]
    assert '"label": "360p"' in renditions
    # every control is labelled
    for control in section.select(".lh-sp-controls button, .lh-sp-controls input"):
        assert control.get("aria-label") or control.get_text(strip=True), control
    for item in section.select("[role=menuitemradio]"):
        assert item.get_text(strip=True) and item["aria-checked"] in ("true", "false")
    assert section.select_one(".lh-sp-menu-speed [data-rate='1.0'][aria-checked=true]")
    # the scripts: hls.js from the kernel's vendor folder, the player's own
    assert re.search(r'<script defer src="[^"]*/vendor/hls\.min\.js[^"]*"></script>', r.text)
    assert re.search(
        r'<script defer src="[^"]*/static/streaming/player\.js[^"]*"></script>', r.text
    )
    # no inline script: data travels in attributes
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", r.text)
    # content's plain player is replaced
    assert 'class="lh-lesson-media"' not in r.text
    # the lesson's text still follows
    assert "Body 1" in r.text


def test_the_signed_master_playlist_plays_for_that_learner(page_browser, world):
    browser = page_browser(world.tenant, world.learner)
    src = player(browser.get(world.url()).text)["data-src"]
    r = browser.get(src)
    assert r.status_int == 200
    assert r.text.startswith("#EXTM3U")
    # another learner of the course cannot use it
    other = page_browser(world.tenant, world.outsider)
    assert other.get(src).status_int == 403


def test_caption_tracks_become_track_elements_and_a_menu(page_browser, client, world):
    r = client(world.tenant, world.instructor).post_json(
        f"/api/v1/media/{world.asset.id}/captions", {"language": "en", "text": VTT}
    )
    assert r.status_int == 201, r.text
    caption_id = r.json["id"]
    section = player(page(page_browser, world, world.learner).text)
    tracks = section.select("video track")
    assert len(tracks) == 1
    track = tracks[0]
    assert track["kind"] == "subtitles" and track["srclang"] == "en"
    assert track.has_attr("default")
    assert track["label"]
    assert re.search(rf"/streaming/hls/{world.lesson.id}/.*/subs/{caption_id}\.vtt$", track["src"])
    items = section.select(".lh-sp-menu-captions [role=menuitemradio]")
    assert [i["data-track"] for i in items] == ["-1", "0"]
    assert items[1].get_text(strip=True) == track["label"]


def test_without_captions_there_is_no_captions_menu(page_browser, world):
    section = player(page(page_browser, world, world.learner).text)
    assert section.select("track") == []
    assert section.select_one(".lh-sp-menu-captions") is None


def test_a_stream_not_ready_leaves_contents_plain_player(page_browser, make_world):
    world = make_world("video", ready=False)
    r = page(page_browser, world, world.learner)
    assert r.status_int == 200
    assert player(r.text) is None
    assert 'class="lh-lesson-media"' in r.text
    assert "/streaming/hls/" not in r.text


def test_an_asset_without_stream_leaves_contents_plain_player(page_browser, world, db):
    db.delete(world.stream)
    db.flush()
    r = page(page_browser, world, world.learner)
    assert r.status_int == 200
    assert player(r.text) is None
    assert "<video" in r.text and "/streaming/hls/" not in r.text


def test_a_locked_lesson_shows_no_player_to_an_outsider(page_browser, world):
    r = page(page_browser, world, world.outsider)
    assert r.status_int == 403
    assert player(r.text) is None
    assert "/streaming/hls/" not in r.text


def test_an_anonymous_visitor_gets_no_player(page_browser, world):
    r = page_browser(world.tenant).get(world.url())
    assert r.status_int in (302, 303, 401, 403)
    assert "/streaming/hls/" not in r.text


def test_a_free_preview_lesson_plays_for_a_signed_in_outsider(page_browser, world, db):
    world.lesson.is_free_preview = True
    db.flush()
    section = player(page(page_browser, world, world.outsider).text)
    assert section is not None
    assert master_pattern(world).match(section["data-src"])


def test_the_instructor_gets_the_player_too(page_browser, world):
    section = player(page(page_browser, world, world.instructor).text)
    assert section is not None and section["data-resume"] == "0"


def test_another_tenants_admin_gets_nothing(page_browser, world, session_cookie):
    # their session on this tenant's host is no session here
    cookie = session_cookie(world.other_tenant, world.foreign_admin)
    r = page_browser(world.tenant, cookie=cookie).get(world.url())
    assert r.status_int in (302, 303, 401, 403)
    assert "/streaming/hls/" not in r.text
    # and on their own host the course does not exist
    r = page_browser(world.other_tenant, world.foreign_admin).get(world.url())
    assert r.status_int == 404
    assert "/streaming/hls/" not in r.text


def progress(db, world, position_s: int) -> None:
    from learninghub_enrollment.models import LessonProgress

    db.add(
        LessonProgress(
            tenant_id=world.tenant.id,
            enrollment_id=world.enrollment.id,
            lesson_id=world.lesson.id,
            position_s=position_s,
            updated_at=utcnow(),
        )
    )
    db.flush()


def test_the_page_resumes_at_the_saved_position(page_browser, world, db):
    world.stream.duration_s = 100.0
    progress(db, world, 42)
    section = player(page(page_browser, world, world.learner).text)
    assert section["data-resume"] == "42"
    assert section["data-completed"] == "false"


def test_a_completed_lesson_says_so_to_the_script(page_browser, world, db):
    from learninghub_enrollment.models import LessonProgress

    progress(db, world, 10)
    row = db.get(LessonProgress, (world.enrollment.id, world.lesson.id))
    row.completed_at = utcnow()
    db.flush()
    section = player(page(page_browser, world, world.learner).text)
    assert section["data-completed"] == "true"


def test_a_position_in_the_last_five_percent_starts_again(page_browser, world, db):
    world.stream.duration_s = 100.0
    progress(db, world, 95)
    assert player(page(page_browser, world, world.learner).text)["data-resume"] == "0"


def test_a_position_just_before_the_last_five_percent_resumes(page_browser, world, db):
    world.stream.duration_s = 100.0
    progress(db, world, 94)
    assert player(page(page_browser, world, world.learner).text)["data-resume"] == "94"


def test_an_audio_lesson_gets_the_audio_player(page_browser, make_world):
    world = make_world("audio")
    r = page(page_browser, world, world.learner)
    section = player(r.text)
    assert section is not None
    assert section["data-kind"] == "audio"
    assert section.select_one("audio.lh-sp-media") is not None
    assert section.select_one("video") is None
    assert section.select_one(".lh-sp-fullscreen") is None
    assert section.select_one(".lh-sp-menu-quality") is None
    assert master_pattern(world).match(section["data-src"])
    # the bookmarks panel (shown by the script when the API answers)
    assert section.select_one(".lh-sp-bookmarks form") is not None


def test_an_audio_lesson_has_no_captions_menu(page_browser, client, make_world):
    world = make_world("audio")
    r = client(world.tenant, world.instructor).post_json(
        f"/api/v1/media/{world.asset.id}/captions", {"language": "en", "text": VTT}
    )
    assert r.status_int == 201, r.text
    section = player(page(page_browser, world, world.learner).text)
    assert len(section.select("audio track")) == 1
    assert section.select_one(".lh-sp-menu-captions") is None


class FakeProvider:
    """A multi-DRM provider for one test (none ships with the platform)."""

    def __init__(self, systems):
        self.systems = systems
        self.asked = []

    def key_system(self, request, stream):
        return self.systems

    def license_url(self, request, stream, scope):
        self.asked.append((stream.id, scope, request.identity.id))
        return f"https://drm.example/licence?scope={scope}"


def test_a_drm_provider_gives_hls_js_its_key_systems(page_browser, world, monkeypatch):
    import json

    from learninghub_streaming.playback import drm

    provider = FakeProvider(
        {"com.widevine.alpha": {}, "com.microsoft.playready": {"licenseUrl": "x"}}
    )
    monkeypatch.setattr(drm, "drm_provider", lambda request: provider)
    section = player(page(page_browser, world, world.learner).text)
    assert json.loads(section["data-drm"]) == {
        "com.widevine.alpha": {
            "licenseUrl": f"https://drm.example/licence?scope={world.lesson.id}"
        },
        "com.microsoft.playready": {"licenseUrl": "x"},
    }
    assert provider.asked == [(world.stream.id, str(world.lesson.id), world.learner.id)]


def test_without_a_drm_provider_the_aes_stream_plays(page_browser, world, monkeypatch):
    from learninghub_streaming.playback import drm

    section = player(page(page_browser, world, world.learner).text)
    assert not section.has_attr("data-drm")
    # a provider that does not protect this stream: the same
    monkeypatch.setattr(drm, "drm_provider", lambda request: FakeProvider(None))
    section = player(page(page_browser, world, world.learner).text)
    assert not section.has_attr("data-drm")
