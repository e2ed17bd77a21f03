"""Shared fixtures of the streaming tests (the kernel's and enrollment's pytest
plugins bring the rest): tiny clips generated once per session with ffmpeg's lavfi
sources, and media assets holding them."""

from __future__ import annotations

import hashlib
import os
import subprocess
import uuid

import pytest

from learninghub.db import utcnow

SECONDS = 3


def _ffmpeg() -> str:
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def _make(path: str, *args: str) -> str:
    command = [_ffmpeg(), "-hide_banner", "-loglevel", "error", "-nostdin", "-y", *args, path]
    subprocess.run(command, check=True, capture_output=True)
    return path


class Clips:
    """Paths of the generated clips (3 s each)."""

    def __init__(self, directory: str) -> None:
        self.directory = directory
        self._made: dict[str, str] = {}

    def _get(self, name: str, *args: str) -> str:
        if name not in self._made:
            self._made[name] = _make(os.path.join(self.directory, name), *args)
        return self._made[name]

    def video(self, width: int = 640, height: int = 360) -> str:
        """An H.264/AAC MP4 of testsrc2 with a 440 Hz tone."""
        return self._get(
            f"clip{width}x{height}.mp4",
            "-f", "lavfi", "-i", f"testsrc2=size={width}x{height}:rate=30",
            "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
            "-t", str(SECONDS), "-c:v", "libx264", "-preset", "ultrafast",
            "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest",
        )  # fmt: skip

    def audio(self) -> str:
        """An MP3 tone."""
        return self._get(
            "tone.mp3",
            "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100",
            "-t", str(SECONDS), "-c:a", "libmp3lame", "-b:a", "96k",
        )  # fmt: skip

    def corrupt(self) -> str:
        """The head of the 360p MP4 (its ``ftyp`` sniffs as video/mp4) followed by
        garbage: ffmpeg cannot read it."""
        path = os.path.join(self.directory, "corrupt.mp4")
        if not os.path.exists(path):
            with open(self.video(), "rb") as source:
                head = source.read(32)
            with open(path, "wb") as out:
                out.write(head + os.urandom(4096))
        return path


@pytest.fixture(scope="session")
def clips(tmp_path_factory) -> Clips:
    return Clips(str(tmp_path_factory.mktemp("streaming-clips")))


@pytest.fixture
def media_storage(registry):
    from learninghub_media.storage import storage_for

    return storage_for(registry)


@pytest.fixture
def clip_asset(db, media_storage):
    """``clip_asset(tenant, path, owner=None, content_type="video/mp4")``: a ready media
    asset holding the file at ``path`` (stored under media's key)."""
    from learninghub_media.models import MediaAsset
    from learninghub_media.storage import original_key

    def make(tenant, path: str, owner=None, content_type: str = "video/mp4"):
        with open(path, "rb") as file:
            data = file.read()
        asset_id = uuid.uuid4()
        key = original_key(asset_id)
        media_storage.save(tenant.id, key, data, content_type=content_type)
        asset = MediaAsset(
            id=asset_id,
            tenant_id=tenant.id,
            owner_id=owner.id if owner else None,
            filename=os.path.basename(path),
            content_type=content_type,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            storage_key=key,
            status="ready",
            created_at=utcnow(),
        )
        db.add(asset)
        db.flush()
        return asset

    return make


@pytest.fixture
def kind_asset(clips, clip_asset):
    """``kind_asset(tenant, kind="video", owner=None)``: a ready media asset holding the
    3 s clip of ``kind`` (``video``: 640×360 with sound; ``audio``: an MP3)."""

    def make(tenant, kind: str = "video", owner=None):
        if kind == "video":
            return clip_asset(tenant, clips.video(), owner)
        return clip_asset(tenant, clips.audio(), owner, content_type="audio/mpeg")

    return make


@pytest.fixture
def use_asset(db):
    """``use_asset(lesson, asset_id)``: every version of ``lesson`` holds the asset."""
    import sqlalchemy as sa

    from learninghub_content.models import LessonVersion

    def apply(lesson, asset_id) -> None:
        versions = db.scalars(sa.select(LessonVersion).where(LessonVersion.lesson_id == lesson.id))
        for version in versions:
            version.media_asset_id = asset_id
        db.flush()

    return apply


@pytest.fixture
def stream_row(db):
    """``stream_row(stream_id)``: the stream as stored now."""
    from learninghub_streaming.transcoding.models import Stream

    def read(stream_id):
        db.expire_all()
        return db.get(Stream, stream_id)

    return read


class _PublishedCache:
    """One real transcode per kind of clip per session; later streams copy its files."""

    def __init__(self) -> None:
        self.made: dict[str, dict] = {}


@pytest.fixture(scope="session")
def _published_cache() -> _PublishedCache:
    return _PublishedCache()


@pytest.fixture
def ready_stream(db, kind_asset, media_storage, run_task, _published_cache):
    """``ready_stream(tenant, asset=None, kind="video", owner=None)``: a ``ready``
    stream of ``asset`` (made from the 3 s clip of ``kind``, ``video`` 640×360 with
    sound or ``audio``, when None). The first stream of each kind in the session is a
    real transcode (the task); the next ones copy its published files under their own
    prefix and reuse its sealed key, which is what the pipeline would have produced."""
    from learninghub_streaming.transcoding import services
    from learninghub_streaming.transcoding.models import Stream

    def make(tenant, asset=None, kind: str = "video", owner=None) -> Stream:
        if asset is None:
            asset = kind_asset(tenant, kind, owner)
        cached = _published_cache.made.get(kind)
        stream = Stream(tenant_id=tenant.id, asset_id=asset.id, status="queued", segment_s=2)
        db.add(stream)
        db.flush()
        if cached is None:
            assert run_task(tenant, services.TRANSCODE_TASK, stream_id=str(stream.id)) == "done"
            db.expire_all()
            stream = db.get(Stream, stream.id)
            assert stream.status == "ready", stream.error
            prefix = stream.published_prefix
            _published_cache.made[kind] = {
                "files": {
                    key[len(prefix) :]: media_storage.read(tenant.id, key)
                    for key in media_storage.list(tenant.id, prefix)
                },
                "columns": {
                    name: getattr(stream, name)
                    for name in (
                        "duration_s",
                        "source_width",
                        "source_height",
                        "has_video",
                        "has_audio",
                        "renditions",
                        "segment_s",
                        "key_sealed",
                        "key_id",
                    )  # fmt: skip
                },
            }
            return stream
        prefix = f"{services.asset_prefix(asset.id)}{uuid.uuid4().hex}/"
        for name, data in cached["files"].items():
            media_storage.save(
                tenant.id, prefix + name, data, content_type=services._content_type(name)
            )
        for name, value in cached["columns"].items():
            setattr(stream, name, value)
        stream.status = "ready"
        stream.progress_percent = 100
        stream.published_prefix = prefix
        stream.finished_at = utcnow()
        db.flush()
        return stream

    return make
