"""Learning Hub plugin: the shopping cart.

A persistent cart per user (``cart_carts``, ``cart_items``) and a guest cart in a
signed cookie merged at sign-in (kernel hook ``learninghub_signed_in``); seat licences
(quantity > 1); prices captured when added and checked again at checkout; coupon codes
quoted through the payments plugin; checkout into a payments order and its payment in
one transaction; abandoned carts tracked (``cart.cart.abandoned``) with one reminder
email. The contract with payments and coupons is docs/design/commerce-contracts.md;
the user documentation is docs/plugins/cart.md.
"""

from __future__ import annotations

import logging

from markupsafe import Markup

from learninghub.hookspecs import hookimpl
from learninghub.manifest import PluginManifest

from . import models, tasks  # noqa: F401  (register the tables and tasks)
from .installer import CartInstaller
from .permissions import DEFAULT_GRANTS, CartPermission
from .settings import CartSettings

__version__ = "0.1.0"
log = logging.getLogger(__name__)

manifest = PluginManifest(
    name="cart",
    version=__version__,
    title="Cart",
    description="Shopping cart: persistent and guest carts, seat licences, coupon codes, "
    "checkout through payments, abandoned-cart reminders.",
    requires=("courses", "enrollment", "payments"),
    settings=CartSettings,
    permissions=CartPermission,
    default_grants=DEFAULT_GRANTS,
    migrations="learninghub_cart:migrations/versions",
    installer=CartInstaller(),
)


def includeme(config) -> None:
    # a guest cart changes the header and the buy controls of other plugins' pages
    config.add_private_cookie("lh_cart")
    config.add_route("cart.page", "/cart")
    config.add_route("cart.page.add", "/cart/add")
    config.add_route("cart.page.update", "/cart/update")
    config.add_route("cart.page.remove", "/cart/remove")
    config.add_route("cart.page.code", "/cart/codes")
    config.add_route("cart.page.code_remove", "/cart/codes/remove")
    config.add_route("cart.page.checkout", "/checkout")
    config.scan(".api")
    config.scan(".views")


def _render(request, name: str, **values) -> Markup:
    return Markup(request.registry["templates"].render(name, values, request))


def _personal(request) -> None:
    """The page shows this visitor's cart: never keep it in the anonymous page cache
    (a response callback other than the CSRF cookie's makes the page cache skip it)."""
    request.add_response_callback(lambda request, response: None)


@hookimpl
def learninghub_signed_in(request, user, response) -> None:
    """Merge the guest cart into the user's cart and delete its cookie."""
    from .services import merge_guest_cart

    merge_guest_cart(request, user, response)


@hookimpl
def learninghub_payments_order_settled(request, order, outcome) -> None:
    """A paid order's courses leave its buyer's cart (not at checkout: a failed or
    expired payment keeps the cart as it was)."""
    if outcome == "paid":
        from .services import remove_bought

        remove_bought(request, order)


@hookimpl(tryfirst=True)
def learninghub_enrollment_paid_enrolment(request, course):
    """ "Add to cart" (or "In your cart") for a paid course, next to the payments
    plugin's Buy-now form; None when the course cannot be bought here."""
    from . import guest, services

    if course.status != "published" or services.sale_refusal(request, course) is not None:
        return None
    user = request.identity
    if user is not None and not request.has_permission(CartPermission.USE):
        return None
    included = _plan_offer(request, course)
    if included is not None:
        return included  # a subscriber whose plan covers the course buys nothing
    if user is None:
        if guest.COOKIE in request.cookies:
            _personal(request)
        currency, lines = guest.read(request)
        in_cart = any(line.course_id == course.id for line in lines)
    else:
        cart = services.find_cart(request, user)
        in_cart = cart is not None and any(i.course_id == course.id for i in cart.items)
    return _render(
        request,
        "cart/control.jinja2",
        course=course,
        in_cart=in_cart,
        price=services.format_money(request, course.price_minor, course.currency),
        cart_url=request.route_path("cart.page"),
        add_url=request.route_path("cart.page.add"),
        buy_now=_buy_now(request, course),
    )


def _plan_offer(request, course) -> Markup | None:
    """The payments plans part's "Included in your plan", asked before us."""
    try:
        from learninghub_payments.plans.hooks import enrollment_paid_enrolment
    except ImportError:  # a payments version without plans
        return None
    return enrollment_paid_enrolment(request=request, course=course)


def _buy_now(request, course) -> Markup | None:
    """The payments orders part's Buy-now form for buyers, its sign-in offer for
    visitors (each shows the price)."""
    from learninghub_payments.permissions import PaymentsPermission

    try:
        from learninghub_payments.orders.views import buy_now_form, sign_in_offer
    except ImportError:  # a payments version without buy-now
        return None
    if request.identity is None:
        return sign_in_offer(request, course)
    if not request.has_permission(PaymentsPermission.BUY):
        return None
    return buy_now_form(request, course)


@hookimpl
def learninghub_header_items(request) -> list[Markup]:
    """The cart link with its item count, for visitors too."""
    from . import guest, services

    if request.tenant is None:
        return []
    user = request.identity
    if user is not None and not request.has_permission(CartPermission.USE):
        return []
    notice = guest.read_notice(request)
    if user is None and guest.COOKIE in request.cookies or notice:
        _personal(request)
    if notice:
        request.add_response_callback(
            lambda request, response: response.delete_cookie(guest.NOTICE_COOKIE, path="/")
        )
    return [header_link(request, services.item_count(request, user), notice)]


def header_link(request, count: int, notice: list[str]) -> Markup:
    """Built here rather than from a template: rendering a template computes the shell
    context, which asks this very hook again."""
    label = request.ngettext("Cart, %(num)s course", "Cart, %(num)s courses", count)
    shown = request.gettext("Cart") + (f" ({count})" if count else "")
    html = Markup(
        '<a class="cart-link" href="{}" aria-label="{}"><span aria-hidden="true">{}</span></a>'
    ).format(request.route_path("cart.page"), label, shown)
    if notice:
        html += Markup('<p class="lh-notice" role="status">{}</p>').format(
            request.gettext(
                "You already have these courses, so they were left out of your cart: %(titles)s",
                titles=", ".join(notice),
            )
        )
    return html


@hookimpl
def learninghub_audit_auditable_events(request) -> list[str]:
    return ["cart.cart.checked_out"]


@hookimpl
def learninghub_webhooks_event_types(request) -> list[tuple[str, str]]:
    """Abandoned carts, for marketing integrations (ids, courses and amounts only)."""
    return [
        ("cart.cart.abandoned", "A cart with courses was left untouched (once per change)."),
        ("cart.cart.checked_out", "A cart was checked out into a pending order."),
    ]
