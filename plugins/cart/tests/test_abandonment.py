"""Abandoned carts: the event once per change, the reminder email, the cron sweep."""

from __future__ import annotations

import email.header
from datetime import timedelta

import sqlalchemy as sa

from learninghub.db import bind_tenant, system_session
from learninghub.identity import User
from learninghub_cart import services
from learninghub_cart.models import Cart


def age_cart(db, tenant, user, *, updated=None, abandoned=None):
    """Move the cart's clock back (what time passing does) and return its times."""
    bind_tenant(db, tenant.id)
    try:
        cart = db.scalar(sa.select(Cart).where(Cart.user_id == user.id))
        if updated is not None:
            cart.updated_at = cart.updated_at - updated
        if abandoned is not None:
            cart.abandoned_at = cart.abandoned_at - abandoned
        db.flush()
        return cart.id, cart.updated_at, cart.abandoned_at
    finally:
        system_session(db)


def messages_named(dispatched, name):
    return [m for m in dispatched if m.name == name]


def test_an_untouched_cart_is_abandoned_once_and_its_owner_reminded(
    tenant, user_factory, client, make_course, db, dispatched, run_task, events, mailbox
):
    user = user_factory(tenant)
    db.get(User, user.id).locale = "es"
    db.get(User, user.id).display_name = "Ana"
    db.flush()
    course = make_course(tenant, title="Curso de Python")
    c = client(tenant, user)
    assert c.post_json("/api/v1/cart/items", {"course_id": str(course.id)}).status_int == 201
    (detect,) = messages_named(dispatched, services.DETECT_TASK)
    cart_id, updated_at, _ = age_cart(db, tenant, user)
    assert detect.eta == updated_at + timedelta(minutes=60)  # the tenant's default
    assert detect.kwargs == {"cart_id": str(cart_id), "changed_at": updated_at.isoformat()}
    # due too early (the clock has not moved): nothing happens
    run_task(tenant, services.DETECT_TASK, **detect.kwargs)
    assert events.named("cart.") == []
    # two hours later, nothing changed: abandoned, once
    _, updated_at, _ = age_cart(db, tenant, user, updated=timedelta(hours=2))
    kwargs = {"cart_id": str(cart_id), "changed_at": updated_at.isoformat()}
    run_task(tenant, services.DETECT_TASK, **kwargs)
    run_task(tenant, services.DETECT_TASK, **kwargs)
    (event,) = events.named("cart.cart.abandoned")
    assert event.payload["course_ids"] == [str(course.id)]
    assert (event.payload["subtotal_minor"], event.payload["currency"]) == (4900, "EUR")
    (remind,) = messages_named(dispatched, services.REMIND_TASK)
    _, _, abandoned_at = age_cart(db, tenant, user)
    assert remind.eta == abandoned_at + timedelta(hours=24)
    # the reminder, in the user's language, once
    run_task(tenant, services.REMIND_TASK, **remind.kwargs)
    run_task(tenant, services.REMIND_TASK, **remind.kwargs)
    (mail,) = mailbox.refresh()
    assert mail["To"] == f"Ana <{user.email}>"
    subject = str(email.header.make_header(email.header.decode_header(mail["Subject"])))
    assert subject.startswith(f"[{tenant.orm.name}]")
    text = mail.get_payload()[0].get_payload(decode=True).decode()
    html = mail.get_payload()[1].get_payload(decode=True).decode()
    assert "- Curso de Python: 49,00\xa0€" in text  # Spanish number format
    assert "Recibes este correo porque tienes una cuenta en" in text
    cart_url = f"http://{tenant.slug}.learninghub.test/cart"
    assert cart_url in text and f'href="{cart_url}"' in html
    assert tenant.orm.name in html and "Curso de Python" in html
    # a change starts over: a new abandonment is tracked for it
    other = make_course(tenant)
    assert c.post_json("/api/v1/cart/items", {"course_id": str(other.id)}).status_int == 201
    bind_tenant(db, tenant.id)
    cart = db.get(Cart, cart_id)
    db.refresh(cart)
    assert cart.abandoned_at is None and cart.reminded_at is None
    system_session(db)


def test_the_sweep_finds_abandoned_carts_and_late_reminders(
    registry, tenant, user_factory, client, make_course, db, dispatched, events, as_tenant
):
    from click.testing import CliRunner

    from learninghub.cli import Env
    from learninghub_cart import cli

    class TestEnv(Env):
        @property
        def registry(self):
            return registry

    user = user_factory(tenant)
    quiet = user_factory(tenant)
    for who in (user, quiet):
        r = client(tenant, who).post_json(
            "/api/v1/cart/items", {"course_id": str(make_course(tenant).id)}
        )
        assert r.status_int == 201
    age_cart(db, tenant, user, updated=timedelta(hours=3))
    env = TestEnv("unused.ini")
    result = CliRunner().invoke(cli.cart, ["sweep", "--tenant", tenant.slug], obj=env)
    assert result.exit_code == 0, result.output
    assert f"{tenant.slug}: 1 abandoned, 0 reminders queued" in result.output
    result = CliRunner().invoke(cli.cart, ["sweep", "--tenant", "nope"], obj=env)
    assert result.exit_code != 0 and "unknown tenant" in result.output
    with as_tenant(tenant) as request:
        assert services.sweep(request) == (0, 0)  # once per change
    assert len(events.named("cart.cart.abandoned")) == 1
    # its delayed reminder was lost (a process restart): the sweep queues it again
    age_cart(db, tenant, user, abandoned=timedelta(hours=25))
    dispatched.clear()
    with as_tenant(tenant) as request:
        assert services.sweep(request) == (0, 1)
    (message,) = dispatched
    assert message.name == services.REMIND_TASK and message.eta is None
