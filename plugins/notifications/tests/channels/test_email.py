"""The email channel end to end (a real SMTP server on loopback), its templates through
the override chain, and the signed one-click unsubscribe links."""

from __future__ import annotations

import pathlib
import uuid
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from babel.dates import format_datetime

from learninghub.db import utcnow
from learninghub_notifications.channels import email as email_channel
from learninghub_notifications.channels import unsubscribe
from learninghub_notifications.channels.email import user_zone
from learninghub_notifications.models import Delivery, Notification, Preference

TYPE = "enrollment.enrolled"
BRANDING = {
    "tokens": {"color-primary": "#7a1f5c", "color-on-primary": "#ffffff"},
    "email_sender_name": "Academia Sol",
    "email_footer": "Academia Sol · Calle Mayor 1 · Madrid",
    "logo_key": "branding/logo.png",
    "logo_version": "7",
}


@pytest.fixture
def branded(db, registry, tenant_factory):
    tenant = tenant_factory(name="Academia Sol")
    tenant.orm.branding = BRANDING
    db.flush()
    registry["tenancy.resolver"].invalidate()
    return tenant


@pytest.fixture
def spanish_learner(db, branded, user_factory):
    user = user_factory(branded, email="lucia@example.org")
    user.locale = "es"
    user.timezone = "Europe/Madrid"
    user.display_name = "Lucía"
    db.flush()
    return user


def _preference(db, user, type_key=TYPE):
    db.expire_all()
    return db.scalar(
        sa.select(Preference.enabled).where(
            Preference.user_id == user.id,
            Preference.type == type_key,
            Preference.channel == "email",
        )
    )


def _enrol(client, tenant, admin, make_course, user):
    course = make_course(tenant, title="Introducción a la astronomía")
    r = client(tenant, admin).post_json(
        f"/api/v1/courses/{course.id}/enrollments", {"user_id": str(user.id)}
    )
    assert r.status_int == 201, r.text
    return course


def test_an_enrolment_email_reaches_smtp_branded_in_spanish_and_unsubscribes(
    branded, spanish_learner, user_factory, client, make_course, smtp_mail, smtp_server, db, app
):
    admin = user_factory(branded, "admin")
    _enrol(client, branded, admin, make_course, spanish_learner)
    assert len(smtp_mail) == 1
    (message,) = smtp_mail
    # the tenant's branding: sender name, colours, logo, footer
    assert message["From"].addresses[0].display_name == "Academia Sol"
    assert message["To"].addresses[0].addr_spec == "lucia@example.org"
    assert message["Subject"].startswith("[Academia Sol] ")
    assert "Introducción a la astronomía" in message["Subject"]
    html = message.get_body(("html",)).get_content()
    text = message.get_body(("plain",)).get_content()
    assert "#7a1f5c" in html and "/branding/logo?v=7" in html
    assert "Calle Mayor 1" in html and "Calle Mayor 1" in text
    # the user's language (and time zone)
    assert message["Content-Language"] == "es"
    assert '<html lang="es"' in html
    notification = db.scalar(sa.select(Notification).where(Notification.type == TYPE))
    when = format_datetime(
        notification.created_at, "long", tzinfo=user_zone(spanish_learner, None), locale="es"
    )
    assert " de " in when and when in text and when in html
    # a working link to what happened, in both parts
    assert notification.url.startswith("/")
    assert f"http://{branded.host}{notification.url}" in text
    assert f'href="http://{branded.host}{notification.url}"' in html
    # RFC 8058 headers and a Message-ID made from the delivery's id
    delivery = db.scalar(sa.select(Delivery).where(Delivery.notification_id == notification.id))
    assert delivery.status == "sent" and delivery.channel == "email"
    assert message["Message-ID"].startswith(f"<notification-{delivery.id}@")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = message["List-Unsubscribe"].strip("<>")
    # on one line as written (an RFC 2047-encoded link is lost to mail clients)
    assert f"\nList-Unsubscribe: <{link}>\n".encode() in smtp_server.handler.raw[0]
    assert link in html and link in text
    assert f"Deja de recibir estos correos: {link}" in text  # the user's language
    parts = urlsplit(link)
    assert parts.netloc == branded.host and parts.path.startswith("/notifications/unsubscribe/")
    # one click, as a mail client does it: no cookie, no CSRF token
    r = app.post(
        parts.path,
        {"List-Unsubscribe": "One-Click"},
        extra_environ={"HTTP_HOST": branded.host, "REMOTE_ADDR": "127.0.0.1"},
    )
    assert r.status_int == 200
    assert _preference(db, spanish_learner) is False
    again = client(branded).post(parts.path, {"List-Unsubscribe": "One-Click"})
    assert again.status_int == 200  # idempotent
    assert db.scalar(sa.select(sa.func.count()).select_from(Preference)) == 1
    # the next notification of that type sends no email (the in-app one stays)
    _enrol(client, branded, admin, make_course, spanish_learner)
    assert len(smtp_mail) == 1
    db.expire_all()
    assert db.scalar(sa.select(sa.func.count()).select_from(Notification)) == 2
    assert db.scalar(sa.select(sa.func.count()).select_from(Delivery)) == 1


def test_refused_addresses_fail_for_good_or_wait_for_a_retry(
    tenant, user_factory, client, make_course, smtp_mail, smtp_server, db, registry, monkeypatch
):
    from learninghub.tasks import delayed_tasks

    retries = []  # kept here, not in the process's delayed-task queue other tests run
    monkeypatch.setattr(delayed_tasks(registry), "schedule", retries.append)
    admin = user_factory(tenant, "admin")
    gone = user_factory(tenant, email="gone@example.org")
    full = user_factory(tenant, email="full@example.org")
    smtp_server.handler.refuse["gone@example.org"] = "550 5.1.1 No such user"
    smtp_server.handler.refuse["full@example.org"] = "452 4.2.2 Mailbox full"
    for learner in (gone, full):
        _enrol(client, tenant, admin, make_course, learner)
    assert smtp_mail == []
    db.expire_all()
    rows = db.execute(
        sa.select(Notification.user_id, Delivery)
        .join(Delivery, Delivery.notification_id == Notification.id)
        .where(Delivery.channel == "email")
    ).all()
    outcome = {user_id: delivery for user_id, delivery in rows}
    assert outcome[gone.id].status == "failed" and "550" in outcome[gone.id].last_error
    # a temporary refusal stays pending, with the error, for the retry queued later
    assert outcome[full.id].status == "pending" and "452" in outcome[full.id].last_error
    assert outcome[full.id].attempts == 1
    (retry,) = retries
    assert retry.name == "notifications.deliver" and retry.eta > utcnow()
    assert retry.kwargs == {"delivery_id": str(outcome[full.id].id)}


@pytest.fixture
def token_for(as_tenant):
    def make(tenant, user, type_key=TYPE):
        with as_tenant(tenant) as request:
            return unsubscribe.make_token(request, user.id, type_key, "email")

    return make


def test_bad_and_foreign_tokens_are_refused(
    branded, spanish_learner, other_tenant, tenant_factory, user_factory, client, token_for, db
):
    path = "/notifications/unsubscribe/{}"
    good = token_for(branded, spanish_learner)
    payload, mac = good.split(".")
    forged = unsubscribe._b64(
        unsubscribe._unb64(payload).replace(TYPE.encode(), b"courses.anything")
    )
    stranger = user_factory(other_tenant)
    for token in (f"{forged}.{mac}", f"{payload}.{mac[:-2]}AA", "garbage", good + "x"):
        r = client(branded).post(path.format(token), {"List-Unsubscribe": "One-Click"})
        assert r.status_int == 400, token
        assert r.headers["Cache-Control"] == "no-store"
    # a genuine token of another tenant, used on this tenant's host and the other way
    foreign = token_for(other_tenant, stranger)
    click = {"List-Unsubscribe": "One-Click"}
    assert client(branded).post(path.format(foreign), click).status_int == 400
    assert client(other_tenant).post(path.format(good), click).status_int == 400
    assert client(other_tenant).get(path.format(good)).status_int == 400
    assert db.scalar(sa.select(sa.func.count()).select_from(Preference)) == 0
    # a tenant without the plugin has no such page
    bare = tenant_factory(plugins=[])
    assert client(bare).get(path.format(good)).status_int == 404


def test_the_confirmation_page_works_signed_out(
    branded, spanish_learner, client, token_for, page_browser, db
):
    path = f"/notifications/unsubscribe/{token_for(branded, spanish_learner)}"
    browser = page_browser(branded)
    page = browser.get(path)
    assert page.status_int == 200
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert page.html.find("html")["lang"] == "es"  # the language of the link's user
    form = page.html.find("form", action=path)
    assert form["method"] == "post" and form.find("button", type="submit")
    assert _preference(db, spanish_learner) is None  # a GET changes nothing
    done = client(branded).post(form["action"], {"List-Unsubscribe": "One-Click"})
    assert done.status_int == 200 and 'data-state="off"' in done.text
    assert _preference(db, spanish_learner) is False
    after = browser.get(path)
    assert after.status_int == 200 and not after.html.find("form", action=path)
    # a deleted account: nothing to unsubscribe
    ghost = token_for(branded, type("U", (), {"id": uuid.uuid4()}))
    assert client(branded).get(f"/notifications/unsubscribe/{ghost}").status_int == 404


def test_a_theme_or_tenant_override_replaces_the_email_templates(
    branded, spanish_learner, registry, as_tenant, db
):
    folder = pathlib.Path(registry.settings["templates.tenant_path"]) / branded.slug
    override = folder / "notifications" / "email"
    override.mkdir(parents=True, exist_ok=True)
    html = override / f"{TYPE}.html.jinja2"
    html.write_text(
        '{% extends "@plugin/notifications/email/default.html.jinja2" %}'
        '{% block content %}<p id="campus">Campus {{ site_name }}</p>{{ super() }}{% endblock %}'
    )
    subject = override / "default.subject.jinja2"
    subject.write_text("Aviso & {{ notification.subject }}")
    try:
        with as_tenant(branded) as request:
            notification = Notification(
                id=uuid.uuid4(),
                user_id=spanish_learner.id,
                type=TYPE,
                subject="Hola <b>",
                body="Cuerpo",
                url="/x",
                source_event_id=uuid.uuid4(),
                created_at=utcnow(),
            )
            delivery = Delivery(id=uuid.uuid4(), notification_id=notification.id, channel="email")
            message = email_channel.notification_message(
                request, notification, delivery, spanish_learner
            )
            # another type keeps the plugin's HTML but takes the tenant's default subject
            notification.type = "assessment.quiz_graded"
            other = email_channel.notification_message(
                request, notification, delivery, spanish_learner
            )
        page = message.get_body(("html",)).get_content()
        assert '<p id="campus">Campus Academia Sol</p>' in page
        assert "Hola &lt;b&gt;" in page  # the default's content, escaped
        assert message["Subject"] == "Aviso & Hola <b>"  # subjects are not HTML-escaped
        assert 'id="campus"' not in other.get_body(("html",)).get_content()
        assert other["Subject"] == "Aviso & Hola <b>"
    finally:
        html.unlink()
        subject.unlink()


def test_links_are_https_when_the_site_is_served_over_https(
    tenant, user_factory, as_tenant, registry, monkeypatch
):
    user = user_factory(tenant)
    monkeypatch.setitem(registry.settings, "auth.cookie_secure", True)
    with as_tenant(tenant) as request:
        link = unsubscribe.unsubscribe_url(request, user.id, TYPE)
        token = unsubscribe.make_token(request, user.id, TYPE)
        assert unsubscribe.read_token(request, token) == unsubscribe.Unsubscribe(
            user.id, TYPE, "email"
        )
    assert link == f"https://{tenant.host}/notifications/unsubscribe/{token}"
