"""What the cart does, shared by the API, the pages, the hooks and the tasks.

A signed-in user's cart is a ``cart_carts`` row with ``cart_items``; a guest's lives
in the signed cookie of :mod:`.guest`. Both hold the price and currency of a course
when it was added; :func:`checkout` compares them with the course's price now. Money is
integer minor units (docs/design/commerce-contracts.md). Errors are
:class:`~learninghub.api.ProblemError` raised **before** anything is written, so a
page that catches one and renders a message commits nothing half-done.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from learninghub.api import ProblemError
from learninghub.db import utcnow
from learninghub.i18n import N_

from . import guest
from .models import Cart, CartItem

PLUGIN = "cart"
PAYMENTS = "payments"
MAX_QUANTITY = 1000
MAX_CODES = 5
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")

ABANDONED_EVENT = "cart.cart.abandoned"
CHECKED_OUT_EVENT = "cart.cart.checked_out"
DETECT_TASK = "cart.detect_abandonment"
REMIND_TASK = "cart.send_reminder"


#: two-letter codes of CLDR that are not countries (the EU, the UN, "unknown region"…)
NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ"})


def countries(locale_name: str) -> dict[str, str]:
    """ISO 3166-1 alpha-2 code -> the country's name in ``locale_name``."""
    from babel import Locale

    return {
        code: name
        for code, name in Locale.parse(locale_name).territories.items()
        if len(code) == 2 and code.isalpha() and code not in NOT_COUNTRIES
    }


def settings(request):
    return request.plugin_settings(PLUGIN)


def tenant_currency(request) -> str:
    return request.plugin_settings(PAYMENTS).currency


def as_uuid(value: Any) -> uuid.UUID | None:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError):
        return None


def invalid(field_name: str, message: str, location: str = "body") -> ProblemError:
    return ProblemError(
        422,
        "Validation failed",
        message,
        errors=[{"path": [location, field_name], "message": message, "type": "value_error"}],
    )


def conflict(detail: str) -> ProblemError:
    return ProblemError(409, "Conflict", detail)


# ------------------------------------------------------------------ money display


def format_money(request, amount_minor: int, currency: str) -> str:
    """``amount_minor`` in ``currency`` for a person, in the request's locale."""
    from learninghub_payments.money import format_money as payments_format

    return payments_format(request, amount_minor, currency)


# ------------------------------------------------------------------ courses


def courses_by_id(request, ids) -> dict[uuid.UUID, Any]:
    from learninghub_courses.services import get_courses

    return get_courses(request.db, list(ids))


def sellable_course(request, course_id: Any, field_name: str = "course_id"):
    """The course ``course_id`` when it can go into a cart: published, paid, priced in
    the tenant's currency. 422 for an unknown or unpublished course, 409 for a free
    one or one priced in another currency."""
    from learninghub_courses.services import get_course

    course = get_course(request.db, course_id)
    if course is None or course.status != "published":
        raise invalid(field_name, N_("no such course for sale"))
    refusal = sale_refusal(request, course)
    if refusal is not None:
        raise conflict(refusal)
    return course


def sale_refusal(request, course) -> str | None:
    """Why ``course`` (published) cannot be bought now, or None."""
    if course.price_minor <= 0:
        return N_("this course is free: enrol in it from its page")
    currency = tenant_currency(request)
    if course.currency != currency:
        return (
            f"this course is priced in {course.currency} and this site sells in {currency}: "
            "it cannot be bought"
        )
    return None


def owned_course_ids(request, user, course_ids) -> set[uuid.UUID]:
    """The courses among ``course_ids`` ``user`` already has access to."""
    ids = [cid for cid in course_ids if cid is not None]
    if not ids:
        return set()
    from learninghub_payments import checkout

    return set(checkout.owned_course_ids(request, user, ids))


def kind_of(quantity: int) -> str:
    return "course" if quantity == 1 else "seats"


# ------------------------------------------------------------------ the user's cart


def find_cart(request, user) -> Cart | None:
    return request.db.scalar(sa.select(Cart).where(Cart.user_id == user.id))


def lock_cart(request, user) -> Cart | None:
    """The user's cart, its row locked until the end of the transaction (PostgreSQL):
    two requests of the same user change it one after the other."""
    return request.db.scalar(sa.select(Cart).where(Cart.user_id == user.id).with_for_update())


def get_or_create_cart(request, user) -> Cart:
    cart = lock_cart(request, user)
    if cart is not None:
        return cart
    db = request.db
    cart = Cart(id=uuid.uuid4(), user_id=user.id, codes=[], created_at=utcnow())
    try:
        with db.begin_nested():  # a concurrent first add of the same user
            db.add(cart)
            db.flush()
    except sa.exc.IntegrityError:
        cart = lock_cart(request, user)
        if cart is None:
            raise
    return cart


def item_count(request, user) -> int:
    if user is None:
        return len(guest.read(request)[1])
    return int(
        request.db.scalar(
            sa.select(sa.func.count(CartItem.id)).join(Cart).where(Cart.user_id == user.id)
        )
        or 0
    )


def touch(request, cart: Cart) -> None:
    """Record a change: abandonment starts over (tracked once per change), and its
    detection is scheduled for when the cart would count as abandoned."""
    now = utcnow()
    cart.updated_at = now
    cart.abandoned_at = None
    cart.reminded_at = None
    request.db.flush()
    if cart.items:
        minutes = settings(request).abandoned_after_minutes
        request.tasks.enqueue_at(
            now + timedelta(minutes=minutes),
            DETECT_TASK,
            cart_id=str(cart.id),
            changed_at=now.isoformat(),
        )


def find_item(request, user, item_id: Any) -> CartItem | None:
    key = as_uuid(item_id)
    if key is None:
        return None
    return request.db.scalar(
        sa.select(CartItem).join(Cart).where(CartItem.id == key, Cart.user_id == user.id)
    )


def check_quantity(quantity: int) -> None:
    if not 1 <= quantity <= MAX_QUANTITY:
        raise invalid("quantity", N_("the quantity must be between 1 and 1000"))


def add_item(request, user, course_id: Any, quantity: int = 1) -> CartItem:
    """Put a course in ``user``'s cart at its current price. 409 when it is already
    there, or when ``quantity`` is 1 and the user already has the course (seats they
    may still buy); 422 beyond ``max_items``."""
    check_quantity(quantity)
    course = sellable_course(request, course_id)
    cart = get_or_create_cart(request, user)
    if any(item.course_id == course.id for item in cart.items):
        raise conflict(N_("this course is already in your cart: change its quantity there"))
    if len(cart.items) >= settings(request).max_items:
        raise invalid("course_id", f"a cart holds at most {settings(request).max_items} courses")
    if quantity == 1 and course.id in owned_course_ids(request, user, [course.id]):
        raise conflict(N_("you already have this course"))
    item = CartItem(
        id=uuid.uuid4(),
        course_id=course.id,
        quantity=quantity,
        price_at_add_minor=course.price_minor,
        currency=course.currency,
        added_at=utcnow(),
    )
    cart.items.append(item)
    touch(request, cart)
    return item


def set_quantity(request, user, item: CartItem, quantity: int) -> CartItem:
    """Change the quantity (the price stays the one captured at add time). Back to 1
    for a course the user has: 409."""
    check_quantity(quantity)
    if quantity == item.quantity:
        return item
    if quantity == 1 and item.course_id in owned_course_ids(request, user, [item.course_id]):
        raise conflict(N_("you already have this course: buy at least 2 seats, or remove it"))
    cart = item.cart
    item.quantity = quantity
    touch(request, cart)
    return item


def remove_item(request, item: CartItem) -> None:
    cart = item.cart
    cart.items.remove(item)
    request.db.flush()
    touch(request, cart)


def normalise_code(raw: str) -> str:
    code = (raw or "").strip()
    if not CODE_RE.match(code):
        raise invalid("code", N_("a code is 1 to 64 letters, digits, '-' or '_'"))
    return code.upper()


def apply_code(request, user, raw_code: str) -> Cart:
    """Add a coupon code to the cart after a quote with it succeeded: an invalid code
    gets the 422 of the plugin owning it, a code nobody grants anything for gets
    ours. Applying a code twice changes nothing."""
    code = normalise_code(raw_code)
    cart = find_cart(request, user)
    if cart is None or not cart.items:
        raise conflict(N_("your cart is empty: add a course before applying a code"))
    if code in cart.codes:
        return cart
    if len(cart.codes) >= MAX_CODES:
        raise invalid("code", f"at most {MAX_CODES} codes per cart")
    lines, _ = quotable_lines(request, user, cart)
    if not lines:
        raise conflict(N_("nothing in your cart can be bought now"))
    codes = (*cart.codes, code)
    quote = _quote(request, user, lines, codes)
    if not any(adj.code.upper() == code for adj in quote.adjustments):
        raise invalid("code", N_("this code does not apply to your cart"))
    cart.codes = list(codes)
    touch(request, cart)
    return cart


def remove_code(request, user, raw_code: str) -> None:
    cart = find_cart(request, user)
    code = (raw_code or "").strip().upper()
    if cart is None or code not in cart.codes:
        raise ProblemError(404, "Not found", N_("this code is not applied to your cart"))
    cart.codes = [c for c in cart.codes if c != code]
    touch(request, cart)


# ------------------------------------------------------------------ quotes


def draft_lines(request, cart: Cart, courses: dict | None = None, current: bool = False):
    """The cart's lines as payments sees them: at the price captured when added, or
    with ``current`` at the course's price now (courses that are gone are left out)."""
    from learninghub_payments.drafts import DraftLine

    courses = courses if courses is not None else courses_by_id(request, cart_course_ids(cart))
    lines = []
    for item in cart.items:
        course = courses.get(item.course_id)
        if course is None:
            continue
        lines.append(
            DraftLine(
                course_id=course.id,
                quantity=item.quantity,
                unit_price_minor=course.price_minor if current else item.price_at_add_minor,
                title=course.title,
                kind=kind_of(item.quantity),
                category_id=course.category_id,
            )
        )
    return lines


def cart_course_ids(cart: Cart) -> list[uuid.UUID]:
    return [item.course_id for item in cart.items]


def _quote(request, user, lines, codes, country: str | None = None):
    from learninghub_payments import checkout

    return checkout.quote(request, user, lines, codes=tuple(codes), country=country)


@dataclass
class CartView:
    """A cart as the API and the pages show it."""

    cart: Cart | None
    items: list[dict]
    currency: str
    codes: list[str]
    quote: Any = None
    messages: list[str] = field(default_factory=list)


def quotable_lines(request, user, cart: Cart, courses: dict | None = None):
    """The lines payments can quote now, at the courses' current prices, and the ids
    of the courses left out (gone, no longer for sale, or owned by ``user`` while
    bought for oneself): checkout removes those and reports them."""
    courses = courses if courses is not None else courses_by_id(request, cart_course_ids(cart))
    owned = owned_course_ids(request, user, cart_course_ids(cart))
    left_out = set()
    for item in cart.items:
        course = courses.get(item.course_id)
        if (
            course is None
            or course.status != "published"
            or sale_refusal(request, course) is not None
            or (item.quantity == 1 and item.course_id in owned)
        ):
            left_out.add(item.course_id)
    kept = {cid: c for cid, c in courses.items() if cid not in left_out}
    return draft_lines(request, cart, kept, current=True), left_out


def view_of(request, user, country: str | None = None) -> CartView:
    """The user's cart with its lines and a quote at today's prices (its codes
    included; a code that stopped applying is reported in ``messages`` and the quote
    made without codes). Lines that can no longer be bought are shown unavailable and
    left out of the quote."""
    currency = tenant_currency(request)
    if user is None:
        return guest_view(request)
    cart = find_cart(request, user)
    if cart is None or not cart.items:
        return CartView(cart, [], currency, list(cart.codes) if cart else [])
    courses = courses_by_id(request, cart_course_ids(cart))
    lines, left_out = quotable_lines(request, user, cart, courses)
    messages: list[str] = []
    quote = None
    if lines:
        try:
            quote = _quote(request, user, lines, cart.codes, country)
        except ProblemError as exc:
            if not cart.codes:
                raise
            messages.append(f"{', '.join(cart.codes)}: {exc.detail}")
            quote = _quote(request, user, lines, (), country)
        messages.extend(quote.messages)
    items = [
        _item_dict(request, item, courses.get(item.course_id), item.course_id not in left_out)
        for item in cart.items
    ]
    return CartView(cart, items, currency, list(cart.codes), quote, messages)


def _item_dict(request, item, course, available: bool) -> dict:
    from learninghub_courses.services import course_url

    subtotal = item.quantity * item.price_at_add_minor
    return {
        "id": item.id,
        "course_id": item.course_id,
        "title": course.title if course is not None else "",
        "url": course_url(request, course) if course is not None else None,
        "available": available,
        "price_changed": course is not None and course.price_minor != item.price_at_add_minor,
        "quantity": item.quantity,
        "kind": kind_of(item.quantity),
        "unit_price_minor": item.price_at_add_minor,
        "current_price_minor": course.price_minor if course is not None else None,
        "current_price": format_money(request, course.price_minor, course.currency)
        if course is not None
        else None,
        "subtotal_minor": subtotal,
        "currency": item.currency,
        "added_at": item.added_at,
        "unit_price": format_money(request, item.price_at_add_minor, item.currency),
        "subtotal": format_money(request, subtotal, item.currency),
    }


def guest_view(request) -> CartView:
    currency = tenant_currency(request)
    cookie_currency, lines = guest.read(request)
    if not lines or cookie_currency != currency:
        return CartView(None, [], currency, [])
    from learninghub_courses.services import course_url

    courses = courses_by_id(request, [line.course_id for line in lines])
    items = []
    for line in lines:
        course = courses.get(line.course_id)
        if course is None:
            continue
        subtotal = line.quantity * line.price_minor
        items.append(
            {
                "id": None,
                "course_id": line.course_id,
                "title": course.title,
                "url": course_url(request, course),
                "available": course.status == "published" and sale_refusal(request, course) is None,
                "price_changed": course.price_minor != line.price_minor,
                "quantity": line.quantity,
                "kind": kind_of(line.quantity),
                "unit_price_minor": line.price_minor,
                "current_price_minor": course.price_minor,
                "current_price": format_money(request, course.price_minor, course.currency),
                "subtotal_minor": subtotal,
                "currency": currency,
                "added_at": None,
                "unit_price": format_money(request, line.price_minor, currency),
                "subtotal": format_money(request, subtotal, currency),
            }
        )
    return CartView(None, items, currency, [])


def quote_dict(request, quote) -> dict | None:
    if quote is None:
        return None
    cur = quote.currency
    return {
        "currency": cur,
        "subtotal_minor": quote.subtotal_minor,
        "discount_minor": quote.discount_minor,
        "tax_minor": quote.tax_minor,
        "total_minor": quote.total_minor,
        "tax_rate_bp": quote.tax_rate_bp,
        "tax_inclusive": quote.tax_inclusive,
        "adjustments": [
            {
                "code": adj.code,
                "label": adj.label,
                "amount_minor": adj.amount_minor,
                "amount": format_money(request, adj.amount_minor, cur),
            }
            for adj in quote.adjustments
        ],
        "subtotal": format_money(request, quote.subtotal_minor, cur),
        "discount": format_money(request, quote.discount_minor, cur),
        "tax": format_money(request, quote.tax_minor, cur),
        "total": format_money(request, quote.total_minor, cur),
    }


# ------------------------------------------------------------------ guest cart


def guest_add(request, response, course_id: Any, quantity: int = 1) -> None:
    check_quantity(quantity)
    course = sellable_course(request, course_id)
    currency, lines = guest.read(request)
    if currency != course.currency:
        lines = []
    if any(line.course_id == course.id for line in lines):
        raise conflict(N_("this course is already in your cart: change its quantity there"))
    if len(lines) >= settings(request).max_items:
        raise invalid("course_id", f"a cart holds at most {settings(request).max_items} courses")
    lines.append(guest.GuestLine(course.id, quantity, course.price_minor))
    guest.write(request, response, course.currency, lines)


def guest_set_quantity(request, response, course_id: Any, quantity: int) -> None:
    check_quantity(quantity)
    currency, lines = guest.read(request)
    key = as_uuid(course_id)
    line = next((line for line in lines if line.course_id == key), None)
    if line is None or currency is None:
        raise ProblemError(404, "Not found", N_("this course is not in your cart"))
    line.quantity = quantity
    guest.write(request, response, currency, lines)


def guest_remove(request, response, course_id: Any) -> None:
    currency, lines = guest.read(request)
    key = as_uuid(course_id)
    kept = [line for line in lines if line.course_id != key]
    if currency is None or len(kept) == len(lines):
        raise ProblemError(404, "Not found", N_("this course is not in your cart"))
    guest.write(request, response, currency, kept)


def may_keep_a_cart(request, user) -> bool:
    """Whether ``user`` (who may not be the request's identity yet: signing in) holds
    ``cart:cart:use`` through their tenant-wide roles."""
    from learninghub.identity import RoleGrant, User, role_grants

    from .permissions import CartPermission

    if not isinstance(user, User) or not user.is_active:
        return False
    roles = request.db.scalars(
        sa.select(RoleGrant.role).where(RoleGrant.user_id == user.id, RoleGrant.resource_type == "")
    )
    grants = role_grants(request.registry, request.tenant)
    return any(CartPermission.USE in grants.get(role, set()) for role in roles)


@dataclass
class MergeResult:
    added: int = 0
    owned: list[str] = field(default_factory=list)
    dropped: int = 0


def merge_guest_cart(request, user, response) -> MergeResult:
    """Move the guest cart of the signing-in visitor into ``user``'s cart: courses
    already there are kept once (the user's line wins), courses the user has are left
    out (named in a notice for the next page, unless bought as seats), courses that can
    no longer be bought and lines beyond ``max_items`` are dropped. The cookie is
    deleted on ``response`` in every case where one was sent."""
    result = MergeResult()
    if guest.COOKIE not in request.cookies:
        return result
    guest.delete(request, response)
    currency, lines = guest.read(request)
    if not lines or currency != tenant_currency(request):
        return result
    if not may_keep_a_cart(request, user):
        return result
    courses = courses_by_id(request, [line.course_id for line in lines])
    owned = owned_course_ids(request, user, list(courses))
    cart = get_or_create_cart(request, user)
    present = {item.course_id for item in cart.items}
    limit = settings(request).max_items
    for line in lines:
        course = courses.get(line.course_id)
        if (
            course is None
            or course.status != "published"
            or sale_refusal(request, course) is not None
        ):
            result.dropped += 1
            continue
        if line.course_id in present:
            continue
        if line.quantity == 1 and line.course_id in owned:
            result.owned.append(course.title)
            continue
        if len(cart.items) >= limit:
            result.dropped += 1
            continue
        cart.items.append(
            CartItem(
                id=uuid.uuid4(),
                course_id=course.id,
                quantity=line.quantity,
                price_at_add_minor=line.price_minor,
                currency=currency,
                added_at=utcnow(),
            )
        )
        present.add(course.id)
        result.added += 1
    if result.added:
        touch(request, cart)
    if result.owned:
        guest.set_notice(request, response, result.owned)
    return result


# ------------------------------------------------------------------ checkout


@dataclass
class CheckoutConflict:
    """Why checkout stopped; the cart was already brought up to date."""

    detail: str
    changes: list[dict] = field(default_factory=list)
    removed: list[dict] = field(default_factory=list)


@dataclass
class CheckoutDone:
    order: Any
    redirect_url: str


def checkout(
    request,
    user,
    *,
    country: str | None = None,
    idempotency_key: str | None = None,
) -> CheckoutDone | CheckoutConflict:
    """Turn the cart into a pending order and start its payment, in the request's
    transaction.

    Each course is re-priced first. A course whose price changed since it was added
    gets its new price in the cart; a course that can no longer be bought (gone,
    unpublished, free, another currency) and one the user now has (quantity 1) are
    removed from it; in all these cases the answer is a :class:`CheckoutConflict`
    listing them, and the caller commits the updated cart (the next attempt goes
    through). Otherwise ``place_order(origin="cart")`` and ``begin_payment``; any
    exception they raise propagates and rolls everything back. The cart keeps its
    courses until the order is paid (``learninghub_payments_order_settled``)."""
    from learninghub_payments import checkout as payments

    cart = lock_cart(request, user)
    if cart is None or not cart.items:
        raise invalid("cart", N_("your cart is empty"), location="body")
    courses = courses_by_id(request, cart_course_ids(cart))
    owned = owned_course_ids(request, user, cart_course_ids(cart))
    changes: list[dict] = []
    removed: list[dict] = []
    for item in list(cart.items):
        course = courses.get(item.course_id)
        refusal = None
        if course is None or course.status != "published":
            refusal = N_("this course is no longer for sale")
        else:
            refusal = sale_refusal(request, course)
        if refusal is None and item.quantity == 1 and item.course_id in owned:
            refusal = N_("you already have this course")
        if refusal is not None:
            removed.append(
                {
                    "course_id": str(item.course_id),
                    "title": course.title if course is not None else "",
                    "reason": refusal,
                }
            )
            cart.items.remove(item)
            continue
        if course.price_minor != item.price_at_add_minor:
            changes.append(
                {
                    "course_id": str(course.id),
                    "title": course.title,
                    "old_minor": item.price_at_add_minor,
                    "new_minor": course.price_minor,
                    "currency": course.currency,
                    "old": format_money(request, item.price_at_add_minor, item.currency),
                    "new": format_money(request, course.price_minor, course.currency),
                }
            )
            item.price_at_add_minor = course.price_minor
            item.currency = course.currency
    if changes or removed:
        request.db.flush()
        touch(request, cart)
        parts = []
        if changes:
            parts.append(
                "prices changed since you added these courses: "
                + "; ".join(f"{c['title']}: {c['old']} → {c['new']}" for c in changes)
            )
        if removed:
            parts.append(
                "removed from your cart: "
                + "; ".join(f"{r['title'] or r['course_id']} ({r['reason']})" for r in removed)
            )
        return CheckoutConflict(
            ". ".join(parts) + ". Check your cart and check out again.", changes, removed
        )
    lines = draft_lines(request, cart, courses, current=True)
    started = utcnow()
    order = payments.place_order(
        request,
        user,
        lines,
        codes=tuple(cart.codes),
        country=country,
        origin="cart",
        idempotency_key=idempotency_key,
    )
    redirect_url = payments.begin_payment(request, order)
    if order.created_at < started:
        return CheckoutDone(order, redirect_url)  # the same Idempotency-Key again
    request.emit(
        CHECKED_OUT_EVENT,
        resource_type="cart",
        resource_id=cart.id,
        payload={
            "order_id": str(order.id),
            "user_id": str(user.id),
            "course_ids": [str(line.course_id) for line in lines],
            "total_minor": order.total_minor,
            "currency": order.currency,
        },
    )
    return CheckoutDone(order, redirect_url)


def order_course_ids(request, order) -> set[uuid.UUID]:
    from learninghub_payments.orders.models import OrderItem

    return {
        cid
        for cid in request.db.scalars(
            sa.select(OrderItem.course_id).where(
                OrderItem.order_id == order.id, OrderItem.course_id.is_not(None)
            )
        )
    }


def remove_bought(request, order) -> int:
    """The order was paid: take its courses out of its buyer's cart (in the
    transaction that settled it). Returns how many lines went."""
    bought = order_course_ids(request, order)
    if not bought:
        return 0
    cart = request.db.scalar(sa.select(Cart).where(Cart.user_id == order.user_id).with_for_update())
    if cart is None:
        return 0
    gone = [item for item in cart.items if item.course_id in bought]
    for item in gone:
        cart.items.remove(item)
    if gone:
        request.db.flush()
        cart.updated_at = utcnow()
        cart.abandoned_at = None
        cart.reminded_at = None
        if not cart.items:
            cart.codes = []
    return len(gone)


# ------------------------------------------------------------------ abandonment


def abandonment_due(request, cart: Cart, now: datetime) -> bool:
    minutes = settings(request).abandoned_after_minutes
    return (
        bool(cart.items)
        and cart.abandoned_at is None
        and cart.updated_at <= now - timedelta(minutes=minutes)
    )


def mark_abandoned(request, cart: Cart, now: datetime) -> bool:
    """Mark ``cart`` abandoned when it is due (once per change), emit
    ``cart.cart.abandoned`` and schedule the reminder email."""
    if not abandonment_due(request, cart, now):
        return False
    cart.abandoned_at = now
    subtotal = sum(item.quantity * item.price_at_add_minor for item in cart.items)
    request.emit(
        ABANDONED_EVENT,
        resource_type="cart",
        resource_id=cart.id,
        payload={
            "cart_id": str(cart.id),
            "user_id": str(cart.user_id),
            "course_ids": [str(item.course_id) for item in cart.items],
            "item_count": len(cart.items),
            "subtotal_minor": subtotal,
            "currency": cart.items[0].currency,
            "updated_at": cart.updated_at.isoformat(),
        },
    )
    hours = settings(request).reminder_delay_hours
    if hours:
        request.tasks.enqueue_at(
            now + timedelta(hours=hours),
            REMIND_TASK,
            cart_id=str(cart.id),
            abandoned_at=now.isoformat(),
        )
    return True


def sweep(request, now: datetime | None = None) -> tuple[int, int]:
    """For cron: mark every due cart of the request's tenant abandoned, and queue the
    reminders that are due but were not sent (a delayed task lost with its process).
    Returns ``(abandoned, reminders queued)``."""
    now = now or utcnow()
    s = settings(request)
    abandoned = 0
    due = (
        sa.select(Cart)
        .where(
            Cart.abandoned_at.is_(None),
            Cart.updated_at <= now - timedelta(minutes=s.abandoned_after_minutes),
            sa.exists().where(CartItem.cart_id == Cart.id),
        )
        .order_by(Cart.updated_at)
        .with_for_update(skip_locked=True)
    )
    for cart in request.db.scalars(due):
        abandoned += mark_abandoned(request, cart, now)
    reminders = 0
    if s.reminder_delay_hours:
        late = sa.select(Cart.id, Cart.abandoned_at).where(
            Cart.abandoned_at.is_not(None),
            Cart.abandoned_at <= now - timedelta(hours=s.reminder_delay_hours),
            Cart.reminded_at.is_(None),
        )
        for cart_id, abandoned_at in request.db.execute(late).all():
            request.tasks.enqueue(
                REMIND_TASK, cart_id=str(cart_id), abandoned_at=abandoned_at.isoformat()
            )
            reminders += 1
    return abandoned, reminders
