"""Lesson durations as people read them ("4 sec", "3 min 20 sec", in their language)
and the poster frame of video lessons (made by the media plugin)."""

from __future__ import annotations

import io
import re
import subprocess

import jinja2
import pytest
from babel import Locale

from learninghub.hookspecs import hookimpl

MACRO = '{% from "content/_duration.jinja2" import duration with context %}{{ duration(s) }}'


def render(registry, seconds, locale="en"):
    env = registry["templates"].environment(None, None)
    return env.from_string(MACRO).render(s=seconds, locale=Locale.parse(locale))


@pytest.mark.parametrize(
    ("seconds", "locale", "text"),
    [
        (4, "en", "4 sec"),
        (4, "es", "4 s"),
        (4, "ar", "4 ث"),
        (200, "en", "3 min 20 sec"),
        (200, "es", "3 min 20 s"),
        (200, "ar", "3 د و20 ث"),
        (60, "en", "1 min"),
        (5400, "en", "1 hr 30 min"),
        (5400, "es", "1 h 30 min"),
    ],
)
def test_duration_macro_shows_seconds_under_a_minute(registry, seconds, locale, text):
    assert render(registry, seconds, locale) == f'<time datetime="PT{seconds}S">{text}</time>'


def test_unknown_durations_show_nothing(registry):
    assert render(registry, None) == "" and render(registry, 0) == ""


def test_without_the_media_filter_the_macro_falls_back_to_minutes(registry):
    """A template environment without the media plugin's filter (a theme tool, say)."""
    env = jinja2.Environment(
        loader=registry["templates"].environment(None, None).loader,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_null_translations(newstyle=True)
    out = env.from_string(MACRO)
    assert out.render(s=4) == '<time datetime="PT4S">1 minute</time>'
    assert out.render(s=200) == '<time datetime="PT200S">4 minutes</time>'


def test_landing_page_and_player_show_short_durations(
    tenant, world, build, page_browser, make_course
):
    made = build(
        tenant,
        world.instructor,
        world.course,
        [
            (
                "Intro",
                [
                    {"title": "Teaser", "duration_s": 4, "publish": True, "is_free_preview": True},
                    {"title": "Tour", "duration_s": 200, "publish": True},
                ],
            )
        ],
    )
    landing = page_browser(tenant).get(f"/courses/{world.course.slug}")
    assert landing.status_int == 200
    assert '<time datetime="PT4S">4 sec</time>' in landing.text
    assert '<time datetime="PT204S">3 min 24 sec</time>' in landing.text  # the total
    assert "1 minute" not in landing.text
    spanish = page_browser(tenant, cookie="lh_locale=es").get(f"/courses/{world.course.slug}")
    assert '<time datetime="PT200S">3 min 20 s</time>' in spanish.text
    arabic = page_browser(tenant, cookie="lh_locale=ar").get(f"/courses/{world.course.slug}")
    assert '<time datetime="PT4S">4 ث</time>' in arabic.text
    lesson = made["lessons"][0]
    player = page_browser(tenant).get(f"/courses/{world.course.slug}/learn/{lesson['slug']}")
    assert player.status_int == 200 and '· <time datetime="PT200S">3 min 20 sec</time>' in (
        player.text
    )


# ----------------------------------------------------------------- posters


@pytest.fixture
def video_asset(tenant, world, client, tmp_path):
    """A 4 s, 320x180 video uploaded by the course's instructor (poster made after commit)."""
    imageio_ffmpeg = pytest.importorskip("imageio_ffmpeg", reason="imageio-ffmpeg makes the clip")
    target = tmp_path / "clip.mp4"
    subprocess.run(
        [
            imageio_ffmpeg.get_ffmpeg_exe(),
            *("-hide_banner", "-loglevel", "error", "-nostdin"),
            *("-f", "lavfi", "-i", "testsrc2=size=320x180:rate=10", "-t", "4"),
            *("-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"),
            str(target),
        ],
        capture_output=True,
        check=True,
        timeout=120,
    )
    data = target.read_bytes()
    c = client(tenant, world.instructor)
    r = c.post("/api/v1/media", upload_files=[("file", "clip.mp4", data)])
    assert r.status_int == 201, r.text
    return r.json


def _poster(page: str) -> str | None:
    found = re.search(r'<video [^>]*poster="([^"]+)"', page)
    return found.group(1).replace("&amp;", "&") if found else None


class FullAccess:
    @hookimpl
    def learninghub_content_has_access(self, request, course):
        return True


@pytest.fixture
def without_streaming(tenant, plugin_operator):
    """Content's own <video> player: the streaming plugin, when enabled, transcodes the
    upload and answers ``learninghub_content_media_player`` with its HLS player."""
    plugin_operator("streaming").disable(tenant)


def test_video_lesson_has_the_poster_for_those_who_may_watch(
    tenant, other_tenant, without_streaming, world, client, page_browser, registry,
    video_asset, user_factory,
):  # fmt: skip
    from PIL import Image

    r = client(tenant, world.instructor).post_json(
        world.base + "/lessons",
        {
            "section_id": client(tenant, world.instructor)
            .post_json(world.base + "/sections", {"title": "S"})
            .json["id"],
            "title": "Watch",
            "type": "video",
            "media_asset_id": video_asset["id"],
            "publish": True,
        },
    )
    assert r.status_int == 201, r.text
    assert r.json["duration_s"] == 4  # the media's duration, probed at upload
    path = f"/courses/{world.course.slug}/learn/{r.json['slug']}"
    staff = page_browser(tenant, world.instructor)
    poster = _poster(staff.get(path).text)
    assert poster and f"/media/{video_asset['id']}/poster?exp=" in poster
    image = staff.get(poster)
    assert image.status_int == 200 and image.content_type == "image/webp"
    with Image.open(io.BytesIO(image.body)) as frame:
        assert frame.size == (320, 180)
    # a learner without access to the lesson: no player, no poster, and the
    # instructor's URL is refused; anonymous visitors and other tenants too
    learner = page_browser(tenant, world.learner)
    page = learner.get(path)
    assert page.status_int == 403 and _poster(page.text) is None
    assert learner.get(poster).status_int == 403
    assert page_browser(tenant).get(poster).status_int == 403
    foreign = page_browser(other_tenant, user_factory(other_tenant, "admin"))
    assert foreign.get(poster.replace(tenant.host, other_tenant.host)).status_int == 404
    # enrolled (the enrollment plugin answers has_access): their own poster URL
    pm = registry["plugins"].pm
    pm.register(FullAccess(), name="test-full-access")
    try:
        mine = _poster(learner.get(path).text)
    finally:
        pm.unregister(name="test-full-access")
    assert mine and mine != poster and learner.get(mine).status_int == 200


def test_video_without_a_poster_has_no_poster_attribute(
    tenant, world, client, make_asset, page_browser
):
    video = make_asset(tenant, world.instructor, "video/mp4")
    c = client(tenant, world.instructor)
    section = c.post_json(world.base + "/sections", {"title": "S"}).json["id"]
    r = c.post_json(
        world.base + "/lessons",
        {"section_id": section, "title": "V", "type": "video", "media_asset_id": str(video.id)},
    )
    page = page_browser(tenant, world.instructor).get(
        f"/courses/{world.course.slug}/learn/{r.json['slug']}?preview=1"
    )
    assert re.search(r"<video [^>]*src=", page.text) and "poster=" not in page.text


class CustomPlayer:
    """A plugin answering ``learninghub_content_media_player``: what it gets, and its
    markup in place of the plain <video>."""

    def __init__(self) -> None:
        self.calls: list = []

    @hookimpl
    def learninghub_content_media_player(self, request, course, lesson, version):
        from markupsafe import Markup

        self.calls.append((course.id, lesson.id, version.media_asset_id))
        return Markup('<div id="custom-player">custom</div>')


def test_media_player_hook_replaces_the_plain_video(
    tenant, world, client, make_asset, page_browser, registry, without_streaming
):
    video = make_asset(tenant, world.instructor, "video/mp4")
    c = client(tenant, world.instructor)
    section = c.post_json(world.base + "/sections", {"title": "S"}).json["id"]
    lessons = {}
    for title, kind, body in (("V", "video", str(video.id)), ("T", "text", None)):
        data = {"section_id": section, "title": title, "type": kind, "body": f"<p>{title} body</p>"}
        if body:
            data["media_asset_id"] = body
        r = c.post_json(world.base + "/lessons", data)
        assert r.status_int == 201, r.text
        lessons[kind] = r.json["slug"]
    staff = page_browser(tenant, world.instructor)
    player = CustomPlayer()
    pm = registry["plugins"].pm
    pm.register(player, name="test-custom-player")
    try:
        page = staff.get(f"/courses/{world.course.slug}/learn/{lessons['video']}?preview=1")
        text = staff.get(f"/courses/{world.course.slug}/learn/{lessons['text']}?preview=1")
    finally:
        pm.unregister(name="test-custom-player")
    assert '<div id="custom-player">custom</div>' in page.text
    assert not re.search(r"<video [^>]*src=", page.text)  # the plain player is replaced
    assert "V body" in page.text  # the lesson's text still follows
    assert [call[2] for call in player.calls] == [video.id]  # a text lesson is not asked
    assert "custom-player" not in text.text
    # without an answer, the plain <video> stays
    page = staff.get(f"/courses/{world.course.slug}/learn/{lessons['video']}?preview=1")
    assert re.search(r"<video [^>]*src=", page.text)
