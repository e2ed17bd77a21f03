"""Background tasks of the media plugin: image thumbnails and video posters."""

from __future__ import annotations

import io
import logging
import uuid

import sqlalchemy as sa

from learninghub.interfaces import IFileStorage
from learninghub.tasks import task

from . import ffmpeg
from .ingest import POSTER_TASK, THUMBNAIL_TASK, local_copy
from .models import MediaAsset
from .sniff import THUMBNAIL_TYPES, kind_of
from .storage import poster_key, thumbnail_key

log = logging.getLogger(__name__)

THUMBNAIL_WIDTH = 320
#: refuse to decode images larger than this (decompression bombs)
MAX_PIXELS = 64_000_000
#: largest side of a poster (never enlarged)
POSTER_MAX_SIDE = 1280


def make_thumbnail_bytes(source) -> bytes:
    """A WebP at most :data:`THUMBNAIL_WIDTH` pixels wide, rotated as the EXIF
    orientation says, with no metadata at all (EXIF, XMP, ICC: none is copied)."""
    from PIL import Image, ImageOps

    with Image.open(source) as image:
        if image.width * image.height > MAX_PIXELS:
            raise ValueError(f"{image.width}x{image.height} is too many pixels")
        image.seek(0)  # first frame of animations
        image = ImageOps.exif_transpose(image)
        mode = "RGBA" if image.mode in ("RGBA", "LA", "P", "PA") else "RGB"
        image = image.convert(mode)
        if image.width > THUMBNAIL_WIDTH:
            height = max(1, round(image.height * THUMBNAIL_WIDTH / image.width))
            image = image.resize((THUMBNAIL_WIDTH, height), Image.Resampling.LANCZOS)
        # a fresh image: nothing of the original's metadata travels
        clean = Image.new(mode, image.size)
        clean.paste(image)
        out = io.BytesIO()
        clean.save(out, "WEBP", quality=80, method=4)
        return out.getvalue()


@task(THUMBNAIL_TASK, max_retries=3)
def make_thumbnail(request, asset_id: str) -> None:
    """Make the thumbnail of a ready image asset, once (idempotent: an asset that has
    one is left alone). Images Pillow cannot read get none; that is logged."""
    try:
        key = uuid.UUID(asset_id)
    except ValueError:
        log.warning("thumbnail task got a malformed id %r", asset_id)
        return
    asset = request.db.scalar(sa.select(MediaAsset).where(MediaAsset.id == key).with_for_update())
    if asset is None or not asset.is_ready or asset.thumbnail_key:
        return
    if asset.content_type not in THUMBNAIL_TYPES:
        return
    storage = request.find_service(IFileStorage)
    tenant_id = request.tenant.id
    try:
        with storage.open(tenant_id, asset.storage_key) as source:
            data = make_thumbnail_bytes(source)
    except KeyError:
        log.warning("media asset %s has no stored bytes", key)
        return
    except Exception:  # a corrupt or hostile image: no thumbnail, no retry
        log.warning("could not make a thumbnail of media asset %s", key, exc_info=True)
        return
    target = thumbnail_key(asset.id)
    storage.save(tenant_id, target, data, content_type="image/webp")
    asset.thumbnail_key = target
    log.info("thumbnail of media asset %s: %d bytes", key, len(data))


def poster_time(duration: float | None) -> float:
    """Where the poster frame is taken: 10 % into a video of 10 s or more (past the
    titles), else at 1 s or half-way for shorter ones; never past the end."""
    if not duration or duration <= 0:
        return 1.0
    if duration >= 10:
        return duration * 0.1
    return min(1.0, duration / 2)


def make_poster_bytes(content_type: str, path: str, duration: float | None) -> bytes | None:
    """A WebP of the video's frame at :func:`poster_time` (the first frame when there
    is none there: a duration can be wrong), as a player shows it (rotation, aspect
    ratio), at most :data:`POSTER_MAX_SIDE` pixels wide and high, without metadata;
    None when ffmpeg finds no frame."""
    from PIL import Image

    at = poster_time(duration)
    png = ffmpeg.frame_png(content_type, path, at, POSTER_MAX_SIDE)
    if png is None and at > 0:
        png = ffmpeg.frame_png(content_type, path, 0.0, POSTER_MAX_SIDE)
    if png is None:
        return None
    with Image.open(io.BytesIO(png)) as image:
        if image.format != "PNG" or image.width * image.height > MAX_PIXELS:
            raise ValueError(f"unexpected frame from ffmpeg: {image.format} {image.size}")
        image = image.convert("RGB")
        out = io.BytesIO()
        image.save(out, "WEBP", quality=80, method=4)
        return out.getvalue()


@task(POSTER_TASK, max_retries=3)
def make_poster(request, asset_id: str) -> None:
    """Make the poster of a ready video asset, once (idempotent: an asset that has one
    is left alone). A video ffmpeg cannot read (or no ffmpeg) gets none: that is
    logged, never retried, and the video is delivered all the same."""
    try:
        key = uuid.UUID(asset_id)
    except ValueError:
        log.warning("poster task got a malformed id %r", asset_id)
        return
    asset = request.db.scalar(sa.select(MediaAsset).where(MediaAsset.id == key).with_for_update())
    if asset is None or not asset.is_ready or asset.poster_key:
        return
    if kind_of(asset.content_type) != "video":
        return
    storage = request.find_service(IFileStorage)
    tenant_id = request.tenant.id
    try:
        with local_copy(storage, tenant_id, asset.storage_key) as path:
            data = make_poster_bytes(asset.content_type, path, asset.duration_s)
    except KeyError:
        log.warning("media asset %s has no stored bytes", key)
        return
    except Exception:  # a corrupt or hostile video: no poster, no retry
        log.warning("could not make a poster of media asset %s", key, exc_info=True)
        return
    if data is None:
        log.warning("no poster for media asset %s: no ffmpeg, or it found no frame", key)
        return
    target = poster_key(asset.id)
    storage.save(tenant_id, target, data, content_type="image/webp")
    asset.poster_key = target
    log.info("poster of media asset %s: %d bytes", key, len(data))
