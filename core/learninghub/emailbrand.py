"""Tenant identity in emails: the ``From`` header and the values of the kernel's email
layout ``email/layout.jinja2``.

A plugin's email template extends the layout and fills its blocks (``title``,
``preheader``, ``content``, optionally ``unsubscribe``)::

    {% extends "email/layout.jinja2" %}
    {% block title %}{{ announcement.title }}{% endblock %}
    {% block content %}<h1>{{ announcement.title }}</h1>...{% endblock %}

and the sender renders it with :func:`render_html` (which supplies ``email_brand``)
and sets ``message["From"] = from_header(request)``::

    message["From"] = emailbrand.from_header(request)
    message.set_content(text + emailbrand.text_footer(request))
    message.add_alternative(emailbrand.render_html(request, "x/email.jinja2", values),
                            subtype="html")

The From header is ``"<sender name>" <address>``: the name is the tenant's
``email_sender_name`` branding (else the tenant's name), the address always the
platform's ``mail.sender`` — tenants choose how they are named, never the address
mail is sent from (SPF/DKIM stay the platform's).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from email.utils import parseaddr
from typing import Any

from . import branding

DEFAULT_ADDRESS = "noreply@localhost"
LAYOUT = "email/layout.jinja2"


@dataclass(frozen=True)
class EmailBrand:
    """What ``email/layout.jinja2`` reads (as ``email_brand``)."""

    site_name: str
    #: absolute, without a trailing slash (links in emails must be absolute)
    site_url: str
    logo_url: str | None
    preferences_url: str
    sender_name: str
    #: the tenant's footer text, one entry per line
    footer_lines: tuple[str, ...]
    font_stack: str
    primary: str
    on_primary: str
    background: str
    surface: str
    text: str
    muted: str
    link: str


def _clean_name(value: str) -> str:
    """A display name safe in a header: no control characters or angle brackets."""
    value = "".join(
        " " if unicodedata.category(ch) == "Cc" else ch for ch in value if ch not in "<>"
    )
    return " ".join(value.split())


def sender_name(tenant) -> str:
    """The tenant's chosen sender name, else its name."""
    data = dict(getattr(tenant, "branding", None) or {})
    name = _clean_name(str(data.get("email_sender_name") or ""))
    return name or _clean_name(str(getattr(tenant, "name", "") or "")) or "Learning Hub"


def sender_address(settings: dict[str, Any]) -> str:
    """The address part of the platform's ``mail.sender``."""
    _, address = parseaddr(str(settings.get("mail.sender") or ""))
    return address or DEFAULT_ADDRESS


def from_header(request, tenant=None) -> str:
    """``"<email_sender_name>" <mail.sender address>`` for ``tenant`` (default: the
    request's)."""
    tenant = tenant if tenant is not None else request.tenant
    name = sender_name(tenant).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{name}" <{sender_address(request.registry.settings)}>'


def _hex(tokens: dict[str, str], key: str) -> str:
    value = tokens.get(key, "")
    return value if branding.HEX_RE.match(value) else branding.TOKENS[key]


def email_brand(request) -> EmailBrand:
    tenant = request.tenant
    themes = request.registry["themes"]
    brand = branding.resolved(request, themes.resolve(tenant.theme if tenant else None))
    site_url = request.application_url.rstrip("/")
    tokens = brand.tokens
    return EmailBrand(
        site_name=tenant.name if tenant else "Learning Hub",
        site_url=site_url,
        logo_url=site_url + brand.logo_url if brand.logo_url else None,
        preferences_url=site_url + "/account/profile",
        sender_name=sender_name(tenant),
        footer_lines=tuple(line for line in brand.email_footer.splitlines() if line.strip()),
        font_stack=brand.font.stack,
        primary=_hex(tokens, "color-primary"),
        on_primary=_hex(tokens, "color-on-primary"),
        background=_hex(tokens, "color-background"),
        surface=_hex(tokens, "color-surface"),
        text=_hex(tokens, "color-text"),
        muted=_hex(tokens, "color-muted"),
        link=_hex(tokens, "color-link"),
    )


def render_html(request, template: str, values: dict[str, Any]) -> str:
    """Render an email template (one extending ``email/layout.jinja2``) for the
    request's tenant."""
    from pyramid.renderers import render

    return render(template, {"email_brand": email_brand(request), **values}, request=request)


def text_footer(request) -> str:
    """The plain-text counterpart of the layout's footer, starting with a separator."""
    brand = email_brand(request)
    lines = ["", "-- ", *brand.footer_lines]
    lines.append(
        request.gettext(
            "You receive this email because you have an account on %(site)s.",
            site=brand.site_name,
        )
    )
    lines.append(request.gettext("Manage your account: %(url)s", url=brand.preferences_url))
    return "\n".join(lines) + "\n"
