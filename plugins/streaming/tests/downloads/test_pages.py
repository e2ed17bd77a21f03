"""The lesson actions: the editors' "Allow offline download" form (CSRF, back to the
lesson, state and count shown) and the learners' "Download for offline use" link,
whose page route signs a link and redirects to it."""

from __future__ import annotations

from learninghub_streaming.downloads import services

SWITCH = 'action="/streaming/streams/{}/offline"'


def local(url: str) -> str:
    """The path (and query) of an absolute URL of the site."""
    return "/" + url.split("//", 1)[1].split("/", 1)[1]


def test_editor_allows_with_the_form_and_sees_state_and_count(
    world, page_browser, dispatched, stream_row, made_download, download_rows, client
):
    browser = page_browser(world.tenant, world.instructor)
    page = browser.get(world.lesson_url)
    assert page.status_int == 200
    assert SWITCH.format(world.stream.id) in page.text
    assert "Allow offline download" in page.text and "Offline download is off." in page.text
    r = browser.submit(
        page,
        f"/streaming/streams/{world.stream.id}/offline",
        {"allowed": "1", "next": world.lesson_url},
    )
    assert r.status_int == 303 and r.headers["Location"].endswith(world.lesson_url)
    row = stream_row(world.stream.id)
    assert (row.downloadable, row.download_status) == (True, "queued")
    assert [m.name for m in dispatched if m.name == services.PREPARE_TASK] == [
        services.PREPARE_TASK
    ]
    page = browser.get(world.lesson_url)
    assert "Forbid offline download" in page.text and "being prepared" in page.text

    made_download(world)
    page = browser.get(world.lesson_url)
    assert "The download file is ready." in page.text and "Downloaded 0 times." in page.text
    learner = page_browser(world.tenant, world.learner)
    link = learner.get(f"/streaming/streams/{world.stream.id}/download?scope={world.lesson.id}")
    assert learner.get(local(link.headers["Location"])).status_int == 200
    assert len(download_rows(world.stream.id)) == 1
    assert "Downloaded 1 time." in browser.get(world.lesson_url).text

    off = browser.submit(
        browser.get(world.lesson_url),
        f"/streaming/streams/{world.stream.id}/offline",
        {"allowed": "0", "next": "https://evil.example/"},
    )
    assert off.status_int == 303 and off.headers["Location"].endswith("/")
    assert "evil" not in off.headers["Location"]
    assert stream_row(world.stream.id).downloadable is False


def test_the_form_needs_a_csrf_token_and_an_editor(world, page_browser, stream_row, dispatched):
    url = f"/streaming/streams/{world.stream.id}/offline"
    editor = page_browser(world.tenant, world.instructor)
    editor.get(world.lesson_url)
    r = editor.submit(None, url, {"allowed": "1"}, csrf=False)
    assert r.status_int in (400, 403)
    learner = page_browser(world.tenant, world.learner)
    page = learner.get(world.lesson_url)
    assert page.status_int == 200 and SWITCH.format(world.stream.id) not in page.text
    assert learner.submit(page, url, {"allowed": "1"}).status_int == 404
    anonymous = page_browser(world.tenant)
    assert anonymous.post(url, {"allowed": "1"}, csrf=False).status_int in (400, 403, 404)
    stranger = page_browser(world.other_tenant, world.foreign_admin)
    assert stranger.submit(stranger.get("/dashboard"), url, {"allowed": "1"}).status_int == 404
    assert stream_row(world.stream.id).downloadable is False
    assert not dispatched


def test_learner_sees_the_link_only_when_allowed_and_ready(
    world, page_browser, made_download, download_rows
):
    learner = page_browser(world.tenant, world.learner)
    assert "Download for offline use" not in learner.get(world.lesson_url).text
    data = made_download(world, allowed=False)
    assert "Download for offline use" not in learner.get(world.lesson_url).text
    made_download(world)
    page = learner.get(world.lesson_url)
    assert "Download for offline use" in page.text and "clip.mp4" in page.text
    href = f"/streaming/streams/{world.stream.id}/download?scope={world.lesson.id}"
    assert f'href="{href}"' in page.text
    r = learner.get(href)
    assert r.status_int == 303 and r.headers["Cache-Control"] == "no-store"
    target = local(r.headers["Location"])
    assert target.startswith(f"/streaming/downloads/{world.lesson.id}/{world.stream.id}/")
    got = learner.get(target)
    assert got.status_int == 200 and got.body == data
    assert len(download_rows(world.stream.id)) == 1
    # outsiders: no link, and the page route refuses them
    outsider = page_browser(world.tenant, world.outsider)
    assert "Download for offline use" not in outsider.get(world.lesson_url).text
    assert outsider.get(href).status_int == 404
    assert page_browser(world.tenant).get(href).status_int == 303  # to the sign-in page
    assert "/login" in page_browser(world.tenant).get(href).headers["Location"]
    stranger = page_browser(world.other_tenant, world.foreign_admin)
    assert stranger.get(href).status_int == 404


def test_the_page_route_refuses_when_not_available(world, page_browser, client, db):
    href = f"/streaming/streams/{world.stream.id}/download?scope={world.lesson.id}"
    learner = page_browser(world.tenant, world.learner)
    assert learner.get(href).status_int == 409
    world.lesson.is_free_preview = True
    db.flush()
    assert page_browser(world.tenant, world.outsider).get(href).status_int == 403
    assert learner.get(href.replace(str(world.lesson.id), "nope")).status_int == 404
