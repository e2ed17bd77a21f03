"""Browser journey (Playwright + Debian chromium, the app served by waitress on SQLite)
through the streaming player — issue 10's acceptance of the player part:

1. a learner opens a video lesson whose upload was really transcoded (AES-128 HLS,
   one ffmpeg process, the playback part's signed URLs and key): hls.js loads the
   stream and plays it; the quality menu offers Auto and 360p and picking works; the
   captions menu offers Off and the uploaded English track and picking sets the
   track's mode; the keyboard plays, pauses and mutes; a heartbeat stores the
   position, and a reload resumes there; j and the arrows seek, the speed menu works by
   keyboard; played whole at double speed (">"), the lesson completes by itself and the
   player says so;
2. on an audio lesson the learner adds a bookmark with a note, jumps to it and deletes
   it; with the audio playing they follow "Next" to a text lesson: the page body is
   swapped, the audio goes on in the mini-player; "Back" brings the audio lesson's own
   player, which takes over where the mini-player was and plays on; leaving the page
   sends the last beat with navigator.sendBeacon and the position is stored;
3. without hls.js (its script blocked) chromium's own HLS plays the encrypted stream;
4. a 403 on the signed URLs (their expiry, played by a bad signature) makes the player
   sign new ones through the lesson page and go on from the same moment; a seek left
   pending by hls.js is loaded again.

axe-core finds no serious or critical violation on the video and audio lesson pages and
on a page with the mini-player.
Set-up: the tenant (streaming with heartbeats every 2 s), an admin's published course
(video, audio and text lessons), the learner's enrolment and the caption through the
kit and the JSON API; the media assets are stored directly and transcoded by the real
task. Screenshots: var/screenshots/streaming-*.png (git-ignored)."""

from __future__ import annotations

import hashlib
import json
import subprocess
import uuid
from pathlib import Path
from urllib.parse import parse_qs

import pytest

from learninghub.testing.browser import axe_violations, screenshot, sign_in, tab_through

pytestmark = pytest.mark.slow
expect = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed").expect

PLUGINS = ("courses", "media", "content", "enrollment", "streaming")
ADMIN = "ada@stream-journey.example"
LEARNER = "lea@stream-journey.example"
SLUG = "wheel-basics"
SECONDS = 12
#: the audio lesson lasts longer: it plays through bookmarks and two page changes
AUDIO_SECONDS = 30
VTT = "WEBVTT\n\n00:00:00.000 --> 00:00:11.000\nCentre the clay\n"
#: Playwright's default of 5 s is short for chromium and the app on 2 shared cores
SLOW = 30_000


@pytest.fixture(autouse=True)
def patient_expect():
    expect.set_options(timeout=SLOW)
    yield
    expect.set_options(timeout=5_000)


def created(result: tuple[int, object]) -> dict:
    status, body = result
    assert status in (200, 201), (status, body)
    assert isinstance(body, dict)
    return body


def make_clip(folder: Path, kind: str) -> Path:
    """A 12 s H.264/AAC MP4 (testsrc2, 440 Hz) or a 30 s MP3 tone, made by ffmpeg's
    lavfi."""
    import imageio_ffmpeg

    ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
    if kind == "video":
        path = folder / "wheel.mp4"
        args = [
            "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30",
            "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
            "-t", str(SECONDS), "-c:v", "libx264", "-preset", "ultrafast",
            "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest",
        ]  # fmt: skip
    else:
        path = folder / "kiln.mp3"
        args = [
            "-f", "lavfi", "-i", "sine=frequency=330:sample_rate=44100",
            "-t", str(AUDIO_SECONDS), "-c:a", "libmp3lame", "-b:a", "96k",
        ]  # fmt: skip
    command = [ffmpeg, "-hide_banner", "-loglevel", "error", "-nostdin", "-y", *args, str(path)]
    subprocess.run(command, check=True, capture_output=True)
    return path


def stored_asset(live_app, tenant, owner_id, path: Path, content_type: str) -> uuid.UUID:
    """A ready media asset holding ``path``, stored where media keeps uploads."""
    from learninghub_media.models import MediaAsset
    from learninghub_media.storage import original_key, storage_for

    data = path.read_bytes()
    asset_id = uuid.uuid4()
    key = original_key(asset_id)
    storage_for(live_app.registry).save(tenant.id, key, data, content_type=content_type)
    with live_app.session(tenant) as db:
        db.add(
            MediaAsset(
                id=asset_id,
                tenant_id=tenant.id,
                owner_id=owner_id,
                filename=path.name,
                content_type=content_type,
                size=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
                storage_key=key,
                status="ready",
            )
        )
    return asset_id


def transcoded(live_app, tenant, asset_id: uuid.UUID) -> uuid.UUID:
    """The asset's stream, made by the real transcode task."""
    import learninghub.tasks
    from learninghub_streaming.transcoding.models import Stream

    with live_app.session(tenant) as db:
        stream = Stream(tenant_id=tenant.id, asset_id=asset_id, status="queued", segment_s=2)
        db.add(stream)
        db.flush()
        stream_id = stream.id
    done = learninghub.tasks.run_task(
        live_app.registry, "streaming.transcode", str(tenant.id), {"stream_id": str(stream_id)}
    )
    assert done == "done"
    with live_app.session(tenant) as db:
        stream = db.get(Stream, stream_id)
        assert stream.status == "ready", stream.error
    return stream_id


@pytest.fixture(scope="module")
def school(live_app, tmp_path_factory):
    """The tenant, a published course (video, audio, text lessons) with an English
    caption on the video, and the learner enrolled."""
    from learninghub.plugins import TenantPlugins
    from learninghub.tenancy import Tenant

    tenant = live_app.create_tenant("streamjourney", "Clay Studio", plugins=PLUGINS)
    with live_app.session(tenant) as db:
        TenantPlugins(live_app.registry, db, db.get(Tenant, tenant.id)).enable(
            "streaming", settings={"heartbeat_seconds": 2}
        )
    live_app.invalidate()
    admin = live_app.create_user(tenant, ADMIN, roles=("admin",), display_name="Ada Admin")
    learner = live_app.create_user(tenant, LEARNER, display_name="Lea Learner")
    folder = tmp_path_factory.mktemp("stream-clips")
    video = stored_asset(live_app, tenant, admin, make_clip(folder, "video"), "video/mp4")
    audio = stored_asset(live_app, tenant, admin, make_clip(folder, "audio"), "audio/mpeg")
    streams = {
        "video": transcoded(live_app, tenant, video),
        "audio": transcoded(live_app, tenant, audio),
    }

    def api(method: str, path: str, body: object = None, user=admin) -> dict:
        return created(live_app.api(tenant, method, path, body, user))

    course = api("POST", "/api/v1/courses", {"title": "Wheel basics", "slug": SLUG})
    base = f"/api/v1/courses/{course['id']}"
    section = api("POST", base + "/sections", {"title": "At the wheel"})
    lessons = (
        ("Centring", "centring", "video", video),
        ("Kiln sounds", "kiln-sounds", "audio", audio),
        ("Reading the clay", "reading", "text", None),
    )
    for title, slug, kind, asset in lessons:
        body = {
            "section_id": section["id"],
            "title": title,
            "slug": slug,
            "type": kind,
            "body": f"<p>{title}.</p>",
            "publish": True,
        }
        if asset is not None:
            body["media_asset_id"] = str(asset)
        api("POST", base + "/lessons", body)
    assert api("POST", base + "/submit")["status"] == "published"
    api("POST", f"/api/v1/media/{video}/captions", {"language": "en", "text": VTT})
    api("POST", base + "/enrollment", {}, user=learner)
    return {"tenant": tenant, "learner": learner, "streams": streams}


def lesson_url(school, slug: str) -> str:
    return f"{school['tenant'].base}/courses/{SLUG}/learn/{slug}"


def progress(live_app, school, slug: str):
    """The learner's ``LessonProgress`` row of the lesson, or None."""
    import sqlalchemy as sa

    from learninghub_content.models import Lesson
    from learninghub_enrollment.models import Enrollment, LessonProgress

    with live_app.session(school["tenant"]) as db:
        return db.scalar(
            sa.select(LessonProgress)
            .join(Enrollment, Enrollment.id == LessonProgress.enrollment_id)
            .join(Lesson, Lesson.id == LessonProgress.lesson_id)
            .where(Enrollment.user_id == school["learner"], Lesson.slug == slug)
        )


def media_state(page) -> dict:
    return page.evaluate(
        """() => { const m = document.querySelector('.lh-sp-media');
            return {t: m.currentTime, paused: m.paused, ready: m.readyState, muted: m.muted}; }"""
    )


def test_video_lesson_plays_with_menus_keyboard_heartbeats_and_resume(
    live_app, school, browser_page
):
    page = browser_page
    sign_in(page, school["tenant"].base, LEARNER)
    page.goto(lesson_url(school, "centring"))
    player = page.locator("section.lh-sp")
    expect(player).to_have_attribute("data-engine", "hls.js")
    assert page.evaluate("() => typeof window.Hls === 'function' && window.Hls.isSupported()")
    # hls.js fetched the signed playlists and the key, and decoded a frame
    page.wait_for_function("() => document.querySelector('video.lh-sp-media').readyState >= 2")
    assert page.evaluate("() => document.querySelector('section.lh-sp').lhPlayer.hls !== null")

    # by keyboard: every control of the player is reached, named, with a visible ring
    stops = tab_through(page, 80)
    described = "\n".join(map(str, stops))
    start = next(i for i, s in enumerate(stops) if s.name.startswith("Player: Centring"))
    ours = stops[start : start + 9]
    assert [s.name.split(":")[0] for s in ours] == [
        "Player", "Play", "Seek", "Mute", "Volume", "Speed", "Quality", "Captions", "Full screen",
    ], described  # fmt: skip
    missing_ring = [str(s) for s in ours if not (s.ring and s.visible)]
    assert not missing_ring, "focus indicator missing:\n" + "\n".join(missing_ring)

    # play: the position advances
    play = page.locator(".lh-sp-play")
    expect(play).to_have_attribute("aria-label", "Play")
    play.click()
    page.wait_for_function("() => document.querySelector('video.lh-sp-media').currentTime > 1")
    expect(play).to_have_attribute("aria-label", "Pause")

    # quality: Auto and 360p; picking 360p pins hls.js's level
    quality = page.locator(".lh-sp-menu-quality .lh-sp-menu-button")
    quality.click()
    expect(quality).to_have_attribute("aria-expanded", "true")
    items = page.locator(".lh-sp-menu-quality [role=menuitemradio]")
    expect(items).to_have_count(2)
    expect(items.nth(0)).to_have_text("Auto")
    expect(items.nth(1)).to_have_text("360p")
    expect(items.nth(0)).to_have_attribute("aria-checked", "true")
    items.nth(1).click()
    expect(quality).to_have_attribute("aria-expanded", "false")
    expect(items.nth(1)).to_have_attribute("aria-checked", "true")
    assert page.evaluate(
        "() => { const h = document.querySelector('section.lh-sp').lhPlayer.hls;"
        " return [h.autoLevelEnabled, h.levels[h.currentLevel].height]; }"
    ) == [False, 360]
    expect(quality).to_have_text("Quality: 360p")

    # captions: the default English track shows; Off hides it; English again shows it
    captions = page.locator(".lh-sp-menu-captions .lh-sp-menu-button")
    expect(captions).to_have_text("Captions: English")
    captions.click()
    tracks = page.locator(".lh-sp-menu-captions [role=menuitemradio]")
    expect(tracks).to_have_count(2)
    expect(tracks.nth(0)).to_have_text("Off")
    tracks.nth(0).click()
    assert page.evaluate("() => document.querySelector('video').textTracks[0].mode") == "disabled"
    captions.click()
    tracks.nth(1).click()
    expect(tracks.nth(1)).to_have_attribute("aria-checked", "true")
    mode = "() => document.querySelector('video').textTracks[0].mode"
    assert page.evaluate(mode) == "showing"
    expect(captions).to_have_text("Captions: English")

    # the keyboard on the player: m mutes, k pauses
    page.locator(".lh-sp-stage").focus()
    page.keyboard.press("m")
    expect(page.locator(".lh-sp-mute")).to_have_attribute("aria-pressed", "true")
    page.keyboard.press("m")
    expect(page.locator(".lh-sp-mute")).to_have_attribute("aria-pressed", "false")
    page.wait_for_function("() => document.querySelector('video.lh-sp-media').currentTime > 4")
    screenshot(page, "streaming-video-playing", full_page=False)
    # pausing sends a beat: the position reaches the learner's progress
    with page.expect_response(
        lambda r: r.url.endswith("/heartbeats") and r.request.method == "POST"
    ) as beat:
        page.keyboard.press("k")
    assert beat.value.status == 200, beat.value.text()
    answer = beat.value.json()
    assert answer["position_s"] >= 4 and answer["watched_percent"] > 0
    state = media_state(page)
    assert state["paused"]
    row = progress(live_app, school, "centring")
    saved = row.position_s if row is not None else None
    assert saved is not None and saved >= 4 and abs(saved - state["t"]) <= 1, (saved, state)

    assert axe_violations(page) == []

    # a reload resumes at the saved position
    page.reload()
    expect(page.locator("section.lh-sp")).to_have_attribute("data-resume", str(saved))
    page.wait_for_function("() => document.querySelector('video.lh-sp-media').readyState >= 1")
    landed = (
        "(near) => { const m = document.querySelector('video.lh-sp-media');"
        " return !m.seeking && m.readyState >= 2 && Math.abs(m.currentTime - near) < 0.5; }"
    )
    page.wait_for_function(landed, arg=saved)

    # seeking by keyboard: j back 10 s (not before 0), → forward 5 s, ← back 5 s
    # (each seek lands — the frame at the new time is decoded — before the next key)
    page.locator(".lh-sp-stage").focus()
    page.keyboard.press("j")
    page.wait_for_function(landed, arg=0)
    page.keyboard.press("ArrowRight")
    page.wait_for_function(landed, arg=5)
    page.keyboard.press("ArrowLeft")
    page.wait_for_function(landed, arg=0)

    # the speed menu by keyboard: Enter opens it on the checked item, ↓ moves, Enter
    # picks and gives the focus back to the menu's button
    speed = page.locator(".lh-sp-menu-speed .lh-sp-menu-button")
    speed.focus()
    page.keyboard.press("Enter")
    expect(speed).to_have_attribute("aria-expanded", "true")
    checked = page.locator(".lh-sp-menu-speed [role=menuitemradio][aria-checked=true]")
    expect(checked).to_have_text("1×")
    expect(checked).to_be_focused()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(speed).to_have_attribute("aria-expanded", "false")
    expect(speed).to_be_focused()
    expect(speed).to_have_text("Speed: 1.25×")

    # the whole at double speed (">" three more steps): the lesson completes by itself
    for _ in range(3):
        page.keyboard.press(">")
    expect(speed).to_have_text("Speed: 2×")
    assert page.evaluate("() => document.querySelector('video.lh-sp-media').playbackRate") == 2
    page.keyboard.press("k")
    page.wait_for_function("() => !document.querySelector('video.lh-sp-media').paused")
    # (not waiting for "ended": the last frames of an HLS stream may stall short of the
    # end; 90 % played is what completes the lesson)
    expect(page.locator(".lh-sp-status")).to_have_text("Lesson completed.")
    assert progress(live_app, school, "centring").completed_at is not None


def test_audio_lesson_bookmarks_and_the_mini_player(live_app, school, browser_page):
    page = browser_page
    sign_in(page, school["tenant"].base, LEARNER)
    page.goto(lesson_url(school, "kiln-sounds"))
    expect(page.locator("section.lh-sp")).to_have_attribute("data-engine", "hls.js")
    page.wait_for_function("() => document.querySelector('audio.lh-sp-media').readyState >= 2")

    # while the audio does not play, a lesson link is an ordinary page load (the mark
    # set on this document is gone) and no mini-player appears
    page.evaluate("() => { window.__sameDocument = true; }")
    page.get_by_role("link", name="Next: Reading the clay").click()
    expect(page).to_have_url(lesson_url(school, "reading"))
    expect(page.locator("main h1")).to_have_text("Reading the clay")
    assert page.evaluate("() => window.__sameDocument === undefined")
    assert page.locator(".lh-sp-mini").count() == 0
    page.goto(lesson_url(school, "kiln-sounds"))
    page.wait_for_function("() => document.querySelector('audio.lh-sp-media').readyState >= 2")

    # bookmarks: the panel appears when the API answers
    panel = page.locator(".lh-sp-bookmarks")
    expect(panel).to_be_visible()
    expect(panel).to_contain_text("No bookmarks yet.")
    page.evaluate("() => { document.querySelector('audio.lh-sp-media').currentTime = 3; }")
    page.wait_for_function("() => document.querySelector('audio.lh-sp-media').readyState >= 2")
    panel.get_by_label("Note (optional)").fill("Crackle of the glaze")
    panel.get_by_role("button", name="Add a bookmark at the current time").click()
    expect(page.locator(".lh-sp-status")).to_have_text("Bookmark added at 0:03.")
    jump = panel.get_by_role("button", name="Play from 0:03 — Crackle of the glaze")
    expect(jump).to_be_visible()
    page.evaluate("() => { document.querySelector('audio.lh-sp-media').currentTime = 8; }")
    jump.click()
    page.wait_for_function(
        "() => { const m = document.querySelector('audio.lh-sp-media');"
        " return !m.paused && m.currentTime >= 3 && m.currentTime < 8; }"
    )
    assert axe_violations(page) == []
    screenshot(page, "streaming-audio-bookmarks", full_page=False)
    panel.get_by_role("button", name="Delete the bookmark at 0:03").click()
    expect(page.locator(".lh-sp-status")).to_have_text("Bookmark deleted.")
    expect(panel).to_contain_text("No bookmarks yet.")

    # the audio plays on while the learner moves to the next lesson
    page.wait_for_function("() => !document.querySelector('audio.lh-sp-media').paused")
    page.evaluate("() => { window.__sameDocument = true; }")
    page.get_by_role("link", name="Next: Reading the clay").click()
    expect(page).to_have_url(lesson_url(school, "reading"))
    expect(page.locator("main h1")).to_have_text("Reading the clay")
    mini = page.locator(".lh-sp-mini")
    expect(mini).to_be_visible()
    expect(mini).to_contain_text("Kiln sounds")
    assert page.locator("main .lh-sp").count() == 0
    assert page.evaluate("() => window.__sameDocument === true"), "the page was not swapped"
    before = page.evaluate("() => document.querySelector('.lh-sp-mini audio').currentTime")
    page.wait_for_function(
        f"() => {{ const m = document.querySelector('.lh-sp-mini audio');"
        f" return !m.paused && m.currentTime > {before} + 0.5; }}"
    )
    screenshot(page, "streaming-mini-player", full_page=False)
    assert axe_violations(page) == []
    # the mini-player's own button pauses and plays
    mini.get_by_role("button", name="Pause", exact=True).click()
    page.wait_for_function("() => document.querySelector('.lh-sp-mini audio').paused")
    mini.get_by_role("button", name="Play", exact=True).click()
    page.wait_for_function("() => !document.querySelector('.lh-sp-mini audio').paused")

    # back: the audio lesson's own player takes over where the mini-player was and
    # plays on; the mini-player goes
    left_at = page.evaluate("() => document.querySelector('.lh-sp-mini audio').currentTime")
    page.go_back()
    expect(page).to_have_url(lesson_url(school, "kiln-sounds"))
    expect(page.locator("main section.lh-sp")).to_have_attribute("data-engine", "hls.js")
    expect(page.locator(".lh-sp-mini")).to_have_count(0)
    page.wait_for_function(
        f"() => {{ const m = document.querySelector('main audio.lh-sp-media');"
        f" return m && !m.paused && m.currentTime > {left_at} + 0.5; }}"
    )
    expect(page.locator("main h1")).to_have_text("Kiln sounds")

    # leaving the page for good: the last beat goes with navigator.sendBeacon (a form
    # body carrying the CSRF token: a beacon sets no header), and is stored. The
    # beacon is noted in localStorage on its way out, to be read on the next page.
    page.evaluate(
        """() => { const send = navigator.sendBeacon.bind(navigator);
            navigator.sendBeacon = (url, data) => {
                localStorage.setItem("beacon", JSON.stringify({url, body: String(data)}));
                return send(url, data); }; }"""
    )
    page.goto(f"{school['tenant'].base}/courses/{SLUG}")
    sent = page.evaluate("() => JSON.parse(localStorage.getItem('beacon'))")
    assert sent is not None, "no beacon on pagehide"
    assert sent["url"].endswith(f"/streaming/streams/{school['streams']['audio']}/heartbeats")
    form = parse_qs(sent["body"])
    assert form["csrf_token"][0]
    beat = json.loads(form["beat"][0])
    assert beat["position_s"] >= left_at and beat["ranges"], beat
    # the server stores it on its own time: the lesson page, asked again until then,
    # resumes where the beacon said
    page.wait_for_function(
        """async ([url, want]) => {
            const html = await (await fetch(url, {credentials: "same-origin"})).text();
            return html.includes(`data-resume="${want}"`); }""",
        arg=[lesson_url(school, "kiln-sounds"), int(beat["position_s"])],
        polling=250,
    )
    assert progress(live_app, school, "kiln-sounds").position_s == int(beat["position_s"])


def test_without_hls_js_the_browsers_own_hls_plays(live_app, school, browser_page):
    """hls.min.js missing (blocked here): the player hands the signed master playlist to
    the media element, which chromium (like Safari) plays natively, AES-128 included;
    the quality menu, which needs hls.js's levels, stays hidden."""
    page = browser_page
    page.route("**/vendor/hls.min.js*", lambda route: route.abort())
    sign_in(page, school["tenant"].base, LEARNER)
    page.goto(lesson_url(school, "centring"))
    expect(page.locator("section.lh-sp")).to_have_attribute("data-engine", "native")
    assert page.evaluate("() => typeof window.Hls") == "undefined"
    page.wait_for_function("() => document.querySelector('video.lh-sp-media').readyState >= 2")
    page.locator(".lh-sp-play").click()
    page.wait_for_function("() => document.querySelector('video.lh-sp-media').currentTime > 1")
    expect(page.locator(".lh-sp-menu-quality")).to_be_hidden()
    expect(page.locator(".lh-sp-menu-captions .lh-sp-menu-button")).to_be_visible()


def test_expired_playback_urls_are_signed_again(live_app, school, browser_page):
    """After a pause longer than the signed URLs live, the server answers 403: the
    player asks the lesson page for fresh URLs and goes on from the same moment. The
    expiry is played here by a URL whose signature is wrong (the same 403)."""
    page = browser_page
    sign_in(page, school["tenant"].base, LEARNER)
    page.goto(lesson_url(school, "centring"))
    page.wait_for_function("() => document.querySelector('video.lh-sp-media').readyState >= 2")
    page.evaluate("() => { document.querySelector('video.lh-sp-media').currentTime = 3; }")
    page.wait_for_function(
        "() => { const m = document.querySelector('video.lh-sp-media');"
        " return !m.seeking && m.readyState >= 2 && m.currentTime >= 2.9; }"
    )
    bad = page.evaluate(
        """() => { const p = document.querySelector('section.lh-sp').lhPlayer;
            p.hls.destroy();
            const bad = p.src.replace(/\\/[^/]+\\/master\\.m3u8$/, '/expired/master.m3u8');
            p.src = bad; p.root.dataset.src = bad;
            p.startHls(bad, -1);
            return bad; }"""
    )
    page.wait_for_function(
        """(bad) => { const s = document.querySelector('section.lh-sp');
            const m = s.querySelector('video');
            return s.dataset.src !== bad && m.readyState >= 2 && m.currentTime >= 2.5; }""",
        arg=bad,
    )
    assert "cannot be played" not in page.locator(".lh-sp-status").inner_text()
    page.locator(".lh-sp-play").click()
    page.wait_for_function("() => document.querySelector('video.lh-sp-media').currentTime > 4")


def test_a_seek_hls_js_leaves_waiting_is_loaded_again(live_app, school, browser_page):
    """A seek that hls.js leaves pending (its loading stopped here, as it sometimes
    forgets a fragment) is loaded again by the player's watch after 3 s."""
    page = browser_page
    sign_in(page, school["tenant"].base, LEARNER)
    page.goto(lesson_url(school, "centring"))
    page.wait_for_function("() => document.querySelector('video.lh-sp-media').readyState >= 2")
    page.evaluate(
        """() => { const p = document.querySelector('section.lh-sp').lhPlayer;
            p.hls.stopLoad(); p.media.currentTime = 9; }"""
    )
    page.wait_for_function(
        "() => { const m = document.querySelector('video.lh-sp-media');"
        " return !m.seeking && m.readyState >= 2 && Math.abs(m.currentTime - 9) < 0.5; }"
    )
