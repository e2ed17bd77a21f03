"""The media plugin's Python API for other plugins (``learninghub_media.services``).

* :func:`get_asset` — an asset of the session's tenant by id;
* :func:`can_access` — the ``learninghub_media_can_access`` answer for the request;
* :func:`signed_url` / :func:`thumbnail_url` / :func:`poster_url` — short-lived URLs
  bound to the user;
* :func:`attach` — record that a lesson, course... uses an asset.

Signed URLs carry ``exp`` (a Unix time) and ``sig``, an HMAC-SHA256 made with a key
derived from the kernel's ``secret.key`` over the purpose (file, thumbnail or poster), the
tenant, the asset, the user the URL was made for (``-`` for an anonymous visitor) and
``exp``. The delivery view recomputes it with *its* request's user: the URL only works
for the same user (or, when made for an anonymous visitor, for anyone) until it expires.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
import uuid

import sqlalchemy as sa

from learninghub.api import ProblemError

from .models import MediaAsset, MediaAttachment
from .permissions import MediaPermission

PLUGIN = "media"
FILE = "file"
THUMBNAIL = "thumbnail"
POSTER = "poster"
EXP_ROUNDING = 60


def get_asset(db, asset_id) -> MediaAsset | None:
    """The asset ``asset_id`` (a UUID or its string) of the session's tenant, or None
    (also for malformed ids and other tenants' assets)."""
    try:
        key = asset_id if isinstance(asset_id, uuid.UUID) else uuid.UUID(str(asset_id))
    except (ValueError, TypeError):
        return None
    return db.scalar(sa.select(MediaAsset).where(MediaAsset.id == key))


def is_owner(request, asset: MediaAsset) -> bool:
    user = request.identity
    return user is not None and asset.owner_id == user.id


def can_upload(request) -> bool:
    """May the request's user upload files (and so use the ``/media`` page)?"""
    return request.identity is not None and bool(request.has_permission(MediaPermission.UPLOAD))


def can_manage(request) -> bool:
    return request.identity is not None and bool(request.has_permission(MediaPermission.MANAGE))


def can_access(request, asset: MediaAsset) -> bool:
    """Whether the request's user may see ``asset``: the first answer of
    ``learninghub_media_can_access`` (the uploader and admins when nobody else
    answers)."""
    answer = request.hooks.learninghub_media_can_access(request=request, asset=asset)
    if answer is None:  # the default implementation failed: fail closed
        return is_owner(request, asset) or can_manage(request)
    return bool(answer)


# ----------------------------------------------------------------- signed URLs


def _signing_key(request) -> bytes:
    secret = request.registry.settings["secret.key"].encode()
    return hmac.new(secret, b"learninghub-media-signed-url", hashlib.sha256).digest()


def signature(request, purpose: str, asset_id, user_id, exp: int) -> str:
    message = "\n".join(
        [purpose, str(request.tenant.id), str(asset_id), str(user_id or "-"), str(exp)]
    ).encode()
    digest = hmac.new(_signing_key(request), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def check_signature(request, purpose: str, asset_id, exp: str, sig: str) -> bool:
    """True when ``sig`` is valid for this request's user and ``exp`` is not past."""
    try:
        expires = int(exp)
    except (TypeError, ValueError):
        return False
    if expires < int(time.time()):
        return False
    user = request.identity
    expected = signature(request, purpose, asset_id, user.id if user else None, expires)
    return hmac.compare_digest(expected.encode(), str(sig).encode())


def _signed(request, route: str, purpose: str, asset: MediaAsset, ttl: int | None) -> str:
    if ttl is None:
        ttl = request.plugin_settings(PLUGIN).signed_url_ttl
    # rounded up to the minute: a page reloaded within the minute gets the same URLs
    # (browsers reuse cached thumbnails), and a link lives ttl to ttl + 59 seconds
    exp = -(-(int(time.time()) + int(ttl)) // EXP_ROUNDING) * EXP_ROUNDING
    user = request.identity
    sig = signature(request, purpose, asset.id, user.id if user else None, exp)
    return request.route_url(route, id=str(asset.id), _query={"exp": str(exp), "sig": sig})


def signed_url(request, asset: MediaAsset, ttl: int | None = 300) -> str:
    """A URL of the asset's bytes valid ``ttl`` seconds (None: the tenant's
    ``signed_url_ttl``; rounded up to the next minute) for the request's user only. The caller has decided that the
    user may see the asset (:func:`can_access`, or its own rule)."""
    return _signed(request, "media.file", FILE, asset, ttl)


def thumbnail_url(request, asset: MediaAsset, ttl: int | None = 300) -> str | None:
    """The signed URL of the asset's 320-pixel-wide thumbnail, or None while it has
    none (not an image, or not made yet). Same rules as :func:`signed_url`."""
    if not asset.thumbnail_key or not asset.is_ready:
        return None
    return _signed(request, "media.thumbnail", THUMBNAIL, asset, ttl)


def poster_url(request, asset: MediaAsset, ttl: int | None = 300) -> str | None:
    """The signed URL of a video's poster (a WebP of one frame, at most 1280 pixels
    wide and high), or None while it has none (not a video, not made yet, or ffmpeg
    could not read it). Same rules as :func:`signed_url`: the caller decided that the
    user may see the asset."""
    if not asset.poster_key or not asset.is_ready:
        return None
    return _signed(request, "media.poster", POSTER, asset, ttl)


def poster_url_for(request, asset_id) -> str | None:
    """:func:`poster_url` of the asset ``asset_id`` (None when unknown), for templates
    (``media_poster_url(request, version.media_asset_id)`` in the content plugin's
    video lesson, which only asks where it already shows the video)."""
    if asset_id is None:
        return None
    asset = get_asset(request.db, asset_id)
    return poster_url(request, asset) if asset is not None else None


# ----------------------------------------------------------------- attachments


def attach(request, asset_id, owner_kind: str, owner_id) -> MediaAsset:
    """Record, in the request's transaction, that ``owner_kind``/``owner_id`` (e.g.
    ``"lesson"``, a lesson id) uses the asset, and return it. Idempotent. Raises a
    422 :class:`ProblemError` when the asset does not exist in the tenant, is not
    ``ready``, or the request's user may not see it."""
    asset = get_asset(request.db, asset_id)
    problem = ProblemError(
        422,
        "Validation failed",
        "no such ready media asset",
        errors=[{"path": ["media_asset_id"], "message": "unknown asset", "type": "media"}],
    )
    if asset is None or not asset.is_ready or not can_access(request, asset):
        raise problem
    owner_key = str(owner_id)
    exists = request.db.scalar(
        sa.select(MediaAttachment.id).where(
            MediaAttachment.asset_id == asset.id,
            MediaAttachment.owner_kind == owner_kind,
            MediaAttachment.owner_id == owner_key,
        )
    )
    if exists is None:
        request.db.add(
            MediaAttachment(asset_id=asset.id, owner_kind=owner_kind, owner_id=owner_key)
        )
        request.db.flush()
    return asset


def detach(request, asset_id, owner_kind: str, owner_id) -> None:
    """Forget that ``owner_kind``/``owner_id`` uses the asset (no error when it did not)."""
    asset = get_asset(request.db, asset_id)
    if asset is None:
        return
    for row in request.db.scalars(
        sa.select(MediaAttachment).where(
            MediaAttachment.asset_id == asset.id,
            MediaAttachment.owner_kind == owner_kind,
            MediaAttachment.owner_id == str(owner_id),
        )
    ):
        request.db.delete(row)
    request.db.flush()


def attachments(db, asset_id) -> list[tuple[str, str]]:
    """``(owner_kind, owner_id)`` of every use of the asset."""
    return [
        (kind, owner)
        for kind, owner in db.execute(
            sa.select(MediaAttachment.owner_kind, MediaAttachment.owner_id)
            .where(MediaAttachment.asset_id == asset_id)
            .order_by(MediaAttachment.created_at)
        )
    ]


def delete_asset(request, asset: MediaAsset) -> None:
    """Delete the row now and its files once the transaction commits."""
    from .ingest import delete_after_commit

    keys = [k for k in (asset.storage_key, asset.thumbnail_key, asset.poster_key) if k]
    request.db.delete(asset)
    request.db.flush()
    delete_after_commit(request, keys)
    request.emit(
        "media.asset.deleted",
        resource_type="media_asset",
        resource_id=asset.id,
        payload={"filename": asset.filename},
    )
