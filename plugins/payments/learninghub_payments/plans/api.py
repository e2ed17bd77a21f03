"""The plans part's JSON API (docs/plugins/payments-stripe.md#api)."""

from __future__ import annotations

import sqlalchemy as sa

from learninghub.api import Page, PageQuery, ProblemError, api_view, paginate

from ..permissions import PaymentsPermission as P
from . import lifecycle, services
from .models import Plan, Subscription
from .schemas import (
    ActivateIn,
    AdminPlanOut,
    AdminPlanQuery,
    AdminSubscriptionQuery,
    CancelIn,
    PlanCreate,
    PlanOut,
    PlanUpdate,
    PortalOut,
    SubscribeOut,
    SubscriptionOut,
)

TAGS = ["payments"]


def plan_out(request, plans: list[Plan], model=PlanOut) -> list:
    courses = services.course_ids_of(request, plans)
    return [
        model.model_validate(
            {
                **{c: getattr(p, c) for c in model.model_fields if c != "course_ids"},
                "course_ids": courses[p.id],
            }
        )
        for p in plans
    ]


def subscription_out(request, sub: Subscription) -> SubscriptionOut:
    out = SubscriptionOut.model_validate(sub, from_attributes=True)
    out.access_until = lifecycle.access_end(request, sub)
    return out


@api_view(
    "payments.api.plans",
    "/api/v1/plans",
    "GET",
    query=PageQuery,
    response=Page[PlanOut],
    tags=TAGS,
    summary="List the plans on sale (anyone)",
)
def list_plans(request, query: PageQuery):
    stmt = sa.select(Plan).where(Plan.active.is_(True))
    rows, cursor = paginate(request.db, stmt, Plan.created_at, Plan.id, query)
    return Page[PlanOut](items=plan_out(request, rows), next_cursor=cursor)


@api_view(
    "payments.api.plan_subscribe",
    "/api/v1/plans/{id}/subscribe",
    "POST",
    response=SubscribeOut,
    status=201,
    permission=P.BUY,
    tags=TAGS,
    summary="Subscribe to a plan: returns where to pay",
)
def subscribe(request):
    plan = services.get_plan(request, request.matchdict["id"], active_only=True)
    sub, url = services.subscribe(request, plan, request.identity)
    return SubscribeOut(subscription=subscription_out(request, sub), redirect_url=url)


@api_view(
    "payments.api.subscriptions",
    "/api/v1/subscriptions",
    "GET",
    query=PageQuery,
    response=Page[SubscriptionOut],
    permission=P.BUY,
    tags=TAGS,
    summary="My subscriptions, newest first",
)
def my_subscriptions(request, query: PageQuery):
    stmt = sa.select(Subscription).where(Subscription.user_id == request.identity.id)
    rows, cursor = paginate(request.db, stmt, Subscription.created_at, Subscription.id, query)
    return Page[SubscriptionOut](
        items=[subscription_out(request, s) for s in rows], next_cursor=cursor
    )


@api_view(
    "payments.api.subscription_cancel",
    "/api/v1/subscriptions/{id}/cancel",
    "POST",
    body=CancelIn,
    response=SubscriptionOut,
    permission=P.BUY,
    tags=TAGS,
    summary="Cancel my subscription, at the end of its period (default) or now",
)
def cancel_subscription(request, body: CancelIn):
    sub = services.own_subscription(request, request.matchdict["id"])
    services.cancel(request, sub, at_period_end=body.at_period_end)
    return subscription_out(request, sub)


@api_view(
    "payments.api.billing_portal",
    "/api/v1/billing-portal",
    "POST",
    response=PortalOut,
    permission=P.BUY,
    tags=TAGS,
    summary="A link to the payment provider's billing portal (payment methods, invoices)",
)
def billing_portal(request):
    url = services.portal_url(
        request, request.identity, request.route_url("payments.page.subscription")
    )
    if url is None:
        raise ProblemError(
            409, "Conflict", "there is no billing portal for you: you never paid by card here"
        )
    return PortalOut(url=url)


# ----------------------------------------------------------------- admin


@api_view(
    "payments.api.admin_plans",
    "/api/v1/admin/plans",
    "GET",
    query=AdminPlanQuery,
    response=Page[AdminPlanOut],
    permission=P.CONFIGURE,
    tags=TAGS,
    summary="Every plan of the site",
)
def admin_list_plans(request, query: AdminPlanQuery):
    stmt = sa.select(Plan)
    if query.active is not None:
        stmt = stmt.where(Plan.active.is_(query.active))
    rows, cursor = paginate(request.db, stmt, Plan.created_at, Plan.id, query)
    return Page[AdminPlanOut](items=plan_out(request, rows, AdminPlanOut), next_cursor=cursor)


@api_view(
    "payments.api.admin_plans",
    "/api/v1/admin/plans",
    "POST",
    body=PlanCreate,
    response=AdminPlanOut,
    status=201,
    permission=P.CONFIGURE,
    tags=TAGS,
    summary="Create a plan (priced in the site's currency)",
)
def admin_create_plan(request, body: PlanCreate):
    plan = services.create_plan(request, body.model_dump())
    request.response.headers["Location"] = f"/api/v1/admin/plans/{plan.id}"
    return plan_out(request, [plan], AdminPlanOut)[0]


@api_view(
    "payments.api.admin_plan",
    "/api/v1/admin/plans/{id}",
    "PATCH",
    body=PlanUpdate,
    response=AdminPlanOut,
    permission=P.CONFIGURE,
    tags=TAGS,
    summary="Change a plan (its courses too: subscribers' access follows)",
)
def admin_update_plan(request, body: PlanUpdate):
    plan = services.get_plan(request, request.matchdict["id"])
    services.update_plan(request, plan, body.model_dump(exclude_unset=True))
    return plan_out(request, [plan], AdminPlanOut)[0]


@api_view(
    "payments.api.admin_subscriptions",
    "/api/v1/admin/subscriptions",
    "GET",
    query=AdminSubscriptionQuery,
    response=Page[SubscriptionOut],
    permission=P.MANAGE,
    tags=TAGS,
    summary="Every subscription of the site, newest first",
)
def admin_list_subscriptions(request, query: AdminSubscriptionQuery):
    stmt = sa.select(Subscription)
    if query.status is not None:
        stmt = stmt.where(Subscription.status == query.status)
    if query.user_id is not None:
        stmt = stmt.where(Subscription.user_id == query.user_id)
    if query.plan_id is not None:
        stmt = stmt.where(Subscription.plan_id == query.plan_id)
    rows, cursor = paginate(request.db, stmt, Subscription.created_at, Subscription.id, query)
    return Page[SubscriptionOut](
        items=[subscription_out(request, s) for s in rows], next_cursor=cursor
    )


@api_view(
    "payments.api.admin_subscription_activate",
    "/api/v1/admin/subscriptions/{id}/activate",
    "POST",
    body=ActivateIn,
    response=SubscriptionOut,
    permission=P.MANAGE,
    tags=TAGS,
    summary="Activate an invoiced (offline) subscription until a date",
)
def admin_activate(request, body: ActivateIn):
    sub = services.any_subscription(request, request.matchdict["id"])
    services.activate(request, sub, body.current_period_end)
    return subscription_out(request, sub)


@api_view(
    "payments.api.admin_subscription_cancel",
    "/api/v1/admin/subscriptions/{id}/cancel",
    "POST",
    body=CancelIn,
    response=SubscriptionOut,
    permission=P.MANAGE,
    tags=TAGS,
    summary="Cancel any subscription, at the end of its period or now",
)
def admin_cancel(request, body: CancelIn):
    sub = services.any_subscription(request, request.matchdict["id"])
    services.cancel(request, sub, at_period_end=body.at_period_end)
    return subscription_out(request, sub)
