"""A subscription's status and the access it gives.

Access follows the status (docs/design/commerce-contracts.md): ``active`` → the
enrolments it granted last until the period end; ``past_due`` → period end + the
tenant's ``subscription_grace_days``; ``canceled`` → now, or the period end when it
was cancelled at period end; ``incomplete`` → no access yet. The enrolments are
ordinary enrollment-plugin rows (source ``purchase``) whose ``expires_at`` this module
moves; ``payments_subscription_grants`` remembers which ones are the subscription's.
An enrolment the user had before (bought, free, given by an admin) is never taken over.

Gateway state arrives out of order. A state is applied when its event is newer than
the last one applied (``updated_from_event_at``); at the same second, only when it
does not step back (``incomplete`` < ``active``/``past_due`` < ``canceled``, period
end not earlier). ``canceled`` is final: nothing revives it.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from learninghub.db import utcnow

from .models import ACCESS_STATUSES, Plan, PlanCourse, Subscription, SubscriptionGrant

PLUGIN = "payments"
ACTIVATED = "payments.subscription.activated"
UPDATED = "payments.subscription.updated"
CANCELLED = "payments.subscription.cancelled"
RANK = {"incomplete": 0, "active": 1, "past_due": 1, "canceled": 2}
#: Stripe's subscription statuses -> ours
STRIPE_STATUSES = {
    "incomplete": "incomplete",
    "paused": "incomplete",
    "trialing": "active",
    "active": "active",
    "past_due": "past_due",
    "unpaid": "past_due",
    "canceled": "canceled",
    "incomplete_expired": "canceled",
}


def access_end(request, sub: Subscription, now: datetime | None = None) -> datetime | None:
    """Until when ``sub`` gives access (None: it gives none)."""
    now = now or utcnow()
    end = sub.current_period_end
    if sub.status == "active":
        return end
    if sub.status == "past_due":
        if end is None:
            return None
        grace = request.plugin_settings(PLUGIN).subscription_grace_days
        return end + timedelta(days=grace)
    if sub.status == "canceled":
        stopped = sub.canceled_at or now
        if sub.cancel_at_period_end and end is not None and end > stopped:
            return end
        return stopped
    return None


def gives_access(request, sub: Subscription, now: datetime | None = None) -> bool:
    now = now or utcnow()
    end = access_end(request, sub, now)
    return end is not None and end > now


def _user(request, user_id):
    from learninghub.identity import User

    return request.db.get(User, user_id)


def _set_window(request, enrollment, end: datetime) -> None:
    from learninghub_enrollment.services import change_window

    if enrollment.starts_at is not None and end <= enrollment.starts_at:
        end = enrollment.starts_at + timedelta(seconds=1)
    if enrollment.expires_at != end:
        change_window(request, enrollment, starts_at=enrollment.starts_at, expires_at=end)


def grant(request, sub: Subscription, course) -> SubscriptionGrant | None:
    """Enrol the subscriber in ``course`` until the subscription's access ends;
    None when it gives no access now or the user already has their own access."""
    from learninghub_enrollment.services import enrol, find_enrollment

    db = request.db
    now = utcnow()
    end = access_end(request, sub, now)
    if end is None or end <= now:
        return None
    existing = db.scalar(
        sa.select(SubscriptionGrant).where(
            SubscriptionGrant.subscription_id == sub.id,
            SubscriptionGrant.course_id == course.id,
        )
    )
    enrollment = find_enrollment(db, course.id, sub.user_id)
    if existing is None and enrollment is not None and enrollment.has_access_at(now):
        if enrollment.expires_at is None or enrollment.expires_at >= end:
            return None  # theirs already, for longer: leave it alone
    if enrollment is None or not enrollment.has_access_at(now):
        if enrollment is not None and enrollment.status == "cancelled" and existing is not None:
            return existing  # they left the course: do not enrol them again behind their back
        enrollment = enrol(request, course, _user(request, sub.user_id), "purchase", expires_at=end)
    _set_window(request, enrollment, end)
    if existing is None:
        existing = SubscriptionGrant(
            subscription_id=sub.id, course_id=course.id, enrollment_id=enrollment.id
        )
        try:
            with db.begin_nested():
                db.add(existing)
                db.flush()
        except IntegrityError:  # a concurrent request granted it first (same enrolment)
            return db.scalar(
                sa.select(SubscriptionGrant).where(
                    SubscriptionGrant.subscription_id == sub.id,
                    SubscriptionGrant.course_id == course.id,
                )
            )
    return existing


def plan_course_ids(db, plan: Plan) -> list[uuid.UUID]:
    return list(
        db.scalars(
            sa.select(PlanCourse.course_id)
            .where(PlanCourse.plan_id == plan.id)
            .order_by(PlanCourse.course_id)
        )
    )


def sync_access(request, sub: Subscription) -> None:
    """Make the granted enrolments follow ``sub``: new grants for the plan's courses
    while it gives access, every granted enrolment's window moved to its access end."""
    from learninghub_courses.services import get_courses
    from learninghub_enrollment.services import find_enrollment

    db = request.db
    now = utcnow()
    plan = db.get(Plan, sub.plan_id)
    if gives_access(request, sub, now) and plan is not None and not plan.all_courses:
        courses = get_courses(db, plan_course_ids(db, plan))
        for course in courses.values():
            if course.status == "published":
                grant(request, sub, course)
    end = access_end(request, sub, now) or now
    grants = db.scalars(
        sa.select(SubscriptionGrant).where(SubscriptionGrant.subscription_id == sub.id)
    ).all()
    for row in grants:
        enrollment = find_enrollment(db, row.course_id, sub.user_id)
        if enrollment is None or enrollment.id != row.enrollment_id:
            continue
        if enrollment.status == "cancelled":
            continue
        _set_window(request, enrollment, end)


def _payload(sub: Subscription) -> dict[str, Any]:
    return {
        "subscription_id": str(sub.id),
        "plan_id": str(sub.plan_id),
        "user_id": str(sub.user_id),
        "status": sub.status,
        "gateway": sub.gateway,
        "current_period_end": sub.current_period_end.isoformat()
        if sub.current_period_end
        else None,
        "cancel_at_period_end": sub.cancel_at_period_end,
    }


def emit(request, sub: Subscription, name: str) -> None:
    request.emit(name, resource_type="subscription", resource_id=sub.id, payload=_payload(sub))


def change(
    request,
    sub: Subscription,
    *,
    status: str,
    period_end: datetime | None = None,
    cancel_at_period_end: bool | None = None,
    at: datetime | None = None,
    provisional: bool = False,
) -> str:
    """Apply a state (from the gateway at time ``at``, or from an admin/the user
    now); sync the access and emit the event. Returns the outcome. A
    ``provisional`` state (a paid checkout, before the subscription's own events)
    does not count as the newest: the gateway's events still apply after it."""
    now = utcnow()
    at = at or now
    last = sub.updated_from_event_at
    if sub.status == "canceled" and status != "canceled":
        return "ignored: the subscription is canceled"
    if last is not None and at < last:
        return "ignored: an event newer than this one was applied"
    if last is not None and at == last:
        if RANK[status] < RANK[sub.status] or (
            period_end is not None
            and sub.current_period_end is not None
            and period_end < sub.current_period_end
        ):
            return "ignored: it would step back"
    before = (sub.status, sub.current_period_end, sub.cancel_at_period_end)
    previous = sub.status
    sub.status = status
    if period_end is not None:
        sub.current_period_end = period_end
    if cancel_at_period_end is not None:
        sub.cancel_at_period_end = cancel_at_period_end
    if status == "canceled" and sub.canceled_at is None:
        sub.canceled_at = min(at, now)
    if not provisional:
        sub.updated_from_event_at = at
    request.db.flush()
    sync_access(request, sub)
    if (sub.status, sub.current_period_end, sub.cancel_at_period_end) == before:
        return "ignored: nothing changed"
    if status == "canceled":
        emit(request, sub, CANCELLED)
    elif status == "active" and previous == "incomplete":
        emit(request, sub, ACTIVATED)
    else:
        emit(request, sub, UPDATED)
    return f"applied: {status}"


# ----------------------------------------------------------------- Stripe events


def _ts(value: Any) -> datetime | None:
    return datetime.fromtimestamp(value, UTC) if isinstance(value, int) else None


def lock(request, sub: Subscription) -> Subscription:
    """Re-read ``sub`` under a row lock (PostgreSQL; SQLite serialises writers): two
    deliveries about one subscription apply one after the other, each seeing the
    other's result, so the newest state wins whatever the commit order."""
    request.db.refresh(sub, with_for_update=True)
    return sub


def _find(request, subscription_id: Any = None, reference: str | None = None):
    sub = _lookup(request, subscription_id, reference)
    return lock(request, sub) if sub is not None else None


def _lookup(request, subscription_id: Any = None, reference: str | None = None):
    db = request.db
    if subscription_id:
        try:
            sub = db.get(Subscription, uuid.UUID(str(subscription_id)))
        except ValueError:
            sub = None
        if sub is not None:
            return sub
    if reference:
        return db.scalar(
            sa.select(Subscription).where(
                Subscription.gateway == "stripe", Subscription.gateway_reference == reference
            )
        )
    return None


def _link(sub: Subscription, reference: str | None) -> None:
    if reference and not sub.gateway_reference:
        sub.gateway_reference = reference


def _period_end(obj: dict) -> datetime | None:
    """``current_period_end`` of a subscription (on its items since API 2025-03-31)."""
    end = _ts(obj.get("current_period_end"))
    if end is None:
        items = (obj.get("items") or {}).get("data") or []
        ends = [_ts(item.get("current_period_end")) for item in items]
        ends = [e for e in ends if e is not None]
        end = max(ends) if ends else None
    return end


def stripe_checkout_completed(request, event: dict, obj: dict) -> str:
    from ..stripe_gateway.events import event_time

    sub = _find(
        request, (obj.get("metadata") or {}).get("subscription_id"), obj.get("subscription")
    )
    if sub is None:
        return "ignored: unknown subscription"
    _link(sub, obj.get("subscription"))
    request.db.flush()
    if obj.get("payment_status") not in ("paid", "no_payment_required"):
        return "waiting: the first payment is not complete yet"
    if sub.status != "incomplete":
        return f"ignored: already {sub.status}"
    # the subscription's own events carry the period; until one arrives, a paid
    # checkout opens access for one interval
    plan = request.db.get(Plan, sub.plan_id)
    at = event_time(event)
    days = 366 if plan is not None and plan.interval == "year" else 31
    return change(
        request, sub, status="active", period_end=at + timedelta(days=days), at=at, provisional=True
    )


def stripe_checkout_expired(request, event: dict, obj: dict) -> str:
    from ..stripe_gateway.events import event_time

    sub = _find(request, (obj.get("metadata") or {}).get("subscription_id"))
    if sub is None:
        return "ignored: unknown subscription"
    if sub.status != "incomplete" or sub.checkout_reference != obj.get("id"):
        return "ignored: not waiting for this checkout"
    return change(request, sub, status="canceled", at=event_time(event))


def stripe_subscription_changed(request, event: dict, obj: dict) -> str:
    from ..stripe_gateway.events import event_time

    sub = _find(request, (obj.get("metadata") or {}).get("subscription_id"), obj.get("id"))
    if sub is None:
        return "ignored: unknown subscription"
    _link(sub, obj.get("id"))
    status = "canceled" if event["type"].endswith(".deleted") else None
    status = status or STRIPE_STATUSES.get(obj.get("status") or "", "incomplete")
    return change(
        request,
        sub,
        status=status,
        period_end=_period_end(obj),
        cancel_at_period_end=bool(obj.get("cancel_at_period_end")),
        at=event_time(event),
    )


def _invoice_subscription(obj: dict) -> tuple[str | None, Any]:
    """(Stripe subscription id, our subscription id) of an invoice, in the shape of
    any API version (``parent.subscription_details`` since 2025-03-31)."""
    details = ((obj.get("parent") or {}).get("subscription_details")) or {}
    reference = details.get("subscription") or obj.get("subscription")
    metadata = details.get("metadata") or obj.get("subscription_details", {}).get("metadata") or {}
    return reference, metadata.get("subscription_id")


def _invoice_period_end(obj: dict) -> datetime | None:
    lines = (obj.get("lines") or {}).get("data") or []
    ends = [_ts((line.get("period") or {}).get("end")) for line in lines]
    ends = [e for e in ends if e is not None]
    return max(ends) if ends else _ts(obj.get("period_end"))


def stripe_invoice_paid(request, event: dict, obj: dict) -> str:
    from ..stripe_gateway.events import event_time

    reference, ours = _invoice_subscription(obj)
    sub = _find(request, ours, reference)
    if sub is None:
        return "ignored: not a subscription invoice of this site"
    _link(sub, reference)
    end = _invoice_period_end(obj)
    if end is not None and sub.current_period_end is not None and end < sub.current_period_end:
        end = sub.current_period_end
    return change(request, sub, status="active", period_end=end, at=event_time(event))


def stripe_invoice_failed(request, event: dict, obj: dict) -> str:
    from ..stripe_gateway.events import event_time

    reference, ours = _invoice_subscription(obj)
    sub = _find(request, ours, reference)
    if sub is None:
        return "ignored: not a subscription invoice of this site"
    if sub.status not in ACCESS_STATUSES:
        return f"ignored: the subscription is {sub.status}"
    return change(request, sub, status="past_due", at=event_time(event))
