"""The email channel: one branded message per notification, in the recipient's language.

``send(request, notification, delivery, user)`` is the sender of the ``email`` channel
(:mod:`learninghub_notifications.channels`); the ``notifications.deliver`` task calls it
inside its transaction, after ``speak_to(request, user)``, and marks the delivery row.

Templates go through the theme override chain (docs/theming.md), most specific first::

    notifications/email/<type key>.subject.jinja2   else  notifications/email/default.subject.jinja2
    notifications/email/<type key>.txt.jinja2       else  notifications/email/default.txt.jinja2
    notifications/email/<type key>.html.jinja2      else  notifications/email/default.html.jinja2

The HTML part extends the kernel's ``email/layout.jinja2`` (tenant logo, colours,
footer: :mod:`learninghub.emailbrand`); the subject and plain-text templates render
without HTML escaping. Every template sees ``notification``, ``user``, ``url`` (absolute
link to open, or ""), ``when`` (the notification's time in the recipient's
language and time zone), ``unsubscribe_url``, ``preferences_url``, ``site_name`` and
``email_brand``.

Headers: ``List-Unsubscribe`` (the signed one-click link of :mod:`.unsubscribe`) with
``List-Unsubscribe-Post: List-Unsubscribe=One-Click`` (RFC 8058), ``Auto-Submitted:
auto-generated`` (RFC 3834: no vacation replies) and a ``Message-ID`` made from the
delivery's id: a retry after a send whose commit failed carries the same id, so the
receiving servers can drop the duplicate.
"""

from __future__ import annotations

import re
import smtplib
import weakref
from datetime import datetime
from email.message import EmailMessage
from email.utils import formataddr
from typing import Any
from zoneinfo import ZoneInfo

from babel import dates as babel_dates

from learninghub import emailbrand
from learninghub.db import utcnow
from learninghub.interfaces import IMailer
from learninghub.templating import shell_context

from . import DeliveryError, SkipDelivery, register_sender
from .unsubscribe import unsubscribe_url

TEMPLATE_DIR = "notifications/email"
DEFAULT = "default"
_SAFE_KEY = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}")
#: HTML-autoescaping environment -> its overlay without escaping (subjects, text parts)
_TEXT_ENVIRONMENTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def user_zone(user, tenant) -> ZoneInfo:
    """The user's time zone, else the tenant's, else UTC."""
    for name in (getattr(user, "timezone", None), getattr(tenant, "default_timezone", None)):
        if name:
            try:
                return ZoneInfo(name)
            except (ValueError, KeyError):  # ZoneInfoNotFoundError is a KeyError
                continue
    return ZoneInfo("UTC")


def template_names(name: str, part: str) -> list[str]:
    """Candidates for ``part`` (``subject``, ``txt``, ``html``) of template ``name``
    (a type key, or ``digest``): its own, then the default."""
    names = []
    if name != DEFAULT and _SAFE_KEY.fullmatch(name) and ".." not in name:
        names.append(f"{TEMPLATE_DIR}/{name}.{part}.jinja2")
    names.append(f"{TEMPLATE_DIR}/{DEFAULT}.{part}.jinja2")
    return names


def _environment(request, escaped: bool):
    env = request.registry["templates"].for_request(request)
    if escaped:
        return env
    text_env = _TEXT_ENVIRONMENTS.get(env)
    if text_env is None:
        # same loader (the override chain), filters and globals; its own template cache
        text_env = _TEXT_ENVIRONMENTS[env] = env.overlay(autoescape=False)
    return text_env


def render_part(request, name: str, part: str, values: dict[str, Any]) -> str:
    """Render one part through the override chain, with the shell context (gettext
    in the request's language, ``tenant``, ``branding``...) and ``email_brand``."""
    env = _environment(request, escaped=part == "html")
    template = env.select_template(template_names(name, part))
    context = shell_context(request)
    context["email_brand"] = emailbrand.email_brand(request)
    context.update(values)
    return template.render(context)


def local_time(request, user, when: datetime, format: str = "long") -> str:
    """``when`` in the request's language and the recipient's time zone (the
    ``format_datetime`` filter takes the zone of the request's signed-in user, and a
    task's request has nobody signed in)."""
    zone = user_zone(user, request.tenant)
    return babel_dates.format_datetime(when, format=format, tzinfo=zone, locale=request.locale)


def one_line(text: str, limit: int = 250) -> str:
    """A header-safe subject: one line, collapsed spaces, at most ``limit`` characters."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def absolute(request, url: str) -> str:
    """A notification's URL made absolute for an email ("" when it is not a web link)."""
    if not url:
        return ""
    if url.startswith("/") and not url.startswith("//"):
        return request.application_url.rstrip("/") + url
    if url.startswith(("https://", "http://")):
        return url
    return ""


def message_id(request, local_part: str) -> str:
    """``<local_part@domain of mail.sender>``: stable for one delivery."""
    address = emailbrand.sender_address(request.registry.settings)
    domain = address.rpartition("@")[2] or "localhost"
    return f"<{local_part}@{domain}>"


class UnfoldedHeader(str):
    """A header value written on one line as it is (at most 998 characters, RFC 5322).

    The default email policy folds a long value without spaces by turning it into
    RFC 2047 encoded words, which mail clients do not decode in ``List-Unsubscribe``:
    the one-click link would be lost. The policy calls ``fold`` on a value that has a
    ``name``."""

    name: str

    def __new__(cls, name: str, value: str) -> UnfoldedHeader:
        if len(name) + len(value) + 2 > 998 or any(c in value for c in "\r\n"):
            raise ValueError(f"{name} value cannot be written on one line")
        header = super().__new__(cls, value)
        header.name = name
        return header

    def __reduce__(self):  # copies (the mailer deep-copies messages) keep the class
        return (UnfoldedHeader, (self.name, str(self)))

    def fold(self, *, policy) -> str:
        return f"{self.name}: {self}{policy.linesep}"


def build_message(
    request,
    *,
    template: str,
    user,
    values: dict[str, Any],
    unsubscribe: str,
    msgid: str,
) -> EmailMessage:
    """A branded message with the three parts of ``template`` and the list headers."""
    values = {
        "user": user,
        "unsubscribe_url": unsubscribe,
        "preferences_url": request.application_url.rstrip("/") + "/account/notifications",
        "site_name": request.tenant.name,
        **values,
    }
    message = EmailMessage()
    message["Subject"] = one_line(render_part(request, template, "subject", values))
    message["From"] = emailbrand.from_header(request)
    message["To"] = formataddr((user.display_name or "", user.email))
    message["Message-ID"] = msgid
    message["List-Unsubscribe"] = UnfoldedHeader("List-Unsubscribe", f"<{unsubscribe}>")
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(render_part(request, template, "txt", values))
    message.add_alternative(render_part(request, template, "html", values), subtype="html")
    # after the parts: making the message multipart moves Content-* headers into them
    message["Content-Language"] = str(request.locale).replace("_", "-")
    return message


def send_message(request, message: EmailMessage) -> None:
    """Hand ``message`` to the mailer now; a refusal that will not change on a retry
    (a 5xx answer) is a permanent :class:`DeliveryError`, a 4xx one (greylisting, a
    full mailbox) a temporary one."""
    try:
        request.find_service(IMailer).send_immediately(message)
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        permanent = bool(codes) and all(500 <= code < 600 for code in codes)  # 4xx: try later
        raise DeliveryError(f"recipient refused: {_codes(exc.recipients)}", permanent) from exc
    except (smtplib.SMTPDataError, smtplib.SMTPSenderRefused) as exc:
        permanent = 500 <= exc.smtp_code < 600
        raise DeliveryError(f"SMTP {exc.smtp_code}: {_text(exc.smtp_error)}", permanent) from exc


def _text(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _codes(recipients: dict) -> str:
    return ", ".join(f"{code} {_text(text)}" for code, text in recipients.values())


def notification_message(request, notification, delivery, user) -> EmailMessage:
    """The email of one notification to ``user`` (in the request's language)."""
    return build_message(
        request,
        template=notification.type,
        user=user,
        values={
            "notification": notification,
            "url": absolute(request, notification.url),
            "when": local_time(request, user, notification.created_at or utcnow()),
        },
        unsubscribe=unsubscribe_url(request, user.id, notification.type, "email"),
        msgid=message_id(request, f"notification-{delivery.id}"),
    )


def send(request, notification, delivery, user) -> None:
    """The ``email`` channel's sender."""
    if not getattr(user, "email", None):
        raise SkipDelivery("the user has no email address")
    if not user.is_active:
        raise SkipDelivery("the user's account is not active")
    send_message(request, notification_message(request, notification, delivery, user))


register_sender("email", send)


def includeme(config) -> None:
    """The channel's routes: the unsubscribe link and its page."""
    config.include(".unsubscribe")
