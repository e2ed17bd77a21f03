"""Hook implementations of the orders part (gathered by the package's ``__init__``)."""

from __future__ import annotations

from learninghub.i18n import N_
from learninghub.web import NavItem

from ..permissions import PaymentsPermission as P

MY_ORDERS = N_("My orders")
ORDERS = N_("Orders")
TAX_RATES = N_("Tax rates")


def user_menu_items(request) -> list:
    if request.identity is None or not request.has_permission(P.BUY):
        return []
    return [NavItem(45, request.gettext(MY_ORDERS), request.route_path("payments.page.orders"))]


def admin_sections(request) -> list:
    if request.identity is None:
        return []
    sections = []
    if request.has_permission(P.MANAGE):
        sections.append(
            NavItem(150, request.gettext(ORDERS), request.route_path("payments.admin.orders"))
        )
    if request.has_permission(P.CONFIGURE):
        sections.append(
            NavItem(152, request.gettext(TAX_RATES), request.route_path("payments.admin.tax_rates"))
        )
    return sections


def enrollment_paid_enrolment(request, course):
    """A "Buy now" form for a paid, published course sold in the tenant's currency
    (the cart plugin answers first and includes :func:`views.buy_now_form`); a sign-in
    link with the price for visitors. None when this site does not sell it."""
    from .views import buy_now_form, sign_in_offer

    if course.price_minor <= 0 or course.status != "published":
        return None
    if course.currency.upper() != request.plugin_settings("payments").currency:
        return None
    if request.identity is None:
        return sign_in_offer(request, course)
    if not request.has_permission(P.BUY):
        return None
    return buy_now_form(request, course)


def audit_auditable_events(request) -> list:
    return [
        "payments.order.paid",
        "payments.order.refunded",
        "payments.order.cancelled",
        "payments.tax_rates.updated",
        "payments.seat_code.redeemed",
    ]


def webhooks_event_types(request) -> list:
    """Order events for integrations (accounting, CRM); payloads hold ids and amounts."""
    return [
        ("payments.order.created", "An order was placed (pending payment)."),
        ("payments.order.paid", "An order was paid; its buyer is enrolled."),
        ("payments.order.failed", "The payment of an order failed."),
        ("payments.order.expired", "An order was not paid in time."),
        ("payments.order.cancelled", "An unpaid order was cancelled."),
        ("payments.order.refunded", "An order was refunded, in part or in full."),
        ("payments.seat_code.redeemed", "A seat code was redeemed: someone was enrolled."),
    ]


def demo_data(request) -> None:
    """The demo sells its paid courses with the offline gateway and lets learners
    complete their own orders (nobody pays), with a 21 % VAT rate for Spain. Only
    settings the tenant has not chosen are set, and the rate only when it has none."""
    import sqlalchemy as sa

    from learninghub.tenancy import TenantPlugin

    from .models import TaxRate

    record = request.db.scalar(sa.select(TenantPlugin).where(TenantPlugin.plugin == "payments"))
    if record is not None and "offline_self_confirm" not in (record.settings or {}):
        record.settings = {
            **(record.settings or {}),
            "offline_self_confirm": True,
            "offline_instructions": "This is a demonstration: use Complete purchase, nobody pays.",
        }
        request.db.flush()
        request.registry["tenancy.resolver"].invalidate()
    if request.db.scalar(sa.select(TaxRate.id).limit(1)) is None:
        request.db.add(TaxRate(country="ES", rate_bp=2100, label="IVA"))
        request.db.flush()
