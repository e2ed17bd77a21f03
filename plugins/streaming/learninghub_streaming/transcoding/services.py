"""Streams of media assets: who may see and queue them, and the transcode itself.

The transcode (:func:`transcode`, run by the task ``streaming.transcode``) is built
for crashes (docs/design/streaming-contracts.md):

1. a short transaction *claims* the stream: ``processing``, ``attempts`` + 1 (the
   attempt's number identifies it from then on);
2. ffmpeg writes everything into a temporary directory (the ladder, then for a video
   the poster and sprite in a short second run); its progress is written to the row in
   short transactions of their own, at most once a second, so that the instructor's
   panel (polling ``GET /api/v1/streams/{id}``) sees it live;
3. every file is stored under a fresh prefix ``streaming/<asset id>/<uuid>/``;
4. one transaction *publishes*: ``published_prefix``, renditions, the sealed key and
   ``ready``, only if the row still belongs to this attempt;
5. after that commit, every other prefix of the asset (orphans of killed attempts,
   the previous publication) is deleted.

A worker killed anywhere before 4 leaves the row ``processing`` and files nothing
references; the redelivered task claims a new attempt and completes it. ffmpeg's own
failures (an unreadable upload) end the attempt as ``failed`` with its message.
"""

from __future__ import annotations

import logging
import os
import re
import secrets as pysecrets
import shutil
import tempfile
import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
import transaction

from learninghub.api import ProblemError
from learninghub.db import utcnow
from learninghub.secrets import secret_box
from learninghub.tasks import make_tenant_request

from ..permissions import StreamingPermission
from . import ladder, runner
from .models import Stream

log = logging.getLogger(__name__)

PLUGIN = "streaming"
TRANSCODE_TASK = "streaming.transcode"
INBOX_TASK = "streaming.asset_ready"
INBOX_CONSUMER = "streaming.transcoding"
MEDIA_UPLOADED = "media.asset.uploaded"
QUEUED_EVENT = "streaming.stream.queued"
READY_EVENT = "streaming.stream.ready"
FAILED_EVENT = "streaming.stream.failed"
STORAGE_PREFIX = "streaming/"
#: folder of ``streaming/<asset id>/`` holding the offline download (downloads part)
DOWNLOAD_FOLDER = "download/"
STREAMABLE_KINDS = ("video", "audio")
#: a ``processing`` row not written to for this long belongs to a lost worker
STALE_SECONDS = 300


def asset_prefix(asset_id) -> str:
    return f"{STORAGE_PREFIX}{asset_id}/"


# ----------------------------------------------------------------- reads and access


def _as_uuid(value: Any) -> uuid.UUID | None:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except (ValueError, TypeError):
        return None


def get_stream(db, stream_id) -> Stream | None:
    key = _as_uuid(stream_id)
    return db.get(Stream, key) if key is not None else None


def stream_of_asset(db, asset_id) -> Stream | None:
    key = _as_uuid(asset_id)
    if key is None:
        return None
    return db.scalar(sa.select(Stream).where(Stream.asset_id == key))


def courses_using(db, asset_id: uuid.UUID) -> list:
    """The courses with a lesson (any version) using the asset."""
    from learninghub_content.models import Lesson, LessonVersion
    from learninghub_courses.models import Course

    ids = (
        sa.select(Lesson.course_id)
        .join(LessonVersion, LessonVersion.lesson_id == Lesson.id)
        .where(LessonVersion.media_asset_id == asset_id)
        .distinct()
    )
    return list(db.scalars(sa.select(Course).where(Course.id.in_(ids))))


def may_manage(request, asset) -> bool:
    """May the request's user see and queue the stream of ``asset``: its uploader,
    those with ``streaming:stream:manage``, and the editors of a course using it."""
    from learninghub_courses import services as courses
    from learninghub_media import services as media

    if request.identity is None:
        return False
    if media.is_owner(request, asset) or request.has_permission(StreamingPermission.MANAGE):
        return True
    return any(courses.can_edit(request, c) for c in courses_using(request.db, asset.id))


def not_found(what: str = "stream") -> ProblemError:
    return ProblemError(404, "Not found", f"no such {what}")


def manageable_asset(request, asset_id):
    """The asset of the URL if the caller may manage its stream, else 404."""
    from learninghub_media import services as media

    asset = media.get_asset(request.db, asset_id)
    if asset is None or not may_manage(request, asset):
        raise not_found("media asset")
    return asset


def manageable_stream(request, stream_id) -> Stream:
    from learninghub_media import services as media

    stream = get_stream(request.db, stream_id)
    asset = media.get_asset(request.db, stream.asset_id) if stream is not None else None
    if stream is None or asset is None or not may_manage(request, asset):
        raise not_found()
    return stream


def is_stale(stream: Stream) -> bool:
    return (
        stream.status == "processing"
        and (utcnow() - stream.updated_at).total_seconds() > STALE_SECONDS
    )


# ----------------------------------------------------------------- queueing


def is_streamable(asset) -> bool:
    from learninghub_media.sniff import kind_of

    return kind_of(asset.content_type) in STREAMABLE_KINDS


def ensure_stream(request, asset, *, requeue_failed: bool = False) -> tuple[Stream, bool]:
    """The stream of ``asset``, created and queued when there is none (or queued
    again when it failed and ``requeue_failed``). Returns (stream, queued now)."""
    stream = stream_of_asset(request.db, asset.id)
    if stream is None:
        stream = Stream(asset_id=asset.id, status="queued", segment_s=_segment_s(request))
        request.db.add(stream)
        request.db.flush()
    elif not (requeue_failed and stream.status == "failed"):
        return stream, False
    queue(request, stream)
    return stream, True


def queue(request, stream: Stream) -> None:
    """Queue ``stream`` for (another) transcode, in the request's transaction."""
    stream.status = "queued"
    stream.progress_percent = 0
    stream.error = ""
    stream.finished_at = None
    stream.segment_s = _segment_s(request)
    stream.updated_at = utcnow()
    request.db.flush()
    request.tasks.enqueue(TRANSCODE_TASK, stream_id=str(stream.id))
    request.emit(
        QUEUED_EVENT,
        resource_type="streaming_stream",
        resource_id=stream.id,
        payload={"asset_id": str(stream.asset_id), "attempts": stream.attempts},
    )


def _segment_s(request) -> int:
    return request.plugin_settings(PLUGIN).segment_seconds


def on_asset_ready(request, event) -> None:
    """Inbox handler of media's upload event: a ready video or audio gets its stream."""
    from learninghub_media import services as media

    asset = media.get_asset(request.db, event.resource_id)
    if asset is None or not asset.is_ready or not is_streamable(asset):
        return
    ensure_stream(request, asset)


# ----------------------------------------------------------------- probing

_FPS = re.compile(r", (\d+(?:\.\d+)?) fps")
_TBR = re.compile(r", (\d+(?:\.\d+)?) tbr")
_AUDIO = re.compile(r"^\s*Stream #\d+:\d+.*?: Audio: ", re.M)


@dataclass(frozen=True)
class Source:
    duration: float
    width: int | None
    height: int | None
    fps: float
    has_video: bool
    has_audio: bool


def probe(content_type: str, path: str) -> tuple[Source | None, str]:
    """What the upload holds (media's ``ffmpeg -i`` reading plus frame rate and audio),
    or (None, ffmpeg's message)."""
    from learninghub_media import ffmpeg

    demuxer = ffmpeg.DEMUXERS.get(content_type)
    if demuxer is None:
        return None, f"no demuxer for {content_type}"
    source = ["-protocol_whitelist", "file", "-f", demuxer, "-i", "file:" + os.path.abspath(path)]
    result = ffmpeg.run(source)
    if result is None:
        return None, "ffmpeg is missing or ran out of time reading the file"
    text = result[2]
    if "Input #0" not in text:
        return None, _last_lines(text)
    video = content_type.startswith("video/")
    info = ffmpeg.parse_info(text, video=video)
    duration = info.duration
    if duration is None:
        duration = ffmpeg.demuxed_duration(content_type, path)
    has_video = video and info.width is not None
    has_audio = _AUDIO.search(text) is not None
    fps = 30.0
    if has_video:
        found = _FPS.search(text) or _TBR.search(text)
        if found:
            fps = min(120.0, max(1.0, float(found.group(1))))
    if not duration or (not has_video and not has_audio):
        return None, _last_lines(text) or "no audio or video stream"
    return Source(duration, info.width, info.height, fps, has_video, has_audio), ""


def _last_lines(text: str, count: int = runner.ERROR_LINES) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return "\n".join(lines[-count:])


# ----------------------------------------------------------------- the transcode


def in_own_transaction(registry, tenant, work):
    """``work(request)`` in a short transaction of its own, committed on success."""
    tm = transaction.TransactionManager(explicit=True)
    request = make_tenant_request(registry, tenant, tm)
    tm.begin()
    try:
        result = work(request)
        tm.commit()
        return result
    except BaseException:
        tm.abort()
        raise
    finally:
        if "db" in request.__dict__:
            request.db.close()


@dataclass(frozen=True)
class Attempt:
    stream_id: uuid.UUID
    asset_id: uuid.UUID
    number: int
    content_type: str
    storage_key: str
    segment_s: int
    max_height: int


def locked_stream(db, stream_id) -> Stream | None:
    """The stream row, locked until the transaction ends (``FOR UPDATE``)."""
    return db.scalar(sa.select(Stream).where(Stream.id == stream_id).with_for_update())


def claim(request, stream_id) -> Attempt | None:
    """Start a new attempt on the stream (None: nothing to do, or the asset is gone)."""
    from learninghub_media import services as media

    stream = locked_stream(request.db, _as_uuid(stream_id))
    if stream is None or stream.status == "ready":
        return None
    asset = media.get_asset(request.db, stream.asset_id)
    if asset is None:
        return None
    stream.attempts += 1
    stream.status = "processing"
    stream.progress_percent = 0
    stream.error = ""
    stream.started_at = utcnow()
    stream.finished_at = None
    stream.updated_at = utcnow()
    if not asset.is_ready or not is_streamable(asset):
        _fail(request, stream, "the media asset is not a ready video or audio file")
        return None
    settings = request.plugin_settings(PLUGIN)
    return Attempt(
        stream.id,
        asset.id,
        stream.attempts,
        asset.content_type,
        asset.storage_key,
        stream.segment_s or settings.segment_seconds,
        settings.max_height,
    )


def _fail(request, stream: Stream, message: str) -> None:
    stream.status = "failed"
    stream.error = message[-4000:]
    stream.finished_at = utcnow()
    stream.updated_at = utcnow()
    request.db.flush()
    request.emit(
        FAILED_EVENT,
        resource_type="streaming_stream",
        resource_id=stream.id,
        payload={"asset_id": str(stream.asset_id), "attempts": stream.attempts},
    )


def _current(request, attempt: Attempt) -> Stream | None:
    """The row, locked, if it still belongs to ``attempt``."""
    stream = locked_stream(request.db, attempt.stream_id)
    if stream is None or stream.attempts != attempt.number or stream.status != "processing":
        return None
    return stream


def write_progress(registry, tenant, attempt: Attempt, percent: int) -> None:
    """The attempt's progress, in a short transaction of its own."""

    def work(request):
        request.db.execute(
            sa.update(Stream)
            .where(
                Stream.id == attempt.stream_id,
                Stream.attempts == attempt.number,
                Stream.status == "processing",
            )
            .values(progress_percent=percent, updated_at=utcnow())
        )

    in_own_transaction(registry, tenant, work)


def store_files(storage, tenant_id, prefix: str, directory: str) -> list[str]:
    """Store every file under ``directory`` at ``prefix`` + its relative path."""
    keys = []
    for root, _, files in os.walk(directory):
        for name in sorted(files):
            path = os.path.join(root, name)
            key = prefix + os.path.relpath(path, directory).replace(os.sep, "/")
            with open(path, "rb") as file:
                storage.save(tenant_id, key, file, content_type=_content_type(name))
            keys.append(key)
    return keys


def _content_type(name: str) -> str:
    if name.endswith(".m3u8"):
        return "application/vnd.apple.mpegurl"
    if name.endswith(".ts"):
        return "video/mp2t"
    if name.endswith(".jpg"):
        return "image/jpeg"
    if name.endswith(".vtt"):
        return "text/vtt"
    return "application/octet-stream"


def delete_orphans(storage, tenant_id, asset_id, keep_prefix: str) -> int:
    """Delete the asset's stored stream files outside ``keep_prefix`` (the offline
    download's folder is left alone)."""
    removed = 0
    for key in storage.list(tenant_id, asset_prefix(asset_id)):
        if keep_prefix and key.startswith(keep_prefix):
            continue
        if key.startswith(f"{asset_prefix(asset_id)}{DOWNLOAD_FOLDER}"):
            continue  # the downloads part's file (its own publication, its own cleanup)
        try:
            storage.delete(tenant_id, key)
            removed += 1
        except Exception:  # a leftover file is harmless; the next publication retries
            log.exception("could not delete stream file %s", key)
    return removed


def timeout_for(duration: float) -> float:
    """Wall-clock limit of one transcode: generous (a slow machine encodes a
    1080p ladder at a fraction of real time), never unbounded."""
    return 120.0 + duration * 10.0


def transcode(registry, tenant, stream_id) -> str:
    """Transcode the stream (see the module's docstring). Returns what happened:
    ``"ready"``, ``"failed"``, ``"superseded"`` or ``"skipped"``."""
    from learninghub_media.ffmpeg import DEMUXERS, executable
    from learninghub_media.ingest import local_copy

    attempt = in_own_transaction(registry, tenant, lambda r: claim(r, stream_id))
    if attempt is None:
        return "skipped"
    storage = _storage(registry)
    tenant_id = tenant.id
    workdir = tempfile.mkdtemp(prefix="lh-stream-")
    try:
        with local_copy(storage, tenant_id, attempt.storage_key) as path:
            source, message = probe(attempt.content_type, path)
            exe = executable()
            if source is None or exe is None:
                return _record_failure(
                    registry, tenant, attempt, message or "ffmpeg is not available"
                )
            out_dir = os.path.join(workdir, "out")
            os.makedirs(out_dir)
            key = pysecrets.token_bytes(16)
            key_path = os.path.join(workdir, "key.bin")
            with open(key_path, "wb") as file:
                file.write(key)
            key_info = os.path.join(workdir, "key.info")
            with open(key_info, "w") as file:
                file.write(ladder.key_info_text(key_path))
            job = ladder.Job(
                source=path,
                demuxer=DEMUXERS[attempt.content_type],
                out_dir=out_dir,
                key_info=key_info,
                duration=source.duration,
                segment_s=attempt.segment_s,
                fps=source.fps,
                width=source.width,
                height=source.height,
                has_video=source.has_video,
                has_audio=source.has_audio,
                max_height=attempt.max_height,
            )
            result = runner.run(
                exe,
                ladder.command(job),
                duration=source.duration,
                fps=source.fps if source.has_video else None,
                timeout=timeout_for(source.duration),
                on_progress=lambda p: write_progress(registry, tenant, attempt, p),
            )
            if result.ok and source.has_video:
                result = runner.run(
                    exe,
                    ladder.stills_command(job),
                    duration=source.duration,
                    fps=None,
                    timeout=timeout_for(0.0),
                )
        if not result.ok:
            return _record_failure(registry, tenant, attempt, result.error, source)
        if source.has_video:
            top = job.rungs[-1]
            with open(os.path.join(out_dir, ladder.SPRITE_VTT), "w") as file:
                file.write(ladder.sprite_vtt(source.duration, top.width, top.height))
        prefix = f"{asset_prefix(attempt.asset_id)}{uuid.uuid4().hex}/"
        store_files(storage, tenant_id, prefix, out_dir)
        renditions = [r.as_json() for r in job.rungs]
        if source.has_video and source.has_audio:
            renditions.append(
                {
                    "name": "audio",
                    "width": 0,
                    "height": 0,
                    "bandwidth": ladder.AUDIO_KBPS * 1000,
                    "playlist": f"audio/{ladder.PLAYLIST}",
                }
            )
        sealed = secret_box(registry).seal(key.hex())

        def publish(request) -> bool:
            stream = _current(request, attempt)
            if stream is None:
                return False
            _describe(stream, source)
            stream.renditions = renditions
            stream.published_prefix = prefix
            stream.key_sealed = sealed
            stream.key_id = uuid.uuid4().hex
            stream.status = "ready"
            stream.progress_percent = 100
            stream.finished_at = utcnow()
            stream.updated_at = utcnow()
            request.db.flush()
            request.emit(
                READY_EVENT,
                resource_type="streaming_stream",
                resource_id=stream.id,
                payload={
                    "asset_id": str(stream.asset_id),
                    "renditions": [r["name"] for r in renditions],
                    "duration_s": stream.duration_s,
                },
            )
            return True

        if not in_own_transaction(registry, tenant, publish):
            # another attempt owns the row now: take back our files only
            for key in storage.list(tenant_id, prefix):
                storage.delete(tenant_id, key)
            return "superseded"
        delete_orphans(storage, tenant_id, attempt.asset_id, prefix)
        return "ready"
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _describe(stream: Stream, source: Source | None) -> None:
    if source is None:
        return
    stream.duration_s = round(source.duration, 3)
    stream.source_width = source.width
    stream.source_height = source.height
    stream.has_video = source.has_video
    stream.has_audio = source.has_audio


def _record_failure(registry, tenant, attempt: Attempt, message: str, source=None) -> str:
    def work(request):
        stream = _current(request, attempt)
        if stream is not None:
            _describe(stream, source)
            _fail(request, stream, message or "ffmpeg failed")

    in_own_transaction(registry, tenant, work)
    log.warning("stream %s attempt %d failed: %s", attempt.stream_id, attempt.number, message)
    return "failed"


def _storage(registry):
    from learninghub_media.storage import storage_for

    return storage_for(registry)


def requeue_stale(request, *, queued_seconds: int = 3600) -> int:
    """Queue again the tenant's streams whose worker was lost (:func:`is_stale`) or
    whose task message was (``queued`` for more than ``queued_seconds``). Returns how
    many were queued."""
    from datetime import timedelta

    now = utcnow()
    rows = request.db.scalars(
        sa.select(Stream)
        .where(
            sa.or_(
                sa.and_(
                    Stream.status == "processing",
                    Stream.updated_at < now - timedelta(seconds=STALE_SECONDS),
                ),
                sa.and_(
                    Stream.status == "queued",
                    Stream.updated_at < now - timedelta(seconds=queued_seconds),
                ),
            )
        )
        .order_by(Stream.updated_at)
        .with_for_update()
    ).all()
    for stream in rows:
        queue(request, stream)
    return len(rows)
