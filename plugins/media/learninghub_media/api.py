"""JSON API: ``/api/v1/media`` (list, plain multipart upload) and ``/api/v1/media/{id}``.

Bearer tokens only (the kernel's rule for ``/api/``). Reading an asset's metadata asks
``learninghub_media_can_access``; unknown, malformed, other tenants' and hidden ids
answer 404 alike.
"""

from __future__ import annotations

import sqlalchemy as sa
from pyramid.response import Response

from learninghub.api import Page, ProblemError, api_view, paginate, problem_response

from . import ingest, services
from .models import MediaAsset
from .permissions import MediaPermission as P
from .schemas import AssetListQuery, AssetOut, AssetQuery
from .sniff import kind_of

COLLECTION = "/api/v1/media"
ITEM = COLLECTION + "/{id}"


def to_out(request, asset: MediaAsset, links: bool = False) -> AssetOut:
    """The asset's metadata; with ``links``, signed URLs made for the caller (they
    change every minute, so they are only given when asked for)."""
    out = AssetOut(
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
    )
    if links:
        ttl = request.plugin_settings(services.PLUGIN).signed_url_ttl
        out.file_url = services.signed_url(request, asset, ttl) if asset.is_ready else None
        out.thumbnail_url = services.thumbnail_url(request, asset, ttl)
        out.poster_url = services.poster_url(request, asset, ttl)
        out.expires_in = ttl
    return out


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
    items = [to_out(request, a, query.links) for a in rows]
    return Page[AssetOut](items=items, next_cursor=next_cursor)


@api_view(
    "media.item",
    ITEM,
    "GET",
    query=AssetQuery,
    response=AssetOut,
    permission=P.VIEW,
    summary="An asset's metadata (links=true: with signed URLs of its bytes and thumbnail)",
)
def get_asset(request, query: AssetQuery):
    return to_out(request, visible_asset(request, request.matchdict["id"]), query.links)


def read_multipart(request):
    """The ``file`` field of a multipart body as ``(file, size, filename)``, or a
    problem: 415 (not multipart), 411 (no length), 413, 422 (no file field), 400 (name)."""
    if (request.content_type or "").lower() != "multipart/form-data":
        raise ProblemError(
            415, "Unsupported media type", "send multipart/form-data with a field named file"
        )
    limit = request.plugin_settings(services.PLUGIN).max_upload_bytes
    if request.content_length is None:
        raise ProblemError(411, "Length required", "send a Content-Length")
    if request.content_length > limit + ingest.FORM_OVERHEAD:
        raise ingest.too_large(limit)
    field = request.POST.get("file")
    if not hasattr(field, "file"):
        raise ProblemError(
            422,
            "Validation failed",
            "the form needs a file in a field named file",
            errors=[{"path": ["body", "file"], "message": "Field required", "type": "missing"}],
        )
    filename = ingest.clean_filename(field.filename)
    file = field.file
    file.seek(0, 2)
    size = file.tell()
    file.seek(0)
    if size == 0:
        raise ProblemError(
            422,
            "Validation failed",
            "the file is empty",
            errors=[{"path": ["body", "file"], "message": "empty file", "type": "empty"}],
        )
    return file, size, filename


def upload_response(request, asset: MediaAsset, status: int = 201) -> Response:
    """201 with the asset, or a 422 problem (kept: the transaction commits) when the
    scanner quarantined or rejected it."""
    if not asset.is_ready:
        title = "Upload quarantined" if asset.status == "quarantined" else "Upload rejected"
        return problem_response(
            request,
            422,
            title,
            f"the file was not accepted: {asset.status_reason}",
            type="https://learninghub.dev/problems/upload-" + asset.status,
            extra={"asset_id": str(asset.id), "asset_status": asset.status},
        )
    out = to_out(request, asset, links=True)
    response = Response(
        out.model_dump_json(), status=status, content_type="application/json", charset="utf-8"
    )
    response.location = out.url
    return response


@api_view(
    "media.collection",
    COLLECTION,
    "POST",
    response=AssetOut,
    status=201,
    permission=P.UPLOAD,
    summary="Upload a file (multipart/form-data, field file); the bytes decide its type",
)
def upload_asset(request):
    file, size, filename = read_multipart(request)
    ingest.check_size(request, size)
    ingest.check_quota(request, size)
    return upload_response(request, ingest.ingest(request, file, size, filename))


@api_view(
    "media.item",
    ITEM,
    "DELETE",
    status=204,
    permission=P.UPLOAD,
    summary="Delete an asset (its uploader or an admin); its files go after commit",
)
def delete_asset(request):
    asset = visible_asset(request, request.matchdict["id"])
    if not (services.is_owner(request, asset) or services.can_manage(request)):
        raise ProblemError(403, "Forbidden", "only the uploader or an admin deletes an asset")
    services.delete_asset(request, asset)
