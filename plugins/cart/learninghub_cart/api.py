"""JSON API of the cart plugin (the signed-in user's own cart; bearer tokens).

* ``GET /api/v1/cart`` — the cart: its lines (at most ``max_items``, so one page),
  codes and a quote (subtotal, discount, tax, total) from the payments plugin;
* ``POST /api/v1/cart/items`` ``{course_id, quantity}`` — add a course (201);
* ``GET|PATCH /api/v1/cart/items/{id}`` (``{quantity}``), ``DELETE /api/v1/cart/items/{id}``;
* ``POST /api/v1/cart/codes`` ``{code}``, ``DELETE /api/v1/cart/codes/{code}``;
* ``POST /api/v1/cart/checkout`` ``{country}`` with an optional ``Idempotency-Key``
  header — a pending order and the URL to pay at (201), or 409 with what changed.

Another user's item ids, malformed ids and other tenants' ids answer 404 alike.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from learninghub.api import ProblemError, api_view, problem_response

from . import services
from .permissions import CartPermission as P

ITEMS = "/api/v1/cart/items"
ITEM = "/api/v1/cart/items/{id}"
KEY_RE = re.compile(r"^[\x21-\x7e]{1,200}$")


class ItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    course_id: uuid.UUID
    quantity: int = Field(1, ge=1, le=services.MAX_QUANTITY)


class QuantityIn(BaseModel):
    """Fields to change (none: the line as it is)."""

    model_config = ConfigDict(extra="forbid")
    quantity: int | None = Field(None, ge=1, le=services.MAX_QUANTITY)


class CodeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(min_length=1, max_length=64, pattern=services.CODE_RE.pattern)


class CheckoutIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    country: str | None = Field(
        None, description="ISO 3166-1 alpha-2 country of the buyer, for tax (e.g. 'DE')"
    )

    @field_validator("country")
    @classmethod
    def _known_country(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        code = value.upper()
        if code not in services.countries("en"):
            raise ValueError(f"{value!r} is not an ISO 3166-1 alpha-2 country code")
        return code


class ItemOut(BaseModel):
    id: uuid.UUID
    course_id: uuid.UUID
    title: str
    url: str | None
    available: bool = Field(description="the course can still be bought by you")
    price_changed: bool = Field(description="the course's price is no longer the one added")
    quantity: int
    kind: Literal["course", "seats"]
    unit_price_minor: int = Field(description="the price when it was added")
    current_price_minor: int | None
    current_price: str | None
    subtotal_minor: int
    currency: str
    added_at: datetime
    unit_price: str
    subtotal: str


class AdjustmentOut(BaseModel):
    code: str
    label: str
    amount_minor: int
    amount: str


class QuoteOut(BaseModel):
    currency: str
    subtotal_minor: int
    discount_minor: int
    tax_minor: int
    total_minor: int
    tax_rate_bp: int
    tax_inclusive: bool
    adjustments: list[AdjustmentOut]
    subtotal: str
    discount: str
    tax: str
    total: str


class CartOut(BaseModel):
    id: uuid.UUID | None = Field(description="null until something is added")
    currency: str
    item_count: int
    items: list[ItemOut]
    codes: list[str]
    quote: QuoteOut | None
    messages: list[str]
    updated_at: datetime | None


class CheckoutOut(BaseModel):
    order_id: uuid.UUID
    number: str
    status: str
    total_minor: int
    currency: str
    redirect_url: str


def cart_out(request) -> CartOut:
    view = services.view_of(request, request.identity)
    return CartOut(
        id=view.cart.id if view.cart is not None else None,
        currency=view.currency,
        item_count=len(view.items),
        items=[ItemOut(**item) for item in view.items],
        codes=view.codes,
        quote=services.quote_dict(request, view.quote),
        messages=view.messages,
        updated_at=view.cart.updated_at if view.cart is not None else None,
    )


def item_out(request, item) -> ItemOut:
    course = services.courses_by_id(request, [item.course_id]).get(item.course_id)
    return ItemOut(**services._item_dict(request, item, course, True))


def _item(request):
    item = services.find_item(request, request.identity, request.matchdict["id"])
    if item is None:
        raise ProblemError(404, "Not found", "no such item in your cart")
    return item


@api_view("cart.api.cart", "/api/v1/cart", "GET", response=CartOut, permission=P.USE)
def get_cart(request):
    """Your cart, with a quote of its total"""
    return cart_out(request)


@api_view(
    "cart.api.items",
    ITEMS,
    "POST",
    body=ItemIn,
    response=ItemOut,
    status=201,
    permission=P.USE,
    summary="Add a course to your cart (quantity > 1: seat licences)",
)
def add_item(request, body: ItemIn):
    item = services.add_item(request, request.identity, body.course_id, body.quantity)
    request.response.headers["Location"] = request.route_path("cart.api.item", id=str(item.id))
    return item_out(request, item)


@api_view(
    "cart.api.item",
    ITEM,
    "GET",
    response=ItemOut,
    permission=P.USE,
    summary="One line of your cart",
)
def get_item(request):
    return item_out(request, _item(request))


@api_view(
    "cart.api.item",
    ITEM,
    "PATCH",
    body=QuantityIn,
    response=ItemOut,
    permission=P.USE,
    summary="Change the quantity of a line of your cart",
)
def patch_item(request, body: QuantityIn):
    item = _item(request)
    if body.quantity is not None:
        item = services.set_quantity(request, request.identity, item, body.quantity)
    return item_out(request, item)


@api_view(
    "cart.api.item",
    ITEM,
    "DELETE",
    status=204,
    permission=P.USE,
    summary="Remove a line from your cart",
)
def delete_item(request):
    services.remove_item(request, _item(request))


@api_view(
    "cart.api.codes",
    "/api/v1/cart/codes",
    "POST",
    body=CodeIn,
    response=CartOut,
    permission=P.USE,
    summary="Apply a coupon code to your cart (422 when it does not apply)",
)
def add_code(request, body: CodeIn):
    services.apply_code(request, request.identity, body.code)
    return cart_out(request)


@api_view(
    "cart.api.code",
    "/api/v1/cart/codes/{code}",
    "DELETE",
    status=204,
    permission=P.USE,
    summary="Take a coupon code off your cart",
)
def delete_code(request):
    services.remove_code(request, request.identity, request.matchdict["code"])


def idempotency_key(request) -> str | None:
    raw = request.headers.get("Idempotency-Key")
    if raw is None:
        return None
    if not KEY_RE.match(raw):
        message = "the Idempotency-Key header is 1 to 200 visible ASCII characters"
        raise ProblemError(
            422,
            "Validation failed",
            message,
            errors=[
                {"path": ["header", "Idempotency-Key"], "message": message, "type": "value_error"}
            ],
        )
    return raw


@api_view(
    "cart.api.checkout",
    "/api/v1/cart/checkout",
    "POST",
    body=CheckoutIn,
    response=CheckoutOut,
    status=201,
    permission=P.USE,
    summary="Check your cart out: a pending order and the URL to pay at",
)
def checkout(request, body: CheckoutIn):
    from learninghub_payments.permissions import PaymentsPermission

    if not request.has_permission(PaymentsPermission.BUY):
        raise ProblemError(403, "Forbidden", f"you lack the permission {PaymentsPermission.BUY}")
    key = idempotency_key(request)
    result = services.checkout(request, request.identity, country=body.country, idempotency_key=key)
    if isinstance(result, services.CheckoutConflict):
        # returned, not raised: the cart's new prices are committed with the answer
        return problem_response(
            request,
            409,
            "Conflict",
            result.detail,
            extra={"changes": result.changes, "removed": result.removed},
        )
    order = result.order
    return CheckoutOut(
        order_id=order.id,
        number=str(order.number),
        status=order.status,
        total_minor=order.total_minor,
        currency=order.currency,
        redirect_url=result.redirect_url,
    )
