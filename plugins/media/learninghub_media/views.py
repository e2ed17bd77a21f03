"""Pages: ``/media`` (my uploads and the upload forms) and its plain form ``POST /media``.

The page works without JavaScript (a multipart form); with it, ``static/uploader.js``
sends the file with tus to ``/media/uploads`` and shows a progress bar. Pages
authenticate with the session cookie; permission is checked inside the views so that
a tenant without the plugin gets a 404 first (the kernel's view deriver).

Another page may send the user here to upload a file and come back:
``/media?next=<local path>``. After the upload the page offers "Use this file", a
link to ``next`` with ``media_asset_id=<the new asset's id>`` added to its query
(the lesson form preselects it). ``next`` must be a path of this site.
"""

from __future__ import annotations

import re
import uuid
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import sqlalchemy as sa
from babel.numbers import format_decimal
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from learninghub.api import ProblemError
from learninghub.i18n import N_
from learninghub.shell import gate, render_page

from . import ingest, services
from .api import read_multipart
from .models import MediaAsset
from .permissions import MediaPermission as P
from .sniff import kind_of

TEMPLATE = "learninghub_media:templates/page.jinja2"
PAGE_SIZE = 50

#: what the page says for each refusal (the API's texts stay English)
REFUSALS = {
    400: N_("The file name is not acceptable: it must not contain a path or control characters."),
    411: N_("Your browser did not say how large the file is. Please try again."),
    413: N_("The file is too large. Files are limited to %(limit)s bytes here."),
    415: N_("This type of file is not accepted here, whatever its name says."),
    422: N_("The file was not received. Choose a file and try again."),
    "quota": N_("The site's storage quota would be exceeded. Delete old files or ask an admin."),
    "quarantined": N_("The virus scanner quarantined this file; it will not be published."),
    "rejected": N_("The file could not be scanned for viruses, so it was not accepted."),
}


def refusal_message(request, exc: ProblemError) -> str:
    settings = request.plugin_settings(services.PLUGIN)
    if exc.type.endswith("quota-exceeded"):
        key: int | str = "quota"
    else:
        key = exc.status if exc.status in REFUSALS else 422
    limit = format_decimal(settings.max_upload_bytes, locale=request.locale)
    return request.gettext(REFUSALS[key], limit=limit)


#: a path of this site: no scheme, no host (``//x``, ``/\\x``), no control characters
_LOCAL_PATH = re.compile(r"^/(?![/\\])[^\x00-\x20\x7f]*$")
MAX_NEXT = 2000


def safe_next(raw: str | None) -> str | None:
    """``raw`` when it is a path of this site to come back to, else None."""
    if not raw or len(raw) > MAX_NEXT or not _LOCAL_PATH.match(raw):
        return None
    return raw


def use_url(next_path: str | None, asset_id) -> str | None:
    """``next_path`` with ``media_asset_id=<asset_id>`` in its query (replacing one)."""
    if next_path is None or asset_id is None:
        return None
    parts = urlsplit(next_path)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "media_asset_id"]
    query.append(("media_asset_id", str(asset_id)))
    return urlunsplit(("", "", parts.path, urlencode(query), ""))


def _uploaded_asset(request) -> MediaAsset | None:
    """The asset named by ``?asset=`` after an upload: one of the user's ready ones."""
    try:
        key = uuid.UUID(request.GET.get("asset", ""))
    except ValueError:
        return None
    asset = services.get_asset(request.db, key)
    if asset is None or not asset.is_ready or not services.is_owner(request, asset):
        return None
    return asset


def page_values(request, **extra) -> dict:
    rows = request.db.scalars(
        sa.select(MediaAsset)
        .where(MediaAsset.owner_id == request.identity.id)
        .order_by(MediaAsset.created_at.desc(), MediaAsset.id.desc())
        .limit(PAGE_SIZE)
    ).all()
    items = [
        {
            "asset": a,
            "kind": kind_of(a.content_type),
            "file_url": services.signed_url(request, a, None) if a.is_ready else None,
            "thumbnail_url": services.thumbnail_url(request, a, None),
        }
        for a in rows
    ]
    settings = request.plugin_settings(services.PLUGIN)
    next_path = safe_next(request.params.get("next"))
    return {
        "items": items,
        "next": next_path,
        "use_url": None,
        "uploaded": None,
        "chunk_bytes": settings.upload_chunk_bytes,
        "max_bytes": settings.max_upload_bytes,
        "used_bytes": ingest.quota_used(request.db),
        "quota_bytes": settings.quota_bytes,
        "tus_endpoint": request.route_path("media.page.uploads"),
        "message": None,
        "error": None,
        **extra,
    }


@view_config(route_name="media.page.list", request_method="GET")
def media_page(request):
    if (denied := gate(request, P.UPLOAD)) is not None:
        return denied
    message = None
    values = page_values(request)
    if request.GET.get("uploaded"):
        message = request.gettext("Your file was uploaded.")
        asset = _uploaded_asset(request)
        values["use_url"] = use_url(values["next"], asset.id if asset else None)
        values["uploaded"] = asset
    elif request.GET.get("deleted"):
        message = request.gettext("The file was deleted.")
    values["message"] = message
    return render_page(request, TEMPLATE, **values)


@view_config(route_name="media.page.list", request_method="POST")
def media_form_upload(request):
    """The plain form (no JavaScript): one multipart POST with the CSRF token."""
    if (denied := gate(request, P.UPLOAD)) is not None:
        return denied
    try:
        file, size, filename = read_multipart(request)
        ingest.check_size(request, size)
        ingest.check_quota(request, size)
        asset = ingest.ingest(request, file, size, filename)
    except ProblemError as exc:
        # refusals come before anything is written: there is nothing to undo
        return render_page(
            request,
            TEMPLATE,
            status=exc.status,
            **page_values(request, error=refusal_message(request, exc)),
        )
    if not asset.is_ready:
        error = request.gettext(REFUSALS[asset.status])
        return render_page(request, TEMPLATE, status=422, **page_values(request, error=error))
    query = {"uploaded": "1"}
    next_path = safe_next(request.POST.get("next"))
    if next_path is not None:
        query.update(asset=str(asset.id), next=next_path)
    return HTTPSeeOther(location=request.route_path("media.page.list", _query=query))


@view_config(route_name="media.page.delete", request_method="POST")
def media_page_delete(request):
    """Delete one of one's files (admins: any) from the list; CSRF-checked."""
    if (denied := gate(request, P.UPLOAD)) is not None:
        return denied
    asset = services.get_asset(request.db, request.matchdict["id"])
    if asset is None or not (services.is_owner(request, asset) or services.can_manage(request)):
        raise HTTPNotFound()
    services.delete_asset(request, asset)
    return HTTPSeeOther(location=request.route_path("media.page.list", _query={"deleted": "1"}))
