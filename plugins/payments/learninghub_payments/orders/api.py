"""JSON API of orders, refunds, seat codes and tax rates (docs/plugins/payments.md).

Buyers see their own orders (``payments:order:buy``); ``payments:order:manage`` sees
every order of the tenant, marks offline orders paid and refunds;
``payments:plan:manage`` edits tax rates. Anyone else gets 404 for an order, like for
an id that does not exist.
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from learninghub.api import Page, api_view, paginate

from ..permissions import PaymentsPermission as P
from . import refunds, seats, services
from .models import Order
from .schemas import (
    AdminOrderOut,
    AdminOrdersQuery,
    MarkPaidIn,
    OrderOut,
    OrdersQuery,
    OrderSummary,
    RedeemIn,
    RedeemOut,
    RefundIn,
    RefundOut,
    TaxRateOut,
    TaxRatesIn,
    TaxRatesOut,
    TransactionOut,
)

ORDER = "/api/v1/orders/{id}"
ADMIN_ORDER = "/api/v1/admin/orders/{id}"


def _page(request, stmt, query) -> Page[OrderSummary]:
    if query.status is not None:
        stmt = stmt.where(Order.status == query.status)
    rows, next_cursor = paginate(
        request.db, stmt, Order.created_at, Order.id, query, id_type=uuid.UUID
    )
    return Page[OrderSummary](
        items=[OrderSummary.model_validate(o, from_attributes=True) for o in rows],
        next_cursor=next_cursor,
    )


@api_view(
    "payments.api.orders",
    "/api/v1/orders",
    "GET",
    query=OrdersQuery,
    response=Page[OrderSummary],
    permission=P.BUY,
    summary="My orders, newest first",
    tags=["payments"],
)
def my_orders(request, query: OrdersQuery):
    return _page(request, sa.select(Order).where(Order.user_id == request.identity.id), query)


@api_view(
    "payments.api.order",
    ORDER,
    "GET",
    response=OrderOut,
    authenticated=True,
    summary="One order (its buyer, or order managers)",
    tags=["payments"],
)
def get_order(request):
    return services.order_out(request, services.visible_order(request, request.matchdict["id"]))


@api_view(
    "payments.api.order_confirm",
    ORDER + "/confirm",
    "POST",
    response=OrderOut,
    permission=P.BUY,
    summary="Complete one's own offline order (when offline_self_confirm is on)",
    tags=["payments"],
)
def confirm_order(request):
    order = services.get_order(request.db, request.matchdict["id"])
    if order is None or order.user_id != request.identity.id:
        raise services.not_found()
    services.self_confirm(request, order)
    return services.order_out(request, order)


@api_view(
    "payments.api.seat_code_redeem",
    "/api/v1/seat-codes/redeem",
    "POST",
    body=RedeemIn,
    response=RedeemOut,
    permission=P.BUY,
    summary="Redeem a seat code: enrol in its course",
    tags=["payments"],
)
def redeem_code(request, body: RedeemIn):
    from learninghub_courses.services import course_url

    _seat, course = seats.redeem(request, request.identity, body.code)
    return RedeemOut(
        course_id=course.id, course_title=course.title, course_url=course_url(request, course)
    )


@api_view(
    "payments.api.admin_orders",
    "/api/v1/admin/orders",
    "GET",
    query=AdminOrdersQuery,
    response=Page[OrderSummary],
    permission=P.MANAGE,
    summary="Every order of the tenant, newest first",
    tags=["payments"],
)
def admin_orders(request, query: AdminOrdersQuery):
    stmt = sa.select(Order)
    if query.user_id is not None:
        stmt = stmt.where(Order.user_id == query.user_id)
    return _page(request, stmt, query)


@api_view(
    "payments.api.admin_order",
    ADMIN_ORDER,
    "GET",
    response=AdminOrderOut,
    permission=P.MANAGE,
    summary="One order with its transactions",
    tags=["payments"],
)
def admin_order(request):
    order = services.managed_order(request, request.matchdict["id"])
    return services.order_out(request, order, admin=True)


@api_view(
    "payments.api.admin_mark_paid",
    ADMIN_ORDER + "/mark-paid",
    "POST",
    body=MarkPaidIn,
    response=AdminOrderOut,
    permission=P.MANAGE,
    summary="Record the payment of a pending offline order",
    tags=["payments"],
)
def mark_paid(request, body: MarkPaidIn):
    order = services.managed_order(request, request.matchdict["id"])
    services.admin_mark_paid(request, order, body.reference)
    return services.order_out(request, order, admin=True)


@api_view(
    "payments.api.admin_refunds",
    ADMIN_ORDER + "/refunds",
    "POST",
    body=RefundIn,
    response=RefundOut,
    status=201,
    permission=P.MANAGE,
    summary="Refund an amount or items of a paid order",
    tags=["payments"],
)
def refund(request, body: RefundIn):
    order = services.managed_order(request, request.matchdict["id"])
    transaction = refunds.refund(
        request,
        order,
        amount_minor=body.amount_minor,
        item_ids=body.item_ids,
        reason=body.reason,
        actor=request.identity,
    )
    return RefundOut(
        transaction=TransactionOut.model_validate(transaction, from_attributes=True),
        order=services.order_out(request, order, admin=True),
    )


def _rates_out(request, rates) -> TaxRatesOut:
    return TaxRatesOut(
        tax_inclusive=request.plugin_settings("payments").tax_inclusive,
        rates=[TaxRateOut.model_validate(r, from_attributes=True) for r in rates],
    )


@api_view(
    "payments.api.admin_tax_rates",
    "/api/v1/admin/tax-rates",
    "GET",
    response=TaxRatesOut,
    permission=P.CONFIGURE,
    summary="Tax rates by country",
    tags=["payments"],
)
def get_tax_rates(request):
    return _rates_out(request, services.tax_rates(request))


@api_view(
    "payments.api.admin_tax_rates",
    "/api/v1/admin/tax-rates",
    "PUT",
    body=TaxRatesIn,
    response=TaxRatesOut,
    permission=P.CONFIGURE,
    summary="Replace the tax rates by country",
    tags=["payments"],
)
def put_tax_rates(request, body: TaxRatesIn):
    return _rates_out(request, services.set_tax_rates(request, body.rates))
