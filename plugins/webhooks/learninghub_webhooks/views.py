"""Admin pages: ``/admin/webhooks`` (endpoints; register one, its secret shown once)
and ``/admin/webhooks/{id}`` (edit, enable/disable, rotate the secret, send a test
event, delete; the delivery log with request and response excerpts, replay).

Pages call the same services as the API and need the same permission. Actions are
POSTs with a CSRF token; a successful action redirects (303) back to the page with
a notice, except those that show a new secret, which render it once.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from pydantic import ValidationError
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from learninghub.api import PageQuery, ProblemError, paginate
from learninghub.i18n import N_
from learninghub.shell import gate, render_page

from . import services
from .delivery import REQUEST_EXCERPT_CHARS
from .eventtypes import event_types
from .models import Delivery, Endpoint
from .permissions import WebhookPermission as P
from .schemas import EndpointCreate, EndpointUpdate

LIST_PAGE = "webhooks/endpoints.jinja2"
DETAIL_PAGE = "webhooks/endpoint.jinja2"
SECTION = "/admin/webhooks"
PAGE_SIZE = 20

#: notices after an action (translated when shown)
DONE = {
    "saved": N_("Endpoint saved."),
    "enabled": N_("Endpoint enabled."),
    "disabled": N_("Endpoint disabled; its pending deliveries were cancelled."),
    "test": N_("Test event queued: its attempt appears in the log below."),
    "replayed": N_("Delivery queued again: its attempt appears in the log below."),
    "deleted": N_("Endpoint deleted."),
}
FIELD_MESSAGES = {
    "url": N_("Enter an http or https URL (at most 2000 characters)."),
    "event_types": N_("Choose at least one event."),
    "description": N_("Enter at most 200 characters."),
}


def _form_errors(request, exc: ValidationError) -> dict[str, str]:
    errors: dict[str, str] = {}
    for err in exc.errors():
        field = str(err["loc"][0]) if err["loc"] else "form"
        errors.setdefault(field, request.gettext(FIELD_MESSAGES.get(field, err["msg"])))
    return errors


def _problem_errors(exc: ProblemError) -> dict[str, str]:
    if exc.errors:
        return {str(e["path"][-1]): e["message"] for e in exc.errors}
    return {"form": exc.detail}


def _form_values(request) -> dict[str, Any]:
    return {
        "url": request.POST.get("url", "").strip(),
        "description": request.POST.get("description", "").strip(),
        "event_types": request.POST.getall("event_types"),
    }


def _endpoint_or_404(request) -> Endpoint:
    try:
        return services.get_endpoint(request, request.matchdict["id"])
    except ProblemError:
        raise HTTPNotFound() from None


# ----------------------------------------------------------------- list and create


@view_config(route_name="webhooks.page.list", request_method=("GET", "POST"))
def endpoints_page(request):
    denied = gate(request, P.MANAGE)
    if denied is not None:
        return denied
    values: dict[str, Any] = {"url": "", "description": "", "event_types": []}
    errors: dict[str, str] = {}
    status = 200
    created = None
    secret = None
    if request.method == "POST":
        values = _form_values(request)
        try:
            body = EndpointCreate(**values)
        except ValidationError as exc:
            errors = _form_errors(request, exc)
        else:
            try:
                created, secret = services.create_endpoint(
                    request, body.url, body.event_types, body.description
                )
            except ProblemError as exc:
                errors = _problem_errors(exc)
                status = exc.status
        if errors:
            status = status if status != 200 else 422
        else:
            values = {"url": "", "description": "", "event_types": []}
            status = 201
    endpoints = list(
        request.db.scalars(
            sa.select(Endpoint).order_by(Endpoint.created_at.desc(), Endpoint.id.desc())
        )
    )
    # a name, not DONE["deleted"], inside gettext(): Babel before 2.19 extracted the
    # subscript's string ("deleted") as a message of its own
    deleted = DONE["deleted"]
    flash = request.gettext(deleted) if request.GET.get("done") == "deleted" else ""
    return render_page(
        request,
        LIST_PAGE,
        status,
        section=SECTION,
        endpoints=endpoints,
        event_types=list(event_types(request).values()),
        values=values,
        errors=errors,
        created=created,
        secret=secret,
        flash=flash,
    )


# ----------------------------------------------------------------- one endpoint


def _deliveries(request, endpoint: Endpoint) -> tuple[list[dict[str, Any]], str | None]:
    cursor = request.GET.get("cursor") or None
    status = request.GET.get("status") or None
    stmt = sa.select(Delivery).where(Delivery.endpoint_id == endpoint.id)
    if status in ("pending", "delivered", "failed", "cancelled"):
        stmt = stmt.where(Delivery.status == status)
    try:
        page = PageQuery(limit=PAGE_SIZE, cursor=cursor)
        rows, next_cursor = paginate(request.db, stmt, Delivery.created_at, Delivery.id, page)
    except (ProblemError, ValidationError):
        rows, next_cursor = [], None
    attempts = services.attempts_of(request, [d.id for d in rows])
    items = [{"delivery": d, "attempts": attempts[d.id], "body": _readable(d.body)} for d in rows]
    return items, next_cursor


def _readable(body: str) -> str:
    """The request body indented for reading (the log shows its first 2 KiB)."""
    try:
        text = json.dumps(json.loads(body), indent=2, ensure_ascii=False)
    except ValueError:
        text = body
    return text[:REQUEST_EXCERPT_CHARS]


def _render_detail(request, endpoint, status=200, *, values=None, errors=None, **extra):
    deliveries, next_cursor = _deliveries(request, endpoint)
    done = request.GET.get("done", "")
    return render_page(
        request,
        DETAIL_PAGE,
        status,
        section=SECTION,
        endpoint=endpoint,
        event_types=list(event_types(request).values()),
        values=values
        or {
            "url": endpoint.url,
            "description": endpoint.description,
            "event_types": list(endpoint.event_types or []),
        },
        errors=errors or {},
        deliveries=deliveries,
        next_cursor=next_cursor,
        status_filter=request.GET.get("status", ""),
        flash=request.gettext(DONE[done]) if done in DONE else "",
        **extra,
    )


def _done(request, endpoint: Endpoint, what: str):
    url = request.route_path("webhooks.page.endpoint", id=str(endpoint.id), _query={"done": what})
    return HTTPSeeOther(location=url)


@view_config(route_name="webhooks.page.endpoint", request_method=("GET", "POST"))
def endpoint_page(request):
    denied = gate(request, P.MANAGE)
    if denied is not None:
        return denied
    endpoint = _endpoint_or_404(request)
    if request.method == "GET":
        return _render_detail(request, endpoint)
    action = request.POST.get("action", "")
    try:
        if action == "save":
            values = _form_values(request)
            try:
                change = EndpointUpdate(**values)
            except ValidationError as exc:
                return _render_detail(
                    request, endpoint, 422, values=values, errors=_form_errors(request, exc)
                )
            try:
                services.update_endpoint(request, endpoint, change.model_dump(exclude_unset=True))
            except ProblemError as exc:
                return _render_detail(
                    request, endpoint, exc.status, values=values, errors=_problem_errors(exc)
                )
            return _done(request, endpoint, "saved")
        if action in ("enable", "disable"):
            services.update_endpoint(request, endpoint, {"enabled": action == "enable"})
            return _done(request, endpoint, action + "d")
        if action == "test":
            services.send_test_event(request, endpoint)
            return _done(request, endpoint, "test")
        if action == "replay":
            delivery = services.get_delivery(request, request.POST.get("delivery", ""))
            if delivery.endpoint_id != endpoint.id:
                raise services.not_found("delivery")
            services.replay(request, delivery)
            return _done(request, endpoint, "replayed")
        if action == "rotate":
            secret = services.rotate_secret(request, endpoint)
            return _render_detail(request, endpoint, secret=secret)
        if action == "delete":
            if request.POST.get("confirm") != "yes":
                return _render_detail(request, endpoint, confirm_delete=True)
            services.delete_endpoint(request, endpoint)
            return HTTPSeeOther(
                location=request.route_path("webhooks.page.list", _query={"done": "deleted"})
            )
    except ProblemError as exc:
        request.tm.doom()
        return _render_detail(request, endpoint, exc.status, error=exc.detail)
    return _render_detail(request, endpoint, 400, error=request.gettext("Unknown action."))
