"""Pages of the plans part.

* ``/plans`` — the plans on sale; **Subscribe** (``POST /plans/{id}/subscribe``) sends
  the buyer to the gateway's checkout (or, offline, to their subscription page);
* ``/account/subscription`` — my subscriptions: status, access, **Cancel at the end of
  the period**, the billing portal (``POST .../portal``);
* ``POST /plans/include/{course_id}`` — "Included in your plan": enrols a subscriber;
* ``/admin/payments/plans`` (+ ``/{id}``) — create and edit plans and their courses,
  subscriptions with **Activate** for invoiced (offline) ones.

Forms are POSTs with a CSRF token; success redirects (303) with a notice; a refusal
re-renders the page with the reason (its HTTP status).
"""

from __future__ import annotations

from datetime import UTC, datetime, time

import sqlalchemy as sa
from pydantic import ValidationError
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from learninghub.api import PageQuery, ProblemError, paginate
from learninghub.db import utcnow
from learninghub.i18n import N_
from learninghub.shell import gate, render_page

from ..money import format_money
from ..permissions import PaymentsPermission as P
from . import lifecycle, services
from .models import Plan, Subscription
from .schemas import PlanCreate, PlanUpdate

DONE = {
    "cancelled": N_("Your subscription is cancelled."),
    "ends": N_("Your subscription will end with the current period."),
    "saved": N_("Plan saved."),
    "activated": N_("Subscription activated."),
    "included": N_("You are enrolled: the course is included in your plan."),
    "confirmed": N_("Your subscription is active."),
}
INTERVALS = {"month": N_("per month"), "year": N_("per year")}


def _flash(request) -> str:
    done = request.GET.get("done")
    return request.gettext(DONE[done]) if done in DONE else ""


def _plan_items(request, plans: list[Plan]) -> list[dict]:
    return [
        {
            "plan": p,
            "price": format_money(request, p.price_minor, p.currency),
            "interval": request.gettext(INTERVALS[p.interval]),
        }
        for p in plans
    ]


# ----------------------------------------------------------------- /plans


def _plans_page(request, status: int = 200, error: str = ""):
    plans = services.active_plans(request)
    current = (
        services.current_subscription(request, request.identity.id)
        if request.identity is not None
        else None
    )
    return render_page(
        request,
        "payments/plans/list.jinja2",
        status,
        items=_plan_items(request, plans),
        current=current,
        error=error,
    )


@view_config(route_name="payments.page.plans", request_method="GET")
def plans_page(request):
    from learninghub.shell import require_tenant

    require_tenant(request)
    return _plans_page(request)


@view_config(route_name="payments.page.plan_subscribe", request_method="POST")
def subscribe_form(request):
    denied = gate(request, P.BUY)
    if denied is not None:
        return denied
    try:
        plan = services.get_plan(request, request.matchdict["id"], active_only=True)
        _sub, url = services.subscribe(request, plan, request.identity)
    except ProblemError as exc:
        if exc.status == 404:
            raise HTTPNotFound() from None
        request.tm.abort()
        request.tm.begin()
        return _plans_page(request, exc.status, exc.detail)
    return HTTPSeeOther(location=url)


@view_config(route_name="payments.page.plan_include", request_method="POST")
def include_form(request):
    from learninghub_courses.services import course_url, get_course

    denied = gate(request, P.BUY)
    if denied is not None:
        return denied
    course = get_course(request.db, services.parse_id(request.matchdict["course_id"]))
    if course is None:
        raise HTTPNotFound()
    try:
        services.include_course(request, request.identity, course)
    except ProblemError:
        raise HTTPNotFound() from None
    return HTTPSeeOther(location=course_url(request, course))


# ----------------------------------------------------------------- /account/subscription


def _account_page(request, status: int = 200, error: str = ""):
    now = utcnow()
    rows = request.db.scalars(
        sa.select(Subscription)
        .where(Subscription.user_id == request.identity.id)
        .order_by(Subscription.created_at.desc())
        .limit(20)
    ).all()
    plans = {
        p.id: p
        for p in request.db.scalars(sa.select(Plan).where(Plan.id.in_({s.plan_id for s in rows})))
    }
    items = [
        {
            "sub": s,
            "plan": plans.get(s.plan_id),
            "price": format_money(request, plans[s.plan_id].price_minor, plans[s.plan_id].currency)
            if s.plan_id in plans
            else "",
            "until": lifecycle.access_end(request, s),
            "ended": s.status in ("active", "past_due")
            and not lifecycle.gives_access(request, s, now),
        }
        for s in rows
    ]
    return render_page(
        request,
        "payments/plans/account.jinja2",
        status,
        items=items,
        flash=_flash(request),
        error=error,
        portal=any(s.gateway == "stripe" and s.status != "incomplete" for s in rows),
        self_confirm=services.settings(request).offline_self_confirm,
    )


@view_config(route_name="payments.page.subscription", request_method="GET")
def account_page(request):
    denied = gate(request, P.BUY)
    if denied is not None:
        return denied
    return _account_page(request)


@view_config(route_name="payments.page.subscription_cancel", request_method="POST")
def cancel_form(request):
    denied = gate(request, P.BUY)
    if denied is not None:
        return denied
    try:
        sub = services.own_subscription(request, request.matchdict["id"])
    except ProblemError:
        raise HTTPNotFound() from None
    at_period_end = request.POST.get("when") != "now"
    try:
        services.cancel(request, sub, at_period_end=at_period_end)
    except ProblemError as exc:
        request.tm.abort()
        request.tm.begin()
        return _account_page(request, exc.status, exc.detail)
    done = "ends" if at_period_end and sub.status != "canceled" else "cancelled"
    return HTTPSeeOther(
        location=request.route_path("payments.page.subscription", _query={"done": done})
    )


@view_config(route_name="payments.page.subscription_confirm", request_method="POST")
def confirm_form(request):
    denied = gate(request, P.BUY)
    if denied is not None:
        return denied
    try:
        sub = services.own_subscription(request, request.matchdict["id"])
    except ProblemError:
        raise HTTPNotFound() from None
    try:
        services.self_confirm(request, sub)
    except ProblemError as exc:
        request.tm.abort()
        request.tm.begin()
        return _account_page(request, exc.status, exc.detail)
    return HTTPSeeOther(
        location=request.route_path("payments.page.subscription", _query={"done": "confirmed"})
    )


@view_config(route_name="payments.page.subscription_portal", request_method="POST")
def portal_form(request):
    denied = gate(request, P.BUY)
    if denied is not None:
        return denied
    try:
        url = services.portal_url(
            request, request.identity, request.route_url("payments.page.subscription")
        )
    except ProblemError as exc:
        request.tm.abort()
        request.tm.begin()
        return _account_page(request, exc.status, exc.detail)
    if url is None:
        return _account_page(
            request, 409, request.gettext("There is no billing portal for your account.")
        )
    return HTTPSeeOther(location=url)


# ----------------------------------------------------------------- admin


def _form_errors(exc: ValidationError) -> dict[str, str]:
    return {str(e["loc"][0]) if e["loc"] else "form": e["msg"] for e in exc.errors()}


def _plan_form_values(request) -> dict:
    form = request.POST
    values: dict = {
        "name": form.get("name", "").strip(),
        "description": form.get("description", "").strip(),
        "interval": form.get("interval", "month"),
        "price_minor": form.get("price_minor", "").strip() or None,
        "all_courses": form.get("all_courses") == "on",
        "active": form.get("active") == "on",
        "stripe_price_id": form.get("stripe_price_id", "").strip(),
        "course_ids": form.getall("course_ids"),
    }
    return values


def _admin_page(request, status: int = 200, *, plan: Plan | None = None, errors=None, values=None):
    from learninghub_courses.models import Course

    cursor = request.GET.get("cursor") or None
    try:
        subs, next_cursor = paginate(
            request.db,
            sa.select(Subscription),
            Subscription.created_at,
            Subscription.id,
            PageQuery(limit=25, cursor=cursor),
        )
    except ProblemError:
        subs, next_cursor = [], None
    plans = request.db.scalars(sa.select(Plan).order_by(Plan.created_at)).all()
    courses = request.db.scalars(
        sa.select(Course).where(Course.status == "published").order_by(Course.title).limit(500)
    ).all()
    from learninghub.identity import User

    users = {
        u.id: u
        for u in request.db.scalars(sa.select(User).where(User.id.in_({s.user_id for s in subs})))
    }
    chosen = set()
    if values is not None:
        chosen = {str(c) for c in values.get("course_ids", [])}
    elif plan is not None:
        chosen = {str(c) for c in services.course_ids_of(request, [plan])[plan.id]}
    return render_page(
        request,
        "payments/plans/admin.jinja2",
        status,
        section=request.route_path("payments.admin.plans"),
        items=_plan_items(request, list(plans)),
        plan=plan,
        values=values,
        chosen=chosen,
        courses=courses,
        subscriptions=[
            {
                "sub": s,
                "user": users.get(s.user_id),
                "plan": next((p for p in plans if p.id == s.plan_id), None),
            }
            for s in subs
        ],
        next_url=request.route_path("payments.admin.plans", _query={"cursor": next_cursor})
        if next_cursor
        else None,
        errors=errors or {},
        flash=_flash(request),
        currency=services.settings(request).currency,
    )


@view_config(route_name="payments.admin.plans", request_method="GET")
def admin_plans(request):
    denied = gate(request, P.CONFIGURE)
    if denied is not None:
        return denied
    return _admin_page(request)


@view_config(route_name="payments.admin.plans", request_method="POST")
def admin_create(request):
    denied = gate(request, P.CONFIGURE)
    if denied is not None:
        return denied
    values = _plan_form_values(request)
    try:
        body = PlanCreate.model_validate(values)
        services.create_plan(request, body.model_dump())
    except ValidationError as exc:
        return _admin_page(request, 422, errors=_form_errors(exc), values=values)
    except ProblemError as exc:
        request.tm.abort()
        request.tm.begin()
        return _admin_page(request, exc.status, errors={"form": exc.detail}, values=values)
    return HTTPSeeOther(
        location=request.route_path("payments.admin.plans", _query={"done": "saved"})
    )


def _admin_plan(request) -> Plan:
    try:
        return services.get_plan(request, request.matchdict["id"])
    except ProblemError:
        raise HTTPNotFound() from None


@view_config(route_name="payments.admin.plan", request_method="GET")
def admin_plan(request):
    denied = gate(request, P.CONFIGURE)
    if denied is not None:
        return denied
    return _admin_page(request, plan=_admin_plan(request))


@view_config(route_name="payments.admin.plan", request_method="POST")
def admin_update(request):
    denied = gate(request, P.CONFIGURE)
    if denied is not None:
        return denied
    plan = _admin_plan(request)
    values = _plan_form_values(request)
    try:
        body = PlanUpdate.model_validate(values)
        services.update_plan(request, plan, body.model_dump(exclude_unset=True))
    except ValidationError as exc:
        return _admin_page(request, 422, plan=plan, errors=_form_errors(exc), values=values)
    except ProblemError as exc:
        request.tm.abort()
        request.tm.begin()
        plan = _admin_plan(request)
        return _admin_page(
            request, exc.status, plan=plan, errors={"form": exc.detail}, values=values
        )
    return HTTPSeeOther(
        location=request.route_path("payments.admin.plans", _query={"done": "saved"})
    )


@view_config(route_name="payments.admin.subscription_activate", request_method="POST")
def admin_activate(request):
    denied = gate(request, P.MANAGE)
    if denied is not None:
        return denied
    try:
        sub = services.any_subscription(request, request.matchdict["id"])
    except ProblemError:
        raise HTTPNotFound() from None
    raw = request.POST.get("until", "")
    try:
        until = datetime.combine(datetime.strptime(raw, "%Y-%m-%d").date(), time(23, 59), UTC)
    except ValueError:
        return _admin_page(request, 422, errors={"until": request.gettext("Enter a date.")})
    try:
        services.activate(request, sub, until)
    except ProblemError as exc:
        request.tm.abort()
        request.tm.begin()
        return _admin_page(request, exc.status, errors={"until": exc.detail})
    return HTTPSeeOther(
        location=request.route_path("payments.admin.plans", _query={"done": "activated"})
    )
