"""Reading orders and the actions of their pages and API: who may see an order,
its presentation, self-confirmation and marking offline orders paid, tax rates."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa

from learninghub.api import ProblemError
from learninghub.i18n import N_

from ..permissions import PaymentsPermission as P
from . import settlement
from .models import Order, OrderAdjustment, TaxRate, Transaction
from .schemas import (
    AdjustmentOut,
    AdminOrderOut,
    ItemOut,
    OrderOut,
    SeatCodeOut,
    TransactionOut,
)
from .seats import codes_of

PLUGIN = "payments"
TAX_RATES_EVENT = "payments.tax_rates.updated"


def not_found() -> ProblemError:
    return ProblemError(404, "Not found", "no such order")


def as_uuid(value: Any) -> uuid.UUID | None:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError):
        return None


def get_order(db, raw_id: Any) -> Order | None:
    order_id = as_uuid(raw_id)
    return db.get(Order, order_id) if order_id is not None else None


def is_manager(request) -> bool:
    return request.identity is not None and bool(request.has_permission(P.MANAGE))


def visible_order(request, raw_id: Any) -> Order:
    """The order if the caller bought it or manages orders; 404 otherwise (like an id
    that does not exist, or another tenant's)."""
    order = get_order(request.db, raw_id)
    user = request.identity
    if order is None or user is None:
        raise not_found()
    if order.user_id != user.id and not is_manager(request):
        raise not_found()
    return order


def managed_order(request, raw_id: Any) -> Order:
    order = get_order(request.db, raw_id)
    if order is None:
        raise not_found()
    return order


def can_self_confirm(request, order: Order) -> bool:
    return (
        order.status == "pending"
        and order.gateway == "offline"
        and request.identity is not None
        and order.user_id == request.identity.id
        and bool(request.plugin_settings(PLUGIN).offline_self_confirm)
    )


def self_confirm(request, order: Order) -> None:
    """The buyer completes their own offline order (``offline_self_confirm``, for
    demonstrations): 403 when the setting is off, 409 when it is not pending."""
    if not request.plugin_settings(PLUGIN).offline_self_confirm:
        raise ProblemError(
            403,
            "Forbidden",
            request.gettext(N_("offline orders are completed by an administrator")),
        )
    if order.user_id != request.identity.id:
        raise not_found()
    if order.status != "pending" or order.gateway != "offline":
        raise ProblemError(
            409,
            "Conflict",
            request.gettext(N_("this order is not waiting for an offline payment")),
        )
    settlement.mark_paid(request, order, reference="self-confirmed", actor_id=request.identity.id)


def admin_mark_paid(request, order: Order, reference: str | None) -> None:
    """An admin records the offline payment of a pending offline order (409 else)."""
    if order.gateway != "offline":
        raise ProblemError(
            409,
            "Conflict",
            request.gettext(
                N_("this order is paid through %(gateway)s, not offline"), gateway=order.gateway
            ),
        )
    if order.status != "pending":
        raise ProblemError(
            409,
            "Conflict",
            request.gettext(N_("this order is %(status)s, not pending"), status=order.status),
        )
    settlement.mark_paid(
        request, order, reference=(reference or "").strip() or None, actor_id=request.identity.id
    )


def adjustments_of(request, order: Order) -> list[OrderAdjustment]:
    return list(
        request.db.scalars(sa.select(OrderAdjustment).where(OrderAdjustment.order_id == order.id))
    )


def transactions_of(request, order: Order) -> list[Transaction]:
    return list(
        request.db.scalars(
            sa.select(Transaction)
            .where(Transaction.order_id == order.id)
            .order_by(Transaction.created_at, Transaction.id)
        )
    )


def order_out(request, order: Order, *, admin: bool = False) -> OrderOut:
    values = {
        **{f: getattr(order, f) for f in OrderOut.model_fields if hasattr(order, f)},
        "items": [
            ItemOut.model_validate(i, from_attributes=True)
            for i in settlement.items_of(request, order)
        ],
        "adjustments": [
            AdjustmentOut.model_validate(a, from_attributes=True)
            for a in adjustments_of(request, order)
        ],
        "seat_codes": [
            SeatCodeOut.model_validate(c, from_attributes=True) for c in codes_of(request, order)
        ],
        "can_self_confirm": can_self_confirm(request, order),
    }
    if not admin:
        return OrderOut(**values)
    return AdminOrderOut(
        **values,
        gateway_reference=order.gateway_reference,
        transactions=[
            TransactionOut.model_validate(t, from_attributes=True)
            for t in transactions_of(request, order)
        ],
    )


def tax_rates(request) -> list[TaxRate]:
    return list(request.db.scalars(sa.select(TaxRate).order_by(TaxRate.country)))


def set_tax_rates(request, rates) -> list[TaxRate]:
    """Replace the tenant's tax rates by ``rates`` (``TaxRateIn``); audited
    (``payments.tax_rates.updated``). Orders keep the rate they were placed with."""
    db = request.db
    current = {rate.country: rate for rate in tax_rates(request)}
    wanted = {rate.country: rate for rate in rates}
    for country, row in current.items():
        if country not in wanted:
            db.delete(row)
    for country, given in wanted.items():
        row = current.get(country)
        if row is None:
            db.add(TaxRate(country=country, rate_bp=given.rate_bp, label=given.label))
        else:
            row.rate_bp, row.label = given.rate_bp, given.label
    db.flush()
    request.emit(
        TAX_RATES_EVENT,
        resource_type="tax_rates",
        resource_id="",
        payload={"rates": {c: r.rate_bp for c, r in sorted(wanted.items())}},
    )
    return tax_rates(request)
