"""The transcoding API and pages: who may queue and see a stream, invalid inputs, the
upload trigger and the instructor's live status panel."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from learninghub_streaming.transcoding import services
from learninghub_streaming.transcoding.models import Stream


@pytest.fixture
def world(db, tenant, user_factory, make_course, clips, clip_asset):
    """A video uploaded by ``owner``, used by a lesson of a course taught by
    ``editor``; ``learner`` and ``admin`` of the same tenant."""
    from learninghub_content.models import LessonVersion

    class World:
        owner = user_factory(tenant, "instructor")
        editor = user_factory(tenant, "instructor")
        learner = user_factory(tenant, "learner")
        admin = user_factory(tenant, "admin")

    World.tenant = tenant
    World.asset = clip_asset(tenant, clips.video(), World.owner)
    World.course = make_course(tenant, lessons=1, instructor=World.editor, lesson_types=["video"])
    World.lesson = World.course.lessons[0]
    db.execute(
        sa.update(LessonVersion)
        .where(LessonVersion.lesson_id == World.lesson.id)
        .values(media_asset_id=World.asset.id)
    )
    db.flush()
    return World


@pytest.fixture
def add_stream(db):
    def make(world, status="failed", **values) -> Stream:
        stream = Stream(tenant_id=world.tenant.id, asset_id=world.asset.id, status=status, **values)
        db.add(stream)
        db.flush()
        return stream

    return make


def transcodes(dispatched) -> list:
    return [m for m in dispatched if m.name == services.TRANSCODE_TASK]


def test_owner_queues_once_and_the_queueing_is_audited(world, client, dispatched, events):
    c = client(world.tenant, world.owner)
    r = c.post_json(f"/api/v1/media/{world.asset.id}/stream", status=201)
    body = r.json
    assert body["status"] == "queued" and body["asset_id"] == str(world.asset.id)
    assert r.headers["Location"].endswith(f"/api/v1/streams/{body['id']}")
    assert [m.kwargs for m in transcodes(dispatched)] == [{"stream_id": body["id"]}]
    assert services.QUEUED_EVENT in events.names()
    # again: the same stream, nothing queued twice
    again = c.post_json(f"/api/v1/media/{world.asset.id}/stream", status=200)
    assert again.json["id"] == body["id"] and len(transcodes(dispatched)) == 1


def test_course_editor_reads_and_admin_retries_a_failed_stream(
    world, client, add_stream, dispatched
):
    stream = add_stream(world, error="moov atom not found", attempts=1)
    r = client(world.tenant, world.editor).get(f"/api/v1/streams/{stream.id}", status=200)
    assert (r.json["status"], r.json["error"]) == ("failed", "moov atom not found")
    assert r.json["renditions"] == [] and "key_sealed" not in r.json
    r = client(world.tenant, world.admin).post_json(
        f"/api/v1/streams/{stream.id}/retry", status=202
    )
    assert (r.json["status"], r.json["error"], r.json["progress_percent"]) == ("queued", "", 0)
    assert len(transcodes(dispatched)) == 1
    # a queued stream is not retried
    r = client(world.tenant, world.editor).post_json(
        f"/api/v1/streams/{stream.id}/retry", status=409
    )
    assert r.content_type == "application/problem+json" and "queued" in r.json["detail"]


def test_others_get_404_anonymous_401_other_tenants_404(
    world, client, foreign_client, other_tenant, add_stream, dispatched
):
    stream = add_stream(world)
    urls = [
        ("post", f"/api/v1/media/{world.asset.id}/stream"),
        ("get", f"/api/v1/streams/{stream.id}"),
        ("post", f"/api/v1/streams/{stream.id}/retry"),
    ]
    learner = client(world.tenant, world.learner)
    anonymous = client(world.tenant)
    foreign = foreign_client(world.tenant, other_tenant)
    for method, url in urls:
        call = "post_json" if method == "post" else "get"
        assert getattr(learner, call)(url, status=404).content_type == "application/problem+json"
        assert getattr(anonymous, call)(url, status=401)
        assert getattr(foreign, call)(url, status=404)
    assert transcodes(dispatched) == []


def test_invalid_inputs(world, client, clip_asset, db, dispatched):
    from learninghub_media.models import MediaAsset

    c = client(world.tenant, world.owner)
    for url in ("/api/v1/media/not-a-uuid/stream", f"/api/v1/media/{uuid.uuid4()}/stream"):
        assert c.post_json(url, status=404).json["detail"] == "no such media asset"
    assert c.get("/api/v1/streams/not-a-uuid", status=404).json["detail"] == "no such stream"
    assert c.post_json(f"/api/v1/streams/{uuid.uuid4()}/retry", status=404)
    document = clip_asset(world.tenant, __file__, world.owner, content_type="text/plain")
    r = c.post_json(f"/api/v1/media/{document.id}/stream", status=422)
    assert r.json["errors"][0]["path"] == ["asset_id"]
    assert r.json["errors"][0]["type"] == "not_streamable"
    db.execute(
        sa.update(MediaAsset).where(MediaAsset.id == world.asset.id).values(status="quarantined")
    )
    db.flush()
    assert (
        "quarantined"
        in c.post_json(f"/api/v1/media/{world.asset.id}/stream", status=409).json["detail"]
    )
    assert transcodes(dispatched) == []


def test_a_ready_video_upload_is_transcoded_once_without_upscaling(
    tenant, user_factory, client, clips, db
):
    """media's upload event → the inbox → the stream, transcoded (in-process tasks)."""
    instructor = user_factory(tenant, "instructor")
    with open(clips.video(), "rb") as file:
        data = file.read()
    r = client(tenant, instructor).post(
        "/api/v1/media", upload_files=[("file", "lecture.mp4", data)], status=201
    )
    asset_id = uuid.UUID(r.json["id"])
    db.expire_all()
    stream = db.scalar(sa.select(Stream).where(Stream.asset_id == asset_id))
    assert stream is not None and stream.status == "ready", stream and stream.error
    assert [r["name"] for r in stream.renditions] == ["360p", "audio"]
    assert stream.attempts == 1 and stream.tenant_id == tenant.id


def test_status_panel_and_its_poll(
    world, page_browser, add_stream, other_tenant, user_factory, dispatched
):
    course = world.course.course
    player = f"/courses/{course.slug}/learn/{world.lesson.slug}"
    editor = page_browser(world.tenant, world.editor)
    page = editor.get(player)
    assert page.status_int == 200
    assert "This media has no stream yet." in page.text and "Transcode for streaming" in page.text
    r = editor.submit(page, f"/streaming/assets/{world.asset.id}/transcode", {"next": player})
    assert r.status_int == 303 and r.headers["Location"].endswith(player)
    assert len(transcodes(dispatched)) == 1
    stream_id = transcodes(dispatched)[0].kwargs["stream_id"]
    page = editor.get(player)
    assert "Waiting to be transcoded" in page.text and "data-status-url" in page.text
    status = editor.get(f"/streaming/streams/{stream_id}/status")
    assert status.status_int == 200 and status.json["status"] == "queued"
    assert status.json["label"] == "Waiting to be transcoded…"
    # a learner may not poll, nor may anonymous visitors or other tenants' admins
    learner = page_browser(world.tenant, world.learner)
    assert learner.get(f"/streaming/streams/{stream_id}/status").status_int == 404
    assert (
        page_browser(world.tenant).get(f"/streaming/streams/{stream_id}/status").status_int == 401
    )
    stranger = page_browser(other_tenant, user_factory(other_tenant, "admin"))
    assert stranger.get(f"/streaming/streams/{stream_id}/status").status_int == 404
