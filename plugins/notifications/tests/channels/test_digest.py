"""The digest: due times in the user's time zone, N notifications in one email, once."""

from __future__ import annotations

import email
import email.policy
import pathlib
import uuid
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from babel.dates import format_datetime

from learninghub_notifications.channels import digest
from learninghub_notifications.models import Delivery, DigestSetting, Notification

TOKYO = ZoneInfo("Asia/Tokyo")  # UTC+9, no DST
NEW_YORK = ZoneInfo("America/New_York")  # UTC-5, UTC-4 in summer


def parsed(message) -> EmailMessage:
    """A maildir message as a mail client reads it."""
    return email.message_from_bytes(
        bytes(message), _class=EmailMessage, policy=email.policy.default
    )


def raw_file(settings, message_id: str) -> bytes:
    """The bytes the file mailer wrote for ``message_id`` (headers as written)."""
    found = [
        data
        for path in (pathlib.Path(settings["mail.path"]) / "new").iterdir()
        if f"Message-ID: {message_id}".encode() in (data := path.read_bytes())
    ]
    assert len(found) == 1
    return found[0]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("now", "zone", "frequency", "slot"),
    [
        # 07:00 in Tokyo is 22:00 UTC the day before
        (utc(2026, 3, 4, 21, 59), TOKYO, "daily", utc(2026, 3, 3, 22, 0)),
        (utc(2026, 3, 4, 22, 0), TOKYO, "daily", utc(2026, 3, 4, 22, 0)),
        # 07:00 in New York: 12:00 UTC in winter, 11:00 UTC after the DST change (8 March)
        (utc(2026, 3, 6, 11, 59), NEW_YORK, "daily", utc(2026, 3, 5, 12, 0)),
        (utc(2026, 3, 9, 11, 0), NEW_YORK, "daily", utc(2026, 3, 9, 11, 0)),
        # weekly: Monday 07:00 local; Monday 2 March 2026 07:00 Tokyo = Sunday 22:00 UTC
        (utc(2026, 3, 1, 21, 59), TOKYO, "weekly", utc(2026, 2, 22, 22, 0)),
        (utc(2026, 3, 1, 22, 0), TOKYO, "weekly", utc(2026, 3, 1, 22, 0)),
        (utc(2026, 3, 8, 21, 0), TOKYO, "weekly", utc(2026, 3, 1, 22, 0)),
        (utc(2026, 3, 9, 10, 59), NEW_YORK, "weekly", utc(2026, 3, 2, 12, 0)),
        (utc(2026, 3, 9, 11, 0), NEW_YORK, "weekly", utc(2026, 3, 9, 11, 0)),
    ],
)
def test_the_slot_is_seven_in_the_morning_of_the_user(now, zone, frequency, slot):
    assert digest.last_slot(now, zone, frequency) == slot


def test_due_once_per_slot_in_the_users_time_zone():
    # the same instant is past 07:00 in Tokyo (16:00) and before it in New York (02:00)
    now = utc(2026, 3, 4, 7, 0)
    setting = DigestSetting(frequency="daily", last_sent_at=utc(2026, 3, 3, 12, 30))
    assert digest.is_due(setting, now, TOKYO)  # today's slot was 22:00 UTC yesterday
    assert not digest.is_due(setting, now, NEW_YORK)  # yesterday's slot 12:00 UTC: sent
    setting.last_sent_at = None
    assert digest.is_due(setting, now, NEW_YORK)
    setting.frequency = "off"  # turned off with deliveries waiting: they go at once
    assert digest.is_due(setting, now, TOKYO) and digest.is_due(None, now, TOKYO)
    weekly = DigestSetting(frequency="weekly", last_sent_at=utc(2026, 3, 1, 22, 5))
    assert not digest.is_due(weekly, utc(2026, 3, 8, 21, 59), TOKYO)
    assert digest.is_due(weekly, utc(2026, 3, 8, 22, 0), TOKYO)


@pytest.fixture
def pending_digest(db):
    """``pending_digest(tenant, user, n)``: n notifications of ``user`` waiting for the
    digest (as the fan-out leaves them)."""
    from learninghub.db import bind_tenant, system_session

    def make(tenant, user, n: int, frequency: str = "daily") -> list[uuid.UUID]:
        db.flush()
        bind_tenant(db, tenant.id)
        try:
            if db.scalar(sa.select(DigestSetting).where(DigestSetting.user_id == user.id)) is None:
                db.add(DigestSetting(user_id=user.id, frequency=frequency))
            ids = []
            for i in range(n):
                notification = Notification(
                    user_id=user.id,
                    type="enrollment.enrolled",
                    source_event_id=uuid.uuid4(),
                    subject=f"Subject number {i}",
                    body=f"Body & number {i}",
                    url=f"/courses/c{i}",
                )
                db.add(notification)
                db.flush()
                delivery = Delivery(notification_id=notification.id, channel="digest")
                db.add(delivery)
                db.flush()
                ids.append(delivery.id)
            db.flush()
            return ids
        finally:
            system_session(db)

    return make


def _statuses(db, ids) -> set[str]:
    db.expire_all()
    return set(db.scalars(sa.select(Delivery.status).where(Delivery.id.in_(ids))))


def test_digest_gathers_pending_notifications_into_one_email_once(
    registry, tenant, user_factory, pending_digest, mailbox, db, as_tenant, lh_settings
):
    from click.testing import CliRunner

    from learninghub.cli import Env
    from learninghub_notifications.cli import notifications

    class TestEnv(Env):
        @property
        def registry(self):
            return registry

    user = user_factory(tenant)
    idle = user_factory(tenant)  # a digest user with nothing pending
    quitter = user_factory(tenant)  # turned the digest off while two were waiting
    quitter.locale, quitter.timezone = "es", "America/Mexico_City"
    ids = pending_digest(tenant, user, 3)
    pending_digest(tenant, idle, 0)
    left = pending_digest(tenant, quitter, 2, frequency="off")
    env = TestEnv("unused.ini")
    outputs = []
    for args in (["--frequency", "weekly"], [], []):
        result = CliRunner().invoke(
            notifications, ["digest", "--tenant", tenant.slug, *args], obj=env
        )
        assert result.exit_code == 0, result.output
        outputs.append(result.output)
    assert f"{tenant.slug}: 0 digests queued" in outputs[0]  # nobody weekly
    assert f"{tenant.slug}: 2 digests queued" in outputs[1]
    assert f"{tenant.slug}: 0 digests queued" in outputs[2]
    for bad, error in ((["--tenant", "nope"], "unknown tenant"), (["--frequency", "monthly"], "")):
        result = CliRunner().invoke(notifications, ["digest", *bad], obj=env)
        assert result.exit_code != 0 and error in result.output
    assert "'monthly' is not one of 'daily', 'weekly'" in result.output
    assert len(mailbox.refresh()) == 2
    by_address = {parsed(m)["To"].addresses[0].addr_spec: parsed(m) for m in mailbox}
    leftovers = by_address[quitter.email]
    assert leftovers["Content-Language"] == "es"
    created = db.scalar(
        sa.select(Notification.created_at).where(Notification.user_id == quitter.id).limit(1)
    )
    when = format_datetime(created, "short", tzinfo=ZoneInfo("America/Mexico_City"), locale="es")
    assert when in leftovers.get_body(("plain",)).get_content()
    assert _statuses(db, left) == {"sent"}
    message = by_address[user.email]
    assert "daily digest: 3 notifications" in message["Subject"]
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    for i in range(3):
        assert f"Subject number {i}" in text and f"/courses/c{i}" in text
        assert f"Body &amp; number {i}" in html  # escaped in HTML, not in the text part
    assert "Body & number 0" in text
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = message["List-Unsubscribe"].strip()
    raw = raw_file(lh_settings, message["Message-ID"].strip())
    assert f"\nList-Unsubscribe: {link}\n".encode() in raw  # on one line, as written
    assert _statuses(db, ids) == {"sent"}
    with as_tenant(tenant) as request:
        assert digest.due_users(request, datetime.now(UTC)) == []
        # a new notification after today's digest waits for tomorrow's slot
        later = pending_digest(tenant, user, 1)
        assert digest.due_users(request, datetime.now(UTC)) == []
        tomorrow = datetime.now(UTC) + timedelta(days=1, hours=1)
        assert [u for u, _ in digest.due_users(request, tomorrow)] == [user.id]
        assert digest.send_user_digest(request, user.id, tomorrow) == "sent"
        assert digest.send_user_digest(request, user.id, tomorrow) == "not due"
    assert _statuses(db, later) == {"sent"}
    assert len(mailbox.refresh()) == 3
