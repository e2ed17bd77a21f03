"""Hook answers of the plans part (gathered by the plugin's ``__init__``)."""

from __future__ import annotations

from markupsafe import Markup

from learninghub.web import NavItem

from ..permissions import PaymentsPermission as P
from . import lifecycle


def enrollment_paid_enrolment(request, course):
    """For a subscriber whose plan covers ``course``: "Included in your plan" and a
    button that enrols them (asked before the orders part, which sells the course to
    everyone else)."""
    if request.identity is None or not request.has_permission(P.BUY):
        return None
    from . import services

    sub = services.covering_subscription(request, request.identity.id, course)
    if sub is None:
        return None
    return Markup(
        request.registry["templates"].render(
            "payments/plans/include_control.jinja2",
            {
                "course": course,
                "until": lifecycle.access_end(request, sub),
                "action": request.route_path(
                    "payments.page.plan_include", course_id=str(course.id)
                ),
            },
            request,
        )
    )


def user_menu_items(request) -> list:
    if request.identity is None or not request.has_permission(P.BUY):
        return []
    return [
        NavItem(
            order=720,
            title=request.gettext("Subscription"),
            url=request.route_path("payments.page.subscription"),
        )
    ]


def admin_sections(request) -> list:
    if request.identity is None or not request.has_permission(P.CONFIGURE):
        return []
    return [
        NavItem(
            order=520,
            title=request.gettext("Plans"),
            url=request.route_path("payments.admin.plans"),
        )
    ]


def demo_data(request) -> None:
    """One plan on sale: every course for 15 a month (idempotent: only when the
    tenant has no plan)."""
    import sqlalchemy as sa

    from .models import Plan

    if request.db.scalar(sa.select(Plan.id).limit(1)) is not None:
        return
    from . import services

    services.create_plan(
        request,
        {
            "name": "All access",
            "description": "Every course of the catalog, as long as you subscribe.",
            "interval": "month",
            "price_minor": 1500,
            "all_courses": True,
            "course_ids": [],
        },
    )


def audit_auditable_events(request) -> list:
    return ["payments.plan.*", "payments.subscription.*"]


def webhooks_event_types(request) -> list[tuple[str, str]]:
    """Subscriptions, for integrations (payload: ids, status, period end)."""
    return [
        ("payments.subscription.activated", "A subscription became active."),
        (
            "payments.subscription.updated",
            "A subscription changed (renewed, past due, set to end with its period).",
        ),
        ("payments.subscription.cancelled", "A subscription was cancelled."),
    ]
