"""Background tasks of the announcements plugin."""

from __future__ import annotations

import logging
import uuid
from email.message import EmailMessage
from email.utils import formataddr

import sqlalchemy as sa

from learninghub import emailbrand
from learninghub.db import utcnow
from learninghub.identity import User
from learninghub.interfaces import IMailer
from learninghub.tasks import task

from . import scopes, services
from .models import Announcement

log = logging.getLogger(__name__)


@task(services.EMAIL_TASK, max_retries=5)
def send_announcement_email(request, announcement_id: str) -> None:
    """Email a published announcement once: a tenant-wide one to every active user
    of the tenant, a scoped one to the active users of the scope's audience
    (``learninghub_announcements_audience``; nobody when no plugin answers).

    The row is locked (``FOR UPDATE`` on PostgreSQL) so that two runs of the same
    task cannot both send; ``emailed_at`` is set in the task's transaction, so a
    run that committed makes every later run a no-op. A run that fails half-way
    aborts and is retried from the start: recipients served before the failure may
    get the announcement twice (at-least-once), never zero times."""
    if not request.plugin_settings(services.PLUGIN).email_on_publish:
        log.info("announcement %s not emailed: email_on_publish is off", announcement_id)
        return
    try:
        key = uuid.UUID(announcement_id)
    except ValueError:
        log.warning("announcement email task got a malformed id %r", announcement_id)
        return
    announcement = request.db.scalar(
        sa.select(Announcement).where(Announcement.id == key).with_for_update()
    )
    if announcement is None or not announcement.is_published:
        log.info("announcement %s not emailed: gone or no longer published", key)
        return
    if announcement.emailed_at is not None:
        log.info("announcement %s was already emailed at %s", key, announcement.emailed_at)
        return
    mailer = request.find_service(IMailer)
    recipients = sa.select(User).where(User.status == "active").order_by(User.email)
    scope_title = None
    if announcement.is_scoped:
        audience = _audience(request, announcement)
        recipients = recipients.where(User.id.in_(sorted(audience)))
        described = scopes.describe(request, announcement.scope_type, announcement.scope_id)
        scope_title = described.title if isinstance(described, scopes.Scope) else None
    sent = 0
    for user in request.db.scalars(recipients):
        mailer.send_immediately(announcement_message(request, announcement, user, scope_title))
        sent += 1
    announcement.emailed_at = utcnow()
    log.info("announcement %s emailed to %d users", key, sent)


def _audience(request, announcement: Announcement) -> set[uuid.UUID]:
    """The user ids the scope's owner names (malformed ones left out)."""
    answer = request.hooks.learninghub_announcements_audience(
        request=request, scope_type=announcement.scope_type, scope_id=announcement.scope_id
    )
    if answer is None:
        log.warning(
            "announcement %s not emailed: no plugin names the audience of %s %s",
            announcement.id,
            announcement.scope_type,
            announcement.scope_id,
        )
        return set()
    ids = set()
    for raw in answer:
        try:
            ids.add(raw if isinstance(raw, uuid.UUID) else uuid.UUID(str(raw)))
        except ValueError:
            continue
    return ids


def announcement_message(
    request, announcement: Announcement, user: User, scope_title: str | None = None
) -> EmailMessage:
    """One message per recipient (addresses are never disclosed to each other), from
    the tenant's sender name, in the kernel's branded email layout. ``scope_title``
    (a course's title) prefixes the subject of a scoped announcement."""
    tenant = request.tenant
    url = services.page_url(request, announcement)
    message = EmailMessage()
    subject = f"{scope_title}: {announcement.title}" if scope_title else announcement.title
    message["Subject"] = f"[{tenant.name}] {subject}"
    message["From"] = emailbrand.from_header(request)
    message["To"] = formataddr((user.display_name, user.email))
    text = services.body_text(announcement)
    message.set_content(
        f"{announcement.title}\n\n{text}\n\nRead it online: {url}\n"
        + emailbrand.text_footer(request)
    )
    html = emailbrand.render_html(
        request,
        "learninghub_announcements:templates/email.jinja2",
        {
            "tenant": tenant,
            "announcement": announcement,
            "scope_title": scope_title,
            "url": url,
            "body": services.body_markup(announcement),
        },
    )
    message.add_alternative(html, subtype="html")
    return message
