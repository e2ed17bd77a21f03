"""Background tasks of the cart plugin: abandonment detection and the reminder email.

Both are scheduled with ``request.tasks.enqueue_at`` (a cart change schedules the
detection; the detection schedules the reminder) and are idempotent: each locks the
cart and acts only when the cart is still in the state that scheduled it, so a retried
or late task and one queued again by ``learninghub cart sweep`` do nothing twice.
"""

from __future__ import annotations

import logging
from datetime import datetime
from email.message import EmailMessage
from email.utils import formataddr

import sqlalchemy as sa

from learninghub import emailbrand
from learninghub.db import utcnow
from learninghub.i18n import speak_to
from learninghub.identity import User
from learninghub.interfaces import IMailer
from learninghub.tasks import task

from . import services
from .models import Cart

log = logging.getLogger(__name__)


def _locked_cart(request, cart_id: str) -> Cart | None:
    key = services.as_uuid(cart_id)
    if key is None:
        log.warning("cart task got a malformed cart id %r", cart_id)
        return None
    return request.db.scalar(sa.select(Cart).where(Cart.id == key).with_for_update())


def _same_time(stored: datetime | None, raw: str) -> bool:
    try:
        return stored is not None and stored == datetime.fromisoformat(raw)
    except ValueError:
        return False


@task(services.DETECT_TASK, max_retries=3)
def detect_abandonment(request, cart_id: str, changed_at: str) -> None:
    """Mark the cart abandoned if nothing changed since ``changed_at``."""
    cart = _locked_cart(request, cart_id)
    if cart is None or not _same_time(cart.updated_at, changed_at):
        return  # gone, or changed again: that change scheduled its own detection
    services.mark_abandoned(request, cart, utcnow())


@task(services.REMIND_TASK, max_retries=5)
def send_reminder(request, cart_id: str, abandoned_at: str) -> None:
    """Email the owner of a cart abandoned at ``abandoned_at`` once, if it still holds
    courses and was not changed (or reminded) since."""
    cart = _locked_cart(request, cart_id)
    if cart is None or cart.reminded_at is not None or not cart.items:
        return
    if not _same_time(cart.abandoned_at, abandoned_at):
        return
    user = request.db.get(User, cart.user_id)
    if user is None or not user.is_active:
        return
    speak_to(request, user)
    message = reminder_message(request, cart, user)
    request.find_service(IMailer).send_immediately(message)
    cart.reminded_at = utcnow()
    log.info("cart %s: reminder sent", cart.id)


def reminder_message(request, cart: Cart, user: User) -> EmailMessage:
    """The reminder, in the tenant's branded email layout: the courses left in the
    cart with their prices and a link to the cart."""
    tenant = request.tenant
    courses = services.courses_by_id(request, services.cart_course_ids(cart))
    lines = []
    for item in cart.items:
        course = courses.get(item.course_id)
        if course is None:
            continue
        lines.append(
            {
                "title": course.title,
                "quantity": item.quantity,
                "price": services.format_money(
                    request, item.quantity * item.price_at_add_minor, item.currency
                ),
            }
        )
    url = request.route_url("cart.page")
    _ = request.gettext
    message = EmailMessage()
    message["Subject"] = _("[%(site)s] Your cart is waiting for you", site=tenant.name)
    message["From"] = emailbrand.from_header(request)
    message["To"] = formataddr((user.display_name, user.email))
    listing = "\n".join(
        f"- {line['title']}"
        + (f" × {line['quantity']}" if line["quantity"] > 1 else "")
        + f": {line['price']}"
        for line in lines
    )
    message.set_content(
        _("You left these courses in your cart:")
        + f"\n\n{listing}\n\n"
        + _("Complete your purchase: %(url)s", url=url)
        + "\n"
        + emailbrand.text_footer(request)
    )
    html = emailbrand.render_html(
        request,
        "learninghub_cart:templates/email_reminder.jinja2",
        {"tenant": tenant, "lines": lines, "url": url, "user": user},
    )
    message.add_alternative(html, subtype="html")
    return message
