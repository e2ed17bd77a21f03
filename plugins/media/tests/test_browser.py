"""The /media page in a real browser (Playwright + Debian chromium, the app served by
waitress): the JavaScript uploader sends a file in tus chunks, shows its progress,
survives a dropped chunk (HEAD, then resume) and lands on the list; without JavaScript
the same form posts the file; axe-core finds no serious WCAG violation.
Screenshots: var/screenshots/media-*.png."""

from __future__ import annotations

import os

import pytest

from learninghub.testing.browser import axe_violations, screenshot, sign_in

pytestmark = pytest.mark.slow

RECORD_PROGRESS = """
() => {
  const bar = document.getElementById("media-progress-bar");
  const seen = [];
  new MutationObserver(() => {
    seen.push(bar.value);
    sessionStorage.setItem("media-progress", JSON.stringify(seen));
  }).observe(bar, { attributes: true, attributeFilter: ["value"] });
  bar.addEventListener("change", () => {});
  const box = document.getElementById("media-progress");
  new MutationObserver(() => {
    if (!box.hidden) sessionStorage.setItem("media-progress-shown", "1");
  }).observe(box, { attributes: true });
}
"""


@pytest.fixture(scope="module")
def world(live_app):
    t = live_app.create_tenant("mediab", plugins=["media"])
    live_app.create_user(t, "teacher@media.example", roles=("instructor",))
    return t


def test_js_uploader_resumes_after_a_dropped_chunk(world, browser_page, tmp_path):
    page = browser_page
    sign_in(page, world.base, "teacher@media.example")
    page.goto(world.base + "/media")
    assert page.locator("#media-progress").is_hidden()
    # a 12 MiB MP4-looking file: three 5 MiB chunks
    path = tmp_path / "lecture.mp4"
    path.write_bytes(b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00" + os.urandom(12 * 1024 * 1024))
    calls = {"patch": 0, "dropped": 0, "head": 0}

    def route(request_route):
        request = request_route.request
        if request.method == "PATCH":
            calls["patch"] += 1
            if calls["patch"] == 2:  # the network drops the second chunk once
                calls["dropped"] += 1
                return request_route.abort("connectionreset")
        if request.method == "HEAD":
            calls["head"] += 1
        return request_route.continue_()

    page.route("**/media/uploads/**", route)
    page.evaluate(RECORD_PROGRESS)
    page.set_input_files("#media-file", str(path))
    with page.expect_navigation(url="**/media?uploaded=1", timeout=60_000):
        page.get_by_role("button", name="Upload", exact=True).click()
    assert calls["dropped"] == 1 and calls["head"] >= 1 and calls["patch"] == 4
    assert page.locator("p.lh-notice").inner_text() == "Your file was uploaded."
    row = page.locator("table tbody tr").first
    assert "lecture.mp4" in row.inner_text() and "video/mp4" in row.inner_text()
    shown = page.evaluate("sessionStorage.getItem('media-progress-shown')")
    progress = page.evaluate("JSON.parse(sessionStorage.getItem('media-progress') || '[]')")
    assert shown == "1" and 0 < len(progress) and progress[-1] == 100
    assert any(0 < value < 100 for value in progress), progress
    screenshot(page, "media-list")


def test_without_javascript_the_form_posts_the_file(world, chromium, tmp_path):
    context = chromium.new_context(java_script_enabled=False, locale="en-GB")
    page = context.new_page()
    try:
        sign_in(page, world.base, "teacher@media.example")
        page.goto(world.base + "/media")
        path = tmp_path / "notes.pdf"
        path.write_bytes(b"%PDF-1.7\n1 0 obj\n%%EOF\n")
        page.set_input_files("#media-file", str(path))
        with page.expect_navigation():
            page.get_by_role("button", name="Upload", exact=True).click()
        assert page.url.endswith("/media?uploaded=1")
        assert "notes.pdf" in page.locator("table tbody").inner_text()
        assert page.locator("#media-progress").is_hidden()
        # a disguised file is explained on the page
        bad = tmp_path / "cat.png"
        bad.write_bytes(b"<!DOCTYPE html><html><script>alert(1)</script></html>")
        page.set_input_files("#media-file", str(bad))
        with page.expect_navigation():
            page.get_by_role("button", name="Upload", exact=True).click()
        assert "not accepted here" in page.locator("[role=alert]").inner_text()
    finally:
        context.close()


def test_media_page_passes_axe(world, browser_page):
    page = browser_page
    sign_in(page, world.base, "teacher@media.example")
    page.goto(world.base + "/media")
    assert axe_violations(page) == []
    screenshot(page, "media-page")
