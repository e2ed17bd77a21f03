"""Buyer pages: ``/orders`` (my orders), ``/orders/{id}`` (an order: items, status,
offline instructions, "Complete purchase", seat codes), its receipt PDF and seat-code
CSV, ``/redeem`` (a seat code), and the "Buy now" form posted to
``/courses/{course_id}/buy``.

An order is shown to its buyer and to order managers; anyone else gets 404. Forms are
POSTs with a CSRF token; refusals re-render with the problem's status and message.
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from markupsafe import Markup
from pyramid.httpexceptions import HTTPBadRequest, HTTPNotFound, HTTPSeeOther
from pyramid.response import Response
from pyramid.view import view_config

from learninghub.api import PageQuery, ProblemError, paginate
from learninghub.i18n import N_
from learninghub.shell import gate, render_page

from .. import checkout, money
from ..drafts import DraftLine
from ..permissions import PaymentsPermission as P
from . import receipt, seats, services, settlement
from .models import Order

PAGE_SIZE = 20
DONE = {
    "paid": N_("Thank you: your purchase is complete."),
    "cancelled": N_("The order was cancelled."),
}


def render(request, name: str, **values) -> Markup:
    return Markup(request.registry["templates"].render(name, values, request))


def buy_now_form(request, course) -> Markup:
    """The "Buy now" form for ``course`` (reusable: the cart plugin puts it beside its
    "Add to cart"). It carries a fresh idempotency key, so a double submit places one
    order."""
    return render(
        request,
        "payments/orders/buy_now.jinja2",
        course=course,
        price=money.format_money(request, course.price_minor, course.currency),
        action=request.route_path("payments.page.buy", course_id=str(course.id)),
        key=uuid.uuid4().hex,
    )


def sign_in_offer(request, course) -> Markup:
    """For visitors: the price and a link to sign in (back to the course)."""
    from learninghub_courses.services import course_url

    return render(
        request,
        "payments/orders/buy_now.jinja2",
        course=course,
        price=money.format_money(request, course.price_minor, course.currency),
        login_url=request.route_path("login", _query={"next": course_url(request, course)}),
    )


def problem_page(request, exc: ProblemError, back_url: str | None = None) -> Response:
    """The refusal as a page; the request's transaction is doomed (nothing it wrote
    is kept), like a raised problem in the API."""
    request.tm.doom()
    return render_page(
        request,
        "payments/orders/problem.jinja2",
        exc.status,
        problem=exc,
        back_url=back_url,
    )


def _flash(request) -> str:
    done = request.GET.get("done")
    return request.gettext(DONE[done]) if done in DONE else ""


# ----------------------------------------------------------------- buy now


@view_config(route_name="payments.page.buy", request_method="POST")
def buy_now(request):
    """Place a one-line order for the course and go where it is paid."""
    from learninghub_courses import services as courses

    denied = gate(request, P.BUY)
    if denied is not None:
        return denied
    course = courses.get_course(request.db, services.as_uuid(request.matchdict["course_id"]))
    if course is None or not courses.can_view(request, course):
        raise HTTPNotFound()
    back = courses.course_url(request, course)
    key = (request.POST.get("idempotency_key") or "").strip()[:64] or None
    line = DraftLine(
        course_id=course.id,
        quantity=1,
        unit_price_minor=course.price_minor,
        title=course.title,
        kind="course",
        category_id=course.category_id,
    )
    try:
        order = checkout.place_order(
            request,
            request.identity,
            [line],
            origin="buy_now",
            idempotency_key=f"buy:{key}" if key else None,
        )
        url = checkout.begin_payment(request, order)
    except ProblemError as exc:
        return problem_page(request, exc, back)
    return HTTPSeeOther(location=url)


# ----------------------------------------------------------------- my orders


@view_config(route_name="payments.page.orders", request_method="GET")
def my_orders_page(request):
    denied = gate(request, P.BUY)
    if denied is not None:
        return denied
    cursor = request.GET.get("cursor") or None
    try:
        rows, next_cursor = paginate(
            request.db,
            sa.select(Order).where(Order.user_id == request.identity.id),
            Order.created_at,
            Order.id,
            PageQuery(limit=PAGE_SIZE, cursor=cursor),
            id_type=uuid.UUID,
        )
    except (ProblemError, ValueError):
        raise HTTPBadRequest() from None
    return render_page(
        request,
        "payments/orders/list.jinja2",
        orders=rows,
        first_page=cursor is None,
        next_url=request.route_path("payments.page.orders", _query={"cursor": next_cursor})
        if next_cursor
        else None,
    )


def _visible(request) -> Order:
    try:
        return services.visible_order(request, request.matchdict["id"])
    except ProblemError:
        raise HTTPNotFound() from None


def order_page_values(request, order: Order) -> dict:
    items = settlement.items_of(request, order)
    return {
        "order": order,
        "items": items,
        "adjustments": services.adjustments_of(request, order),
        "refunds": [t for t in services.transactions_of(request, order) if t.kind == "refund"],
        "codes": seats.codes_of(request, order),
        "titles": {item.id: item.title for item in items},
        "mine": order.user_id == request.identity.id,
        "can_self_confirm": services.can_self_confirm(request, order),
        "instructions": request.plugin_settings("payments").offline_instructions,
        "fmt": lambda amount: money.format_money(request, amount, order.currency),
    }


@view_config(route_name="payments.page.order", request_method="GET")
def order_page(request):
    denied = gate(request, None)
    if denied is not None:
        return denied
    order = _visible(request)
    return render_page(
        request,
        "payments/orders/detail.jinja2",
        flash=_flash(request),
        **order_page_values(request, order),
    )


@view_config(route_name="payments.page.order_confirm", request_method="POST")
def confirm_page(request):
    """ "Complete purchase" of one's own offline order (``offline_self_confirm``)."""
    denied = gate(request, P.BUY)
    if denied is not None:
        return denied
    order = _visible(request)
    if order.user_id != request.identity.id:
        raise HTTPNotFound()
    page = request.route_path("payments.page.order", id=str(order.id))
    try:
        services.self_confirm(request, order)
    except ProblemError as exc:
        return problem_page(request, exc, page)
    return HTTPSeeOther(location=page + "?done=paid")


@view_config(route_name="payments.page.order_cancel", request_method="POST")
def cancel_page(request):
    """The buyer gives up on a pending order (its coupon holds are released)."""
    denied = gate(request, P.BUY)
    if denied is not None:
        return denied
    order = _visible(request)
    if order.user_id != request.identity.id:
        raise HTTPNotFound()
    page = request.route_path("payments.page.order", id=str(order.id))
    if not settlement.cancel(request, order):
        return problem_page(
            request, ProblemError(409, "Conflict", f"this order is {order.status}"), page
        )
    return HTTPSeeOther(location=page + "?done=cancelled")


@view_config(route_name="payments.page.receipt", request_method="GET")
def receipt_pdf(request):
    denied = gate(request, None)
    if denied is not None:
        return denied
    order = _visible(request)
    if not order.is_paid:
        raise HTTPNotFound()
    from learninghub.identity import User

    buyer = request.db.get(User, order.user_id)
    values = order_page_values(request, order)
    body = receipt.render(
        request,
        order,
        values["items"],
        values["adjustments"],
        values["refunds"],
        buyer.email if buyer is not None else "",
    )
    response = Response(body=body, content_type="application/pdf")
    response.content_disposition = f'inline; filename="receipt-{order.number}.pdf"'
    response.headers["Cache-Control"] = "no-store"
    return response


@view_config(route_name="payments.page.seat_codes_csv", request_method="GET")
def seat_codes_csv(request):
    denied = gate(request, None)
    if denied is not None:
        return denied
    order = _visible(request)
    titles = {item.id: item.title for item in settlement.items_of(request, order)}
    response = Response(
        body=seats.codes_csv(request, order, titles).encode("utf-8"),
        content_type="text/csv",
        charset="utf-8",
    )
    response.content_disposition = f'attachment; filename="seat-codes-{order.number}.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response


# ----------------------------------------------------------------- redeem


@view_config(route_name="payments.page.redeem", request_method="GET")
def redeem_page(request):
    denied = gate(request, P.BUY)
    if denied is not None:
        return denied
    return render_page(request, "payments/orders/redeem.jinja2", code="", error=None)


@view_config(route_name="payments.page.redeem", request_method="POST")
def redeem_submit(request):
    from learninghub_courses.services import course_url

    denied = gate(request, P.BUY)
    if denied is not None:
        return denied
    code = (request.POST.get("code") or "").strip()[:40]
    try:
        if not code:
            raise ProblemError(422, "Validation failed", request.gettext("Enter a code."))
        _seat, course = seats.redeem(request, request.identity, code)
    except ProblemError as exc:
        request.tm.doom()
        return render_page(
            request, "payments/orders/redeem.jinja2", exc.status, code=code, error=exc.detail
        )
    return HTTPSeeOther(location=course_url(request, course))
