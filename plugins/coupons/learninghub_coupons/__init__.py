"""Learning Hub plugin: coupons.

Single codes and bulk-generated batches (CSV export); a percentage (basis points) or a
fixed amount in one currency; a minimum purchase, global and per-user limits, a
validity window, a restriction to courses or categories; one coupon per order unless
the tenant allows stacking. Coupons answer the payments plugin's hooks: a code is
priced when an order is quoted, held (under a row lock, counted against its limits)
when the order is placed, and becomes a use when the order is paid or is released when
it fails, expires or is cancelled. The contract is docs/design/commerce-contracts.md.
"""

from __future__ import annotations

from learninghub.hookspecs import hookimpl
from learninghub.manifest import PluginManifest
from learninghub.web import NavItem

from . import models  # noqa: F401  (register the tables)
from .installer import CouponsInstaller
from .permissions import DEFAULT_GRANTS, CouponPermission
from .settings import CouponsSettings

__version__ = "0.1.0"

manifest = PluginManifest(
    name="coupons",
    version=__version__,
    title="Coupons",
    description="Coupon codes: single or in bulk, percentage or fixed discounts, limits, "
    "validity windows and course or category restrictions.",
    requires=("courses", "payments"),
    settings=CouponsSettings,
    permissions=CouponPermission,
    default_grants=DEFAULT_GRANTS,
    migrations="learninghub_coupons:migrations/versions",
    installer=CouponsInstaller(),
)


def includeme(config) -> None:
    config.add_route("coupons.admin.list", "/admin/coupons")
    config.add_route("coupons.admin.new", "/admin/coupons/new")
    config.add_route("coupons.admin.batch_new", "/admin/coupons/batches/new")
    config.add_route("coupons.admin.batch_csv", "/admin/coupons/batches/{id}/codes.csv")
    config.add_route("coupons.admin.edit", "/admin/coupons/{id}")
    config.add_route("coupons.admin.deactivate", "/admin/coupons/{id}/deactivate")
    config.scan(".api")
    config.scan(".admin")


@hookimpl
def learninghub_payments_adjustments(request, draft) -> list:
    from . import redeem

    return redeem.adjustments(request, draft)


@hookimpl
def learninghub_payments_order_settled(request, order, outcome) -> None:
    from . import redeem

    redeem.settle(request, order, outcome)


@hookimpl
def learninghub_admin_sections(request) -> list[NavItem]:
    if request.identity is None or not request.has_permission(CouponPermission.MANAGE):
        return []
    return [
        NavItem(
            order=245,
            title=request.gettext("Coupons"),
            url=request.route_path("coupons.admin.list"),
        )
    ]


@hookimpl
def learninghub_audit_auditable_events(request) -> list:
    return ["coupons.coupon.*", "coupons.batch.*"]


@hookimpl
def learninghub_webhooks_event_types(request) -> list[tuple[str, str]]:
    return [
        ("coupons.coupon.created", "A coupon code was created."),
        ("coupons.coupon.updated", "A coupon was changed (or deactivated)."),
        ("coupons.coupon.redeemed", "A coupon was used on a paid order."),
        ("coupons.batch.created", "A batch of coupon codes was generated."),
    ]


@hookimpl
def learninghub_demo_data(request) -> None:
    """The coupon ``WELCOME20`` (20 % off, once per buyer), created when missing."""
    import sqlalchemy as sa

    from .models import Coupon

    if request.db.scalar(sa.select(Coupon.id).where(Coupon.code == "WELCOME20")) is None:
        request.db.add(
            Coupon(code="WELCOME20", kind="percent", percent_bp=2000, max_uses_per_user=1)
        )
        request.db.flush()
