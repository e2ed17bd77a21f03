"""Storage keys of the media plugin and access to the kernel's storage service.

Every key lives under ``media/``: ``media/assets/<asset id>/original``,
``media/assets/<asset id>/thumbnail`` (images), ``media/assets/<asset id>/poster``
(videos), and the chunks of resumable uploads under
``media/tmp/<upload id>/<offset>`` (one object per received chunk, assembled when the
upload is complete). The storage service prefixes every key with the tenant id.
"""

from __future__ import annotations

import logging
import uuid
from types import SimpleNamespace
from typing import Any

from pyramid_services import find_service_factory

from learninghub.interfaces import IFileStorage

log = logging.getLogger(__name__)

STORAGE_PREFIX = "media/"


def original_key(asset_id: uuid.UUID) -> str:
    return f"media/assets/{asset_id}/original"


def thumbnail_key(asset_id: uuid.UUID) -> str:
    return f"media/assets/{asset_id}/thumbnail"


def poster_key(asset_id: uuid.UUID) -> str:
    return f"media/assets/{asset_id}/poster"


def chunk_prefix(upload_id: uuid.UUID) -> str:
    return f"media/tmp/{upload_id}/"


def chunk_key(upload_id: uuid.UUID, offset: int) -> str:
    # zero-padded so that the sorted listing is the order of the bytes
    return f"media/tmp/{upload_id}/{offset:015d}"


def storage_for(registry) -> Any:
    """The storage service without a request (installer, tasks)."""
    factory = find_service_factory(SimpleNamespace(registry=registry), IFileStorage)
    return factory(None, None)


def delete_quietly(storage, tenant_id, keys) -> None:
    for key in keys:
        if not key:
            continue
        try:
            storage.delete(tenant_id, key)
        except Exception:  # a leftover file is harmless; a failed request is not
            log.exception("could not delete media file %s", key)
