"""Pages: ``/media`` (my uploads and the upload forms) and its plain form ``POST /media``.

The page works without JavaScript (a multipart form); with it, ``static/uploader.js``
sends the file with tus to ``/media/uploads`` and shows a progress bar. Pages
authenticate with the session cookie; permission is checked inside the views so that
a tenant without the plugin gets a 404 first (the kernel's view deriver).
"""

from __future__ import annotations

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
    return {
        "items": items,
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
    if request.GET.get("uploaded"):
        message = request.gettext("Your file was uploaded.")
    elif request.GET.get("deleted"):
        message = request.gettext("The file was deleted.")
    return render_page(request, TEMPLATE, **page_values(request, message=message))


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
    return HTTPSeeOther(location=request.route_path("media.page.list", _query={"uploaded": "1"}))


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
