"""Webhook event types, the audit trail, and ``learninghub payments expire-orders``."""

from __future__ import annotations

from datetime import timedelta

EVENTS = {
    "payments.order.created",
    "payments.order.paid",
    "payments.order.failed",
    "payments.order.expired",
    "payments.order.cancelled",
    "payments.order.refunded",
    "payments.seat_code.redeemed",
}


def test_order_events_are_subscribable_and_refunds_audited(
    tenant, user_factory, make_course, place, client
):
    admin = user_factory(tenant, "admin")
    api = client(tenant, admin)
    names = {t["name"] for t in api.get("/api/v1/webhooks/event-types").json}
    assert EVENTS <= names
    order_id = place(tenant, user_factory(tenant), make_course(tenant), paid=True)
    api.post_json(f"/api/v1/admin/orders/{order_id}/refunds", {"reason": "audited refund"})
    trail = api.get("/api/v1/audit/events", params={"action": "payments.order.refunded"}).json
    assert [e["resource_id"] for e in trail["items"]] == [str(order_id)]
    assert trail["items"][0]["actor_id"] == str(admin.id)


def test_cli_expire_orders(
    registry, tenant, user_factory, make_course, place, order_row, db, adjuster
):
    from click.testing import CliRunner

    from learninghub.cli import Env
    from learninghub.db import system_session, utcnow
    from learninghub_payments import cli
    from learninghub_payments.orders.models import Order

    class TestEnv(Env):
        @property
        def registry(self):
            return registry

    buyer = user_factory(tenant)
    late = place(tenant, buyer, make_course(tenant))
    fresh = place(tenant, buyer, make_course(tenant))
    system_session(db).get(Order, late).expires_at = utcnow() - timedelta(seconds=1)
    system_session(db).flush()
    env = TestEnv("unused.ini")
    result = CliRunner().invoke(cli.payments, ["expire-orders", "--tenant", tenant.slug], obj=env)
    assert result.exit_code == 0, result.output
    assert f"{tenant.slug}: 1 expired" in result.output
    assert order_row(late).status == "expired" and order_row(fresh).status == "pending"
    assert adjuster.settled == [(late, "expired")]


def test_demo_data_sets_self_confirm_and_a_rate_once(tenant, tenant_request, db):
    import sqlalchemy as sa

    from learninghub.tenancy import TenantPlugin
    from learninghub_payments.orders import hooks
    from learninghub_payments.orders.models import TaxRate

    for _ in range(2):
        with tenant_request(tenant) as request:
            hooks.demo_data(request)
    record = db.scalar(
        sa.select(TenantPlugin).where(
            TenantPlugin.tenant_id == tenant.id, TenantPlugin.plugin == "payments"
        )
    )
    assert record.settings["offline_self_confirm"] is True
    rates = db.execute(
        sa.select(TaxRate.country, TaxRate.rate_bp).where(TaxRate.tenant_id == tenant.id)
    ).all()
    assert rates == [("ES", 2100)]
    with tenant_request(tenant) as request:
        assert request.plugin_settings("payments").offline_self_confirm is True
