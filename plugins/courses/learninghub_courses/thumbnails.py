"""Course thumbnails: which image an editor may give a course, the picker of the course
form, and the record of the use with the media plugin.

Courses does not require media: it is imported lazily and only when enabled for the
tenant. Without it the id is kept as given (no foreign key; media may come later) and
the form offers no picker.

Who may pick what (the lesson form's rule, for images): a ready image the editor
uploaded; any ready image of the tenant for those who manage its media (admins).
Seeing an image is not enough: the thumbnail of a published course is public, and must
not become another course's. The course's current thumbnail stays whoever uploaded it
(an instructor's edit keeps an admin's pick): unchanged ids are not checked again.
"""

from __future__ import annotations

from typing import Any

from learninghub.api import ProblemError

FIELD = "thumbnail_asset_id"
#: the picker lists at most this many of the editor's images, newest first
MAX_CHOICES = 200
#: error types of a refused thumbnail (``errors[0]["type"]`` of the 422)
UNKNOWN, NOT_READY, NOT_IMAGE = "media", "not_ready", "type"


def media_services(request):
    """The media plugin's services module when it is installed and enabled for the
    tenant, else None."""
    if request.tenant is None or not request.tenant.is_enabled("media"):
        return None
    try:
        from learninghub_media import services as media
    except ImportError:
        return None
    return media


def is_image(asset) -> bool:
    return (asset.content_type or "").startswith("image/")


def may_use(request, asset) -> bool:
    """May the request's user make ``asset`` a course's thumbnail? Their own upload, or
    anything of the tenant for media managers (admins)."""
    media = media_services(request)
    if media is None or request.identity is None:
        return False
    return bool(media.is_owner(request, asset) or media.can_manage(request))


def _refused(message: str, type_: str) -> ProblemError:
    return ProblemError(
        422,
        "Validation failed",
        "the request body is invalid",
        errors=[{"path": ["body", FIELD], "message": message, "type": type_}],
    )


def check(request, asset_id) -> Any:
    """The asset ``asset_id`` if the request's user may make it a thumbnail, else a 422
    on ``thumbnail_asset_id``: ``media`` for an unknown id, another tenant's and an
    image that is not theirs to use (one answer, so that ids reveal nothing),
    ``not_ready``, ``type`` (not an image)."""
    media = media_services(request)
    asset = media.get_asset(request.db, asset_id) if media is not None else None
    if asset is None or not may_use(request, asset):
        raise _refused("no such image of yours", UNKNOWN)
    if not asset.is_ready:
        raise _refused(f"the image is {asset.status}, not ready", NOT_READY)
    if not is_image(asset):
        raise _refused(f"the asset is {asset.content_type}, not an image", NOT_IMAGE)
    return asset


def attach(request, course, old_id, new_id) -> None:
    """Check the new thumbnail (:func:`check`) and record the course's use of it with
    the media plugin, forgetting the old one. Nothing to do when unchanged or without
    media."""
    if old_id == new_id:
        return
    media = media_services(request)
    if media is None:
        return
    if new_id is not None:
        check(request, new_id)
    if old_id is not None:
        media.detach(request, old_id, "course", course.id)
    if new_id is not None:
        try:
            media.attach(request, new_id, "course", course.id)
        except ProblemError:
            raise _refused("no such image of yours", UNKNOWN) from None


def choices(request) -> list[Any]:
    """The ready images the request's user uploaded, newest first (one statement; at
    most :data:`MAX_CHOICES`)."""
    import sqlalchemy as sa

    # media has no listing service yet; its model is read like the content plugin's
    # lesson picker does
    from learninghub_media.models import MediaAsset

    if request.identity is None:
        return []
    return list(
        request.db.scalars(
            sa.select(MediaAsset)
            .where(
                MediaAsset.owner_id == request.identity.id,
                MediaAsset.status == "ready",
                MediaAsset.content_type.like("image/%"),
            )
            .order_by(MediaAsset.created_at.desc(), MediaAsset.id.desc())
            .limit(MAX_CHOICES)
        )
    )


def picker(request, current_id, value: str, chosen: str | None) -> dict[str, Any]:
    """What the course form needs for its thumbnail field.

    ``current_id``: the course's saved thumbnail (offered whoever uploaded it);
    ``value``: the id the form holds; ``chosen``: an id the media page sent back
    (``?media_asset_id=``), announced when it is one the user may pick.
    Without media, ``thumbnail_media`` is False and the form has no picker."""
    media = media_services(request)
    if media is None:
        return {
            "thumbnail_media": False,
            "thumbnail_choices": [],
            "thumbnail_missing": None,
            "thumbnail_chosen": None,
            "thumbnail_upload_url": None,
        }
    images = choices(request)
    listed = {str(a.id) for a in images}
    current_label = None
    for extra in (str(current_id) if current_id else "", value):
        if not extra or extra in listed:
            continue
        asset = media.get_asset(request.db, extra)
        if extra == str(current_id or ""):
            if asset is not None:
                images.insert(0, asset)
                listed.add(extra)
            else:
                current_label = extra  # a file gone or given before media was enabled
        elif asset is not None and asset.is_ready and is_image(asset) and may_use(request, asset):
            images.insert(0, asset)  # an admin's pick of someone else's image
            listed.add(extra)
    chosen_asset = next((a for a in images if str(a.id) == chosen), None) if chosen else None
    upload_url = None
    if media.can_upload(request):
        upload_url = request.route_path("media.page.list", _query={"next": request.path})
    return {
        "thumbnail_media": True,
        "thumbnail_choices": images,
        "thumbnail_missing": current_label,
        "thumbnail_chosen": chosen_asset,
        "thumbnail_upload_url": upload_url,
    }
