"""Pricing and placing orders: the Python API the cart and the buy-now button use
(docs/design/commerce-contracts.md).

* :func:`quote` prices lines (discounts from ``learninghub_payments_adjustments``,
  tax from the tenant's rate for the buyer's country) and writes nothing.
* :func:`place_order` prices them the same way with ``reserve=True`` and writes the
  pending order, its items and adjustments in one savepoint of the request's
  transaction: a refusal (409 from a coupon that cannot be held, a bad line) leaves
  nothing. A total of 0 is paid at once; otherwise the order expires after the
  tenant's ``order_expiry_minutes``.
* :func:`begin_payment` asks the tenant's gateway where the buyer pays.

Pricing (all integers in minor units, :mod:`learninghub_payments.money`): discounts
on one line are clamped to that line, discounts on the order to what is left and then
spread over the lines pro rata (:func:`~learninghub_payments.money.allocate`); tax is
computed once on the discounted total and spread the same way; with inclusive prices
it is extracted (totals unchanged), with exclusive prices added.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from learninghub.api import ProblemError
from learninghub.db import new_id, utcnow
from learninghub.i18n import N_

from . import money
from .drafts import Adjustment, DraftLine, OrderDraft, Quote, QuoteLine
from .orders.models import Order, OrderAdjustment, OrderItem, TaxRate

PLUGIN = "payments"
CREATED_EVENT = "payments.order.created"
EXPIRE_TASK = "payments.expire_order"
MAX_QUANTITY = 1000
MAX_LINES = 100
COUNTRY = re.compile(r"^[A-Z]{2}$")


def _invalid(path: list, message: str) -> ProblemError:
    return ProblemError(
        422,
        "Validation failed",
        message,
        errors=[{"path": ["body", *path], "message": message, "type": "value_error"}],
    )


def normalize_country(country: str | None, request=None) -> str | None:
    """``"fr"`` -> ``"FR"``; None/empty -> None; 422 for anything else."""
    if country is None or country == "":
        return None
    value = str(country).strip().upper()
    if not COUNTRY.match(value):
        message = N_("the country must be a two-letter ISO code such as FR")
        raise _invalid(["country"], request.gettext(message) if request else message)
    return value


def tax_rate_for(request, country: str | None) -> int:
    """The tenant's rate (basis points) for ``country``; 0 without one."""
    if country is None:
        return 0
    rate = request.db.scalar(sa.select(TaxRate.rate_bp).where(TaxRate.country == country))
    return int(rate or 0)


def check_lines(request, user, lines: Sequence[DraftLine], currency: str) -> dict:
    """Refuse what cannot be bought; return course id -> course.

    422: no lines, too many, a quantity outside 1..1000, a ``course`` line with a
    quantity other than 1, the same course twice as the same kind. 404: a course that
    does not exist here. 409: an unpublished course, a course priced in another
    currency or at another price than the line says, a course the buyer already has
    access to (``course`` lines; seats may be bought by owners)."""
    from learninghub_courses.services import get_courses

    _ = request.gettext
    if not lines:
        raise _invalid(["lines"], _(N_("there is nothing to buy")))
    if len(lines) > MAX_LINES:
        raise _invalid(["lines"], _(N_("at most %(n)s lines per order"), n=MAX_LINES))
    seen: set[tuple[uuid.UUID, str]] = set()
    for index, line in enumerate(lines):
        if line.kind not in ("course", "seats"):
            raise _invalid(["lines", index, "kind"], _(N_("the kind must be course or seats")))
        if not isinstance(line.quantity, int) or not 1 <= line.quantity <= MAX_QUANTITY:
            raise _invalid(
                ["lines", index, "quantity"],
                _(N_("the quantity must be between 1 and %(n)s"), n=MAX_QUANTITY),
            )
        if line.kind == "course" and line.quantity != 1:
            raise _invalid(
                ["lines", index, "quantity"], _(N_("a course for oneself has a quantity of 1"))
            )
        if line.unit_price_minor < 0:
            raise _invalid(
                ["lines", index, "unit_price_minor"], _(N_("a price cannot be negative"))
            )
        key = (line.course_id, line.kind)
        if key in seen:
            raise _invalid(["lines", index], _(N_("the same course appears twice")))
        seen.add(key)
    courses = get_courses(request.db, [line.course_id for line in lines])
    owned = owned_course_ids(
        request, user, [line.course_id for line in lines if line.kind == "course"]
    )
    for line in lines:
        course = courses.get(line.course_id)
        if course is None:
            raise ProblemError(404, "Not found", _(N_("no such course")))
        title = course.title
        if course.status != "published":
            raise ProblemError(
                409, "Conflict", _(N_("%(title)s is not on sale: it is not published"), title=title)
            )
        if course.currency.upper() != currency:
            raise ProblemError(
                409,
                "Conflict",
                _(
                    N_(
                        "%(title)s is priced in %(course_currency)s but this site sells in "
                        "%(currency)s"
                    ),
                    title=title,
                    course_currency=course.currency.upper(),
                    currency=currency,
                ),
            )
        if course.price_minor != line.unit_price_minor:
            raise ProblemError(
                409,
                "Conflict",
                _(N_("the price of %(title)s changed: check it again"), title=title),
            )
        if line.kind == "course" and course.id in owned:
            raise ProblemError(
                409, "Conflict", _(N_("you already have access to %(title)s"), title=title)
            )
    return courses


def price(
    lines: Sequence[DraftLine],
    adjustments: Iterable[Adjustment],
    *,
    currency: str,
    tax_rate_bp: int,
    tax_inclusive: bool,
) -> Quote:
    """The arithmetic of a quote (no database): clamp the adjustments, spread the
    order-level ones and the tax over the lines. Returned adjustments carry the amount
    actually applied."""
    lines = tuple(lines)
    subtotals = [line.subtotal_minor for line in lines]
    line_discounts = [0] * len(lines)
    messages: list[str] = []
    given = list(adjustments)
    applied: dict[int, int] = {}
    # discounts on one line first (clamped to that line), then those on the order
    for position, adj in enumerate(given):
        if adj.line_index is not None and 0 <= adj.line_index < len(lines):
            room = subtotals[adj.line_index] - line_discounts[adj.line_index]
            amount = max(0, min(int(adj.amount_minor), room))
            line_discounts[adj.line_index] += amount
            applied[position] = amount
    order_level = 0
    room = sum(subtotals) - sum(line_discounts)
    for position, adj in enumerate(given):
        if position in applied:
            continue
        amount = max(0, min(int(adj.amount_minor), room - order_level))
        order_level += amount
        applied[position] = amount
    for position, adj in enumerate(given):
        if applied[position] < adj.amount_minor:
            messages.append(f"{adj.label or adj.code}: limited to the price")
    weights = [s - d for s, d in zip(subtotals, line_discounts, strict=True)]
    if lines:
        spread = money.allocate(order_level, weights)
        line_discounts = [d + s for d, s in zip(line_discounts, spread, strict=True)]
    nets = [s - d for s, d in zip(subtotals, line_discounts, strict=True)]
    net_total = sum(nets)
    if tax_inclusive:
        tax_total = money.tax_included(net_total, tax_rate_bp)
    else:
        tax_total = money.tax_added(net_total, tax_rate_bp)
    taxes = money.allocate(tax_total, nets) if lines else []
    quote_lines = tuple(
        QuoteLine(
            line=line,
            discount_minor=discount,
            tax_minor=tax,
            total_minor=net if tax_inclusive else net + tax,
        )
        for line, discount, tax, net in zip(lines, line_discounts, taxes, nets, strict=True)
    )
    clamped = tuple(
        Adjustment(
            provider=adj.provider,
            reference=adj.reference,
            code=adj.code,
            label=adj.label,
            amount_minor=applied[position],
            line_index=adj.line_index
            if adj.line_index is not None and 0 <= adj.line_index < len(lines)
            else None,
        )
        for position, adj in enumerate(given)
    )
    return Quote(
        currency=currency,
        lines=quote_lines,
        adjustments=clamped,
        subtotal_minor=sum(subtotals),
        discount_minor=sum(line_discounts),
        tax_minor=tax_total,
        total_minor=sum(q.total_minor for q in quote_lines),
        tax_rate_bp=tax_rate_bp,
        tax_inclusive=tax_inclusive,
        messages=tuple(messages),
    )


def _adjustments(request, draft: OrderDraft) -> list[Adjustment]:
    answers = request.hooks.strict.learninghub_payments_adjustments(request=request, draft=draft)
    return [adj for answer in answers for adj in answer if isinstance(adj, Adjustment)]


def _codes(codes: Iterable[str]) -> tuple[str, ...]:
    cleaned: list[str] = []
    for code in codes:
        value = str(code).strip()
        if value and value.upper() not in (c.upper() for c in cleaned):
            cleaned.append(value)
    return tuple(cleaned)


def quote(request, user, lines: Sequence[DraftLine], *, codes=(), country=None) -> Quote:
    """Price ``lines`` for ``user`` (None: a guest) without writing anything. Refusals
    as :func:`check_lines` (guests own nothing); a discount plugin may raise 422 for a
    code that cannot apply."""
    settings = request.plugin_settings(PLUGIN)
    lines = tuple(lines)
    country = normalize_country(country, request)
    check_lines(request, user, lines, settings.currency)
    draft = OrderDraft(
        order_id=new_id(),
        user=user,
        currency=settings.currency,
        lines=lines,
        codes=_codes(codes),
        reserve=False,
    )
    return price(
        lines,
        _adjustments(request, draft),
        currency=settings.currency,
        tax_rate_bp=tax_rate_for(request, country),
        tax_inclusive=settings.tax_inclusive,
    )


def _next_number(request, year: int, bump: int) -> str:
    prefix = f"{year}-"
    count = request.db.scalar(
        sa.select(sa.func.count()).select_from(Order).where(Order.number.like(prefix + "%"))
    )
    return f"{prefix}{int(count or 0) + 1 + bump:06d}"


def _find_by_key(request, user, key: str) -> Order | None:
    return request.db.scalar(
        sa.select(Order).where(Order.user_id == user.id, Order.idempotency_key == key)
    )


def _insert(request, order: Order, user, key: str | None) -> Order:
    """Insert ``order`` with the next free number of the year (a savepoint per try: a
    concurrent order may take a number, or the same key, first)."""
    db = request.db
    year = (order.created_at or utcnow()).year
    for bump in range(50):
        order.number = _next_number(request, year, bump)
        try:
            with db.begin_nested():
                db.add(order)
                db.flush()
            return order
        except IntegrityError:
            if key is not None:
                twin = _find_by_key(request, user, key)
                if twin is not None:
                    return twin
    raise ProblemError(503, "Service unavailable", "could not number the order: try again")


def place_order(
    request,
    user,
    lines: Sequence[DraftLine],
    *,
    codes=(),
    country=None,
    origin: str = "cart",
    idempotency_key: str | None = None,
) -> Order:
    """Place a pending order for ``user`` (see the module docstring). The same
    ``idempotency_key`` from the same user returns the first order unchanged.

    Writes in one savepoint: the order, its items, its adjustments and what the
    adjustment providers reserve (``reserve=True``). Any refusal raises (4xx
    problem) and leaves nothing. A total of 0 is marked paid at once (gateway
    ``free``); otherwise ``payments.expire_order`` is queued for ``expires_at``."""
    from .orders import settlement

    if idempotency_key is not None:
        idempotency_key = str(idempotency_key)[:200]
        existing = _find_by_key(request, user, idempotency_key)
        if existing is not None:
            return existing
    settings = request.plugin_settings(PLUGIN)
    lines = tuple(lines)
    country = normalize_country(country, request)
    check_lines(request, user, lines, settings.currency)
    db = request.db
    now = utcnow()
    with db.begin_nested():
        order = Order(
            id=new_id(),
            user_id=user.id,
            status="pending",
            currency=settings.currency,
            tax_country=country,
            tax_rate_bp=tax_rate_for(request, country),
            tax_inclusive=settings.tax_inclusive,
            gateway=settings.gateway,
            origin=origin,
            created_at=now,
            updated_at=now,
            idempotency_key=idempotency_key,
        )
        placed = _insert(request, order, user, idempotency_key)
        if placed is not order:
            return placed  # a concurrent twin with the same key won
        draft = OrderDraft(
            order_id=order.id,
            user=user,
            currency=order.currency,
            lines=lines,
            codes=_codes(codes),
            reserve=True,
        )
        quoted = price(
            lines,
            _adjustments(request, draft),
            currency=order.currency,
            tax_rate_bp=order.tax_rate_bp,
            tax_inclusive=order.tax_inclusive,
        )
        items = []
        for position, q in enumerate(quoted.lines):
            item = OrderItem(
                order_id=order.id,
                position=position,
                kind=q.line.kind,
                course_id=q.line.course_id,
                title=q.line.title[:200],
                quantity=q.line.quantity,
                unit_price_minor=q.line.unit_price_minor,
                subtotal_minor=q.line.subtotal_minor,
                discount_minor=q.discount_minor,
                tax_minor=q.tax_minor,
                total_minor=q.total_minor,
            )
            items.append(item)
        db.add_all(items)
        db.flush()
        db.add_all(
            OrderAdjustment(
                order_id=order.id,
                item_id=items[adj.line_index].id if adj.line_index is not None else None,
                provider=adj.provider[:40],
                reference=str(adj.reference)[:200],
                code=adj.code[:100],
                label=adj.label[:200],
                amount_minor=adj.amount_minor,
            )
            for adj in quoted.adjustments
        )
        order.subtotal_minor = quoted.subtotal_minor
        order.discount_minor = quoted.discount_minor
        order.tax_minor = quoted.tax_minor
        order.total_minor = quoted.total_minor
        if order.total_minor == 0:
            db.flush()
            settlement.emit_order_event(request, order, "created")
            settlement.mark_paid(request, order, gateway="free")
        else:
            order.expires_at = now + timedelta(minutes=settings.order_expiry_minutes)
            db.flush()
            request.tasks.enqueue_at(order.expires_at, EXPIRE_TASK, order_id=str(order.id))
            settlement.emit_order_event(request, order, "created")
    return order


def begin_payment(request, order: Order) -> str:
    """Where the buyer goes to pay ``order``: the gateway's checkout (its URL and
    reference are stored on the order) or, for an order that is not pending any more,
    its page."""
    from .gateway import IPaymentGateway

    if order.status != "pending":
        return request.route_path("payments.page.order", id=str(order.id))
    gateway = request.find_service(IPaymentGateway)
    start = gateway.start_checkout(request, order)
    order.gateway = gateway.name
    order.checkout_url = start.redirect_url[:2000]
    if start.reference:
        order.gateway_reference = start.reference
    request.db.flush()
    return start.redirect_url


def owned_course_ids(request, user, course_ids: Iterable[Any]) -> set:
    """The ids among ``course_ids`` that ``user`` has access to now (an enrolment
    active or completed, inside its window: the enrollment plugin's rule)."""
    from learninghub_enrollment.services import find_enrollment

    if user is None:
        return set()
    now = utcnow()
    owned = set()
    for course_id in set(course_ids):
        enrollment = find_enrollment(request.db, course_id, user.id)
        if enrollment is not None and enrollment.has_access_at(now):
            owned.add(course_id)
    return owned
