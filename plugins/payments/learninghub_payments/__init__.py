"""Learning Hub plugin: payments.

Orders with items, adjustments (coupons), tax and receipts; payment gateways behind
:class:`learninghub_payments.gateway.IPaymentGateway` (an offline gateway for the
embedded default and for institutions that invoice, Stripe for card payments and
subscriptions); refunds; seat licences as enrolment codes; subscription plans that grant
access to courses. The contract with the coupons and cart plugins is
docs/design/commerce-contracts.md.

The package is split into parts (``orders``, ``plans``, ``stripe_gateway``), each with
its own routes (``includeme``) and an optional ``hooks`` module. Pluggy registers only
this module, so the hook implementations below gather the answers of every part's
``hooks`` module: a part implements a hook by defining a function named like the hook
without its ``learninghub_`` prefix.
"""

from __future__ import annotations

from learninghub.hookspecs import hookimpl
from learninghub.manifest import PluginManifest
from learninghub.parts import PluginParts

from . import models  # noqa: F401  (register the tables)
from .installer import PaymentsInstaller
from .permissions import DEFAULT_GRANTS, PaymentsPermission
from .settings import PaymentsSettings

__version__ = "0.1.0"

#: in the order their hooks are asked: ``plans`` answers the paid-enrolment control for
#: subscribers ("Included in your plan") before ``orders`` offers to buy the course
PARTS = PluginParts(__name__, ("plans", "orders", "stripe_gateway"))

manifest = PluginManifest(
    name="payments",
    version=__version__,
    title="Payments",
    description="Orders, payment gateways (offline and Stripe), refunds, receipts, tax, "
    "seat licences and subscription plans.",
    requires=("courses", "enrollment"),
    settings=PaymentsSettings,
    permissions=PaymentsPermission,
    default_grants=DEFAULT_GRANTS,
    migrations="learninghub_payments:migrations/versions",
    installer=PaymentsInstaller(),
)


def includeme(config) -> None:
    from .gateway import IPaymentGateway, gateway_factory

    config.register_service_factory(gateway_factory, IPaymentGateway)
    for part in PARTS:
        config.include(f".{part}")


@hookimpl
def learninghub_addhooks(pluginmanager) -> None:
    from . import hookspecs

    pluginmanager.add_hookspecs(hookspecs.PaymentsSpecs)


@hookimpl
def learninghub_nav_items(request) -> list:
    return PARTS.gather("nav_items", request=request)


@hookimpl
def learninghub_user_menu_items(request) -> list:
    return PARTS.gather("user_menu_items", request=request)


@hookimpl
def learninghub_admin_sections(request) -> list:
    return PARTS.gather("admin_sections", request=request)


@hookimpl
def learninghub_dashboard_widgets(request) -> list:
    return PARTS.gather("dashboard_widgets", request=request)


@hookimpl
def learninghub_domain_event(request, event) -> None:
    PARTS.call_each("domain_event", request=request, event=event)


@hookimpl
def learninghub_audit_auditable_events(request) -> list:
    return PARTS.gather("audit_auditable_events", request=request)


@hookimpl
def learninghub_webhooks_event_types(request) -> list:
    return PARTS.gather("webhooks_event_types", request=request)


@hookimpl
def learninghub_enrollment_paid_enrolment(request, course):
    return PARTS.first("enrollment_paid_enrolment", request=request, course=course)


@hookimpl
def learninghub_payments_order_settled(request, order, outcome) -> None:
    PARTS.call_each("payments_order_settled", request=request, order=order, outcome=outcome)


@hookimpl
def learninghub_demo_data(request) -> None:
    PARTS.call_each("demo_data", request=request)
