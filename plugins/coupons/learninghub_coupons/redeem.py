"""Coupons at checkout: the answers to payments' hooks
(docs/design/commerce-contracts.md).

* :func:`adjustments` checks every code of a draft and prices its discount. Quoting
  (``draft.reserve`` false) writes nothing and refuses a code that cannot apply with a
  422 naming why. Placing an order (``reserve`` true) locks each coupon row
  (``SELECT ... FOR UPDATE``; SQLite serializes writers anyway), counts the hold
  against the limits and writes a ``held`` redemption for ``draft.order_id``; a coupon
  with no use left is a 409, which rolls the whole order back.
* :func:`settle` turns the holds of a settled order into uses (``paid``) or releases
  them (``failed``, ``expired``, ``cancelled``); a second call changes nothing.

A discount is computed once on the subtotal of the lines the coupon applies to (every
line, or those of its courses and categories), never exceeds what is left of those
lines after the coupons before it, and is split over them with :func:`allocate`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from learninghub.api import ProblemError
from learninghub.db import utcnow
from learninghub.i18n import N_, format_money, request_locale
from learninghub_payments.drafts import Adjustment, DraftLine, OrderDraft
from learninghub_payments.money import allocate, percent_of

from .models import Coupon, Redemption

PROVIDER = "coupons"
LIVE = ("held", "used")
RELEASING = ("failed", "expired", "cancelled")


def normalize(code: str) -> str:
    """Codes are case-insensitive: stored and compared upper-case, without spaces."""
    return "".join(code.split()).upper()


class Refused(Exception):
    """A code that cannot apply: ``message`` (an ``N_`` string with ``mapping``);
    ``used_up`` when only its global limit stands in the way."""

    def __init__(self, message: str, used_up: bool = False, **mapping):
        super().__init__(message)
        self.message, self.used_up, self.mapping = message, used_up, mapping


@dataclass(frozen=True)
class Priced:
    """A coupon's discount on a draft: ``parts`` per line index (zeros left out)."""

    coupon: Coupon
    parts: dict[int, int]
    restricted: bool

    @property
    def amount_minor(self) -> int:
        return sum(self.parts.values())


# ----------------------------------------------------------------- rules (no I/O)


def applicable_lines(
    coupon: Coupon, lines: Sequence[DraftLine], categories: set[str] | None = None
) -> list[int]:
    """Indexes of the lines ``coupon`` discounts. ``categories``: the coupon's
    categories with their descendants (default: the coupon's own)."""
    if not coupon.course_ids and not coupon.category_ids:
        return list(range(len(lines)))
    courses = set(coupon.course_ids or ())
    cats = set(coupon.category_ids or ()) if categories is None else categories
    return [
        i
        for i, line in enumerate(lines)
        if str(line.course_id) in courses
        or (line.category_id is not None and str(line.category_id) in cats)
    ]


def check(coupon: Coupon, draft: OrderDraft, now: datetime, user_uses: int = 0) -> None:
    """Raise :class:`Refused` when ``coupon`` cannot apply to ``draft`` at ``now``
    (``user_uses``: the buyer's held and used redemptions of it). Applicability to
    the lines and the global limit are checked by :func:`price` and :func:`hold`."""
    code = coupon.code
    if not coupon.active:
        raise Refused(N_("The code %(code)s is no longer active."), code=code)
    if coupon.valid_from is not None and now < coupon.valid_from:
        raise Refused(N_("The code %(code)s is not valid yet."), code=code)
    if coupon.valid_until is not None and now >= coupon.valid_until:
        raise Refused(N_("The code %(code)s has expired."), code=code)
    if coupon.currency is not None and coupon.currency != draft.currency:
        raise Refused(
            N_("The code %(code)s applies only to purchases in %(currency)s."),
            code=code,
            currency=coupon.currency,
        )
    if coupon.min_purchase_minor and draft.subtotal_minor < coupon.min_purchase_minor:
        raise Refused(
            N_("The code %(code)s needs a purchase of at least %(amount)s."),
            code=code,
            minimum=coupon.min_purchase_minor,
            currency_code=coupon.currency or draft.currency,
        )
    if coupon.max_uses_per_user is not None and user_uses >= coupon.max_uses_per_user:
        raise Refused(N_("You have already used the code %(code)s."), code=code)
    if coupon.max_uses is not None and coupon.used_count + coupon.held_count >= coupon.max_uses:
        raise Refused(N_("The code %(code)s has been used up."), used_up=True, code=code)


def price(
    coupon: Coupon,
    lines: Sequence[DraftLine],
    left: list[int],
    categories: set[str] | None = None,
) -> Priced:
    """The discount of ``coupon`` on ``lines`` given what is ``left`` of each line
    after earlier coupons (updated in place). Raises :class:`Refused` when no line
    matches."""
    indexes = applicable_lines(coupon, lines, categories)
    if not indexes or not any(lines[i].subtotal_minor for i in indexes):
        raise Refused(
            N_("The code %(code)s does not apply to the courses in this order."),
            code=coupon.code,
        )
    base = sum(lines[i].subtotal_minor for i in indexes)
    room = [left[i] for i in indexes]
    if coupon.kind == "percent":
        wanted = percent_of(base, coupon.percent_bp or 0)
    else:
        wanted = coupon.amount_minor or 0
    amount = max(0, min(wanted, sum(room)))
    parts = {i: p for i, p in zip(indexes, allocate(amount, room), strict=True) if p}
    for i, p in parts.items():
        left[i] -= p
    restricted = bool(coupon.course_ids or coupon.category_ids)
    return Priced(coupon, parts, restricted)


def as_adjustments(priced: Priced, label: str, per_line: bool) -> list[Adjustment]:
    """One order-wide adjustment, or one per line (restricted coupons, stacking)."""
    reference, code = str(priced.coupon.id), priced.coupon.code
    if not priced.parts:
        return []
    if not (per_line or priced.restricted):
        return [Adjustment(PROVIDER, reference, code, label, priced.amount_minor, None)]
    return [Adjustment(PROVIDER, reference, code, label, p, i) for i, p in priced.parts.items()]


# ----------------------------------------------------------------- with the database


def _category_closure(db, roots: Iterable[str]) -> set[str]:
    """``roots`` and every category below them."""
    from learninghub_courses.models import CourseCategory

    found = set(roots)
    if not found:
        return found
    children: dict[str, list[str]] = {}
    for cid, parent in db.execute(sa.select(CourseCategory.id, CourseCategory.parent_id)):
        if parent is not None:
            children.setdefault(str(parent), []).append(str(cid))
    todo = list(found)
    while todo:
        for child in children.get(todo.pop(), ()):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _user_uses(db, coupon: Coupon, user) -> int:
    if user is None or coupon.max_uses_per_user is None:
        return 0
    return (
        db.scalar(
            sa.select(sa.func.count())
            .select_from(Redemption)
            .where(
                Redemption.coupon_id == coupon.id,
                Redemption.user_id == user.id,
                Redemption.status.in_(LIVE),
            )
        )
        or 0
    )


def _problem(request, refused: Refused, status: int) -> ProblemError:
    mapping = dict(refused.mapping)
    if "minimum" in mapping:
        mapping["amount"] = format_money(
            mapping.pop("minimum"), mapping.pop("currency_code"), request_locale(request)
        )
    detail = request.gettext(refused.message, **mapping)
    title = "Conflict" if status == 409 else "Coupon not applicable"
    return ProblemError(
        status,
        title,
        detail,
        errors=[{"path": ["body", "codes"], "message": detail, "type": "coupon_refused"}],
    )


def adjustments(request, draft: OrderDraft) -> list[Adjustment]:
    """The ``learninghub_payments_adjustments`` answer (module docstring)."""
    codes = list(dict.fromkeys(c for c in (normalize(raw) for raw in draft.codes) if c))
    if not codes:
        return []
    db = request.db
    if len(codes) > 1 and not request.plugin_settings("coupons").allow_stacking:
        detail = request.gettext("Only one coupon code can be used per order.")
        raise ProblemError(
            422,
            "Coupon not applicable",
            detail,
            errors=[{"path": ["body", "codes"], "message": detail, "type": "coupon_stacking"}],
        )
    stmt = sa.select(Coupon).where(Coupon.code.in_(codes))
    if draft.reserve:
        # lock in id order: two orders with the same codes never wait on each other
        # crosswise; populate_existing re-reads counts a quote may have loaded
        stmt = stmt.order_by(Coupon.id).with_for_update().execution_options(populate_existing=True)
    found = {c.code: c for c in db.scalars(stmt)}
    for code in codes:
        if code not in found:
            detail = request.gettext("Unknown code: %(code)s.", code=code)
            raise ProblemError(
                422,
                "Unknown code",
                detail,
                errors=[{"path": ["body", "codes"], "message": detail, "type": "unknown_code"}],
            )
    now = utcnow()
    left = [line.subtotal_minor for line in draft.lines]
    per_line = len(codes) > 1
    answer: list[Adjustment] = []
    for code in codes:
        coupon = found[code]
        existing = _existing_hold(db, coupon, draft) if draft.reserve else None
        try:
            if existing is None:
                check(coupon, draft, now, _user_uses(db, coupon, draft.user))
            categories = _category_closure(db, coupon.category_ids) if coupon.category_ids else None
            priced = price(coupon, draft.lines, left, categories)
        except Refused as refused:
            status = 409 if (refused.used_up and draft.reserve) else 422
            raise _problem(request, refused, status) from None
        if draft.reserve and existing is None:
            _hold(request, coupon, draft, priced.amount_minor)
        label = request.gettext("Coupon %(code)s", code=coupon.code)
        answer.extend(as_adjustments(priced, label, per_line))
    return answer


def _existing_hold(db, coupon: Coupon, draft: OrderDraft) -> Redemption | None:
    """The live redemption of this coupon for this order (placing it again)."""
    return db.scalar(
        sa.select(Redemption).where(
            Redemption.coupon_id == coupon.id,
            Redemption.order_id == draft.order_id,
            Redemption.status.in_(LIVE),
        )
    )


def _hold(request, coupon: Coupon, draft: OrderDraft, amount_minor: int) -> None:
    """Count one use as held (the row is locked and :func:`check` saw a use left)."""
    coupon.held_count += 1
    request.db.add(
        Redemption(
            coupon_id=coupon.id,
            order_id=draft.order_id,
            user_id=draft.user.id if draft.user is not None else None,
            status="held",
            amount_minor=amount_minor,
        )
    )
    request.db.flush()


def settle(request, order, outcome: str) -> None:
    """The ``learninghub_payments_order_settled`` answer (module docstring)."""
    if outcome != "paid" and outcome not in RELEASING:
        return  # refunded: a refund does not give the use back
    db = request.db
    order_id = order.id if isinstance(order.id, uuid.UUID) else uuid.UUID(str(order.id))
    held = list(
        db.scalars(
            sa.select(Redemption)
            .where(Redemption.order_id == order_id, Redemption.status == "held")
            .order_by(Redemption.coupon_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    )
    if not held:
        return
    coupons = {
        c.id: c
        for c in db.scalars(
            sa.select(Coupon)
            .where(Coupon.id.in_([r.coupon_id for r in held]))
            .order_by(Coupon.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    }
    now = utcnow()
    for redemption in held:
        coupon = coupons[redemption.coupon_id]
        coupon.held_count = max(0, coupon.held_count - 1)
        redemption.settled_at = now
        if outcome == "paid":
            redemption.status = "used"
            coupon.used_count += 1
            request.emit(
                "coupons.coupon.redeemed",
                resource_type="coupon",
                resource_id=coupon.id,
                payload={
                    "coupon_id": str(coupon.id),
                    "code": coupon.code,
                    "order_id": str(order_id),
                    "user_id": str(redemption.user_id) if redemption.user_id else None,
                    "amount_minor": redemption.amount_minor,
                    "currency": getattr(order, "currency", None),
                },
            )
        else:
            redemption.status = "released"
    db.flush()
