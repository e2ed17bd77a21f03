"""Sending deliveries: one attempt, the retry schedule, automatic disabling.

Schedule: after the n-th failed attempt the next one is due after
``min(retry_base_seconds * 2**(n-1), retry_max_interval_seconds)`` seconds, times a
random factor in [1 - JITTER, 1 + JITTER] so that a burst of failures does not
come back in lockstep. A delivery whose next attempt would fall after
``created_at + retry_window_hours`` is given up (``failed``). With the defaults:
1, 2, 4, 8, 16, 32, 64, 128, 256 minutes, then every 6 hours, for 24 hours (about
12 attempts). Test events are attempted once.

An endpoint whose attempts failed ``disable_after_failures`` times in a row, for at
least ``disable_after_hours``, is disabled; the tenant's webhook admins get an
email and the endpoint's pending deliveries are cancelled (they can be replayed).
"""

from __future__ import annotations

import logging
import random
import uuid
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formataddr

import sqlalchemy as sa

from learninghub.db import utcnow
from learninghub.identity import RoleGrant, User, role_grants
from learninghub.interfaces import IMailer
from learninghub.secrets import SecretError

from . import secretstore, services, signing, transport
from .models import Attempt, Delivery, Endpoint
from .permissions import WebhookPermission
from .settings import WebhooksSettings, effective_settings

log = logging.getLogger(__name__)

JITTER = 0.2
#: characters of the request body kept in each attempt's log
REQUEST_EXCERPT_CHARS = 2048


def base_delay(settings: WebhooksSettings, failed_attempts: int) -> float:
    """Seconds before the next attempt after ``failed_attempts`` failures, before jitter."""
    exponent = min(max(failed_attempts, 1) - 1, 30)
    return float(
        min(settings.retry_base_seconds * 2**exponent, settings.retry_max_interval_seconds)
    )


def retry_delay(settings: WebhooksSettings, failed_attempts: int) -> timedelta:
    factor = random.uniform(1 - JITTER, 1 + JITTER)  # noqa: S311 - jitter, not a secret
    return timedelta(seconds=base_delay(settings, failed_attempts) * factor)


def deadline(settings: WebhooksSettings, delivery: Delivery) -> datetime:
    return delivery.created_at + timedelta(hours=settings.retry_window_hours)


def _cancel(delivery: Delivery, reason: str) -> None:
    delivery.status = "cancelled"
    delivery.next_attempt_at = None
    delivery.last_error = reason


def attempt(request, delivery: Delivery, now: datetime | None = None) -> Attempt | None:
    """Try ``delivery`` once if it is pending and due at ``now``; record the attempt
    and schedule the next one. Returns the attempt, or None when nothing was due."""
    now = now or utcnow()
    if delivery.status != "pending":
        return None
    if delivery.next_attempt_at is not None and delivery.next_attempt_at > now:
        return None
    endpoint = request.db.get(Endpoint, delivery.endpoint_id)
    if endpoint is None:
        _cancel(delivery, "the endpoint was deleted")
        return None
    if not endpoint.enabled and not delivery.is_test:
        _cancel(delivery, "the endpoint was disabled")
        return None
    settings = effective_settings(request)
    timestamp = int(now.timestamp())
    try:
        secret = secretstore.reveal(request.registry, endpoint.secret)
    except SecretError as exc:
        # an operator problem (secrets.keys): nothing is sent unsigned
        headers = {"webhook-id": str(delivery.message_id), "webhook-timestamp": str(timestamp)}
        outcome = transport.Outcome(error=f"not sent: the signing secret cannot be opened ({exc})")
    else:
        headers = signing.headers(secret, str(delivery.message_id), timestamp, delivery.body)
        outcome = transport.post(
            endpoint.url,
            delivery.body,
            headers,
            allow_loopback=settings.allow_loopback,
            connect_timeout=settings.connect_timeout,
            read_timeout=settings.read_timeout,
        )
    number = delivery.attempts + 1
    row = Attempt(
        id=uuid.uuid4(),
        delivery_id=delivery.id,
        number=number,
        attempted_at=now,
        duration_ms=outcome.duration_ms,
        url=endpoint.url,
        address=outcome.address,
        request_headers={
            "content-type": "application/json",
            "user-agent": transport.USER_AGENT,
            **headers,
        },
        status_code=outcome.status_code,
        response_headers=outcome.headers,
        response_excerpt=outcome.excerpt,
        error=outcome.error[:500],
        succeeded=outcome.succeeded,
    )
    request.db.add(row)
    delivery.attempts = number
    delivery.last_attempt_at = now
    delivery.last_status_code = outcome.status_code
    delivery.last_error = outcome.error[:500]
    if outcome.succeeded:
        delivery.status = "delivered"
        delivery.delivered_at = now
        delivery.next_attempt_at = None
        if not delivery.is_test:
            endpoint.consecutive_failures = 0
            endpoint.failing_since = None
    elif delivery.is_test:
        delivery.status = "failed"
        delivery.next_attempt_at = None
    else:
        following = now + retry_delay(settings, number)
        if following > deadline(settings, delivery):
            delivery.status = "failed"
            delivery.next_attempt_at = None
        else:
            delivery.next_attempt_at = following
        endpoint.consecutive_failures += 1
        endpoint.failing_since = endpoint.failing_since or now
        if endpoint.enabled and should_disable(settings, endpoint, now):
            auto_disable(request, endpoint, now)
    request.db.flush()
    log.info(
        "webhook delivery %s attempt %d: %s",
        delivery.id,
        number,
        "delivered" if outcome.succeeded else outcome.error,
    )
    return row


def should_disable(settings: WebhooksSettings, endpoint: Endpoint, now: datetime) -> bool:
    if endpoint.consecutive_failures < settings.disable_after_failures:
        return False
    since = endpoint.failing_since or now
    return now - since >= timedelta(hours=settings.disable_after_hours)


def auto_disable(request, endpoint: Endpoint, now: datetime) -> None:
    failures = endpoint.consecutive_failures
    cancelled = services.disable(request, endpoint, "failures", now)
    request.emit(
        "webhooks.endpoint.disabled",
        resource_type="webhook_endpoint",
        resource_id=endpoint.id,
        payload={"url": endpoint.url, "failures": failures, "cancelled": cancelled},
    )
    notify_disabled(request, endpoint, failures)
    log.warning("webhook endpoint %s disabled after %d failed attempts", endpoint.id, failures)


def webhook_admins(request) -> list[User]:
    """Active users holding the manage permission through a tenant-wide role."""
    grants = role_grants(request.registry, request.tenant)
    roles = [role for role, perms in grants.items() if str(WebhookPermission.MANAGE) in perms]
    if not roles:
        return []
    holders = sa.select(RoleGrant.user_id).where(
        RoleGrant.role.in_(roles), RoleGrant.resource_type == ""
    )
    return list(
        request.db.scalars(
            sa.select(User)
            .where(User.id.in_(holders), User.status == "active")
            .order_by(User.email)
        )
    )


def notify_disabled(request, endpoint: Endpoint, failures: int) -> None:
    """Email every webhook admin (sent after the transaction commits)."""
    _ = request.gettext
    mailer = request.find_service(IMailer)
    page = request.route_url("webhooks.page.endpoint", id=str(endpoint.id))
    tenant = request.tenant
    since = endpoint.failing_since.strftime("%Y-%m-%d %H:%M UTC") if endpoint.failing_since else ""
    for user in webhook_admins(request):
        message = EmailMessage()
        message["Subject"] = f"[{tenant.name}] " + _("Webhook endpoint disabled")
        message["To"] = formataddr((user.display_name, user.email))
        text = _(
            "The webhook endpoint %(url)s was disabled after %(failures)s failed attempts "
            "in a row (failing since %(since)s).",
            url=endpoint.url,
            failures=failures,
            since=since,
        )
        advice = _(
            "Pending deliveries to it were cancelled. Fix the receiver, enable the "
            "endpoint again and replay the deliveries you need:"
        )
        message.set_content(f"{text}\n\n{advice}\n\n{page}\n")
        mailer.send(message, request.tm)


def due_delivery_ids(request, now: datetime | None = None, limit: int = 100) -> list[uuid.UUID]:
    """Pending deliveries of the request's tenant whose next attempt is due."""
    now = now or utcnow()
    stmt = (
        sa.select(Delivery.id)
        .join(Endpoint, Endpoint.id == Delivery.endpoint_id)
        .where(
            Delivery.status == "pending",
            Delivery.next_attempt_at <= now,
            sa.or_(Endpoint.enabled.is_(True), Delivery.is_test.is_(True)),
        )
        .order_by(Delivery.next_attempt_at, Delivery.id)
        .limit(limit)
    )
    return list(request.db.scalars(stmt))


def lock_delivery(request, delivery_id: uuid.UUID) -> Delivery | None:
    return request.db.scalar(
        sa.select(Delivery).where(Delivery.id == delivery_id).with_for_update()
    )
