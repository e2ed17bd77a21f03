"""JSON API: ``/api/v1/webhooks/...``.

Every endpoint needs ``tenant:webhooks:manage`` (tenant admins by default). Unknown,
malformed and other tenants' ids answer 404 alike. The signing secret appears in the
answers of creation and rotation only.
"""

from __future__ import annotations

import sqlalchemy as sa
from pyramid.response import Response

from learninghub.api import Page, PageQuery, api_view, paginate

from . import services
from .delivery import REQUEST_EXCERPT_CHARS
from .eventtypes import event_types
from .models import Attempt, Delivery, Endpoint
from .permissions import WebhookPermission as P
from .schemas import (
    AttemptOut,
    DeliveryOut,
    DeliveryQuery,
    EndpointCreate,
    EndpointOut,
    EndpointUpdate,
    EndpointWithSecret,
    EventTypeOut,
    SecretOut,
)

BASE = "/api/v1/webhooks"
ENDPOINTS = BASE + "/endpoints"
ENDPOINT = ENDPOINTS + "/{id}"


def endpoint_out(request, endpoint: Endpoint) -> EndpointOut:
    key = str(endpoint.id)
    return EndpointOut(
        id=endpoint.id,
        url=endpoint.url,
        description=endpoint.description,
        event_types=list(endpoint.event_types or []),
        enabled=endpoint.enabled,
        disabled_reason=endpoint.disabled_reason,
        disabled_at=endpoint.disabled_at,
        consecutive_failures=endpoint.consecutive_failures,
        failing_since=endpoint.failing_since,
        created_at=endpoint.created_at,
        updated_at=endpoint.updated_at,
        api_url=request.route_url("webhooks.endpoint", id=key),
        deliveries_url=request.route_url("webhooks.endpoint.deliveries", id=key),
        html_url=request.route_url("webhooks.page.endpoint", id=key),
    )


def attempt_out(row: Attempt) -> AttemptOut:
    return AttemptOut.model_validate(row, from_attributes=True)


def delivery_out(delivery: Delivery, attempts: list[Attempt]) -> DeliveryOut:
    return DeliveryOut(
        id=delivery.id,
        endpoint_id=delivery.endpoint_id,
        message_id=delivery.message_id,
        event_type=delivery.event_type,
        status=delivery.status,
        is_test=delivery.is_test,
        replay_of=delivery.replay_of,
        attempts=delivery.attempts,
        created_at=delivery.created_at,
        next_attempt_at=delivery.next_attempt_at,
        last_attempt_at=delivery.last_attempt_at,
        delivered_at=delivery.delivered_at,
        last_status_code=delivery.last_status_code,
        last_error=delivery.last_error,
        request_body=delivery.body[:REQUEST_EXCERPT_CHARS],
        attempt_log=[attempt_out(a) for a in attempts],
    )


def created(model, location: str) -> Response:
    response = Response(
        model.model_dump_json(), status=201, content_type="application/json", charset="utf-8"
    )
    response.location = location
    return response


@api_view(
    "webhooks.event_types",
    BASE + "/event-types",
    "GET",
    response=list[EventTypeOut],
    permission=P.MANAGE,
    summary="Events endpoints may subscribe to (filled by the enabled plugins)",
)
def list_event_types(request):
    return [
        EventTypeOut(name=t.name, description=t.description) for t in event_types(request).values()
    ]


@api_view(
    "webhooks.endpoints",
    ENDPOINTS,
    "GET",
    query=PageQuery,
    response=Page[EndpointOut],
    permission=P.MANAGE,
    summary="The tenant's webhook endpoints, newest first",
)
def list_endpoints(request, query: PageQuery):
    rows, next_cursor = paginate(
        request.db, sa.select(Endpoint), Endpoint.created_at, Endpoint.id, query
    )
    return Page[EndpointOut](
        items=[endpoint_out(request, e) for e in rows], next_cursor=next_cursor
    )


@api_view(
    "webhooks.endpoints",
    ENDPOINTS,
    "POST",
    body=EndpointCreate,
    response=EndpointWithSecret,
    status=201,
    permission=P.MANAGE,
    summary="Register an endpoint (the answer holds its secret, shown only once)",
)
def create_endpoint(request, body: EndpointCreate):
    endpoint, secret = services.create_endpoint(
        request, body.url, body.event_types, body.description, body.enabled
    )
    out = EndpointWithSecret(**endpoint_out(request, endpoint).model_dump(), secret=secret)
    return created(out, out.api_url)


@api_view(
    "webhooks.endpoint",
    ENDPOINT,
    "GET",
    response=EndpointOut,
    permission=P.MANAGE,
    summary="One endpoint (without its secret)",
)
def get_endpoint(request):
    return endpoint_out(request, services.get_endpoint(request, request.matchdict["id"]))


@api_view(
    "webhooks.endpoint",
    ENDPOINT,
    "PATCH",
    body=EndpointUpdate,
    response=EndpointOut,
    permission=P.MANAGE,
    summary="Change the URL, description or event types; enable or disable",
)
def update_endpoint(request, body: EndpointUpdate):
    endpoint = services.get_endpoint(request, request.matchdict["id"])
    services.update_endpoint(request, endpoint, body.model_dump(exclude_unset=True))
    return endpoint_out(request, endpoint)


@api_view(
    "webhooks.endpoint",
    ENDPOINT,
    "DELETE",
    status=204,
    permission=P.MANAGE,
    summary="Delete an endpoint and its delivery log",
)
def delete_endpoint(request):
    services.delete_endpoint(request, services.get_endpoint(request, request.matchdict["id"]))


@api_view(
    "webhooks.endpoint.secret",
    ENDPOINT + "/secret",
    "POST",
    response=SecretOut,
    permission=P.MANAGE,
    summary="Replace the signing secret (the answer holds the new one, shown only once)",
)
def rotate_secret(request):
    endpoint = services.get_endpoint(request, request.matchdict["id"])
    return SecretOut(secret=services.rotate_secret(request, endpoint))


@api_view(
    "webhooks.endpoint.deliveries",
    ENDPOINT + "/deliveries",
    "GET",
    query=DeliveryQuery,
    response=Page[DeliveryOut],
    permission=P.MANAGE,
    summary="The endpoint's delivery log with its attempts, newest first",
)
def list_deliveries(request, query: DeliveryQuery):
    endpoint = services.get_endpoint(request, request.matchdict["id"])
    stmt = sa.select(Delivery).where(Delivery.endpoint_id == endpoint.id)
    if query.status is not None:
        stmt = stmt.where(Delivery.status == query.status)
    rows, next_cursor = paginate(request.db, stmt, Delivery.created_at, Delivery.id, query)
    attempts = services.attempts_of(request, [d.id for d in rows])
    return Page[DeliveryOut](
        items=[delivery_out(d, attempts[d.id]) for d in rows], next_cursor=next_cursor
    )


@api_view(
    "webhooks.endpoint.test",
    ENDPOINT + "/test",
    "POST",
    response=DeliveryOut,
    status=202,
    permission=P.MANAGE,
    summary="Send a webhooks.test event to the endpoint (after this request commits)",
)
def send_test(request):
    endpoint = services.get_endpoint(request, request.matchdict["id"])
    delivery = services.send_test_event(request, endpoint)
    return delivery_out(delivery, [])


@api_view(
    "webhooks.delivery.replay",
    BASE + "/deliveries/{id}/replay",
    "POST",
    response=DeliveryOut,
    status=202,
    permission=P.MANAGE,
    summary="Send a delivery again (a new delivery with the same webhook-id and body)",
)
def replay_delivery(request):
    delivery = services.get_delivery(request, request.matchdict["id"])
    copy = services.replay(request, delivery)
    return delivery_out(copy, [])
