"""Fan-out and delivery, exactly once.

1. ``learninghub_domain_event_emitted`` (in :mod:`learninghub_notifications`) keeps the
   events some notification type reacts to in the kernel's event inbox, inside the
   emitting transaction (:func:`keep`).
2. ``notifications.process_event`` (:func:`process_event`) runs :func:`fan_out` through
   ``inbox.process``: for each matching type, each recipient gets one notification row
   (unique per user, type and source event) and, per enabled channel other than in-app,
   one delivery row written ``pending`` (unique per notification and channel); the
   ``notifications.deliver`` tasks are queued last, so they run only after all of it
   committed. Emails of users with a daily or weekly digest become ``digest``
   deliveries, left pending for ``learninghub notifications digest``.
3. ``notifications.deliver`` (:func:`deliver`) locks the delivery, does nothing unless
   it is pending, calls the channel's sender (:mod:`.channels`) and records the outcome
   on the row. A failure that may pass is retried by queueing the task again at a later
   time (30 s, 1 min, 2 min, ... at most an hour) until the tenant's ``max_attempts``,
   then the delivery is ``failed``. The task records the attempt and schedules the next
   one itself instead of raising: a raising task's transaction is rolled back (the
   attempt and the error would be lost), Celery's retry would run it again without
   them, and the in-process back end does not retry at all. A retry lost with an
   in-process worker is queued again by ``learninghub notifications retry-deliveries``.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

import sqlalchemy as sa

from learninghub import inbox
from learninghub.db import utcnow
from learninghub.i18n import speak_to
from learninghub.identity import User
from learninghub.tasks import task

from . import services
from .channels import SENDERS, DeliveryError, SkipDelivery, load_channels
from .models import FAILED, PENDING, SENT, SKIPPED, Delivery, Notification

log = logging.getLogger(__name__)

CONSUMER = "notifications"


def keep(request, event) -> bool:
    """Keep ``event`` for the fan-out when some type of the tenant reacts to it."""
    if event.name.startswith("notifications."):
        return False  # never feed on our own events
    if event.name not in services.wanted_events(request):
        return False
    return inbox.keep(request, CONSUMER, event, services.PROCESS_TASK)


@task(services.PROCESS_TASK, max_retries=0)
def process_event(request, event_id: str) -> None:
    """Fan one kept event out (``inbox.process`` retries a failing fan-out itself)."""
    inbox.process(request, CONSUMER, event_id, fan_out)


def fan_out(request, event) -> None:
    """Notification and delivery rows for ``event``; idempotent on its own (a row that
    exists is left alone), though ``inbox.process`` runs it once per event."""
    db = request.db
    defaults = services.tenant_defaults(request)
    queued: list[uuid.UUID] = []
    for kind in services.types_for_event(request, event.name):
        seen: set[uuid.UUID] = set()
        for user_id in kind.recipients(request, event):
            if user_id in seen:
                continue
            seen.add(user_id)
            queued.extend(_notify(request, kind, event, user_id, defaults))
    db.flush()
    for delivery_id in queued:
        request.tasks.enqueue(services.DELIVER_TASK, delivery_id=str(delivery_id))


def _notify(request, kind, event, user_id, defaults) -> list[uuid.UUID]:
    db = request.db
    exists = db.scalar(
        sa.select(Notification.id).where(
            Notification.user_id == user_id,
            Notification.type == kind.key,
            Notification.source_event_id == event.id,
        )
    )
    if exists is not None:
        return []
    user = db.get(User, user_id)
    if user is None or not user.is_active:
        return []
    channels = services.enabled_channels(
        kind, services.user_preferences(request, user_id), defaults
    )
    if not channels:
        return []
    speak_to(request, user)
    rendered = kind.render(request, event, user)
    if rendered is None:
        return []
    notification = Notification(
        user_id=user_id,
        type=kind.key,
        source_event_id=event.id,
        subject=rendered.subject[:300],
        body=rendered.body or "",
        url=(rendered.url or "")[:1000],
        in_app="in_app" in channels,
    )
    db.add(notification)
    db.flush()
    queued = []
    for channel in channels:
        if channel == "in_app":
            continue
        if channel == "push" and not services.has_push_subscription(request, user_id):
            continue  # no browser to push to: no delivery row
        if channel == "email" and services.digest_frequency(request, user_id) != "off":
            db.add(Delivery(notification_id=notification.id, channel="digest"))
            continue
        delivery = Delivery(notification_id=notification.id, channel=channel)
        db.add(delivery)
        db.flush()
        queued.append(delivery.id)
    return queued


def retry_delay(attempts: int) -> timedelta:
    """30 s after the first failed attempt, then doubling, at most an hour."""
    return timedelta(seconds=min(3600, 30 * 2 ** max(0, attempts - 1)))


@task(services.DELIVER_TASK, max_retries=0)
def deliver(request, delivery_id: str) -> None:
    """Send one pending delivery once (see the module's docstring)."""
    try:
        key = uuid.UUID(str(delivery_id))
    except ValueError:
        log.warning("notifications.deliver got a malformed id %r", delivery_id)
        return
    db = request.db
    delivery = db.scalar(sa.select(Delivery).where(Delivery.id == key).with_for_update())
    if delivery is None or delivery.status != PENDING or delivery.channel == "digest":
        return  # gone, already sent/failed/skipped, or the digest's to send
    notification = db.get(Notification, delivery.notification_id)
    user = db.get(User, notification.user_id) if notification is not None else None
    if user is None or not user.is_active:
        _finish(delivery, SKIPPED, "the recipient is gone or inactive")
        return
    load_channels()
    sender = SENDERS.get(delivery.channel)
    if sender is None:
        _finish(delivery, FAILED, f"no sender for the channel {delivery.channel!r}")
        return
    delivery.attempts += 1
    speak_to(request, user)
    try:
        sender(request, notification, delivery, user)
    except SkipDelivery as exc:
        _finish(delivery, SKIPPED, exc.reason)
    except DeliveryError as exc:
        if exc.permanent:
            _finish(delivery, FAILED, exc.reason)
        else:
            _retry(request, delivery, f"DeliveryError: {exc.reason}")
    except Exception as exc:
        log.warning("delivery %s (%s) failed", delivery.id, delivery.channel, exc_info=True)
        _retry(request, delivery, f"{type(exc).__name__}: {exc}")
    else:
        delivery.status = SENT
        delivery.sent_at = utcnow()
        delivery.last_error = ""
        log.info("delivery %s sent by %s", delivery.id, delivery.channel)
    db.flush()


def _finish(delivery: Delivery, status: str, reason: str) -> None:
    delivery.status = status
    delivery.last_error = reason[:2000]
    log.info("delivery %s %s: %s", delivery.id, status, reason)


def _retry(request, delivery: Delivery, error: str) -> None:
    delivery.last_error = error[:2000]
    if delivery.attempts >= request.plugin_settings(services.PLUGIN).max_attempts:
        delivery.status = FAILED
        log.warning("delivery %s failed after %d attempts", delivery.id, delivery.attempts)
        return
    request.tasks.enqueue_at(
        utcnow() + retry_delay(delivery.attempts),
        services.DELIVER_TASK,
        delivery_id=str(delivery.id),
    )


def requeue_pending(request, older_than: timedelta = timedelta(minutes=10)) -> int:
    """Queue again the email and push deliveries left pending longer than
    ``older_than`` (their task or retry was lost with a stopped process); returns how
    many (at most 1000 per call)."""
    ids = list(
        request.db.scalars(
            sa.select(Delivery.id)
            .where(
                Delivery.status == PENDING,
                Delivery.channel != "digest",
                Delivery.created_at <= utcnow() - older_than,
            )
            .order_by(Delivery.created_at)
            .limit(1000)
        )
    )
    for delivery_id in ids:
        request.tasks.enqueue(services.DELIVER_TASK, delivery_id=str(delivery_id))
    return len(ids)
