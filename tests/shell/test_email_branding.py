"""Email branding: the From header, the kernel's email layout, and the announcements
plugin's email going through both."""

from __future__ import annotations

from email import message_from_bytes, policy
from email.utils import parseaddr

import pytest

from learninghub import emailbrand

API = "/api/v1/tenant/branding"


def html_part(message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/html":
            return part.get_payload(decode=True).decode(part.get_content_charset())
    raise AssertionError("no HTML part")


def text_part(message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            return part.get_payload(decode=True).decode(part.get_content_charset())
    raise AssertionError("no text part")


class FakeTenant:
    def __init__(self, name, branding=None):
        self.name, self.branding = name, branding or {}


class FakeRequest:
    def __init__(self, settings, tenant):
        self.registry = type("R", (), {"settings": settings})()
        self.tenant = tenant


@pytest.mark.parametrize(
    "tenant, sender, expected",
    [
        (FakeTenant("Acme"), "Learning Hub <noreply@lh.example>", '"Acme" <noreply@lh.example>'),
        (
            FakeTenant("Acme", {"email_sender_name": "Acme Academy"}),
            "noreply@lh.example",
            '"Acme Academy" <noreply@lh.example>',
        ),
        (
            FakeTenant("Acme", {"email_sender_name": 'The "Best"\r\nBcc: x@evil.example <x>'}),
            "",
            '"The \\"Best\\" Bcc: x@evil.example x" <noreply@localhost>',
        ),
        (FakeTenant("", {}), "a@b.example", '"Learning Hub" <a@b.example>'),
    ],
)
def test_from_header(tenant, sender, expected):
    request = FakeRequest({"mail.sender": sender}, tenant)
    assert emailbrand.from_header(request) == expected


def test_from_header_survives_a_real_message_with_a_non_ascii_name():
    from email.message import EmailMessage

    request = FakeRequest({"mail.sender": "LH <noreply@lh.example>"}, FakeTenant("Escuela Núñez"))
    message = EmailMessage()
    message["From"] = emailbrand.from_header(request)
    message["To"] = "x@example.org"
    message.set_content("hi")
    parsed = message_from_bytes(message.as_bytes(), policy=policy.default)
    assert parseaddr(str(parsed["From"])) == ("Escuela Núñez", "noreply@lh.example")
    assert b"=?utf-8?" in message.as_bytes()  # encoded on the wire


def test_announcement_email_is_branded(tenant, user_factory, client, mailbox, images, lh_settings):
    admin_user = user_factory(tenant, "admin")
    admin = client(tenant, admin_user)
    r = admin.app.put(
        API + "/logo", images["png"], **admin._kw({"headers": {"Content-Type": "image/png"}})
    )
    logo_url = r.json["logo_url"]
    r = admin.patch_json(
        API,
        {
            "tokens": {"color-primary": "#006633"},
            "email_sender_name": "Acme Academy",
            "email_footer": "Acme Ltd\n1 School Road, Town",
        },
    )
    assert r.status_int == 200, r.text
    r = admin.post_json(
        "/api/v1/announcements", {"title": "Snow day", "body": "<p>Closed.</p>", "publish": True}
    )
    assert r.status_int == 201, r.text
    [message] = mailbox.refresh()
    address = parseaddr(lh_settings["mail.sender"])[1]
    assert parseaddr(message["From"]) == ("Acme Academy", address)
    html = html_part(message)
    site = f"http://{tenant.host}"
    assert f'src="{site}{logo_url}"' in html.replace("&amp;", "&")
    assert "background-color:#006633" in html
    assert "Acme Ltd<br>1 School Road, Town" in html
    assert f'href="{site}/account/profile"' in html
    assert f"You receive this email because you have an account on {tenant.orm.name}." in html
    assert 'role="presentation"' in html and "<h1" in html and "Closed." in html
    assert r.json["html_url"] in html
    text = text_part(message)
    assert "Acme Ltd\n1 School Road, Town" in text
    assert f"Manage your account: {site}/account/profile" in text


def test_announcement_email_without_branding_uses_the_tenant_name(
    tenant, user_factory, client, mailbox
):
    admin = client(tenant, user_factory(tenant, "admin"))
    admin.post_json("/api/v1/announcements", {"title": "Hi", "publish": True})
    [message] = mailbox.refresh()
    assert parseaddr(message["From"])[0] == tenant.orm.name
    html = html_part(message)
    assert "<img" not in html and tenant.orm.name in html
    assert "background-color:#1d3557" in html  # the theme's primary colour
