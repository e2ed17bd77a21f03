"""``POST /api/v1/payments/stripe/webhook``: Stripe's events, verified and applied once.

* The tenant is the Host's (each tenant registers its own endpoint URL at Stripe with
  its own signing secret, the ``stripe_webhook_secret`` setting). No sign-in, no CSRF
  token (an API route): the signature is the authentication.
* ``stripe.Webhook.construct_event`` checks the ``Stripe-Signature`` header (HMAC
  SHA-256 of ``<timestamp>.<body>``) and a timestamp at most :data:`TOLERANCE` seconds
  old; anything else is a 400 problem and changes nothing.
* Each event id is inserted in ``payments_gateway_events`` **first**, in the same
  transaction as its effect: a replay, or a twin delivered at the same moment (which
  waits on the unique index, then fails), answers 200 without effect. Starting with
  the insert also makes concurrent deliveries queue on SQLite's write lock instead of
  failing on a stale read snapshot.
* Handlers (:mod:`.events`) only move orders and subscriptions forward, so events may
  arrive in any order. A refusal of the business rules (e.g. an amount that is not
  the order's total) is recorded as the event's outcome and answered 200 (Stripe
  would otherwise retry it for days); any other failure answers 500 and Stripe
  retries.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import stripe
from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError

from learninghub.api import ProblemError, api_view

from .client import settings
from .models import GatewayEvent

log = logging.getLogger(__name__)

TOLERANCE = 300
MAX_BYTES = 1_048_576
GATEWAY = "stripe"


class WebhookAnswer(BaseModel):
    received: bool
    #: "applied", "duplicate", "ignored: ..." or "refused: ..."
    outcome: str


def _signature_problem(detail: str) -> ProblemError:
    return ProblemError(400, "Invalid signature", detail)


def verify(request) -> dict:
    """The verified event as a plain dict; a 400 problem when it is not genuine."""
    secret = settings(request).stripe_webhook_secret
    if not secret.is_set:
        raise ProblemError(
            503, "Service unavailable", "Stripe webhooks are not configured on this site"
        )
    header = request.headers.get("Stripe-Signature")
    if not header:
        raise _signature_problem("the Stripe-Signature header is missing")
    if request.content_length and request.content_length > MAX_BYTES:
        raise ProblemError(413, "Payload too large", f"events are limited to {MAX_BYTES} bytes")
    try:
        event = stripe.Webhook.construct_event(
            request.body, header, secret.reveal(request), tolerance=TOLERANCE
        )
    except stripe.SignatureVerificationError:
        raise _signature_problem(
            "the signature does not match this endpoint's signing secret, or its "
            f"timestamp is more than {TOLERANCE} seconds old"
        ) from None
    except ValueError:
        raise ProblemError(400, "Malformed JSON", "the event is not a JSON object") from None
    data = event.to_dict()
    if not isinstance(data.get("id"), str) or not isinstance(data.get("type"), str):
        raise ProblemError(400, "Malformed event", "the event has no id or type")
    return data


def record(request, event: dict) -> GatewayEvent | None:
    """Insert the event's row (a savepoint); None when it was already recorded."""
    db = request.db
    created = event.get("created")
    row = GatewayEvent(
        gateway=GATEWAY,
        event_id=event["id"][:255],
        event_type=event["type"][:100],
        created_at=datetime.fromtimestamp(created if isinstance(created, int) else 0, UTC),
    )
    try:
        with db.begin_nested():
            db.add(row)
            db.flush()
    except IntegrityError:
        return None
    return row


def process(request, event: dict) -> str:
    """Apply ``event`` once; returns its outcome."""
    from .events import apply

    row = record(request, event)
    if row is None:
        return "duplicate"
    try:
        outcome = apply(request, event)
    except ProblemError as exc:
        if exc.status >= 500:
            raise  # Stripe unreachable while refunding a late payment: let Stripe retry
        outcome = f"refused: {exc.detail or exc.title}"
        log.error(
            "stripe event refused",
            extra={"event_id": event["id"], "event_type": event["type"], "detail": outcome},
        )
    row.outcome = outcome[:200]
    request.db.flush()
    return outcome


@api_view(
    "payments.api.stripe_webhook",
    "/api/v1/payments/stripe/webhook",
    "POST",
    response=WebhookAnswer,
    summary="Receive a Stripe event (signed with the endpoint's secret; no sign-in)",
)
def receive(request):
    event = verify(request)
    return WebhookAnswer(received=True, outcome=process(request, event))
