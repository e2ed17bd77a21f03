"""The digest: a user's email notifications gathered into one daily or weekly email.

Users with a digest frequency (``notifications_digest_settings.frequency`` ``daily`` or
``weekly``) get ``digest`` deliveries instead of one email per notification; they stay
``pending`` until this module sends them.

When a digest is due, in the **user's** time zone (``users.timezone``, else the
tenant's, else UTC): a daily digest at :data:`DIGEST_HOUR` every local day, a weekly
one at :data:`DIGEST_HOUR` on :data:`WEEKLY_DAY` (Monday). The *slot* is the latest such
local time that has passed; a digest is due when the user has pending digest
deliveries and none was sent since the slot (``last_sent_at < slot``). A user who turned
the digest off while deliveries were waiting gets them in one email at the next run.

``learninghub notifications digest [--tenant SLUG] [--frequency daily|weekly]`` (cron,
hourly: local hours come at different UTC times) queues one ``notifications.send_digest``
task per due user. The task locks the user's digest setting, checks again that the
digest is due, gathers the pending digest deliveries, sends one email and, in the same
transaction, marks them ``sent`` and sets ``last_sent_at``: a second run, or a second
task for the same user, finds nothing due (never twice). A send whose commit then
fails is sent again by the retry with the same ``Message-ID`` (receivers deduplicate).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import click
import sqlalchemy as sa

from learninghub.cli import pass_env
from learninghub.db import utcnow
from learninghub.i18n import speak_to
from learninghub.identity import User
from learninghub.tasks import task

from ..cli import enabled_tenants
from ..cli import notifications as command_group
from ..models import FAILED, PENDING, SENT, SKIPPED, Delivery, DigestSetting, Notification
from . import DeliveryError
from .email import absolute, build_message, local_time, message_id, send_message, user_zone
from .unsubscribe import ALL_TYPES, unsubscribe_url

log = logging.getLogger(__name__)

PLUGIN = "notifications"
TASK = "notifications.send_digest"
CHANNEL = "digest"
FREQUENCIES = ("daily", "weekly")
#: local hour at which digests become due
DIGEST_HOUR = 7
#: weekday of the weekly digest (``date.weekday()``: Monday is 0)
WEEKLY_DAY = 0
#: notifications listed in one digest (the others are counted, and marked sent too)
MAX_ITEMS = 50


def _at_digest_hour(day, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(DIGEST_HOUR), tzinfo=zone).astimezone(UTC)


def last_slot(now: datetime, zone: ZoneInfo, frequency: str) -> datetime:
    """The latest time (UTC) at or before ``now`` when a ``frequency`` digest became
    due: :data:`DIGEST_HOUR` local time of today (daily) or of this week's
    :data:`WEEKLY_DAY` (weekly), else of the previous day or week."""
    if frequency not in FREQUENCIES:
        raise ValueError(f"unknown digest frequency {frequency!r}")
    step = timedelta(days=7 if frequency == "weekly" else 1)
    day = now.astimezone(zone).date()
    if frequency == "weekly":
        day -= timedelta(days=(day.weekday() - WEEKLY_DAY) % 7)
    slot = _at_digest_hour(day, zone)
    if slot > now:
        slot = _at_digest_hour(day - step, zone)
    return slot


def frequency_of(setting: DigestSetting | None) -> str:
    """``daily``, ``weekly`` or ``off`` (no setting row, or an unknown value)."""
    if setting is not None and setting.frequency in FREQUENCIES:
        return setting.frequency
    return "off"


def slot_of(now: datetime, zone: ZoneInfo, frequency: str) -> datetime:
    """:func:`last_slot`, or ``now`` for ``off`` (leftovers go at once)."""
    return now if frequency == "off" else last_slot(now, zone, frequency)


def is_due(setting: DigestSetting | None, now: datetime, zone: ZoneInfo) -> bool:
    """For a user with pending digest deliveries: True when the slot of their
    frequency passed since their last digest, and always when they turned the digest
    off since (what was gathered is sent at once rather than never)."""
    frequency = frequency_of(setting)
    if frequency == "off":
        return True
    last = setting.last_sent_at
    return last is None or last < last_slot(now, zone, frequency)


def _pending(user_id=None):
    stmt = (
        sa.select(Delivery, Notification)
        .join(Notification, Notification.id == Delivery.notification_id)
        .where(Delivery.channel == CHANNEL, Delivery.status == PENDING)
    )
    if user_id is not None:
        stmt = stmt.where(Notification.user_id == user_id)
    return stmt


def due_users(
    request, now: datetime, frequency: str | None = None
) -> list[tuple[uuid.UUID, datetime]]:
    """(user id, slot) of the request tenant's users whose digest is due at ``now``
    (only those of one ``frequency`` when given: ``daily``, ``weekly``)."""
    waiting = sa.select(Notification.user_id).join(
        Delivery, Delivery.notification_id == Notification.id
    )
    waiting = waiting.where(Delivery.channel == CHANNEL, Delivery.status == PENDING)
    stmt = (
        sa.select(User, DigestSetting)
        .outerjoin(DigestSetting, DigestSetting.user_id == User.id)
        .where(User.id.in_(waiting))
        .order_by(User.id)
    )
    due = []
    for user, setting in request.db.execute(stmt):
        kind = frequency_of(setting)
        if frequency is not None and kind != frequency:
            continue
        zone = user_zone(user, request.tenant)
        if is_due(setting, now, zone):
            due.append((user.id, slot_of(now, zone, kind)))
    return due


def queue_due(request, now: datetime, frequency: str | None = None) -> int:
    """Queue a digest task for each due user of the request's tenant (run after commit)."""
    due = due_users(request, now, frequency)
    for user_id, _slot in due:
        request.tasks.enqueue(TASK, user_id=str(user_id), now=now.isoformat())
    return len(due)


@dataclass(frozen=True)
class DigestItem:
    subject: str
    body: str
    url: str
    created_at: datetime
    #: ``created_at`` in the user's language and time zone
    when: str


def _speak_to(request, user) -> None:
    """Render what follows in ``user``'s language (one request may render several
    users' digests)."""
    speak_to(request, user)
    request.__dict__.pop("_lh_shell_context", None)  # cached with the previous locale


def send_user_digest(request, user_id: uuid.UUID, now: datetime) -> str:
    """Send ``user_id``'s digest if it is due at ``now``; returns what happened:
    ``sent``, ``not due``, ``nothing pending``, ``skipped`` or ``failed``."""
    db = request.db
    setting = db.scalar(
        sa.select(DigestSetting)
        .where(DigestSetting.user_id == user_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    user = db.get(User, user_id)
    if user is None:
        return "not due"
    zone = user_zone(user, request.tenant)
    if not is_due(setting, now, zone):
        return "not due"
    rows = list(
        db.execute(
            _pending(user_id)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .with_for_update(of=Delivery)
        ).all()
    )
    if not rows:
        return "nothing pending"
    frequency = frequency_of(setting)
    slot = slot_of(now, zone, frequency)
    outcome, error = SENT, ""
    if not user.email or not user.is_active:
        outcome, error = SKIPPED, "the user has no active account with an email address"
    else:
        _speak_to(request, user)
        message = digest_message(request, user, frequency, [n for _, n in rows], slot)
        try:
            send_message(request, message)
        except DeliveryError as exc:
            if not exc.permanent:
                raise
            outcome, error = FAILED, exc.reason
    stamp = utcnow()
    for delivery, _ in rows:
        delivery.status = outcome
        delivery.attempts += 1
        delivery.last_error = error
        if outcome == SENT:
            delivery.sent_at = stamp
    if setting is not None:
        setting.last_sent_at = now
    db.flush()
    log.info("digest of user %s (%d notifications): %s", user_id, len(rows), outcome)
    return {SENT: "sent", SKIPPED: "skipped", FAILED: "failed"}[outcome]


def digest_message(request, user, frequency: str, notifications: list, slot: datetime):
    """One branded email listing ``notifications`` (newest first)."""
    items = [
        DigestItem(
            n.subject,
            n.body,
            absolute(request, n.url),
            n.created_at,
            local_time(request, user, n.created_at, "short"),
        )
        for n in notifications[:MAX_ITEMS]
    ]
    return build_message(
        request,
        template="digest",
        user=user,
        values={
            "frequency": frequency,
            "items": items,
            "count": len(notifications),
            "more": max(0, len(notifications) - MAX_ITEMS),
        },
        unsubscribe=unsubscribe_url(request, user.id, ALL_TYPES, "email"),
        msgid=message_id(request, f"digest-{user.id}-{slot:%Y%m%dT%H%MZ}"),
    )


@task(TASK, max_retries=5)
def send_digest(request, user_id: str, now: str) -> None:
    """Send one user's digest if it is still due at ``now`` (ISO time of the run that
    queued it)."""
    try:
        key = uuid.UUID(user_id)
        when = datetime.fromisoformat(now)
    except ValueError:
        log.warning("digest task got malformed arguments %r, %r", user_id, now)
        return
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    send_user_digest(request, key, when)


@command_group.command("digest")
@click.option("--tenant", "slug", default=None, help="One tenant (default: every tenant).")
@click.option(
    "--frequency",
    type=click.Choice(FREQUENCIES),
    default=None,
    help="Only the daily or the weekly digests (default: both).",
)
@pass_env
def digest_command(env, slug: str | None, frequency: str | None) -> None:
    """Send the digests that are due (run it hourly from cron: each user's digest is
    due at 07:00 in their own time zone)."""
    now = utcnow()
    total = 0
    for one in [slug] if slug else enabled_tenants(env):
        with env.tenant_request(one) as request:
            if not request.tenant.is_enabled(PLUGIN):
                raise click.ClickException(f"the notifications plugin is not enabled for {one!r}")
            count = queue_due(request, now, frequency)
        click.echo(f"{one}: {count} digests queued")
        total += count
    click.echo(f"total: {total} digests queued")
