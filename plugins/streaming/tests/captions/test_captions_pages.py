"""The tracks page, the transcript editor and the accessibility warning."""

from __future__ import annotations

WARNING = "This video has no captions yet."


def _editor(world, track):
    return f"/teach/media/{world.asset.id}/captions/{track['id']}"


def test_transcript_editor_edits_timing_and_text(world, upload, page_browser, client):
    track = upload(world).json
    browser = page_browser(world.tenant, world.instructor)
    url = _editor(world, track)
    page = browser.get(url)
    assert page.status_int == 200
    assert 'value="00:00:01.000"' in page.text and ">First</textarea>" in page.text
    fields = {
        "rows": "2",
        "label": "English",
        "start_0": "00:00:01.500",
        "end_0": "00:00:02.750",
        "text_0": "First, <b>edited</b> <script>x</script>",
        "start_1": "00:00:03.000",
        "end_1": "00:00:05.000",
        "text_1": "Second",
        "delete_1": "1",
        "action": "save",
    }
    r = browser.submit(page, url, fields)
    assert r.status_int == 303 and "done=saved" in r.location
    vtt = client(world.tenant, world.instructor).get(f"/api/v1/captions/{track['id']}").json["vtt"]
    assert vtt == "WEBVTT\n\n00:00:01.500 --> 00:00:02.750\nFirst, <b>edited</b>\n"
    assert "Transcript saved." in browser.get(r.location).text

    # add a row (nothing saved), then an invalid timing: the error sits by the field
    added = browser.submit(page, url, {**fields, "delete_1": "", "action": "add"})
    assert added.status_int == 200 and 'name="start_2" value=""' in added.text
    bad = browser.submit(
        page, url, {**fields, "delete_1": "", "end_0": "00:00:01.000", "start_1": "soon"}
    )
    assert bad.status_int == 422
    assert "Nothing was saved" in bad.text
    assert 'id="err-end-0">the cue ends (00:00:01.000) before or when it starts' in bad.text
    assert 'id="err-start-1">Write a time like 00:01:02.500.' in bad.text
    after = client(world.tenant, world.instructor).get(f"/api/v1/captions/{track['id']}")
    assert after.json["vtt"] == vtt  # unchanged


def test_tracks_page_upload_and_delete(world, page_browser, client):
    browser = page_browser(world.tenant, world.instructor)
    url = f"/teach/media/{world.asset.id}/captions"
    assert "This media has no captions yet." in browser.get(url).text
    srt = b"1\n00:00:01,000 --> 00:00:02,000\nHi\n\n2\n00:00:05,000 --> 00:00:04,000\nBad\n"
    r = browser.post(
        url, {"language": "en", "kind": "captions"}, upload_files=[("file", "en.srt", srt)]
    )
    assert r.status_int == 422 and "line 6: the cue ends (00:00:04.000)" in r.text
    r = browser.post(
        url,
        {"language": "en", "kind": "captions"},
        upload_files=[("file", "en.srt", srt.split(b"\n\n2")[0])],
    )
    assert r.status_int == 303, r.text
    page = browser.get(url)
    assert "English" in page.text
    (track,) = (
        client(world.tenant, world.instructor)
        .get(f"/api/v1/media/{world.asset.id}/captions")
        .json["items"]
    )
    r = browser.submit(page, f"{url}/{track['id']}/delete", {})
    assert r.status_int == 303 and "done=deleted" in r.location
    assert "This media has no captions yet." in browser.get(r.location).text


def test_pages_authorization(world, upload, page_browser):
    track = upload(world).json
    urls = [f"/teach/media/{world.asset.id}/captions", _editor(world, track)]
    for url in urls:
        assert page_browser(world.tenant).get(url).status_int == 303  # sign in
        assert page_browser(world.tenant, world.learner).get(url).status_int == 404
        assert page_browser(world.other_tenant, world.foreign_admin).get(url).status_int == 404
        assert page_browser(world.tenant, world.uploader).get(url).status_int == 200
    learner = page_browser(world.tenant, world.learner)
    page = learner.get("/dashboard")
    r = learner.submit(page, f"{urls[0]}/{track['id']}/delete", {})
    assert r.status_int == 404


def test_warning_for_editors_only_until_a_track_exists(world, upload, page_browser):
    player = f"/courses/{world.course.slug}/learn/{world.lesson.slug}"
    instructor = page_browser(world.tenant, world.instructor)
    page = instructor.get(player)
    assert page.status_int == 200 and WARNING in page.text
    assert f"/teach/media/{world.asset.id}/captions" in page.text
    learner_page = page_browser(world.tenant, world.learner).get(player)
    assert learner_page.status_int == 200 and WARNING not in learner_page.text
    upload(world)
    assert WARNING not in instructor.get(player).text
