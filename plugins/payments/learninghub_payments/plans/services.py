"""Plans and subscriptions: what the API and the pages of the plans part do.

Permission checks are the callers'; every function works in the request's
transaction (one request, one transaction) and raises ``ProblemError`` for refusals.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from learninghub.api import ProblemError
from learninghub.db import utcnow

from . import lifecycle
from .models import ACCESS_STATUSES, Plan, PlanCourse, Subscription

PLUGIN = "payments"
PLAN_CREATED = "payments.plan.created"
PLAN_UPDATED = "payments.plan.updated"


def not_found(what: str = "plan") -> ProblemError:
    return ProblemError(404, "Not found", f"no such {what}")


def parse_id(raw: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(raw))
    except (TypeError, ValueError):
        return None


def settings(request):
    return request.plugin_settings(PLUGIN)


# ----------------------------------------------------------------- plans


def get_plan(request, raw_id: Any, *, active_only: bool = False) -> Plan:
    plan_id = parse_id(raw_id)
    plan = request.db.get(Plan, plan_id) if plan_id else None
    if plan is None or (active_only and not plan.active):
        raise not_found()
    return plan


def active_plans(request) -> list[Plan]:
    return list(
        request.db.scalars(
            sa.select(Plan).where(Plan.active.is_(True)).order_by(Plan.price_minor, Plan.id)
        )
    )


def course_ids_of(request, plans: list[Plan]) -> dict[uuid.UUID, list[uuid.UUID]]:
    """plan id -> its course ids (one query)."""
    result: dict[uuid.UUID, list[uuid.UUID]] = {p.id: [] for p in plans}
    if plans:
        rows = request.db.execute(
            sa.select(PlanCourse.plan_id, PlanCourse.course_id).where(
                PlanCourse.plan_id.in_(list(result))
            )
        )
        for plan_id, course_id in rows:
            result[plan_id].append(course_id)
    return result


def _check_courses(request, course_ids: list[uuid.UUID]) -> list[uuid.UUID]:
    from learninghub_courses.services import get_courses

    unique = list(dict.fromkeys(course_ids))
    found = get_courses(request.db, unique)
    missing = [str(c) for c in unique if c not in found]
    if missing:
        raise ProblemError(
            422,
            "Validation failed",
            "unknown courses: " + ", ".join(missing),
            errors=[
                {"path": ["body", "course_ids"], "message": "unknown course", "type": "value_error"}
            ],
        )
    return unique


def _set_courses(request, plan: Plan, course_ids: list[uuid.UUID]) -> None:
    db = request.db
    wanted = set(_check_courses(request, course_ids))
    current = {
        row.course_id: row
        for row in db.scalars(sa.select(PlanCourse).where(PlanCourse.plan_id == plan.id))
    }
    for course_id, row in current.items():
        if course_id not in wanted:
            db.delete(row)
    for course_id in wanted - set(current):
        db.add(PlanCourse(plan_id=plan.id, course_id=course_id))
    db.flush()


def create_plan(request, values: dict[str, Any]) -> Plan:
    course_ids = values.pop("course_ids", [])
    plan = Plan(currency=settings(request).currency, **values)
    request.db.add(plan)
    request.db.flush()
    _set_courses(request, plan, course_ids)
    _emit_plan(request, plan, PLAN_CREATED)
    return plan


def update_plan(request, plan: Plan, values: dict[str, Any]) -> Plan:
    course_ids = values.pop("course_ids", None)
    if "price_minor" in values or "interval" in values:
        if (
            values.get("price_minor", plan.price_minor) != plan.price_minor
            or values.get("interval", plan.interval) != plan.interval
        ):
            # Stripe prices are immutable: a Price id set for the old amount no longer fits
            values.setdefault("stripe_price_id", "")
    for key, value in values.items():
        setattr(plan, key, value)
    request.db.flush()
    if course_ids is not None:
        _set_courses(request, plan, course_ids)
        for sub in live_subscriptions_of_plan(request, plan):
            lifecycle.sync_access(request, sub)
    _emit_plan(request, plan, PLAN_UPDATED)
    return plan


def _emit_plan(request, plan: Plan, name: str) -> None:
    request.emit(
        name,
        resource_type="plan",
        resource_id=plan.id,
        payload={
            "plan_id": str(plan.id),
            "name": plan.name,
            "price_minor": plan.price_minor,
            "currency": plan.currency,
            "interval": plan.interval,
            "active": plan.active,
        },
    )


# ----------------------------------------------------------------- subscriptions


def live_subscriptions_of_plan(request, plan: Plan) -> list[Subscription]:
    return list(
        request.db.scalars(
            sa.select(Subscription).where(
                Subscription.plan_id == plan.id, Subscription.status.in_(ACCESS_STATUSES)
            )
        )
    )


def current_subscription(request, user_id) -> Subscription | None:
    """The user's subscription that gives access now (the newest), or None."""
    now = utcnow()
    rows = request.db.scalars(
        sa.select(Subscription)
        .where(Subscription.user_id == user_id, Subscription.status != "incomplete")
        .order_by(Subscription.created_at.desc())
    )
    for sub in rows:
        if lifecycle.gives_access(request, sub, now):
            return sub
    return None


def own_subscription(request, raw_id: Any) -> Subscription:
    sub_id = parse_id(raw_id)
    sub = request.db.get(Subscription, sub_id) if sub_id else None
    if sub is None or request.identity is None or sub.user_id != request.identity.id:
        raise not_found("subscription")
    return sub


def any_subscription(request, raw_id: Any) -> Subscription:
    sub_id = parse_id(raw_id)
    sub = request.db.get(Subscription, sub_id) if sub_id else None
    if sub is None:
        raise not_found("subscription")
    return sub


def subscribe(request, plan: Plan, user) -> tuple[Subscription, str]:
    """Start a subscription to ``plan``: an ``incomplete`` row and where to pay
    (the gateway's checkout, or for the offline gateway our account page, where an
    admin's activation will show). 409 when the user already has one giving access
    or the plan is not sold in the site's currency."""
    from ..gateway import IPaymentGateway

    currency = settings(request).currency
    if plan.currency != currency:
        raise ProblemError(
            409,
            "Conflict",
            f"this plan is priced in {plan.currency} and this site sells in {currency}",
        )
    if current_subscription(request, user.id) is not None:
        raise ProblemError(
            409, "Conflict", "you already have a subscription: manage it on your account"
        )
    gateway = request.find_service(IPaymentGateway)
    sub = Subscription(user_id=user.id, plan_id=plan.id, status="incomplete", gateway=gateway.name)
    request.db.add(sub)
    request.db.flush()
    start = gateway.start_subscription(request, plan, sub)
    sub.checkout_reference = start.reference
    sub.checkout_url = start.redirect_url
    request.db.flush()
    return sub, start.redirect_url


def cancel(request, sub: Subscription, *, at_period_end: bool) -> Subscription:
    """Cancel at the gateway, then here (the gateway's webhooks confirm later; a
    late one cannot undo it). An incomplete subscription is simply closed."""
    lifecycle.lock(request, sub)
    from ..gateway import GATEWAYS

    if sub.status == "canceled":
        raise ProblemError(409, "Conflict", "the subscription is already cancelled")
    if sub.status == "incomplete":
        lifecycle.change(request, sub, status="canceled")
        return sub
    if at_period_end and sub.cancel_at_period_end:
        raise ProblemError(409, "Conflict", "the subscription already ends with its period")
    factory = GATEWAYS.get(sub.gateway)
    if factory is not None:
        factory(request).cancel_subscription(request, sub, at_period_end)
    if at_period_end:
        lifecycle.change(request, sub, status=sub.status, cancel_at_period_end=True)
    else:
        lifecycle.change(request, sub, status="canceled")
    return sub


def activate(request, sub: Subscription, period_end: datetime) -> Subscription:
    """An admin records that an invoiced (offline) subscription is paid until
    ``period_end``: active, and its access follows."""
    lifecycle.lock(request, sub)
    if sub.gateway == "stripe":
        raise ProblemError(
            409, "Conflict", "Stripe subscriptions follow Stripe: they are not activated by hand"
        )
    if sub.status == "canceled":
        raise ProblemError(409, "Conflict", "the subscription is cancelled")
    if period_end <= utcnow():
        raise ProblemError(
            422,
            "Validation failed",
            "the period must end in the future",
            errors=[
                {
                    "path": ["body", "current_period_end"],
                    "message": "must be in the future",
                    "type": "value_error",
                }
            ],
        )
    lifecycle.change(request, sub, status="active", period_end=period_end)
    return sub


def self_confirm(request, sub: Subscription) -> Subscription:
    """The demonstration's shortcut (setting ``offline_self_confirm``): the buyer
    activates their own offline subscription for one interval. Nobody pays."""
    lifecycle.lock(request, sub)
    from datetime import timedelta

    values = settings(request)
    if sub.gateway != "offline" or not values.offline_self_confirm:
        raise ProblemError(403, "Forbidden", "subscriptions are activated by an administrator")
    if sub.status != "incomplete":
        raise ProblemError(409, "Conflict", f"the subscription is already {sub.status}")
    plan = request.db.get(Plan, sub.plan_id)
    days = 365 if plan is not None and plan.interval == "year" else 30
    lifecycle.change(request, sub, status="active", period_end=utcnow() + timedelta(days=days))
    return sub


def portal_url(request, user, return_url: str) -> str | None:
    from ..gateway import IPaymentGateway

    return request.find_service(IPaymentGateway).portal_url(request, user, return_url)


def covering_subscription(request, user_id, course) -> Subscription | None:
    """The user's subscription giving access now whose plan covers ``course``."""
    sub = current_subscription(request, user_id)
    if sub is None or course.status != "published":
        return None
    plan = request.db.get(Plan, sub.plan_id)
    if plan is None:
        return None
    if plan.all_courses:
        return sub
    covered = request.db.scalar(
        sa.select(PlanCourse.id).where(
            PlanCourse.plan_id == plan.id, PlanCourse.course_id == course.id
        )
    )
    return sub if covered is not None else None


def include_course(request, user, course):
    """Enrol a subscriber in a course their plan covers; 409 when it does not."""
    sub = covering_subscription(request, user.id, course)
    if sub is None:
        raise ProblemError(409, "Conflict", "your plan does not include this course")
    lifecycle.grant(request, sub, course)
    return sub
