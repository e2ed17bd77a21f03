"""Browser journey (Playwright + Debian chromium, the app served by waitress on SQLite)
across the catalog plugins — courses, media, content and enrollment — as three people
go through it, every step through the pages:

1. an instructor creates a course at /teach, builds its curriculum (sections, a text
   lesson, a video lesson), uploads the video on /media with the resumable (tus)
   uploader — its progress bar advances chunk by chunk to 100 — comes back to the
   lesson form with the file chosen in the media picker, publishes the lessons and
   submits the course for review;
2. an admin approves it in the review queue (/admin/courses); the course appears in
   the public catalog;
3. a learner searches the catalog by text, narrows it with the level facet, opens the
   landing page, enrols, reads the text lesson and plays the video, marks both
   complete, sees the progress in the dashboard's My learning widget and continues
   where they left off (the next lesson not completed).

Set-up outside the journey (the tenant, the three users, a category and two other
published courses the search must tell apart) goes through the kit and the JSON API.
Screenshots: var/screenshots/journey-*.png (git-ignored)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from learninghub.testing.browser import axe_violations, screenshot, sign_in

pytestmark = pytest.mark.slow
# the kit's chromium fixture skips without Playwright; so does this module
expect = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed").expect

PLUGINS = ("courses", "media", "content", "enrollment")
#: the uploader's chunk size for this tenant (media setting ``upload_chunk_bytes``,
#: its minimum): the clip below takes several chunks
CHUNK_BYTES = 64 * 1024
INSTRUCTOR = "ines@journey.example"
ADMIN = "ada@journey.example"
LEARNER = "leo@journey.example"
TITLE = "Pottery for beginners"
SLUG = "pottery-for-beginners"

#: records every value the upload progress bar takes, in sessionStorage: the page
#: navigates when the upload is done
RECORD_PROGRESS = """
() => {
  const bar = document.getElementById("media-progress-bar");
  const seen = [];
  new MutationObserver(() => {
    seen.push(bar.value);
    sessionStorage.setItem("journey-progress", JSON.stringify(seen));
  }).observe(bar, { attributes: true, attributeFilter: ["value"] });
}
"""


def make_clip(folder: Path) -> Path:
    """A 4-second 640x360 H.264/AAC MP4 with a test pattern and a tone, made by the
    ffmpeg of imageio-ffmpeg (several hundred kB: several 64 KiB chunks)."""
    imageio_ffmpeg = pytest.importorskip("imageio_ffmpeg", reason="imageio-ffmpeg makes the clip")
    path = folder / "centering.mp4"
    # fmt: off
    args = [
        imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
        "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25:duration=4",
        "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100:duration=4",
        "-c:v", "libx264", "-preset", "veryfast", "-b:v", "1M", "-pix_fmt", "yuv420p",
        "-c:a", "aac", "-b:a", "64k", "-movflags", "+faststart", str(path),
    ]
    # fmt: on
    subprocess.run(args, check=True, capture_output=True, timeout=120)
    return path


@pytest.fixture(scope="module")
def school(live_app):
    """The tenant (media chunks of 64 KiB), its instructor, admin and learner, the
    category "Crafts" and two other published courses the catalog must tell apart."""
    from learninghub.plugins import TenantPlugins
    from learninghub.tenancy import Tenant

    tenant = live_app.create_tenant("journey", "Journey Academy", plugins=PLUGINS)
    with live_app.session(tenant) as db:
        TenantPlugins(live_app.registry, db, db.get(Tenant, tenant.id)).enable(
            "media", settings={"upload_chunk_bytes": CHUNK_BYTES}
        )
    live_app.create_user(tenant, INSTRUCTOR, roles=("instructor",), display_name="Ines Potter")
    admin = live_app.create_user(tenant, ADMIN, roles=("admin",), display_name="Ada Admin")
    live_app.create_user(tenant, LEARNER, display_name="Leo Learner")
    status, crafts = live_app.api(
        tenant, "POST", "/api/v1/course-categories", {"name": "Crafts", "slug": "crafts"}, admin
    )
    assert status == 201, crafts
    for title, slug, level in (
        ("Pottery masterclass", "pottery-masterclass", "advanced"),
        ("Knitting basics", "knitting-basics", "beginner"),
    ):
        body = {"title": title, "slug": slug, "level": level, "category_id": crafts["id"]}
        status, course = live_app.api(tenant, "POST", "/api/v1/courses", body, admin)
        assert status == 201, course
        # content refuses to publish a course without a published lesson: give it one
        base = f"/api/v1/courses/{course['id']}"
        status, section = live_app.api(
            tenant, "POST", base + "/sections", {"title": "Basics"}, admin
        )
        assert status == 201, section
        lesson = {"section_id": section["id"], "title": "First steps", "publish": True}
        status, made = live_app.api(tenant, "POST", base + "/lessons", lesson, admin)
        assert status == 201, made
        # an admin's submission publishes at once
        status, course = live_app.api(
            tenant, "POST", f"/api/v1/courses/{course['id']}/submit", None, admin
        )
        assert status == 200 and course["status"] == "published", course
    return tenant


def instructor_builds_and_submits(page, base: str, clip: Path) -> None:
    sign_in(page, base, INSTRUCTOR)
    page.get_by_role("link", name="Teach", exact=True).click()
    page.get_by_role("link", name="Create a course").click()
    page.get_by_label("Title", exact=True).fill(TITLE)
    page.get_by_label("Address").fill(SLUG)
    page.get_by_label("Subtitle").fill("Wedge, centre and throw your first bowl")
    page.get_by_label("Description").fill("<p>From a lump of clay to a bowl on the wheel.</p>")
    page.get_by_label("Category").select_option(label="Crafts")
    page.get_by_label("Level").select_option(label="Beginner")
    screenshot(page, "journey-01-create-course")
    with page.expect_navigation():
        page.get_by_role("button", name="Create course").click()
    expect(page.get_by_role("status").filter(has_text="Course created")).to_be_visible()

    # to the curriculum editor, through the course page
    page.get_by_role("link", name="View the course page").click()
    page.get_by_role("link", name="Edit the curriculum").click()
    expect(page.get_by_role("heading", name="Curriculum", level=1)).to_be_visible()
    page.get_by_label("New section title").fill("Clay")
    with page.expect_navigation():
        page.get_by_role("button", name="Add section").click()
    clay = page.locator("section.lh-editor-section", has=page.get_by_role("heading", name="Clay"))
    clay.get_by_label("New lesson title").fill("Wedging")
    clay.get_by_label("Type").select_option(label="Text")
    with page.expect_navigation():
        clay.get_by_role("button", name="Add lesson").click()
    page.get_by_label("New section title").fill("The wheel")
    with page.expect_navigation():
        page.get_by_role("button", name="Add section").click()
    wheel = page.locator(
        "section.lh-editor-section", has=page.get_by_role("heading", name="The wheel")
    )
    wheel.get_by_label("New lesson title").fill("Throwing")
    with page.expect_navigation():
        wheel.get_by_role("button", name="Add lesson").click()
    # a video lesson: created, then its form asks for the file
    wheel.get_by_label("New lesson title").fill("Centering")
    wheel.get_by_label("Type").select_option(label="Video")
    with page.expect_navigation():
        wheel.get_by_role("button", name="Add lesson").click()
    expect(page.get_by_role("heading", name="Edit lesson")).to_be_visible()
    expect(page.get_by_label("Type")).to_have_value("video")

    # upload the clip with the resumable uploader, chunk by chunk
    with page.expect_navigation():
        page.get_by_role("link", name="Upload a new file").click()
    expect(page).to_have_url(re.compile(r"/media\?next="))
    patches = []

    def count_chunks(request) -> None:
        if request.method == "PATCH" and "/media/uploads/" in request.url:
            patches.append(request.url)

    page.on("request", count_chunks)
    page.evaluate(RECORD_PROGRESS)
    page.get_by_label("File", exact=True).set_input_files(str(clip))
    with page.expect_navigation(url=re.compile(r"/media\?uploaded=1"), timeout=60_000):
        page.get_by_role("button", name="Upload", exact=True).click()
    progress = page.evaluate("JSON.parse(sessionStorage.getItem('journey-progress') || '[]')")
    chunks = -(-clip.stat().st_size // CHUNK_BYTES)
    assert len(patches) == chunks >= 3, (len(patches), chunks)
    assert progress[-1] == 100, progress
    assert any(0 < value < 100 for value in progress), progress
    assert progress == sorted(progress), progress  # it only moves forward
    row = page.get_by_role("row").filter(has_text="centering.mp4")
    expect(row).to_contain_text("video/mp4")
    expect(row).to_contain_text("ready")
    screenshot(page, "journey-02-uploaded")

    # back to the lesson form: the new file is chosen in the picker
    with page.expect_navigation():
        page.get_by_role("link", name="Use centering.mp4 and go back").click()
    expect(page.get_by_role("status").filter(has_text="centering.mp4 is chosen")).to_be_visible()
    picker = page.get_by_label("Media file (video, audio and file lessons)")
    expect(picker.locator("option:checked")).to_contain_text("centering.mp4 (video/mp4")
    expect(page.get_by_label("Type")).to_have_value("video")
    page.get_by_label("Text", exact=True).fill("<p>Keep your elbows on your knees.</p>")
    screenshot(page, "journey-03-lesson-form")
    with page.expect_navigation():
        page.get_by_role("button", name="Save and publish").click()
    expect(page.get_by_role("heading", name="Curriculum", level=1)).to_be_visible()

    # the text lessons: write them, publish them
    for title, text in (
        ("Wedging", "<p>Knead the clay to push the air out.</p>"),
        ("Throwing", "<p>Open the clay and pull up the walls.</p>"),
    ):
        page.get_by_role("link", name=title, exact=True).click()
        page.get_by_label("Text", exact=True).fill(text)
        with page.expect_navigation():
            page.get_by_role("button", name="Save and publish").click()
    expect(page.locator("main")).not_to_contain_text("unpublished changes")
    expect(page.locator(".lesson-title", has_text="Published")).to_have_count(3)
    # Centering goes between Wedging and Throwing: to the top of "The wheel"
    with page.expect_navigation():
        page.get_by_role("button", name="Move Centering up").click()
    titles = page.locator("section.lh-editor-section li .lesson-title a")
    expect(titles).to_have_text(["Wedging", "Centering", "Throwing"])
    assert axe_violations(page) == []
    screenshot(page, "journey-04-curriculum")

    # submit for review from the course's own form
    page.get_by_role("link", name="Course details and publishing").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_role("status").filter(has_text="submitted for review")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Status: In review")
    screenshot(page, "journey-05-submitted")


def admin_approves(page, base: str) -> None:
    sign_in(page, base, ADMIN)
    page.goto(base + "/admin/courses")
    queued = page.locator("section").filter(has=page.get_by_role("heading", name=TITLE))
    expect(queued).to_contain_text("By Ines Potter")
    screenshot(page, "journey-06-review-queue")
    with page.expect_navigation():
        page.get_by_role("button", name=f"Approve {TITLE}").click()
    expect(page.get_by_role("status").filter(has_text="approved and published")).to_be_visible()
    expect(page.get_by_text("No course is waiting for review.")).to_be_visible()


def visitor_sees_the_catalog(page, base: str, *, listed: bool) -> None:
    page.goto(base + "/courses")
    expect(page.get_by_role("link", name="Pottery masterclass")).to_be_visible()
    card = page.get_by_role("article").filter(has=page.get_by_role("link", name=TITLE))
    if not listed:
        expect(card).to_have_count(0)
        assert page.goto(f"{base}/courses/{SLUG}").status == 404
        return
    expect(card).to_contain_text("By Ines Potter")
    expect(card).to_contain_text("Free")
    screenshot(page, "journey-07-public-catalog")


def learner_learns(page, base: str) -> None:
    sign_in(page, base, LEARNER)
    page.get_by_role("link", name="Courses", exact=True).first.click()
    # text search: both pottery courses, not the knitting one
    page.get_by_role("searchbox", name="Search").fill("pottery")
    with page.expect_navigation():
        page.get_by_role("button", name="Search", exact=True).click()
    results = page.locator(".courses-cards h2")
    # relevance order is the index's: compare as a set
    expect(results).to_have_count(2)
    assert sorted(results.all_inner_texts()) == ["Pottery for beginners", "Pottery masterclass"]
    expect(page.get_by_role("status").filter(has_text="courses")).to_have_text("2 courses")
    # the level facet narrows it to the beginners' course
    page.get_by_role("radio", name=re.compile(r"^Beginner \(1\)")).check()
    with page.expect_navigation():
        page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"q=pottery.*level=beginner"))
    expect(results).to_have_text([TITLE])
    assert axe_violations(page) == []
    screenshot(page, "journey-08-catalog")

    page.get_by_role("link", name=TITLE).click()
    expect(page.get_by_role("heading", name=TITLE, level=1)).to_be_visible()
    expect(page.get_by_text("3 lessons")).to_be_visible()
    assert axe_violations(page) == []
    screenshot(page, "journey-09-landing")
    with page.expect_navigation():
        page.get_by_role("button", name="Enrol").click()
    # enrolled: straight into the first lesson
    expect(page).to_have_url(re.compile(f"/courses/{SLUG}/learn/wedging$"))
    expect(page.get_by_text("Knead the clay to push the air out.")).to_be_visible()
    with page.expect_navigation():
        page.get_by_role("button", name="Mark complete").click()
    expect(page.get_by_text("You completed this lesson.")).to_be_visible()
    screenshot(page, "journey-10-text-lesson")

    page.get_by_role("link", name="Next: Centering").click()
    video = page.locator("video[aria-label='Centering']")
    expect(video).to_have_count(1)
    # the signed URL plays in chromium: metadata read, then the clock moves
    video.evaluate("v => v.readyState >= 1 || new Promise(r => v.onloadedmetadata = r)")
    assert 3.5 < video.evaluate("v => v.duration") < 4.5
    video.evaluate("v => { v.muted = true; return v.play(); }")
    page.wait_for_function("v => v.currentTime > 0.5", arg=video.element_handle())
    expect(page.get_by_text("Keep your elbows on your knees.")).to_be_visible()  # notes
    screenshot(page, "journey-11-video-lesson")
    with page.expect_navigation():
        page.get_by_role("button", name="Mark complete").click()
    expect(page.get_by_text("You completed this lesson.")).to_be_visible()
    sidebar = page.get_by_role("navigation", name="Course curriculum")
    expect(sidebar.get_by_text("(completed)")).to_have_count(2)

    # the dashboard: two of three lessons done
    page.goto(base + "/dashboard")
    widget = page.locator("#w-enrollment-my-learning").locator("xpath=..")
    expect(widget.get_by_role("link", name=TITLE)).to_be_visible()
    expect(widget.get_by_label("Progress")).to_have_attribute("value", "66")
    assert axe_violations(page) == []
    screenshot(page, "journey-12-dashboard")
    # continue where they left off: the next lesson not completed
    with page.expect_navigation():
        widget.get_by_role("link", name="Continue where you left off").click()
    expect(page).to_have_url(re.compile(f"/courses/{SLUG}/learn/throwing$"))
    expect(page.get_by_role("heading", name="Throwing", level=1)).to_be_visible()
    expect(page.get_by_role("button", name="Mark complete")).to_be_visible()
    screenshot(page, "journey-13-continued")


def test_course_from_creation_to_a_learner_resuming_it(school, chromium, tmp_path) -> None:
    clip = make_clip(tmp_path)
    base = school.base

    def person():
        return chromium.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")

    for step in (
        lambda page: instructor_builds_and_submits(page, base, clip),
        lambda page: visitor_sees_the_catalog(page, base, listed=False),
        lambda page: admin_approves(page, base),
        lambda page: visitor_sees_the_catalog(page, base, listed=True),
        lambda page: learner_learns(page, base),
    ):
        context = person()
        try:
            step(context.new_page())
        finally:
            context.close()
