"""Pages of the cart plugin.

* ``GET /cart`` — the cart (a guest's from the ``lh_cart`` cookie, a user's from the
  database): lines, quantity, remove, coupon form (signed-in), totals, checkout;
* ``POST /cart/add``, ``/cart/update``, ``/cart/remove`` (``course_id``, ``quantity``)
  and ``POST /cart/codes``, ``/cart/codes/remove`` (``code``) — CSRF-protected forms
  answering 303 to ``/cart`` (guests: the cookie is rewritten on that answer), or the
  cart page again with the message and the status of the refusal;
* ``GET /checkout`` — the summary with a country (tax) and the terms; ``POST
  /checkout`` — the order, then 303 to where it is paid (the page again, 409, when
  prices changed: the cart already shows the new ones).

Signed-in users need ``cart:cart:use``; visitors may fill a guest cart but sign in
to apply codes and check out.
"""

from __future__ import annotations

import uuid

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from learninghub.api import ProblemError
from learninghub.i18n import N_
from learninghub.shell import gate, render_page
from learninghub.web import render_error_page, require_tenant

from . import api, guest, services
from .permissions import CartPermission as P

CART_TEMPLATE = "learninghub_cart:templates/cart.jinja2"
CHECKOUT_TEMPLATE = "learninghub_cart:templates/checkout.jinja2"


def _refused(request):
    """None when the visitor may use a cart here (guests may); else the answer."""
    require_tenant(request)
    if request.identity is not None and not request.has_permission(P.USE):
        return render_error_page(request, 403, "Forbidden")
    return None


def _quantity(request) -> int:
    raw = request.POST.get("quantity", "1").strip()
    try:
        value = int(raw)
    except ValueError:
        raise services.invalid("quantity", N_("the quantity must be a whole number")) from None
    services.check_quantity(value)
    return value


def cart_page(request, error: str | None = None, status: int = 200):
    user = request.identity
    view = services.view_of(request, user)
    notice = guest.read_notice(request)
    response = render_page(
        request,
        CART_TEMPLATE,
        status=status,
        view=view,
        quote=services.quote_dict(request, view.quote),
        subtotal=services.format_money(
            request, sum(item["subtotal_minor"] for item in view.items), view.currency
        ),
        error=error,
        owned_notice=notice,
        signed_in=user is not None,
        login_url=request.route_path("login", _query={"next": request.route_path("cart.page")}),
    )
    if notice:
        response.delete_cookie(guest.NOTICE_COOKIE, path="/")
    return response


def _failed(request, exc: ProblemError):
    """The cart page with the refusal; nothing of the request is kept."""
    request.tm.doom()
    return cart_page(request, error=exc.detail, status=exc.status)


def _back(request):
    return HTTPSeeOther(location=request.route_path("cart.page"))


@view_config(route_name="cart.page", request_method="GET")
def show_cart(request):
    return _refused(request) or cart_page(request)


@view_config(route_name="cart.page.add", request_method="POST")
def add_to_cart(request):
    refused = _refused(request)
    if refused is not None:
        return refused
    response = _back(request)
    try:
        quantity = _quantity(request)
        course_id = request.POST.get("course_id", "")
        if request.identity is None:
            services.guest_add(request, response, course_id, quantity)
        else:
            services.add_item(request, request.identity, course_id, quantity)
    except ProblemError as exc:
        return _failed(request, exc)
    return response


@view_config(route_name="cart.page.update", request_method="POST")
def update_quantity(request):
    refused = _refused(request)
    if refused is not None:
        return refused
    response = _back(request)
    course_id = request.POST.get("course_id", "")
    try:
        quantity = _quantity(request)
        if request.identity is None:
            services.guest_set_quantity(request, response, course_id, quantity)
        else:
            services.set_quantity(
                request, request.identity, _own_item(request, course_id), quantity
            )
    except ProblemError as exc:
        return _failed(request, exc)
    return response


@view_config(route_name="cart.page.remove", request_method="POST")
def remove_from_cart(request):
    refused = _refused(request)
    if refused is not None:
        return refused
    response = _back(request)
    course_id = request.POST.get("course_id", "")
    try:
        if request.identity is None:
            services.guest_remove(request, response, course_id)
        else:
            services.remove_item(request, _own_item(request, course_id))
    except ProblemError as exc:
        return _failed(request, exc)
    return response


def _own_item(request, course_id: str):
    key = services.as_uuid(course_id)
    cart = services.find_cart(request, request.identity)
    item = next((i for i in (cart.items if cart else []) if i.course_id == key), None)
    if item is None:
        raise ProblemError(404, "Not found", "this course is not in your cart")
    return item


@view_config(route_name="cart.page.code", request_method="POST")
def apply_code(request):
    denied = gate(request, P.USE)
    if denied is not None:
        return denied
    try:
        services.apply_code(request, request.identity, request.POST.get("code", ""))
    except ProblemError as exc:
        return _failed(request, exc)
    return _back(request)


@view_config(route_name="cart.page.code_remove", request_method="POST")
def remove_code(request):
    denied = gate(request, P.USE)
    if denied is not None:
        return denied
    try:
        services.remove_code(request, request.identity, request.POST.get("code", ""))
    except ProblemError as exc:
        return _failed(request, exc)
    return _back(request)


# ------------------------------------------------------------------ checkout


def country_choices(request) -> list[tuple[str, str]]:
    from learninghub.i18n import request_locale_name

    names = services.countries(request_locale_name(request))
    return sorted(names.items(), key=lambda pair: pair[1].casefold())


def checkout_page(
    request,
    country: str | None,
    error: str | None = None,
    conflict: services.CheckoutConflict | None = None,
    status: int = 200,
):
    view = services.view_of(request, request.identity, country)
    return render_page(
        request,
        CHECKOUT_TEMPLATE,
        status=status,
        view=view,
        quote=services.quote_dict(request, view.quote),
        countries=country_choices(request),
        country=country or "",
        error=error,
        conflict=conflict,
        idempotency_key=uuid.uuid4().hex,
    )


def _country(request, raw: str | None) -> str | None:
    try:
        return api.CheckoutIn(country=raw or None).country
    except ValueError:
        raise services.invalid("country", N_("choose a country from the list")) from None


@view_config(route_name="cart.page.checkout", request_method="GET")
def show_checkout(request):
    denied = gate(request, P.USE)
    if denied is not None:
        return denied
    try:
        country = _country(request, request.GET.get("country"))
    except ProblemError as exc:
        return checkout_page(request, None, error=exc.detail, status=exc.status)
    return checkout_page(request, country)


@view_config(route_name="cart.page.checkout", request_method="POST")
def do_checkout(request):
    from learninghub_payments.permissions import PaymentsPermission

    denied = gate(request, P.USE)
    if denied is not None:
        return denied
    if not request.has_permission(PaymentsPermission.BUY):
        return render_error_page(request, 403, "Forbidden")
    raw_country = request.POST.get("country")
    try:
        country = _country(request, raw_country)
        if request.POST.get("accept_terms") != "yes":
            raise services.invalid("accept_terms", N_("Accept the terms of sale."))
        key = request.POST.get("idempotency_key") or None
        if key is not None and not api.KEY_RE.match(key):
            raise services.invalid("idempotency_key", N_("malformed form: reload the page"))
        result = services.checkout(request, request.identity, country=country, idempotency_key=key)
    except ProblemError as exc:
        request.tm.doom()  # place_order or the gateway refused: nothing is kept
        return checkout_page(request, None, error=exc.detail, status=exc.status)
    if isinstance(result, services.CheckoutConflict):
        # the cart now has the new prices (committed with this answer)
        return checkout_page(request, country, conflict=result, status=409)
    return HTTPSeeOther(location=result.redirect_url)
