"""Resumable uploads with the tus 1.0 protocol (core + creation, expiration and
termination extensions) at ``/api/v1/media/uploads`` (bearer token) and
``/media/uploads`` (page session; send the CSRF token as ``X-CSRF-Token``).

* ``OPTIONS`` on the collection: ``Tus-Version``, ``Tus-Extension``, ``Tus-Max-Size``.
* ``POST`` with ``Upload-Length`` and ``Upload-Metadata: filename <base64>`` creates
  an upload (201, ``Location``); the name, size limit and quota are checked here:
  a refused creation leaves nothing.
* ``HEAD`` on the upload: ``Upload-Offset`` (how much arrived) to resume from;
  ``GET`` gives the same as JSON (and the asset id once complete).
* ``PATCH`` with ``Content-Type: application/offset+octet-stream`` and the current
  ``Upload-Offset`` appends a chunk (stored as one object in the storage service's
  temporary area ``media/tmp/<upload id>/``). The first chunk is sniffed at once: a
  type the site refuses ends the upload (415). The last chunk assembles the file and
  hands it to :func:`learninghub_media.ingest.ingest`; the answer names the asset
  (``Media-Asset-Id``, ``Media-Asset-Url``).
* ``DELETE`` terminates an upload and deletes its chunks.

Every request but ``OPTIONS`` must send ``Tus-Resumable: 1.0.0`` (else 412). A
refusal after creation deletes the upload's row and chunks (the refusal commits).
"""

from __future__ import annotations

import base64
import binascii
import logging
import tempfile
import uuid
from datetime import timedelta

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPForbidden
from pyramid.response import Response
from pyramid.view import view_config

from learninghub.api import ProblemError, api_view, problem_view
from learninghub.db import utcnow
from learninghub.interfaces import IFileStorage

from . import ingest, services
from .models import MediaUpload
from .permissions import MediaPermission as P
from .schemas import UploadOut
from .sniff import HEAD_BYTES, sniff
from .storage import chunk_key, chunk_prefix, delete_quietly

log = logging.getLogger(__name__)

TUS_VERSION = "1.0.0"
TUS_EXTENSIONS = "creation,expiration,termination"
OFFSET_TYPE = "application/offset+octet-stream"
API_COLLECTION = "/api/v1/media/uploads"
API_ITEM = API_COLLECTION + "/{id}"
_READ = 256 * 1024

# ----------------------------------------------------------------- helpers


def tus_headers(request, **extra: str) -> dict[str, str]:
    headers = {"Tus-Resumable": TUS_VERSION, "Cache-Control": "no-store"}
    headers.update(extra)
    return headers


def _problem(status: int, title: str, detail: str, **headers: str) -> ProblemError:
    return ProblemError(status, title, detail, headers={"Tus-Resumable": TUS_VERSION, **headers})


def require_tus(request) -> None:
    if request.headers.get("Tus-Resumable") != TUS_VERSION:
        raise _problem(
            412,
            "Precondition failed",
            f"send Tus-Resumable: {TUS_VERSION}",
            **{"Tus-Version": TUS_VERSION},
        )


def parse_metadata(raw: str) -> dict[str, str]:
    """``Upload-Metadata``: comma-separated ``key base64value`` pairs (value optional)."""
    metadata: dict[str, str] = {}
    if not raw.strip():
        return metadata
    for pair in raw.split(","):
        parts = pair.strip().split(" ")
        if not parts[0] or len(parts) > 2 or parts[0] in metadata:
            raise _problem(400, "Bad request", "malformed Upload-Metadata")
        try:
            value = base64.b64decode(parts[1], validate=True) if len(parts) == 2 else b""
            metadata[parts[0]] = value.decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise _problem(400, "Bad request", "Upload-Metadata values are base64 UTF-8") from None
    return metadata


def _int_header(request, name: str) -> int:
    raw = request.headers.get(name)
    if raw is None or not raw.isdigit() or len(raw) > 18:
        raise _problem(400, "Bad request", f"send {name} as a non-negative integer")
    return int(raw)


def upload_url(request, upload: MediaUpload) -> str:
    route = "media.page.upload" if is_page(request) else "media.upload"
    return request.route_url(route, id=str(upload.id))


def is_page(request) -> bool:
    return not request.path.startswith("/api/")


def find_upload(request) -> MediaUpload:
    """The caller's unexpired upload named in the path, else 404 (others' uploads too)."""
    try:
        upload_id = uuid.UUID(str(request.matchdict.get("id", "")))
    except ValueError:
        raise _problem(404, "Not found", "no such upload") from None
    upload = request.db.get(MediaUpload, upload_id)
    if upload is None or upload.owner_id != request.identity.id:
        raise _problem(404, "Not found", "no such upload")
    if upload.expires_at <= utcnow() and upload.asset_id is None:
        raise _problem(410, "Gone", "the upload expired")
    return upload


def discard(request, upload: MediaUpload) -> None:
    """Delete the upload's row (in this transaction) and its chunks (now, and again
    after commit for chunks written meanwhile)."""
    storage = request.find_service(IFileStorage)
    tenant_id = request.tenant.id
    prefix = chunk_prefix(upload.id)
    delete_quietly(storage, tenant_id, storage.list(tenant_id, prefix))
    request.db.delete(upload)
    request.db.flush()
    request.tm.get().addAfterCommitHook(
        lambda ok: delete_quietly(storage, tenant_id, storage.list(tenant_id, prefix))
    )


def refuse(request, upload: MediaUpload, exc: ProblemError) -> Response:
    """End the upload with ``exc``: row and chunks are gone; the answer commits."""
    discard(request, upload)
    exc.headers = {"Tus-Resumable": TUS_VERSION, **exc.headers}
    return problem_view(exc, request)


def purge_expired(request, limit: int | None = 50) -> int:
    """Delete the tenant's expired uploads and their chunks; return how many. Run at
    each creation (50 at most) and by ``learninghub media purge-uploads`` (all)."""
    stmt = sa.select(MediaUpload).where(MediaUpload.expires_at <= utcnow())
    if limit is not None:
        stmt = stmt.limit(limit)
    uploads = list(request.db.scalars(stmt))
    for upload in uploads:
        discard(request, upload)
    return len(uploads)


class BodyReader:
    """The request body as a file for the storage service, at most ``limit`` bytes
    (more raises 413 before anything is kept). It reads the server's input stream
    itself: a client that disconnects mid-chunk leaves what arrived (a WSGI server
    that does not buffer bodies hands over a short stream), and tus resumes from
    there."""

    def __init__(self, request, limit: int):
        self.source = request.body_file_raw
        self.expected = request.content_length or 0
        self.limit = limit
        self.count = 0
        self.head = b""
        self.disconnected = False

    def read(self, size: int = -1) -> bytes:
        left = self.expected - self.count
        if self.disconnected or left <= 0:
            return b""
        want = min(left, _READ if size is None or size < 0 else min(size, _READ))
        data = self.source.read(want)
        if not data:
            self.disconnected = True
            return b""
        self.count += len(data)
        if self.count > self.limit:
            raise _problem(413, "Payload too large", "the chunk goes beyond Upload-Length")
        if len(self.head) < HEAD_BYTES:
            self.head += data[: HEAD_BYTES - len(self.head)]
        return data


# ----------------------------------------------------------------- handlers


def options(request) -> Response:
    limit = request.plugin_settings(services.PLUGIN).max_upload_bytes
    return Response(
        status=204,
        headers=tus_headers(
            request,
            **{
                "Tus-Version": TUS_VERSION,
                "Tus-Extension": TUS_EXTENSIONS,
                "Tus-Max-Size": str(limit),
            },
        ),
    )


def create(request) -> Response:
    require_tus(request)
    if "Upload-Defer-Length" in request.headers:
        raise _problem(400, "Bad request", "Upload-Defer-Length is not supported")
    length = _int_header(request, "Upload-Length")
    metadata = parse_metadata(request.headers.get("Upload-Metadata", ""))
    filename = ingest.clean_filename(metadata.get("filename") or metadata.get("name"))
    if length == 0:
        raise _problem(400, "Bad request", "empty files are not uploaded")
    if request.content_length:
        raise _problem(
            400, "Bad request", "send the bytes with PATCH (creation-with-upload is off)"
        )
    ingest.check_size(request, length)
    purge_expired(request)
    ingest.check_quota(request, length, lock=True)
    settings = request.plugin_settings(services.PLUGIN)
    upload = MediaUpload(
        id=uuid.uuid4(),
        owner_id=request.identity.id,
        filename=filename,
        upload_length=length,
        upload_offset=0,
        expires_at=utcnow() + timedelta(hours=settings.upload_expiry_hours),
    )
    request.db.add(upload)
    request.db.flush()
    return Response(
        status=201,
        headers=tus_headers(
            request,
            Location=upload_url(request, upload),
            **{"Upload-Expires": _http_date(upload)},
        ),
    )


def _http_date(upload: MediaUpload) -> str:
    from email.utils import format_datetime

    return format_datetime(upload.expires_at, usegmt=True)


def head(request) -> Response:
    if request.method == "HEAD":
        require_tus(request)
    upload = find_upload(request)
    headers = tus_headers(
        request,
        **{
            "Upload-Offset": str(upload.upload_offset),
            "Upload-Length": str(upload.upload_length),
            "Upload-Expires": _http_date(upload),
            "Upload-Metadata": "filename " + base64.b64encode(upload.filename.encode()).decode(),
        },
    )
    if upload.asset_id:
        headers["Media-Asset-Id"] = str(upload.asset_id)
    if request.method == "HEAD":
        return Response(status=200, headers=headers)
    out = UploadOut(
        id=upload.id,
        filename=upload.filename,
        upload_length=upload.upload_length,
        upload_offset=upload.upload_offset,
        asset_id=upload.asset_id,
        expires_at=upload.expires_at,
        url=upload_url(request, upload),
    )
    response = Response(out.model_dump_json(), content_type="application/json", charset="utf-8")
    response.headers.update(headers)
    return response


def patch(request) -> Response:
    require_tus(request)
    if (request.content_type or "").lower() != OFFSET_TYPE:
        raise _problem(415, "Unsupported media type", f"send chunks as {OFFSET_TYPE}")
    offset = _int_header(request, "Upload-Offset")
    upload = find_upload(request)
    if upload.asset_id is not None or offset != upload.upload_offset:
        raise _problem(
            409,
            "Conflict",
            f"the upload is at offset {upload.upload_offset}; HEAD it and resume from there",
            **{"Upload-Offset": str(upload.upload_offset)},
        )
    remaining = upload.upload_length - offset
    if request.content_length is None:
        raise _problem(411, "Length required", "send the chunk with a Content-Length")
    if request.content_length > remaining:
        raise _problem(413, "Payload too large", "the chunk goes beyond Upload-Length")
    storage = request.find_service(IFileStorage)
    tenant_id = request.tenant.id
    key = chunk_key(upload.id, offset)
    reader = BodyReader(request, remaining)
    # a chunk written by an aborted request is deleted again
    ingest.delete_on_abort(request, key)
    received = storage.save(tenant_id, key, reader, content_type=OFFSET_TYPE)
    if received == 0:
        storage.delete(tenant_id, key)
    complete_now = offset + received == upload.upload_length
    if offset == 0 and (len(reader.head) >= HEAD_BYTES or complete_now):
        content_type = sniff(reader.head)
        try:
            ingest.check_type(request, content_type, upload.filename)
        except ProblemError as exc:
            # ZIP containers are only told apart once complete; others are known now
            if content_type != "application/zip":
                return refuse(request, upload, exc)
    upload.upload_offset = offset + received
    request.db.flush()
    headers = tus_headers(request, **{"Upload-Offset": str(upload.upload_offset)})
    if upload.upload_offset == upload.upload_length:
        try:
            asset = complete(request, upload)
        except ProblemError as exc:
            return refuse(request, upload, exc)
        headers["Media-Asset-Id"] = str(asset.id)
        headers["Media-Asset-Url"] = request.route_url("media.item", id=str(asset.id))
        if not asset.is_ready:
            from .api import upload_response

            response = upload_response(request, asset)
            response.headers.update(headers)
            return response
    return Response(status=204, headers=headers)


def complete(request, upload: MediaUpload):
    """Assemble the chunks into one file, ingest it, delete the chunks after commit."""
    storage = request.find_service(IFileStorage)
    tenant_id = request.tenant.id
    keys = storage.list(tenant_id, chunk_prefix(upload.id))
    with tempfile.TemporaryFile(prefix="lh-media-") as assembled:
        for key in keys:
            with storage.open(tenant_id, key) as part:
                while data := part.read(1024 * 1024):
                    assembled.write(data)
        size = assembled.tell()
        if size != upload.upload_length:
            raise _problem(500, "Internal error", "the chunks do not add up; upload again")
        assembled.seek(0)
        asset = ingest.ingest(request, assembled, size, upload.filename, quota=False)
    upload.asset_id = asset.id
    request.db.flush()
    ingest.delete_after_commit(request, keys)
    return asset


def terminate(request) -> Response:
    require_tus(request)
    upload = find_upload(request)
    discard(request, upload)
    return Response(status=204, headers=tus_headers(request))


# ----------------------------------------------------------------- API (bearer)


@api_view(
    "media.uploads",
    API_COLLECTION,
    "POST",
    status=201,
    permission=P.UPLOAD,
    summary="tus 1.0: create a resumable upload (Upload-Length, Upload-Metadata filename)",
)
def api_create(request):
    return create(request)


@api_view(
    "media.upload",
    API_ITEM,
    "GET",
    response=UploadOut,
    permission=P.UPLOAD,
    summary="tus 1.0: the upload's offset (HEAD: headers only; GET: also as JSON)",
)
def api_head(request):
    return head(request)


@api_view(
    "media.upload",
    API_ITEM,
    "PATCH",
    status=204,
    permission=P.UPLOAD,
    summary="tus 1.0: append a chunk (application/offset+octet-stream at Upload-Offset)",
)
def api_patch(request):
    return patch(request)


@api_view(
    "media.upload",
    API_ITEM,
    "DELETE",
    status=204,
    permission=P.UPLOAD,
    summary="tus 1.0: terminate the upload and delete its chunks",
)
def api_terminate(request):
    return terminate(request)


@view_config(route_name="media.uploads", request_method="OPTIONS", require_csrf=False)
@view_config(route_name="media.page.uploads", request_method="OPTIONS", require_csrf=False)
def tus_options(request):
    if request.tenant is None:
        raise _problem(404, "Not found", "no tenant answers on this host")
    return options(request)


# ----------------------------------------------------------------- pages (session)


def _page_guard(request) -> None:
    if request.identity is None or not request.has_permission(P.UPLOAD):
        raise HTTPForbidden()


@view_config(route_name="media.page.uploads", request_method="POST")
def page_create(request):
    _page_guard(request)
    return create(request)


@view_config(route_name="media.page.upload", request_method=("GET", "HEAD"))
def page_head(request):
    _page_guard(request)
    return head(request)


@view_config(route_name="media.page.upload", request_method="PATCH")
def page_patch(request):
    _page_guard(request)
    return patch(request)


@view_config(route_name="media.page.upload", request_method="DELETE")
def page_terminate(request):
    _page_guard(request)
    return terminate(request)
