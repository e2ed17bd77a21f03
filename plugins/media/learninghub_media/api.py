"""JSON API: ``/api/v1/media`` (list, plain multipart upload) and ``/api/v1/media/{id}``.

Bearer tokens only (the kernel's rule for ``/api/``). Reading an asset's metadata asks
``learninghub_media_can_access``; unknown, malformed, other tenants' and hidden ids
answer 404 alike.
"""

from __future__ import annotations

import sqlalchemy as sa

from learninghub.api import Page, ProblemError, api_view, paginate

from . import services
from .models import MediaAsset
from .permissions import MediaPermission as P
from .schemas import AssetListQuery, AssetOut
from .sniff import kind_of

COLLECTION = "/api/v1/media"
ITEM = COLLECTION + "/{id}"


def to_out(request, asset: MediaAsset) -> AssetOut:
    ttl = request.plugin_settings(services.PLUGIN).signed_url_ttl
    ready = asset.is_ready
    return AssetOut(
        id=asset.id,
        owner_id=asset.owner_id,
        filename=asset.filename,
        content_type=asset.content_type,
        kind=kind_of(asset.content_type),
        size=asset.size,
        sha256=asset.sha256,
        status=asset.status,
        status_reason=asset.status_reason,
        width=asset.width,
        height=asset.height,
        duration_s=asset.duration_s,
        created_at=asset.created_at,
        url=request.route_url("media.item", id=str(asset.id)),
        file_url=services.signed_url(request, asset, ttl) if ready else None,
        thumbnail_url=services.thumbnail_url(request, asset, ttl),
        expires_in=ttl,
    )


def visible_asset(request, raw_id: str) -> MediaAsset:
    asset = services.get_asset(request.db, raw_id)
    if asset is None or not services.can_access(request, asset):
        raise ProblemError(404, "Not found", "no such media asset")
    return asset


@api_view(
    "media.collection",
    COLLECTION,
    "GET",
    query=AssetListQuery,
    response=Page[AssetOut],
    permission=P.UPLOAD,
    summary="Your uploads (or every asset of the tenant with all=true), newest first",
)
def list_assets(request, query: AssetListQuery):
    stmt = sa.select(MediaAsset)
    if query.all:
        if not services.can_manage(request):
            raise ProblemError(403, "Forbidden", f"all=true needs the permission {P.MANAGE}")
    else:
        stmt = stmt.where(MediaAsset.owner_id == request.identity.id)
    rows, next_cursor = paginate(request.db, stmt, MediaAsset.created_at, MediaAsset.id, query)
    return Page[AssetOut](items=[to_out(request, a) for a in rows], next_cursor=next_cursor)


@api_view(
    "media.item",
    ITEM,
    "GET",
    response=AssetOut,
    permission=P.VIEW,
    summary="An asset's metadata, with signed URLs of its bytes and thumbnail",
)
def get_asset(request):
    return to_out(request, visible_asset(request, request.matchdict["id"]))
