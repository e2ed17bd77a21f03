"""The captions JSON API (docs/plugins/streaming-captions.md#api).

Uploads are JSON (``text``) or ``multipart/form-data`` (a ``file`` and the fields of
:class:`CaptionMeta`). Whoever may not edit the asset's captions gets 404.
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from pydantic import ValidationError

from learninghub.api import Page, PageQuery, ProblemError, api_view, paginate, validation_errors

from . import services, vtt
from .models import Caption
from .schemas import CaptionCreate, CaptionDetail, CaptionMeta, CaptionOut, CaptionUpdate

TAGS = ["streaming"]


def caption_out(request, caption: Caption, model=CaptionOut):
    return model.model_validate(
        {
            **{k: getattr(caption, k) for k in model.model_fields if hasattr(caption, k)},
            "cue_count": services.cue_count(caption),
            "vtt_url": request.route_path("streaming.captions.vtt", id=str(caption.id)),
        }
    )


def _invalid(exc: ValidationError) -> ProblemError:
    return ProblemError(
        422,
        "Validation failed",
        "the request body is invalid",
        errors=validation_errors(exc, "body"),
    )


def read_upload(request, model):
    """``(fields, data, source field)``: the validated fields and the file's bytes
    (or text) of a JSON or multipart request."""
    ctype = (request.content_type or "").lower()
    if request.content_length and request.content_length > vtt.MAX_BYTES + 64 * 1024:
        raise ProblemError(
            413, "Payload too large", f"caption files are limited to {vtt.MAX_BYTES // 1024} KiB"
        )
    if ctype == "multipart/form-data":
        fields = {k: v for k, v in request.POST.items() if isinstance(v, str) and v != ""}
        upload = request.POST.get("file")
        data = None
        if upload is not None and hasattr(upload, "file"):
            data = upload.file.read(vtt.MAX_BYTES + 1)
        meta = CaptionMeta if model is CaptionCreate and "text" not in fields else model
        try:
            parsed = meta.model_validate(fields)
        except ValidationError as exc:
            raise _invalid(exc) from None
        if data is None and getattr(parsed, "text", None):
            data = parsed.text  # a pasted text field instead of a file
        if data is None and model is CaptionCreate:
            raise ProblemError(
                422,
                "Validation failed",
                "send the caption file as the part 'file'",
                errors=[{"path": ["body", "file"], "message": "required", "type": "missing"}],
            )
        return parsed, data, "file"
    if ctype != "application/json":
        raise ProblemError(
            415,
            "Unsupported media type",
            "send application/json (with 'text') or multipart/form-data (with 'file')",
        )
    try:
        raw = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError) as exc:
        raise ProblemError(400, "Malformed JSON", str(exc)) from None
    try:
        parsed = model.model_validate(raw)
    except ValidationError as exc:
        raise _invalid(exc) from None
    return parsed, parsed.text, "text"


@api_view(
    "streaming.api.asset_captions",
    "/api/v1/media/{asset_id}/captions",
    "GET",
    query=PageQuery,
    response=Page[CaptionOut],
    authenticated=True,
    tags=TAGS,
    summary="The caption tracks of a media asset (its editors), by language",
)
def list_captions(request, query: PageQuery):
    asset = services.editable_asset(request, request.matchdict["asset_id"])
    stmt = sa.select(Caption).where(Caption.asset_id == asset.id)
    rows, cursor = paginate(
        request.db, stmt, Caption.language, Caption.id, query, descending=False, sort_type=str
    )
    return Page[CaptionOut](items=[caption_out(request, c) for c in rows], next_cursor=cursor)


@api_view(
    "streaming.api.asset_captions",
    "/api/v1/media/{asset_id}/captions",
    "POST",
    response=CaptionDetail,
    status=201,
    authenticated=True,
    tags=TAGS,
    summary="Upload a WebVTT or SRT track (JSON 'text' or multipart 'file')",
)
def create_caption(request):
    asset = services.editable_asset(request, request.matchdict["asset_id"])
    if not (asset.content_type or "").startswith(("video/", "audio/")):
        raise ProblemError(409, "Conflict", "captions belong to video and audio assets only")
    meta, data, field = read_upload(request, CaptionCreate)
    webvtt = services.convert(asset, data, meta.format, field)
    caption = services.create(
        request, asset, language=meta.language, kind=meta.kind, label=meta.label, webvtt=webvtt
    )
    request.response.headers["Location"] = f"/api/v1/captions/{caption.id}"
    return caption_out(request, caption, CaptionDetail)


@api_view(
    "streaming.api.caption",
    "/api/v1/captions/{id}",
    "GET",
    response=CaptionDetail,
    authenticated=True,
    tags=TAGS,
    summary="One caption track with its WebVTT",
)
def get_caption(request):
    caption, _asset = services.editable_caption(request, request.matchdict["id"])
    return caption_out(request, caption, CaptionDetail)


@api_view(
    "streaming.api.caption",
    "/api/v1/captions/{id}",
    "PUT",
    response=CaptionDetail,
    authenticated=True,
    tags=TAGS,
    summary="Replace a track's file, language, kind or label",
)
def replace_caption(request):
    caption, asset = services.editable_caption(request, request.matchdict["id"])
    body, data, field = read_upload(request, CaptionUpdate)
    changes = {k: v for k, v in body.model_dump(exclude_unset=True).items() if v is not None}
    changes.pop("text", None)
    fmt = changes.pop("format", None)
    if data is not None:
        changes["vtt"] = services.convert(asset, data, fmt, field)
    if not changes:
        raise ProblemError(
            422,
            "Validation failed",
            "nothing to change",
            errors=[{"path": ["body"], "message": "send at least one field", "type": "missing"}],
        )
    services.update(request, caption, changes)
    return caption_out(request, caption, CaptionDetail)


@api_view(
    "streaming.api.caption",
    "/api/v1/captions/{id}",
    "DELETE",
    status=204,
    authenticated=True,
    tags=TAGS,
    summary="Delete a caption track",
)
def delete_caption(request):
    caption, _asset = services.editable_caption(request, request.matchdict["id"])
    services.delete(request, caption)
