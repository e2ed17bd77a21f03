"""The lesson form's media picker: which files it offers, and which the form (and the
API, through the same service) accepts for a video, audio or file lesson."""

from __future__ import annotations

import re

import pytest

VIDEO_OPTIONS = re.compile(r'<optgroup label="Videos">(.*?)</optgroup>', re.S)


@pytest.fixture
def lesson(tenant, world, build):
    """A text lesson of the world's course, in a section of its own."""
    made = build(tenant, world.instructor, world.course, [("Media", [{"title": "Clip"}])])
    return made["lessons"][0]


@pytest.fixture
def add_to_staff(db):
    """``add_to_staff(tenant, user, course)``: grant ``user`` the course's instructor role."""
    from learninghub.db import bind_tenant, system_session
    from learninghub.identity import grant_role

    def grant(tenant, user, course):
        bind_tenant(db, tenant.id)
        try:
            grant_role(db, user, "instructor", "course", str(course.id))
        finally:
            system_session(db)

    return grant


def form_url(world, lesson, **query) -> str:
    url = f"/teach/courses/{world.course.id}/lessons/{lesson['id']}"
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return url


def fields(lesson_type: str, asset_id="", **extra) -> dict:
    return {
        "title": "Clip",
        "slug": "clip",
        "type": lesson_type,
        "format": "html",
        "body": "<p>Notes</p>",
        "media_asset_id": str(asset_id),
        **extra,
    }


def save(page_browser, tenant, user, world, lesson, lesson_type, asset_id="", **extra):
    b = page_browser(tenant, user)
    url = form_url(world, lesson)
    return b.submit(b.get(url), url, fields(lesson_type, asset_id, **extra))


def error_of(page) -> str:
    match = re.search(r'<p class="error" id="media_asset_id-error">([^<]*)</p>', page.text)
    return match.group(1) if match else ""


def test_picker_offers_own_uploads_and_the_courses_files_by_kind(
    tenant,
    other_tenant,
    world,
    lesson,
    make_asset,
    user_factory,
    client,
    page_browser,
    add_to_staff,
):
    colleague = user_factory(tenant, "instructor")
    own_video = make_asset(tenant, world.instructor, "video/mp4")
    own_audio = make_asset(tenant, world.instructor, "audio/mpeg")
    own_pdf = make_asset(tenant, world.instructor, "application/pdf")
    unready = make_asset(tenant, world.instructor, "video/mp4", status="uploading")
    theirs_unused = make_asset(tenant, colleague, "video/mp4")
    foreign = make_asset(other_tenant, user_factory(other_tenant, "admin"), "video/mp4")
    # the colleague's video is already in the course (they teach it too)
    theirs_used = make_asset(tenant, colleague, "video/mp4")
    add_to_staff(tenant, colleague, world.course)
    r = client(tenant, colleague).post_json(
        world.base + "/lessons",
        {
            "section_id": lesson["section_id"],
            "title": "Theirs",
            "type": "video",
            "media_asset_id": str(theirs_used.id),
        },
    )
    assert r.status_int == 201, r.text

    b = page_browser(tenant, world.instructor)
    video_form = b.get(form_url(world, lesson, type="video")).text
    assert '<select id="media_asset_id" name="media_asset_id"' in video_form
    videos = VIDEO_OPTIONS.search(video_form).group(1)
    for offered in (own_video, theirs_used):
        assert f'value="{offered.id}"' in videos
    for hidden in (own_audio, own_pdf, unready, theirs_unused, foreign):
        assert str(hidden.id) not in video_form
    assert 'label="Audio"' not in video_form  # a video lesson lists videos only
    file_form = b.get(form_url(world, lesson, type="file")).text
    for label, asset in (("Videos", own_video), ("Audio", own_audio), ("Other files", own_pdf)):
        group = re.search(rf'<optgroup label="{label}">(.*?)</optgroup>', file_form, re.S)
        assert group and str(asset.id) in group.group(1), label
    # the way to upload a new file comes back here, type kept
    link = re.search(r'<a href="(/media\?next=[^"]+)">Upload a new file</a>', video_form)
    assert link and "type%3Dvideo" in link.group(1)


def test_own_file_is_accepted_and_its_notes_kept(
    tenant, world, lesson, make_asset, page_browser, client
):
    video = make_asset(tenant, world.instructor, "video/mp4", duration_s=42)
    r = save(page_browser, tenant, world.instructor, world, lesson, "video", video.id)
    assert r.status_int == 303, r.text
    draft = client(tenant, world.instructor).get(lesson["url"]).json["draft"]
    assert draft["media_asset_id"] == str(video.id) and "Notes" in draft["body"]
    # the form shows it chosen when opened again
    page = page_browser(tenant, world.instructor).get(form_url(world, lesson))
    assert f'<option value="{video.id}" selected>' in page.text


def test_a_new_upload_comes_back_chosen(tenant, world, lesson, make_asset, page_browser):
    video = make_asset(tenant, world.instructor, "video/mp4")
    b = page_browser(tenant, world.instructor)
    page = b.get(form_url(world, lesson, type="video", media_asset_id=video.id))
    assert f'<option value="{video.id}" selected>' in page.text
    assert "clip.bin is chosen as the lesson" in page.text
    assert '<option value="video" selected>' in page.text


def test_someone_elses_file_is_refused(
    tenant, world, lesson, make_asset, user_factory, page_browser, client
):
    stranger = user_factory(tenant, "instructor")
    theirs = make_asset(tenant, stranger, "video/mp4")
    r = save(page_browser, tenant, world.instructor, world, lesson, "video", theirs.id)
    assert r.status_int == 400 and 'aria-invalid="true"' in r.text
    assert error_of(r).startswith("That file cannot be used here")
    # the id is not offered back in the list either
    assert f'value="{theirs.id}"' not in r.text
    api = client(tenant, world.instructor).patch_json(
        lesson["url"], {"type": "video", "media_asset_id": str(theirs.id)}
    )
    assert api.status_int == 422
    assert api.json["errors"][0]["path"] == ["body", "media_asset_id"]
    assert api.json["errors"][0]["type"] == "media"


def test_a_video_one_may_watch_is_not_one_to_republish(
    tenant, world, lesson, make_asset, make_course, user_factory, client, build, registry
):
    """An instructor enrolled in a colleague's course sees its videos; that does not
    let them put those videos into their own course."""
    from learninghub.hookspecs import hookimpl

    other = user_factory(tenant, "instructor")
    their_course = make_course(tenant, other, slug="theirs")
    premium = make_asset(tenant, other, "video/mp4")
    build(
        tenant,
        other,
        their_course,
        [("S", [{"title": "Premium", "type": "video", "media_asset_id": str(premium.id),
                 "publish": True}])],
    )  # fmt: skip

    class Enrolled:
        @hookimpl
        def learninghub_content_has_access(self, request, course):
            return True if course.id == their_course.id else None

    pm = registry["plugins"].pm
    pm.register(Enrolled(), name="test-enrolled-everywhere")
    try:
        c = client(tenant, world.instructor)
        # they may watch it...
        assert c.get(f"/api/v1/media/{premium.id}").status_int == 200
        # ...not republish it
        r = c.patch_json(lesson["url"], {"type": "video", "media_asset_id": str(premium.id)})
        assert r.status_int == 422 and r.json["errors"][0]["type"] == "media"
    finally:
        pm.unregister(name="test-enrolled-everywhere")


def test_another_tenants_file_is_refused_like_an_unknown_one(
    tenant, other_tenant, world, lesson, make_asset, user_factory, page_browser, client
):
    foreign = make_asset(other_tenant, user_factory(other_tenant, "admin"), "video/mp4")
    r = save(page_browser, tenant, world.instructor, world, lesson, "video", foreign.id)
    assert r.status_int == 400
    assert error_of(r).startswith("That file cannot be used here")
    assert f'value="{foreign.id}"' not in r.text
    unknown_id = "00000000-0000-4000-8000-000000000000"
    unknown = save(page_browser, tenant, world.instructor, world, lesson, "video", unknown_id)
    assert error_of(unknown) == error_of(r)
    api = client(tenant, world.admin).patch_json(
        lesson["url"], {"type": "video", "media_asset_id": str(foreign.id)}
    )
    assert api.status_int == 422 and api.json["errors"][0]["type"] == "media"


@pytest.mark.parametrize(
    "lesson_type, content_type, status, message",
    [
        ("video", "audio/mpeg", "ready", "This file is not a video."),
        ("audio", "video/mp4", "ready", "This file is not a recording."),
        ("video", "video/mp4", "uploading", "That file is not ready"),
        ("video", None, None, "Choose one of your files for this lesson"),
        ("file", "not-an-id", None, "That file cannot be used here"),
    ],
)
def test_refusals_say_what_to_do(
    tenant, world, lesson, make_asset, page_browser, lesson_type, content_type, status, message
):
    if content_type is None:
        asset_id = ""
    elif status is None:
        asset_id = content_type
    else:
        asset_id = make_asset(tenant, world.instructor, content_type, status=status).id
    r = save(page_browser, tenant, world.instructor, world, lesson, lesson_type, asset_id)
    assert r.status_int == 400
    assert error_of(r).startswith(message), error_of(r)
    assert "The lesson was not saved" in r.text


def test_admins_may_use_any_file_and_staff_keep_the_courses_own(
    tenant, world, lesson, make_asset, user_factory, page_browser, client, add_to_staff
):
    uploader = user_factory(tenant, "instructor")
    clip = make_asset(tenant, uploader, "video/mp4")
    r = save(page_browser, tenant, world.admin, world, lesson, "video", clip.id)
    assert r.status_int == 303, r.text
    # the course's instructor edits the lesson's notes: the file stays, though not theirs
    page = page_browser(tenant, world.instructor).get(form_url(world, lesson))
    assert f'<option value="{clip.id}" selected>' in page.text
    r = save(
        page_browser, tenant, world.instructor, world, lesson, "video", clip.id, body="<p>2</p>"
    )
    assert r.status_int == 303, r.text
    # a colleague newly on the staff may use it too: the course already does
    colleague = user_factory(tenant, "instructor")
    add_to_staff(tenant, colleague, world.course)
    made = client(tenant, colleague).post_json(
        world.base + "/lessons",
        {"section_id": lesson["section_id"], "title": "Again", "type": "video",
         "media_asset_id": str(clip.id)},
    )  # fmt: skip
    assert made.status_int == 201, made.text
