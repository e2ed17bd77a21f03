"""Admin pages: ``/admin/payments/orders`` (filter by status, paginated),
``/admin/payments/orders/{id}`` (transactions; mark an offline order paid; refund an
amount or items with a reason) and ``/admin/payments/tax-rates``.

Orders need ``payments:order:manage``, tax rates ``payments:plan:manage``. Forms are
POSTs with a CSRF token; success redirects (303) with a notice, a refusal re-renders
the page with the problem's status and message (nothing written).
"""

from __future__ import annotations

import uuid
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from pydantic import ValidationError
from pyramid.httpexceptions import HTTPBadRequest, HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from learninghub.api import PageQuery, ProblemError, paginate
from learninghub.i18n import N_
from learninghub.shell import gate, render_page

from .. import money
from ..permissions import PaymentsPermission as P
from . import refunds, services
from .models import ORDER_STATUSES, Order
from .schemas import TaxRateIn
from .views import order_page_values

PAGE_SIZE = 25
DONE = {
    "paid": N_("The order was marked paid; the buyer is enrolled."),
    "refunded": N_("The refund was recorded."),
    "saved": N_("Tax rates saved."),
}
BLANK_RATE_ROWS = 3


def _flash(request) -> str:
    done = request.GET.get("done")
    return request.gettext(DONE[done]) if done in DONE else ""


@view_config(route_name="payments.admin.orders", request_method="GET")
def orders_page(request):
    denied = gate(request, P.MANAGE)
    if denied is not None:
        return denied
    state = request.GET.get("status") or ""
    cursor = request.GET.get("cursor") or None
    stmt = sa.select(Order)
    if state in ORDER_STATUSES:
        stmt = stmt.where(Order.status == state)
    try:
        rows, next_cursor = paginate(
            request.db,
            stmt,
            Order.created_at,
            Order.id,
            PageQuery(limit=PAGE_SIZE, cursor=cursor),
            id_type=uuid.UUID,
        )
    except (ProblemError, ValueError):
        raise HTTPBadRequest() from None
    query = {"status": state} if state in ORDER_STATUSES else {}
    return render_page(
        request,
        "payments/admin_orders/list.jinja2",
        section=request.route_path("payments.admin.orders"),
        orders=rows,
        state=state,
        statuses=ORDER_STATUSES,
        next_url=request.route_path(
            "payments.admin.orders", _query={**query, "cursor": next_cursor}
        )
        if next_cursor
        else None,
        fmt=lambda order: money.format_money(request, order.total_minor, order.currency),
    )


def _order(request) -> Order:
    order = services.get_order(request.db, request.matchdict["id"])
    if order is None:
        raise HTTPNotFound()
    return order


def _detail(request, order: Order, status: int = 200, **values):
    from learninghub.identity import User

    buyer = request.db.get(User, order.user_id)
    return render_page(
        request,
        "payments/admin_orders/detail.jinja2",
        status,
        section=request.route_path("payments.admin.orders"),
        flash=_flash(request),
        buyer=buyer,
        transactions=services.transactions_of(request, order),
        **order_page_values(request, order),
        **values,
    )


@view_config(route_name="payments.admin.order", request_method="GET")
def order_page(request):
    denied = gate(request, P.MANAGE)
    if denied is not None:
        return denied
    return _detail(request, _order(request))


@view_config(route_name="payments.admin.mark_paid", request_method="POST")
def mark_paid(request):
    denied = gate(request, P.MANAGE)
    if denied is not None:
        return denied
    order = _order(request)
    reference = (request.POST.get("reference") or "").strip()[:200]
    try:
        services.admin_mark_paid(request, order, reference)
    except ProblemError as exc:
        request.tm.doom()
        return _detail(request, order, exc.status, error=exc.detail)
    return HTTPSeeOther(
        location=request.route_path(
            "payments.admin.order", id=str(order.id), _query={"done": "paid"}
        )
    )


@view_config(route_name="payments.admin.refund", request_method="POST")
def refund(request):
    """Refund: an amount in the currency's major unit (``12.50``) and/or items; a reason."""
    denied = gate(request, P.MANAGE)
    if denied is not None:
        return denied
    order = _order(request)
    raw_amount = (request.POST.get("amount") or "").strip()
    reason = (request.POST.get("reason") or "").strip()
    item_ids = request.POST.getall("item_id")
    try:
        amount = None
        if raw_amount:
            try:
                amount = money.to_minor(Decimal(raw_amount.replace(",", ".")), order.currency)
            except (InvalidOperation, ValueError):
                raise ProblemError(
                    422,
                    "Validation failed",
                    request.gettext("Enter the amount as a number such as 12.50."),
                ) from None
        if len(reason) < 3:
            raise ProblemError(
                422, "Validation failed", request.gettext("Say why, in at least 3 characters.")
            )
        refunds.refund(
            request,
            order,
            amount_minor=amount,
            item_ids=item_ids or None,
            reason=reason,
            actor=request.identity,
        )
    except ProblemError as exc:
        request.tm.doom()
        return _detail(
            request, order, exc.status, error=exc.detail, amount=raw_amount, reason=reason
        )
    return HTTPSeeOther(
        location=request.route_path(
            "payments.admin.order", id=str(order.id), _query={"done": "refunded"}
        )
    )


# ----------------------------------------------------------------- tax rates


def _rate_rows(request, rates) -> list[dict]:
    rows = [
        {
            "country": r.country,
            "rate": str((Decimal(r.rate_bp) / 100).quantize(Decimal("0.01"))),
            "label": r.label,
        }
        for r in rates
    ]
    return rows + [{"country": "", "rate": "", "label": ""}] * BLANK_RATE_ROWS


def _tax_page(request, rows, status: int = 200, errors=None):
    return render_page(
        request,
        "payments/admin_orders/tax_rates.jinja2",
        status,
        section=request.route_path("payments.admin.tax_rates"),
        rows=rows,
        errors=errors or {},
        flash=_flash(request),
        tax_inclusive=request.plugin_settings("payments").tax_inclusive,
    )


@view_config(route_name="payments.admin.tax_rates", request_method="GET")
def tax_rates_page(request):
    denied = gate(request, P.CONFIGURE)
    if denied is not None:
        return denied
    return _tax_page(request, _rate_rows(request, services.tax_rates(request)))


@view_config(route_name="payments.admin.tax_rates", request_method="POST")
def tax_rates_submit(request):
    """Rows ``country``/``rate`` (percent, two decimals)/``label``; a row whose
    country is empty is dropped (that is how a rate is removed)."""
    denied = gate(request, P.CONFIGURE)
    if denied is not None:
        return denied
    countries = request.POST.getall("country")
    rates = request.POST.getall("rate")
    labels = request.POST.getall("label")
    if not (len(countries) == len(rates) == len(labels)) or len(countries) > 300:
        raise HTTPBadRequest()
    rows = [
        {"country": c.strip().upper(), "rate": r.strip(), "label": lab.strip()}
        for c, r, lab in zip(countries, rates, labels, strict=True)
    ]
    wanted, errors, seen = [], {}, set()
    for index, row in enumerate(rows):
        if not row["country"]:
            continue
        try:
            bp = Decimal(row["rate"].replace(",", ".")) * 100
            if bp != bp.to_integral_value():
                raise InvalidOperation
            wanted.append(TaxRateIn(country=row["country"], rate_bp=int(bp), label=row["label"]))
        except (InvalidOperation, ValueError, ValidationError):
            errors[index] = request.gettext(
                "Row %(n)s: a two-letter country code and a rate between 0 and 100."
            ) % {"n": index + 1}
            continue
        if row["country"] in seen:
            errors[index] = request.gettext("Row %(n)s: this country appears twice.") % {
                "n": index + 1
            }
        seen.add(row["country"])
    if errors:
        return _tax_page(request, rows, 422, errors)
    services.set_tax_rates(request, wanted)
    return HTTPSeeOther(
        location=request.route_path("payments.admin.tax_rates", _query={"done": "saved"})
    )
