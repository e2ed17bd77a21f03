"""The plans part of the payments plugin (docs/design/commerce-contracts.md,
docs/plugins/payments-stripe.md): subscription plans, subscriptions and the access
they grant."""

from __future__ import annotations


def includeme(config) -> None:
    """Routes and views of this part."""
    config.add_route("payments.page.plans", "/plans")
    config.add_route("payments.page.plan_subscribe", "/plans/{id}/subscribe")
    config.add_route("payments.page.plan_include", "/plans/include/{course_id}")
    config.add_route("payments.page.subscription", "/account/subscription")
    config.add_route("payments.page.subscription_portal", "/account/subscription/portal")
    config.add_route("payments.page.subscription_cancel", "/account/subscription/{id}/cancel")
    config.add_route("payments.page.subscription_confirm", "/account/subscription/{id}/confirm")
    config.add_route("payments.admin.plans", "/admin/payments/plans")
    config.add_route("payments.admin.plan", "/admin/payments/plans/{id}")
    config.add_route(
        "payments.admin.subscription_activate", "/admin/payments/subscriptions/{id}/activate"
    )
    config.scan(".api")
    config.scan(".views")
