"""The task ``streaming.prepare_download``: one ffmpeg run making an MP4 (video) or an
MP3 (audio) from the upload, stored and published crash-safely, idempotent, failures
recorded with ffmpeg's message, and an editor switching it off meanwhile wins."""

from __future__ import annotations

import os
import subprocess

import pytest

from learninghub_streaming.downloads import services
from learninghub_streaming.transcoding import services as transcoding


def ffmpeg_info(path: str) -> str:
    """What ffmpeg says of the file (``ffmpeg -i`` exits 1 without an output)."""
    import imageio_ffmpeg

    done = subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-i", path],
        capture_output=True,
        text=True,
    )
    return done.stderr


def decodes(path: str) -> bool:
    import imageio_ffmpeg

    done = subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", path, "-f", "null", "-"],
        capture_output=True,
        text=True,
    )
    return done.returncode == 0 and not done.stderr.strip()


def stored(media_storage, tenant, key: str, tmp_path) -> str:
    path = os.path.join(tmp_path, key.rsplit("/", 1)[-1])
    with open(path, "wb") as file:
        file.write(media_storage.read(tenant.id, key))
    return path


def allow(client, world, dispatched) -> None:
    r = client(world.tenant, world.instructor).put_json(
        f"/api/v1/streams/{world.stream.id}/offline", {"allowed": True}
    )
    assert r.status_int == 200, r.text
    assert [m.kwargs for m in dispatched if m.name == services.PREPARE_TASK] == [
        {"stream_id": str(world.stream.id)}
    ]


def test_video_becomes_a_faststart_mp4_readable_by_ffmpeg(
    world, client, dispatched, run_task, stream_row, media_storage, events, tmp_path
):
    allow(client, world, dispatched)
    assert run_task(world.tenant, services.PREPARE_TASK, stream_id=str(world.stream.id)) == "done"
    row = stream_row(world.stream.id)
    assert row.download_status == "ready", row.download_error
    prefix = f"streaming/{world.asset.id}/download/"
    assert row.download_key.startswith(prefix)
    assert row.download_key.endswith("/clip640x360.mp4")
    assert media_storage.list(world.tenant.id, prefix) == [row.download_key]
    path = stored(media_storage, world.tenant, row.download_key, tmp_path)
    assert os.path.getsize(path) == row.download_size > 0
    info = ffmpeg_info(path)
    assert "Video: h264" in info and "640x360" in info and "Audio: aac" in info, info
    assert "Duration: 00:00:03" in info or "Duration: 00:00:02.9" in info, info
    assert decodes(path)
    with open(path, "rb") as file:
        head = file.read()
    assert head.index(b"moov") < head.index(b"mdat")  # +faststart
    assert services.READY_EVENT in events.names()

    # redelivered: nothing is made again
    assert run_task(world.tenant, services.PREPARE_TASK, stream_id=str(world.stream.id)) == "done"
    assert stream_row(world.stream.id).download_key == row.download_key
    assert media_storage.list(world.tenant.id, prefix) == [row.download_key]


def test_tall_source_is_brought_down_to_720p_with_an_even_width(
    make_world, clips, clip_asset, tenant, client, dispatched, run_task, stream_row,
    media_storage, tmp_path,
):  # fmt: skip
    asset = clip_asset(tenant, clips.video(1000, 1080))
    world = make_world(asset=asset)
    allow(client, world, dispatched)
    run_task(world.tenant, services.PREPARE_TASK, stream_id=str(world.stream.id))
    row = stream_row(world.stream.id)
    assert row.download_status == "ready", row.download_error
    info = ffmpeg_info(stored(media_storage, world.tenant, row.download_key, tmp_path))
    assert "Video: h264" in info and "666x720" in info, info


def test_audio_becomes_an_mp3(
    make_world, client, dispatched, run_task, stream_row, media_storage, tmp_path
):
    world = make_world("audio")
    allow(client, world, dispatched)
    run_task(world.tenant, services.PREPARE_TASK, stream_id=str(world.stream.id))
    row = stream_row(world.stream.id)
    assert row.download_status == "ready", row.download_error
    assert row.download_key.endswith("/tone.mp3")
    path = stored(media_storage, world.tenant, row.download_key, tmp_path)
    info = ffmpeg_info(path)
    assert "Audio: mp3" in info and "128 kb/s" in info and "Video:" not in info, info
    assert decodes(path)


def test_a_new_file_replaces_the_old_one_after_publication(
    world, client, dispatched, run_task, stream_row, media_storage, db
):
    allow(client, world, dispatched)
    run_task(world.tenant, services.PREPARE_TASK, stream_id=str(world.stream.id))
    first = stream_row(world.stream.id).download_key
    # an orphan of a killed attempt, then the file is made again (a redelivered claim)
    orphan = f"streaming/{world.asset.id}/download/deadbeef/clip640x360.mp4"
    media_storage.save(world.tenant.id, orphan, b"half", content_type="video/mp4")
    row = stream_row(world.stream.id)
    row.download_status = "queued"
    db.flush()
    run_task(world.tenant, services.PREPARE_TASK, stream_id=str(world.stream.id))
    second = stream_row(world.stream.id).download_key
    assert second != first
    assert media_storage.list(world.tenant.id, f"streaming/{world.asset.id}/download/") == [second]
    # the stream's own published files are untouched
    assert media_storage.list(world.tenant.id, world.stream.published_prefix)


def test_unreadable_upload_fails_with_ffmpegs_message_and_can_be_allowed_again(
    make_world, clips, clip_asset, tenant, client, dispatched, run_task, stream_row, events
):
    world = make_world(asset=clip_asset(tenant, clips.corrupt()))
    allow(client, world, dispatched)
    run_task(world.tenant, services.PREPARE_TASK, stream_id=str(world.stream.id))
    row = stream_row(world.stream.id)
    assert row.download_status == "failed" and row.download_key == ""
    assert row.download_error.strip()
    assert services.FAILED_EVENT in events.names()
    editor = client(world.tenant, world.instructor)
    state = editor.get(f"/api/v1/streams/{world.stream.id}/offline").json
    assert state["status"] == "failed" and state["error"] == row.download_error
    learner = client(world.tenant, world.learner)
    r = learner.get(f"/api/v1/streams/{world.stream.id}/offline?scope={world.lesson.id}")
    assert r.status_int == 409 and "could not be prepared" in r.json["detail"]
    again = editor.put_json(f"/api/v1/streams/{world.stream.id}/offline", {"allowed": True})
    assert again.json["status"] == "queued"
    assert len([m for m in dispatched if m.name == services.PREPARE_TASK]) == 2


def test_switched_off_while_ffmpeg_runs_the_file_is_thrown_away(
    world, client, dispatched, run_task, stream_row, media_storage, registry, monkeypatch
):
    allow(client, world, dispatched)
    real_run = services.runner.run

    def run_then_switch_off(*args, **kwargs):
        result = real_run(*args, **kwargs)

        def off(request):
            stream = transcoding.get_stream(request.db, world.stream.id)
            services.set_allowed(request, stream, False)

        tenant = registry["tenancy.resolver"].by_id(world.tenant.id)
        transcoding.in_own_transaction(registry, tenant, off)
        return result

    monkeypatch.setattr(services.runner, "run", run_then_switch_off)
    run_task(world.tenant, services.PREPARE_TASK, stream_id=str(world.stream.id))
    row = stream_row(world.stream.id)
    assert (row.downloadable, row.download_status, row.download_key) == (False, "none", "")
    assert media_storage.list(world.tenant.id, f"streaming/{world.asset.id}/download/") == []


def test_switched_off_before_the_task_runs_it_does_nothing(
    world, client, dispatched, run_task, stream_row
):
    allow(client, world, dispatched)
    editor = client(world.tenant, world.instructor)
    editor.put_json(f"/api/v1/streams/{world.stream.id}/offline", {"allowed": False})
    run_task(world.tenant, services.PREPARE_TASK, stream_id=str(world.stream.id))
    assert stream_row(world.stream.id).download_status == "none"


@pytest.mark.parametrize(
    "name,expected",
    [
        ("Leçon 1: intro.MOV", "Lecon-1-intro"),
        ("../../etc/passwd", "passwd"),
        ("日本語.mp4", "download"),
        ('a"b<c>.webm', "a-b-c"),
        ("", "download"),
    ],
)
def test_download_file_names_are_plain_ascii(name, expected):
    assert services.safe_stem(name) == expected
    assert services.download_filename(name, True) == expected + ".mp4"
    assert services.download_filename(name, False) == expected + ".mp3"
