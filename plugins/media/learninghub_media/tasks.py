"""Background tasks of the media plugin: image thumbnails."""

from __future__ import annotations

import io
import logging
import uuid

import sqlalchemy as sa

from learninghub.interfaces import IFileStorage
from learninghub.tasks import task

from .ingest import THUMBNAIL_TASK
from .models import MediaAsset
from .sniff import THUMBNAIL_TYPES
from .storage import thumbnail_key

log = logging.getLogger(__name__)

THUMBNAIL_WIDTH = 320
#: refuse to decode images larger than this (decompression bombs)
MAX_PIXELS = 64_000_000


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
