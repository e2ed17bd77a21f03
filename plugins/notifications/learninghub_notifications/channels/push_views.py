"""Routes of the web push channel: the JSON API (bearer tokens), the two endpoints the
preferences page's script posts to (page session and CSRF token: the API ignores the
session cookie), the service worker, and the preferences page's fragment."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pyramid.response import Response
from pyramid.view import view_config

from learninghub.api import Page, PageQuery, ProblemError, api_view, paginate, validation_errors

from ..models import PushSubscription
from ..permissions import NotificationPermission as P
from . import push, vapid

SUBSCRIPTIONS = "/api/v1/notifications/push-subscriptions"
SUBSCRIPTION = "/api/v1/notifications/push-subscriptions/{id}"
PUBLIC_KEY = "/api/v1/notifications/vapid-public-key"
WORKER = Path(__file__).resolve().parent.parent / "static" / "push" / "notifications-sw.js"


class PublicKeyOut(BaseModel):
    public_key: str = Field(
        description="The tenant's VAPID public key: pushManager.subscribe's "
        "applicationServerKey (base64url, uncompressed P-256 point)"
    )


class SubscriptionOut(BaseModel):
    id: uuid.UUID
    endpoint: str
    user_agent: str
    created_at: datetime
    last_success_at: datetime | None
    expired_at: datetime | None


class UnsubscribeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    endpoint: str = Field(min_length=1, max_length=1000)


def _out(row: PushSubscription) -> SubscriptionOut:
    return SubscriptionOut.model_validate(row, from_attributes=True)


# ----------------------------------------------------------------- API


@api_view(
    "notifications.vapid_public_key",
    PUBLIC_KEY,
    "GET",
    response=PublicKeyOut,
    permission=P.VIEW,
    summary="The tenant's VAPID public key (applicationServerKey of push subscriptions)",
    tags=["notifications"],
)
def vapid_public_key(request):
    return PublicKeyOut(public_key=vapid.public_key(request))


@api_view(
    "notifications.push_subscriptions",
    SUBSCRIPTIONS,
    "GET",
    query=PageQuery,
    response=Page[SubscriptionOut],
    permission=P.VIEW,
    summary="List my browsers' push subscriptions, newest first (expired ones too)",
    tags=["notifications"],
)
def list_subscriptions(request, query: PageQuery):
    stmt = sa.select(PushSubscription).where(PushSubscription.user_id == request.identity.id)
    rows, next_cursor = paginate(
        request.db, stmt, PushSubscription.created_at, PushSubscription.id, query
    )
    return Page[SubscriptionOut](items=[_out(row) for row in rows], next_cursor=next_cursor)


@api_view(
    "notifications.push_subscriptions",
    SUBSCRIPTIONS,
    "POST",
    body=push.SubscriptionIn,
    response=SubscriptionOut,
    status=201,
    permission=P.VIEW,
    summary="Save a browser's push subscription (PushSubscription.toJSON()) for me; "
    "201 when new, 200 when the endpoint was known (updated, and now mine)",
    tags=["notifications"],
)
def create_subscription(request, body: push.SubscriptionIn):
    row, created = push.subscribe(request, request.identity.id, body)
    if created:
        request.response.headers["Location"] = request.route_path(
            "notifications.push_subscription", id=str(row.id)
        )
        return _out(row)
    return Response(
        _out(row).model_dump_json(), status=200, content_type="application/json", charset="utf-8"
    )


@api_view(
    "notifications.push_subscription",
    SUBSCRIPTION,
    "GET",
    response=SubscriptionOut,
    permission=P.VIEW,
    summary="One of my push subscriptions",
    tags=["notifications"],
)
def get_subscription(request):
    return _out(push.own_subscription(request, request.identity.id, request.matchdict["id"]))


@api_view(
    "notifications.push_subscription",
    SUBSCRIPTION,
    "DELETE",
    status=204,
    permission=P.VIEW,
    summary="Delete one of my push subscriptions",
    tags=["notifications"],
)
def delete_subscription(request):
    row = push.own_subscription(request, request.identity.id, request.matchdict["id"])
    request.db.delete(row)
    request.db.flush()
    return None


# ----------------------------------------------------------------- the page's endpoints


def _json(status: int, body: dict[str, Any] | None = None) -> Response:
    if body is None:
        return Response(status=status)
    return Response(
        json.dumps(body), status=status, content_type="application/json", charset="utf-8"
    )


def _page_body(request, model: type[BaseModel]) -> BaseModel:
    try:
        data = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        raise ProblemError(400, "Malformed JSON", "the body is not JSON") from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ProblemError(
            422,
            "Validation failed",
            "the request body is invalid",
            errors=validation_errors(exc, "body"),
        ) from None


def _page_call(request, action) -> Response:
    """Run ``action`` for the signed-in user; answer JSON (errors as
    ``{"error", "errors"}`` with the problem's status)."""
    if request.identity is None:
        return _json(401, {"error": request.gettext("Sign in again.")})
    if not request.has_permission(P.VIEW):
        return _json(403, {"error": request.gettext("Forbidden")})
    try:
        return action()
    except ProblemError as exc:
        return _json(exc.status, {"error": exc.detail, "errors": exc.errors or []})


@view_config(route_name="notifications.page.push_subscribe", request_method="POST")
def page_subscribe(request):
    """The subscription the page's script got from ``pushManager.subscribe``."""

    def action() -> Response:
        body = _page_body(request, push.SubscriptionIn)
        row, created = push.subscribe(request, request.identity.id, body)
        return _json(201 if created else 200, {"id": str(row.id)})

    return _page_call(request, action)


@view_config(route_name="notifications.page.push_unsubscribe", request_method="POST")
def page_unsubscribe(request):
    """The browser's subscription is dropped (the script unsubscribes it too)."""

    def action() -> Response:
        body = _page_body(request, UnsubscribeIn)
        push.unsubscribe_endpoint(request, request.identity.id, body.endpoint)
        return _json(204)

    return _page_call(request, action)


@view_config(route_name="notifications.push_worker", request_method="GET")
def service_worker(request):
    """The service worker, at the site's root so that its scope is the whole site."""
    response = Response(WORKER.read_bytes(), content_type="text/javascript", charset="utf-8")
    response.headers["Service-Worker-Allowed"] = "/"
    response.headers["Cache-Control"] = "no-cache"
    return response


# ----------------------------------------------------------------- the page fragment


def push_panel(request) -> dict[str, Any] | None:
    """Values of ``notifications/push/panel.jinja2`` (a template global; None for a
    visitor): the VAPID public key, the URLs the script needs, how many browsers of
    the user receive pushes."""
    if request.identity is None or not request.has_permission(P.VIEW):
        return None
    live = request.db.scalar(
        sa.select(sa.func.count())
        .select_from(PushSubscription)
        .where(
            PushSubscription.user_id == request.identity.id,
            PushSubscription.expired_at.is_(None),
        )
    )
    return {
        "public_key": vapid.public_key(request),
        "subscribe_url": request.route_path("notifications.page.push_subscribe"),
        "unsubscribe_url": request.route_path("notifications.page.push_unsubscribe"),
        "worker_url": request.route_path("notifications.push_worker"),
        "devices": int(live or 0),
    }
