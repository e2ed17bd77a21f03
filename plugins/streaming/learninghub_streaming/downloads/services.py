"""Offline downloads of streams: the editor's switch, the file made from the upload,
signed user-bound links and the count of downloads (docs/plugins/streaming-downloads.md).

The file is made by the task ``streaming.prepare_download`` (:func:`prepare`), built for
crashes like the transcode (transcoding/services.py):

1. a short transaction *claims* the work: only while the stream is ``downloadable``
   and its ``download_status`` is ``queued`` (or ``processing``: a redelivered task
   after a lost worker); ``ready`` means done (redelivery is a no-op);
2. one ffmpeg process reads the original upload (its sniffed demuxer, the ``file``
   protocol only) and writes an MP4 (H.264 ≤ 720p, AAC, ``+faststart``) or, for a
   source without video, an MP3 (128 kbit/s) into a temporary directory;
3. the file is stored at ``streaming/<asset>/download/<uuid>/<filename>``;
4. one transaction publishes ``download_key``, ``download_size`` and ``ready`` only if
   the row is still ``processing`` and still ``downloadable`` (an editor who switched
   the download off meanwhile wins: the new file is deleted);
5. after that commit, every other file under ``streaming/<asset>/download/`` is deleted.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import re
import shutil
import tempfile
import time
import unicodedata
import uuid
from dataclasses import dataclass

import sqlalchemy as sa

from learninghub.db import utcnow

from ..transcoding import runner
from ..transcoding import services as transcoding
from ..transcoding.models import Stream
from .models import Bookmark, Download

log = logging.getLogger(__name__)

PREPARE_TASK = "streaming.prepare_download"
ALLOWED_EVENT = "streaming.download.allowed"
DISALLOWED_EVENT = "streaming.download.disallowed"
READY_EVENT = "streaming.download.ready"
FAILED_EVENT = "streaming.download.failed"
AUDITED_EVENTS = (ALLOWED_EVENT, DISALLOWED_EVENT)

PURPOSE = "streaming.download"
#: seconds a signed download link lives
LINK_TTL = 300
MAX_HEIGHT = 720
VIDEO_TYPE = "video/mp4"
AUDIO_TYPE = "audio/mpeg"
AUDIO_KBPS = 128
PRESET = "veryfast"
#: a bookmark note's length limit, and how many bookmarks one user keeps on one stream
NOTE_MAX = 500
MAX_BOOKMARKS = 500


def download_prefix(asset_id) -> str:
    return f"{transcoding.asset_prefix(asset_id)}download/"


# ----------------------------------------------------------------- file names

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_stem(filename: str | None) -> str:
    """The ASCII stem of the upload's name for the download (accents folded, anything
    else a dash, at most 80 characters; ``download`` when nothing is left)."""
    stem = os.path.splitext(os.path.basename((filename or "").replace("\\", "/")))[0]
    folded = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    cleaned = _UNSAFE.sub("-", folded).strip(".-_")
    cleaned = re.sub(r"-{2,}", "-", cleaned)[:80].strip(".-_")
    return cleaned or "download"


def download_filename(upload_name: str | None, has_video: bool) -> str:
    """The download's file name: the upload's stem and ``.mp4`` (video) or ``.mp3``."""
    return safe_stem(upload_name) + (".mp4" if has_video else ".mp3")


def stored_filename(stream: Stream) -> str:
    return stream.download_key.rsplit("/", 1)[-1] if stream.download_key else ""


def content_type_of(filename: str) -> str:
    return VIDEO_TYPE if filename.endswith(".mp4") else AUDIO_TYPE


def is_available(stream: Stream) -> bool:
    """May the stream's download be handed out now (allowed, made, stream ready)?"""
    return (
        stream.is_ready
        and stream.downloadable
        and stream.download_status == "ready"
        and bool(stream.download_key)
    )


# ----------------------------------------------------------------- the switch


def set_allowed(request, stream: Stream, allowed: bool) -> bool:
    """Switch the stream's offline download on or off (in the request's transaction).
    Switching on queues the file's preparation when there is no file (or it failed)
    and it is not already queued; switching off keeps a made file (switching on again
    is immediate) but abandons a preparation under way. Returns whether a task was
    queued. Emits (and the audit log keeps) ``streaming.download.allowed`` /
    ``disallowed`` when the switch changed."""
    changed = stream.downloadable != allowed
    stream.downloadable = allowed
    queued = False
    if allowed and stream.download_status in ("none", "failed"):
        stream.download_status = "queued"
        stream.download_error = ""
        queued = True
    elif not allowed and stream.download_status in ("queued", "processing"):
        stream.download_status = "none"
    stream.updated_at = utcnow()
    request.db.flush()
    if queued:
        request.tasks.enqueue(PREPARE_TASK, stream_id=str(stream.id))
    if changed:
        request.emit(
            ALLOWED_EVENT if allowed else DISALLOWED_EVENT,
            resource_type="streaming_stream",
            resource_id=stream.id,
            payload={"asset_id": str(stream.asset_id), "download_status": stream.download_status},
        )
    return queued


def download_count(db, stream_id) -> int:
    return db.scalar(sa.select(sa.func.count()).where(Download.stream_id == stream_id)) or 0


def downloader_count(db, stream_id) -> int:
    return (
        db.scalar(
            sa.select(sa.func.count(sa.distinct(Download.user_id))).where(
                Download.stream_id == stream_id
            )
        )
        or 0
    )


def record_download(request, stream: Stream, lesson_id) -> Download:
    row = Download(stream_id=stream.id, lesson_id=lesson_id, user_id=request.identity.id)
    request.db.add(row)
    request.db.flush()
    return row


# ----------------------------------------------------------------- signed links


def _signing_key(request) -> bytes:
    secret = request.registry.settings["secret.key"].encode()
    return hmac.new(secret, PURPOSE.encode(), hashlib.sha256).digest()


def signature(request, scope: str, stream_id, user_id, exp: int) -> str:
    """HMAC-SHA256 over the tenant, the scope, the stream, the user and ``exp``."""
    message = "\n".join(
        [PURPOSE, str(request.tenant.id), scope, str(stream_id), str(user_id or "-"), str(exp)]
    ).encode()
    digest = hmac.new(_signing_key(request), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def check_signature(request, scope: str, stream_id, exp: str, sig: str) -> bool:
    """True when ``sig`` was made for this request's user, tenant, scope and stream and
    ``exp`` is not past."""
    try:
        expires = int(exp)
    except (TypeError, ValueError):
        return False
    if expires < int(time.time()) or request.identity is None:
        return False
    expected = signature(request, scope, stream_id, request.identity.id, expires)
    return hmac.compare_digest(expected.encode(), str(sig).encode())


@dataclass(frozen=True)
class Link:
    url: str
    filename: str
    size: int
    content_type: str
    expires_at: int


def signed_link(request, stream: Stream, scope: str, ttl: int = LINK_TTL) -> Link:
    """The signed link of the stream's download for the request's user (the caller
    checked that they may have it)."""
    exp = int(time.time()) + ttl
    filename = stored_filename(stream)
    sig = signature(request, scope, stream.id, request.identity.id, exp)
    url = request.route_url(
        "streaming.download.file",
        scope=scope,
        stream_id=str(stream.id),
        exp=str(exp),
        sig=sig,
        filename=filename,
    )
    return Link(url, filename, stream.download_size, content_type_of(filename), exp)


# ----------------------------------------------------------------- who may download


def may_download(request, scope) -> bool:
    """Staff of the scope's course (and editors in ``manage``), or a learner with an
    active enrolment in it (a free preview is not enough)."""
    from learninghub_enrollment.services import active_enrollment

    if scope.staff:
        return True
    return scope.course is not None and active_enrollment(request, scope.course) is not None


# ----------------------------------------------------------------- the task


@dataclass(frozen=True)
class Job:
    stream_id: uuid.UUID
    asset_id: uuid.UUID
    content_type: str
    storage_key: str
    filename: str


def claim(request, stream_id) -> Job | None:
    """Mark the preparation under way (None: nothing to do)."""
    from learninghub_media import services as media

    key = transcoding._as_uuid(stream_id)
    stream = transcoding.locked_stream(request.db, key) if key is not None else None
    if stream is None or not stream.downloadable:
        return None
    if stream.download_status not in ("queued", "processing"):
        return None  # ready (a redelivered task), failed, or switched off
    asset = media.get_asset(request.db, stream.asset_id)
    if asset is None:
        return None
    stream.download_status = "processing"
    stream.download_error = ""
    stream.updated_at = utcnow()
    request.db.flush()
    return Job(stream.id, asset.id, asset.content_type, asset.storage_key, asset.filename)


def command(source: str, demuxer: str, out: str, source_info) -> list[str]:
    """ffmpeg's arguments making the download of ``source`` at ``out``: an MP4 when the
    source has video, else an MP3."""
    args = ["-hide_banner", "-nostdin", "-y", "-loglevel", "error"]
    args += ["-progress", "pipe:1", "-nostats"]
    args += ["-protocol_whitelist", "file", "-f", demuxer, "-i", "file:" + os.path.abspath(source)]
    args += ["-map_metadata", "-1", "-map_chapters", "-1"]
    if source_info.has_video:
        height = min(MAX_HEIGHT, source_info.height or MAX_HEIGHT)
        height = max(2, height - height % 2)
        if source_info.width and source_info.height:
            width = max(2, int(round(source_info.width * height / source_info.height / 2)) * 2)
        else:
            width = -2
        args += ["-map", "0:v:0", "-map", "0:a:0?"]
        args += ["-vf", f"scale={width}:{height}:flags=bicubic,setsar=1,format=yuv420p"]
        args += ["-c:v", "libx264", "-preset", PRESET, "-crf", "23", "-profile:v", "high"]
        args += ["-c:a", "aac", "-b:a", f"{AUDIO_KBPS}k", "-ac", "2"]
        args += ["-movflags", "+faststart", "-f", "mp4", out]
    else:
        args += ["-map", "0:a:0", "-vn", "-c:a", "libmp3lame", "-b:a", f"{AUDIO_KBPS}k"]
        args += ["-f", "mp3", out]
    return args


def prepare(registry, tenant, stream_id) -> str:
    """Make and publish the stream's download (see the module's docstring). Returns
    ``"ready"``, ``"failed"``, ``"superseded"`` or ``"skipped"``."""
    from learninghub_media.ffmpeg import DEMUXERS, executable
    from learninghub_media.ingest import local_copy

    in_own = transcoding.in_own_transaction
    job = in_own(registry, tenant, lambda r: claim(r, stream_id))
    if job is None:
        return "skipped"
    storage = transcoding._storage(registry)
    workdir = tempfile.mkdtemp(prefix="lh-download-")
    try:
        with local_copy(storage, tenant.id, job.storage_key) as path:
            source, message = transcoding.probe(job.content_type, path)
            exe = executable()
            if source is None or exe is None:
                return _record_failure(registry, tenant, job, message or "ffmpeg is missing")
            filename = download_filename(job.filename, source.has_video)
            out = os.path.join(workdir, filename)
            result = runner.run(
                exe,
                command(path, DEMUXERS[job.content_type], out, source),
                duration=source.duration,
                fps=None,
                timeout=transcoding.timeout_for(source.duration),
            )
        if not result.ok:
            return _record_failure(registry, tenant, job, result.error)
        key = f"{download_prefix(job.asset_id)}{uuid.uuid4().hex}/{filename}"
        with open(out, "rb") as file:
            storage.save(tenant.id, key, file, content_type=content_type_of(filename))
        size = os.path.getsize(out)

        def publish(request) -> bool:
            stream = transcoding.locked_stream(request.db, job.stream_id)
            if stream is None or not stream.downloadable or stream.download_status != "processing":
                return False
            stream.download_key = key
            stream.download_size = size
            stream.download_status = "ready"
            stream.download_error = ""
            stream.updated_at = utcnow()
            request.db.flush()
            request.emit(
                READY_EVENT,
                resource_type="streaming_stream",
                resource_id=stream.id,
                payload={"asset_id": str(stream.asset_id), "filename": filename, "size": size},
            )
            return True

        if not in_own(registry, tenant, publish):
            _delete(storage, tenant.id, [key])
            return "superseded"
        old = [k for k in storage.list(tenant.id, download_prefix(job.asset_id)) if k != key]
        _delete(storage, tenant.id, old)
        return "ready"
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _delete(storage, tenant_id, keys) -> None:
    for key in keys:
        try:
            storage.delete(tenant_id, key)
        except Exception:  # a leftover file is harmless; the next publication retries
            log.exception("could not delete download file %s", key)


def _record_failure(registry, tenant, job: Job, message: str) -> str:
    def work(request):
        stream = transcoding.locked_stream(request.db, job.stream_id)
        if stream is None or stream.download_status != "processing":
            return
        stream.download_status = "failed"
        stream.download_error = (message or "ffmpeg failed")[-4000:]
        stream.updated_at = utcnow()
        request.db.flush()
        request.emit(
            FAILED_EVENT,
            resource_type="streaming_stream",
            resource_id=stream.id,
            payload={"asset_id": str(stream.asset_id)},
        )

    transcoding.in_own_transaction(registry, tenant, work)
    log.warning("download of stream %s failed: %s", job.stream_id, message)
    return "failed"


# ----------------------------------------------------------------- bookmarks


def own_bookmark(request, bookmark_id) -> Bookmark | None:
    """The request user's bookmark ``bookmark_id`` (None for others' and unknown)."""
    key = transcoding._as_uuid(bookmark_id)
    if key is None or request.identity is None:
        return None
    bookmark = request.db.get(Bookmark, key)
    if bookmark is None or bookmark.user_id != request.identity.id:
        return None
    return bookmark


def bookmark_count(request, stream: Stream) -> int:
    return (
        request.db.scalar(
            sa.select(sa.func.count()).where(
                Bookmark.stream_id == stream.id, Bookmark.user_id == request.identity.id
            )
        )
        or 0
    )


def requeue_stale(request, *, queued_seconds: int = 3600) -> int:
    """Queue again the preparations whose worker or task message was lost: allowed,
    ``processing`` with the row untouched for :data:`transcoding.STALE_SECONDS` or
    ``queued`` for more than ``queued_seconds`` (the task's claim takes a
    ``processing`` row again). Returns how many were queued."""
    from datetime import timedelta

    now = utcnow()
    rows = request.db.scalars(
        sa.select(Stream)
        .where(
            Stream.downloadable.is_(True),
            sa.or_(
                sa.and_(
                    Stream.download_status == "processing",
                    Stream.updated_at < now - timedelta(seconds=transcoding.STALE_SECONDS),
                ),
                sa.and_(
                    Stream.download_status == "queued",
                    Stream.updated_at < now - timedelta(seconds=queued_seconds),
                ),
            ),
        )
        .with_for_update()
    ).all()
    for stream in rows:
        stream.updated_at = now
        request.tasks.enqueue(PREPARE_TASK, stream_id=str(stream.id))
    request.db.flush()
    return len(rows)
