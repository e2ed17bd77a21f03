"""Turning received bytes into an asset: name, size, quota, type, scan, storage.

Both upload paths (one multipart request, or the last chunk of a tus upload) end in
:func:`ingest`. Every refusal is a :class:`ProblemError` raised before anything is
kept; what was written to the storage service is deleted when the transaction aborts.

Refusals: 400 for a file name with a path, ``..``, control or direction-override
characters; 413 beyond the tenant's ``max_upload_bytes``; 422 (``quota-exceeded``)
beyond its ``quota_bytes``; 415 when the sniffed type is not in ``allowed_types``
(whatever the name says).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import os
import shutil
import tempfile
import unicodedata
import uuid
from collections.abc import Iterator
from typing import BinaryIO

import sqlalchemy as sa

from learninghub.api import ProblemError
from learninghub.db import utcnow
from learninghub.interfaces import IFileStorage

from . import services
from .models import MediaAsset, MediaUpload
from .probe import probe, whole_seconds
from .sniff import HEAD_BYTES, THUMBNAIL_TYPES, is_streamable, kind_of, sniff
from .storage import delete_quietly, original_key

log = logging.getLogger(__name__)

MAX_NAME_CHARS = 255
#: room for the multipart envelope around the file when checking Content-Length
FORM_OVERHEAD = 64 * 1024
THUMBNAIL_TASK = "media.make_thumbnail"
POSTER_TASK = "media.make_poster"
UPLOADED_EVENT = "media.asset.uploaded"
_COPY_CHUNK = 1024 * 1024
#: statuses whose bytes count against the quota
_STORED = ("uploading", "ready")


# ----------------------------------------------------------------- refusals


def bad_name(detail: str) -> ProblemError:
    return ProblemError(
        400,
        "Invalid file name",
        detail,
        errors=[{"path": ["filename"], "message": detail, "type": "filename"}],
    )


def clean_filename(raw: str | None) -> str:
    """The display name, or a 400 problem. A name is shown, never used as a path: it
    must not carry one (``/``, ``\\``, ``..``), nor control or invisible formatting
    characters (a right-to-left override can disguise ``gpj.exe`` as ``exe.jpg``)."""
    name = unicodedata.normalize("NFC", (raw or "").strip())
    if not name:
        raise bad_name("the file needs a name")
    if len(name) > MAX_NAME_CHARS:
        raise bad_name(f"file names are limited to {MAX_NAME_CHARS} characters")
    if "/" in name or "\\" in name or name in (".", "..") or name.startswith(".."):
        raise bad_name("the file name must not contain a path")
    for char in name:
        if unicodedata.category(char) in ("Cc", "Cf", "Cs", "Zl", "Zp"):
            raise bad_name("the file name contains control or invisible characters")
    return name


def too_large(limit: int) -> ProblemError:
    return ProblemError(
        413,
        "Payload too large",
        f"files are limited to {limit} bytes on this site",
        type="https://learninghub.dev/problems/file-too-large",
    )


def check_size(request, size: int) -> None:
    limit = request.plugin_settings(services.PLUGIN).max_upload_bytes
    if size > limit:
        raise too_large(limit)


def quota_used(db, *, exclude_upload: uuid.UUID | None = None) -> int:
    """Bytes of the session's tenant: stored assets plus unfinished uploads (what they
    announced, so that a started upload keeps its room)."""
    stored = db.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(MediaAsset.size), 0)).where(
            MediaAsset.status.in_(_STORED)
        )
    )
    pending = sa.select(sa.func.coalesce(sa.func.sum(MediaUpload.upload_length), 0)).where(
        MediaUpload.asset_id.is_(None), MediaUpload.expires_at > utcnow()
    )
    if exclude_upload is not None:
        pending = pending.where(MediaUpload.id != exclude_upload)
    return int(stored or 0) + int(db.scalar(pending) or 0)


def lock_quota(request) -> None:
    """Serialize the tenant's quota decisions until the transaction ends (PostgreSQL:
    a transaction-scoped advisory lock; SQLite serializes writers by itself). Taken
    just before the row that uses the room is written, so it is held briefly."""
    db = request.db
    if db.get_bind().dialect.name != "postgresql":
        return
    digest = hashlib.blake2b(b"media-quota" + request.tenant.id.bytes, digest_size=8).digest()
    db.execute(sa.select(sa.func.pg_advisory_xact_lock(int.from_bytes(digest, "big", signed=True))))


def check_quota(
    request, size: int, *, exclude_upload: uuid.UUID | None = None, lock: bool = False
) -> None:
    """422 ``quota-exceeded`` when ``size`` more bytes would not fit. With ``lock``,
    concurrent checks of the tenant wait for each other (see :func:`lock_quota`)."""
    if lock:
        lock_quota(request)
    quota = request.plugin_settings(services.PLUGIN).quota_bytes
    used = quota_used(request.db, exclude_upload=exclude_upload)
    if used + size > quota:
        raise ProblemError(
            422,
            "Quota exceeded",
            f"this file needs {size} bytes; the site's media quota is {quota} bytes,"
            f" {max(quota - used, 0)} of which are free",
            type="https://learninghub.dev/problems/quota-exceeded",
            errors=[{"path": ["size"], "message": "over the storage quota", "type": "quota"}],
        )


def check_type(request, content_type: str, filename: str) -> None:
    allowed = request.plugin_settings(services.PLUGIN).allowed_types
    if content_type not in allowed:
        raise ProblemError(
            415,
            "Unsupported media type",
            f"the content of {filename!r} is {content_type}, which this site does not accept",
            errors=[
                {"path": ["file"], "message": f"{content_type} is not allowed", "type": "type"}
            ],
        )


# ----------------------------------------------------------------- ingest


def sniff_file(file: BinaryIO) -> str:
    file.seek(0)
    head = file.read(HEAD_BYTES)
    file.seek(0)
    return sniff(head, file)


def sha256_of(file: BinaryIO) -> str:
    file.seek(0)
    digest = hashlib.sha256()
    while chunk := file.read(_COPY_CHUNK):
        digest.update(chunk)
    file.seek(0)
    return digest.hexdigest()


def image_size(file: BinaryIO) -> tuple[int | None, int | None]:
    from PIL import Image

    try:
        file.seek(0)
        with Image.open(file) as image:
            return image.width, image.height
    except Exception:  # the bytes start like an image; the thumbnail task will tell
        return None, None
    finally:
        file.seek(0)


def describe(asset: MediaAsset, path: str) -> None:
    """Record the duration (and, for video, the picture size) of the audio or video
    file at ``path``. A file nothing can read keeps None: it is still delivered."""
    try:
        info = probe(asset.content_type, path)
    except Exception:  # never a reason to refuse an upload
        log.warning("could not probe media asset %s", asset.id, exc_info=True)
        return
    asset.duration_s = whole_seconds(info.duration)
    if kind_of(asset.content_type) == "video":
        asset.width, asset.height = info.width, info.height


def without_metadata(file: BinaryIO, size: int) -> tuple[BinaryIO, int]:
    """The JPEG in ``file`` without its personal metadata (see :mod:`.metadata`), or
    ``file`` itself when it cannot be cleaned."""
    from .metadata import MAX_BYTES, strip_jpeg

    if size > MAX_BYTES:
        return file, size
    file.seek(0)
    cleaned = strip_jpeg(file.read())
    file.seek(0)
    if cleaned is None:
        log.info("JPEG kept with its metadata: not understood by the stripper")
        return file, size
    return io.BytesIO(cleaned), len(cleaned)


def delete_on_abort(request, key: str) -> None:
    storage = request.find_service(IFileStorage)
    tenant_id = request.tenant.id
    txn = request.tm.get()
    txn.addAfterCommitHook(
        lambda success: None if success else delete_quietly(storage, tenant_id, [key])
    )
    txn.addAfterAbortHook(lambda: delete_quietly(storage, tenant_id, [key]))


def delete_after_commit(request, keys: list[str]) -> None:
    storage = request.find_service(IFileStorage)
    tenant_id = request.tenant.id
    request.tm.get().addAfterCommitHook(
        lambda success: delete_quietly(storage, tenant_id, keys) if success else None
    )


@contextlib.contextmanager
def local_copy(storage, tenant_id, key: str) -> Iterator[str]:
    """A local path holding the stored object (the object's own path when the back
    end has one, else a temporary copy)."""
    path = storage.local_path(tenant_id, key)
    if path is not None and os.path.isfile(path):
        yield path
        return
    with tempfile.NamedTemporaryFile(prefix="lh-media-") as tmp:
        with storage.open(tenant_id, key) as source:
            shutil.copyfileobj(source, tmp, _COPY_CHUNK)
        tmp.flush()
        yield tmp.name


def scanners(request) -> list:
    """The ``learninghub_media_scan`` implementations ``request.hooks`` would call (the
    kernel's and those of plugins enabled for the tenant), in pluggy's order."""
    plugins = request.registry["plugins"]
    enabled = request.tenant.enabled_plugins or frozenset()
    impls = plugins.pm.hook.learninghub_media_scan.get_hookimpls()
    return [
        impl
        for impl in reversed(impls)
        if impl.plugin_name not in plugins.plugins or impl.plugin_name in enabled
    ]


def scan_verdict(request, asset: MediaAsset, path: str) -> str | None:
    """The first verdict that is not ``clean`` (the asset is then kept out of reach),
    or ``clean``, or None when no scanner answered.

    Unlike ``request.hooks``, which logs and skips an implementation that raises, a
    scanner that raises here *rejects* the file (``error ...``): a broken scanner must
    not wave files through."""
    arguments = {"request": request, "asset": asset, "path": path}
    worst = None
    for impl in scanners(request):
        try:
            verdict = impl.function(*[arguments[name] for name in impl.argnames])
        except Exception as exc:
            log.exception("media scanner of %s raised", impl.plugin_name)
            return f"error {impl.plugin_name}: {type(exc).__name__}"[:300]
        if verdict is None:
            continue
        text = str(verdict).strip()
        if text != "clean":
            return text[:300] or "error empty verdict"
        worst = "clean"
    return worst


def ingest(request, file: BinaryIO, size: int, filename: str, *, quota: bool = True) -> MediaAsset:
    """Store ``file`` (seekable, ``size`` bytes) as a new asset of the request's user.

    ``filename`` was checked by :func:`clean_filename`. With ``quota`` the quota is
    checked again under the tenant's lock just before the row is written, so that
    concurrent uploads cannot overshoot it together (a tus upload reserved its room at
    creation and passes ``quota=False``). The type is sniffed and checked
    here; then the bytes are stored, scanned and the asset is ``ready``,
    ``quarantined`` (the scanner found something) or ``rejected`` (the scanner
    failed). Bytes of assets that are not ready are deleted after commit."""
    check_size(request, size)
    content_type = sniff_file(file)
    check_type(request, content_type, filename)
    if (
        content_type == "image/jpeg"
        and request.plugin_settings(services.PLUGIN).strip_image_metadata
    ):
        file, size = without_metadata(file, size)
    asset = MediaAsset(
        id=uuid.uuid4(),
        owner_id=request.identity.id,
        filename=filename,
        content_type=content_type,
        size=size,
        sha256=sha256_of(file),
        status="uploading",
    )
    asset.storage_key = original_key(asset.id)
    if content_type in THUMBNAIL_TYPES:
        asset.width, asset.height = image_size(file)
    storage = request.find_service(IFileStorage)
    tenant_id = request.tenant.id
    delete_on_abort(request, asset.storage_key)
    file.seek(0)
    storage.save(tenant_id, asset.storage_key, file, content_type=content_type)
    if quota:
        check_quota(request, size, lock=True)
    request.db.add(asset)
    request.db.flush()
    with local_copy(storage, tenant_id, asset.storage_key) as path:
        verdict = scan_verdict(request, asset, path)
        if verdict in (None, "clean") and is_streamable(content_type):
            describe(asset, path)  # only files the scanner let through meet ffmpeg
    if verdict in (None, "clean"):
        asset.status = "ready"
    else:
        asset.status = "rejected" if verdict.startswith("error") else "quarantined"
        asset.status_reason = verdict
        log.warning("media asset %s %s: %s", asset.id, asset.status, verdict)
        delete_after_commit(request, [asset.storage_key])
    request.db.flush()
    request.emit(
        UPLOADED_EVENT,
        resource_type="media_asset",
        resource_id=asset.id,
        payload={
            "filename": asset.filename,
            "content_type": asset.content_type,
            "kind": kind_of(asset.content_type),
            "size": asset.size,
            "status": asset.status,
        },
    )
    if asset.is_ready and content_type in THUMBNAIL_TYPES:
        request.tasks.enqueue(THUMBNAIL_TASK, asset_id=str(asset.id))
    if asset.is_ready and kind_of(content_type) == "video":
        request.tasks.enqueue(POSTER_TASK, asset_id=str(asset.id))
    return asset
