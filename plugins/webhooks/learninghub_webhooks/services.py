"""Endpoints and the outbox: what the API, the pages, the hooks and the tasks share.

* :func:`record_event` runs inside the transaction that emitted a domain event
  (``learninghub_domain_event_emitted``): it writes one pending :class:`Delivery`
  per subscribed endpoint and enqueues the delivery task, which is dispatched only
  after that transaction commits. A rolled-back change leaves no delivery; a
  process that dies after the commit leaves pending rows that the dispatcher
  (``learninghub webhooks dispatch``) sends later.
* Endpoint changes emit ``webhooks.endpoint.*`` events (for the audit trail; they
  are not subscribable, so webhooks never deliver their own bookkeeping).
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from learninghub.api import ProblemError
from learninghub.db import utcnow

from . import secretstore, signing, transport
from .eventtypes import TEST_EVENT, event_types
from .models import Attempt, Delivery, Endpoint
from .settings import effective_settings

PLUGIN = "webhooks"
DELIVER_TASK = "webhooks.deliver"


# ----------------------------------------------------------------- errors


def not_found(what: str = "endpoint") -> ProblemError:
    return ProblemError(404, "Not found", f"no such {what}")


def invalid(field: str, message: str, kind: str = "value_error") -> ProblemError:
    return ProblemError(
        422,
        "Validation failed",
        f"{field}: {message}",
        errors=[{"path": ["body", field], "message": message, "type": kind}],
    )


def _uuid(raw: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(raw))
    except (ValueError, TypeError):
        return None


def get_endpoint(request, raw_id: Any) -> Endpoint:
    """The endpoint ``raw_id`` of the request's tenant; 404 for malformed ids and
    other tenants' ids alike."""
    key = _uuid(raw_id)
    endpoint = request.db.scalar(sa.select(Endpoint).where(Endpoint.id == key)) if key else None
    if endpoint is None:
        raise not_found()
    return endpoint


def get_delivery(request, raw_id: Any) -> Delivery:
    key = _uuid(raw_id)
    delivery = request.db.scalar(sa.select(Delivery).where(Delivery.id == key)) if key else None
    if delivery is None:
        raise not_found("delivery")
    return delivery


# ----------------------------------------------------------------- endpoints


def check_event_types(request, names: list[str]) -> list[str]:
    """``names`` without duplicates, in order; 422 when one is not in the registry."""
    known = event_types(request)
    unknown = [n for n in names if n not in known]
    if unknown:
        raise invalid("event_types", f"unknown event types: {', '.join(sorted(set(unknown)))}")
    return list(dict.fromkeys(names))


def check_url(request, url: str) -> str:
    settings = effective_settings(request)
    try:
        transport.check_url(url, settings.allow_loopback)
    except transport.TargetRefused as exc:
        raise invalid("url", f"this URL is refused: {exc}", "url_refused") from None
    return url


def _emit(request, name: str, endpoint: Endpoint, **payload: Any) -> None:
    request.emit(
        name,
        resource_type="webhook_endpoint",
        resource_id=endpoint.id,
        payload={"url": endpoint.url, **payload},
    )


def create_endpoint(
    request, url: str, event_names: list[str], description: str = "", enabled: bool = True
) -> tuple[Endpoint, str]:
    """A new endpoint and its secret (the only time the secret is returned)."""
    settings = effective_settings(request)
    count = request.db.scalar(sa.select(sa.func.count()).select_from(Endpoint))
    if count >= settings.max_endpoints:
        raise ProblemError(
            409, "Conflict", f"this site may have at most {settings.max_endpoints} endpoints"
        )
    check_url(request, url)
    names = check_event_types(request, event_names)
    secret = signing.generate_secret()
    identity = getattr(request, "identity", None)
    now = utcnow()
    endpoint = Endpoint(
        id=uuid.uuid4(),
        url=url,
        description=description,
        secret=secretstore.seal(request.registry, secret),
        event_types=names,
        enabled=enabled,
        disabled_reason="" if enabled else "manual",
        disabled_at=None if enabled else now,
        created_by=identity.id if identity is not None else None,
        created_at=now,
        updated_at=now,
    )
    request.db.add(endpoint)
    request.db.flush()
    _emit(request, "webhooks.endpoint.created", endpoint, event_types=names)
    return endpoint, secret


def update_endpoint(request, endpoint: Endpoint, changes: dict[str, Any]) -> Endpoint:
    """Apply ``changes`` (url, event_types, description, enabled); everything is
    validated before anything changes."""
    if "url" in changes and changes["url"] != endpoint.url:
        check_url(request, changes["url"])
    names = check_event_types(request, changes["event_types"]) if "event_types" in changes else None
    changed: list[str] = []
    if "url" in changes and changes["url"] != endpoint.url:
        endpoint.url = changes["url"]
        changed.append("url")
    if names is not None and names != endpoint.event_types:
        endpoint.event_types = names
        changed.append("event_types")
    if "description" in changes and changes["description"] != endpoint.description:
        endpoint.description = changes["description"]
        changed.append("description")
    if "enabled" in changes and changes["enabled"] != endpoint.enabled:
        if changes["enabled"]:
            enable(endpoint)
        else:
            disable(request, endpoint, "manual")
        changed.append("enabled")
    if changed:
        endpoint.updated_at = utcnow()
        request.db.flush()
        _emit(request, "webhooks.endpoint.updated", endpoint, changed=changed)
    return endpoint


def enable(endpoint: Endpoint) -> None:
    endpoint.enabled = True
    endpoint.disabled_reason = ""
    endpoint.disabled_at = None
    endpoint.consecutive_failures = 0
    endpoint.failing_since = None


def disable(request, endpoint: Endpoint, reason: str, now: datetime | None = None) -> int:
    """Disable ``endpoint``; its pending deliveries (test events excepted) are
    cancelled (they can be replayed). Returns how many were cancelled."""
    now = now or utcnow()
    endpoint.enabled = False
    endpoint.disabled_reason = reason
    endpoint.disabled_at = now
    pending = request.db.scalars(
        sa.select(Delivery).where(
            Delivery.endpoint_id == endpoint.id,
            Delivery.status == "pending",
            Delivery.is_test.is_(False),
        )
    ).all()
    for delivery in pending:
        delivery.status = "cancelled"
        delivery.next_attempt_at = None
        delivery.last_error = "the endpoint was disabled"
    return len(pending)


def rotate_secret(request, endpoint: Endpoint) -> str:
    secret = signing.generate_secret()
    endpoint.secret = secretstore.seal(request.registry, secret)
    endpoint.updated_at = utcnow()
    request.db.flush()
    _emit(request, "webhooks.endpoint.secret_rotated", endpoint)
    return secret


def delete_endpoint(request, endpoint: Endpoint) -> None:
    delivery_ids = sa.select(Delivery.id).where(Delivery.endpoint_id == endpoint.id)
    request.db.execute(
        sa.delete(Attempt)
        .where(Attempt.delivery_id.in_(delivery_ids))
        .execution_options(synchronize_session=False)
    )
    request.db.execute(
        sa.delete(Delivery)
        .where(Delivery.endpoint_id == endpoint.id)
        .execution_options(synchronize_session=False)
    )
    _emit(request, "webhooks.endpoint.deleted", endpoint)
    request.db.delete(endpoint)
    request.db.flush()


# ----------------------------------------------------------------- the outbox


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def dump(payload: dict[str, Any]) -> str:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False, default=str)


def event_body(event) -> str:
    """The JSON sent for a domain event (Standard Webhooks payload shape)."""
    return dump(
        {
            "type": event.name,
            "timestamp": iso(event.occurred_at),
            "data": {
                "event_id": str(event.id),
                "resource_type": event.resource_type,
                "resource_id": event.resource_id,
                "actor_id": str(event.actor_id) if event.actor_id else None,
                "payload": event.payload,
            },
        }
    )


def _queue(request, deliveries: list[Delivery]) -> None:
    request.db.add_all(deliveries)
    request.db.flush()
    for delivery in deliveries:
        request.tasks.enqueue(DELIVER_TASK, delivery_id=str(delivery.id))


def record_event(request, event) -> list[Delivery]:
    """Write the deliveries of ``event`` (inside the emitting transaction)."""
    if event.name == TEST_EVENT or event.name.startswith(f"{PLUGIN}."):
        return []
    endpoints = request.db.scalars(sa.select(Endpoint).where(Endpoint.enabled.is_(True))).all()
    targets = [e for e in endpoints if e.wants(event.name)]
    if not targets:
        return []
    body = event_body(event)
    now = utcnow()
    deliveries = [
        Delivery(
            id=uuid.uuid4(),
            endpoint_id=endpoint.id,
            message_id=event.id,
            event_type=event.name,
            body=body,
            status="pending",
            created_at=now,
            next_attempt_at=now,
        )
        for endpoint in targets
    ]
    _queue(request, deliveries)
    return deliveries


def send_test_event(request, endpoint: Endpoint) -> Delivery:
    """A ``webhooks.test`` message to ``endpoint`` (also when it is disabled),
    attempted once after commit."""
    now = utcnow()
    message_id = uuid.uuid4()
    body = dump(
        {
            "type": TEST_EVENT,
            "timestamp": iso(now),
            "data": {
                "event_id": str(message_id),
                "resource_type": "webhook_endpoint",
                "resource_id": str(endpoint.id),
                "actor_id": str(request.identity.id) if request.identity else None,
                "payload": {"message": "A test event from Learning Hub."},
            },
        }
    )
    delivery = Delivery(
        id=uuid.uuid4(),
        endpoint_id=endpoint.id,
        message_id=message_id,
        event_type=TEST_EVENT,
        body=body,
        status="pending",
        is_test=True,
        created_at=now,
        next_attempt_at=now,
    )
    _queue(request, [delivery])
    return delivery


def replay(request, delivery: Delivery) -> Delivery:
    """A new delivery of the same message (same ``webhook-id`` and body)."""
    if delivery.status == "pending":
        raise ProblemError(409, "Conflict", "the delivery is still pending")
    endpoint = request.db.get(Endpoint, delivery.endpoint_id)
    if endpoint is None:
        raise not_found("delivery")
    if not endpoint.enabled and not delivery.is_test:
        raise ProblemError(409, "Conflict", "the endpoint is disabled: enable it first")
    now = utcnow()
    copy = Delivery(
        id=uuid.uuid4(),
        endpoint_id=delivery.endpoint_id,
        message_id=delivery.message_id,
        event_type=delivery.event_type,
        body=delivery.body,
        status="pending",
        is_test=delivery.is_test,
        replay_of=delivery.id,
        created_at=now,
        next_attempt_at=now,
    )
    _queue(request, [copy])
    request.emit(
        "webhooks.delivery.replayed",
        resource_type="webhook_delivery",
        resource_id=copy.id,
        payload={"replay_of": str(delivery.id), "event_type": delivery.event_type},
    )
    return copy


def attempts_of(request, delivery_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[Attempt]]:
    out: dict[uuid.UUID, list[Attempt]] = {key: [] for key in delivery_ids}
    if not delivery_ids:
        return out
    rows = request.db.scalars(
        sa.select(Attempt)
        .where(Attempt.delivery_id.in_(delivery_ids))
        .order_by(Attempt.delivery_id, Attempt.number)
    )
    for row in rows:
        out[row.delivery_id].append(row)
    return out
