"""The orders part of the payments plugin (docs/design/commerce-contracts.md): orders,
the offline gateway, tax rates, refunds, receipts, seat codes, their pages and API."""

from __future__ import annotations

from . import (
    offline,  # noqa: F401  (register the offline gateway)
    tasks,  # noqa: F401  (register the tasks)
)


def includeme(config) -> None:
    """Routes and views of this part."""
    config.add_route("payments.page.orders", "/orders")
    config.add_route("payments.page.order", "/orders/{id}")
    config.add_route("payments.page.order_confirm", "/orders/{id}/confirm")
    config.add_route("payments.page.order_cancel", "/orders/{id}/cancel")
    config.add_route("payments.page.receipt", "/orders/{id}/receipt.pdf")
    config.add_route("payments.page.seat_codes_csv", "/orders/{id}/seat-codes.csv")
    config.add_route("payments.page.redeem", "/redeem")
    config.add_route("payments.page.buy", "/courses/{course_id}/buy")
    config.add_route("payments.admin.orders", "/admin/payments/orders")
    config.add_route("payments.admin.order", "/admin/payments/orders/{id}")
    config.add_route("payments.admin.mark_paid", "/admin/payments/orders/{id}/mark-paid")
    config.add_route("payments.admin.refund", "/admin/payments/orders/{id}/refunds")
    config.add_route("payments.admin.tax_rates", "/admin/payments/tax-rates")
    config.scan(".api")
    config.scan(".views")
    config.scan(".admin")
