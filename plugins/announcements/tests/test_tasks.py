"""Publishing: the domain event after commit, the email task, its idempotency and skips."""

from __future__ import annotations

import uuid
from email.utils import parseaddr

import pytest
import sqlalchemy as sa
import transaction
from transaction._transaction import Status

from learninghub.tasks import make_tenant_request, run_task
from learninghub_announcements import services
from learninghub_announcements.models import Announcement

LIST = "/api/v1/announcements"
TASK = "announcements.send_email"
EVENT = "announcements.announcement.published"


def addresses(messages) -> list[str]:
    return sorted(parseaddr(m["To"])[1] for m in messages)


def parts(message) -> dict[str, str]:
    return {
        p.get_content_type(): p.get_payload(decode=True).decode(p.get_content_charset())
        for p in message.walk()
        if not p.is_multipart()
    }


def mine(dispatched) -> list:
    """This plugin's task messages (other plugins enabled for the tenant, such as
    notifications, queue their own for the same events)."""
    return [m for m in dispatched if m.name.startswith("announcements.")]


def run_email_task(registry, tenant, announcement_id) -> str:
    return run_task(registry, TASK, str(tenant.id), {"announcement_id": str(announcement_id)})


@pytest.fixture
def tenant_tm(registry, tenant):
    """A tenant-bound request in its own explicit transaction (like a task's)."""
    tm = transaction.TransactionManager(explicit=True)
    info = registry["tenancy.resolver"].by_id(tenant.id)
    request = make_tenant_request(registry, info, tm)
    tm.begin()
    yield request, tm
    if _active(tm):
        tm.abort()
    request.db.close()


def _active(tm) -> bool:
    try:
        return tm.get().status == Status.ACTIVE
    except Exception:
        return False


# ----------------------------------------------------------------- the event


def test_publish_emits_the_event_after_commit(
    tenant, user_factory, client, events, make_announcement
):
    a = make_announcement(tenant, status="draft", title="Field trip")
    admin = user_factory(tenant, "admin")
    assert client(tenant, admin).post_json(f"{LIST}/{a.id}/publish").status_int == 200
    [event] = events.events
    assert (event.name, event.resource_type, event.resource_id) == (
        EVENT,
        "announcement",
        str(a.id),
    )
    assert event.tenant_id == tenant.id and event.actor_id == admin.id
    assert event.payload["title"] == "Field trip"
    assert event.payload["url"].endswith(f"/announcements/{a.id}")
    assert events.statuses == [Status.COMMITTED]


def test_refused_publish_emits_and_sends_nothing(
    tenant, user_factory, client, events, mailbox, make_announcement
):
    live = make_announcement(tenant)
    draft = make_announcement(tenant, status="draft")
    assert (
        client(tenant, user_factory(tenant, "admin"))
        .post_json(f"{LIST}/{live.id}/publish")
        .status_int
        == 409
    )
    learner = client(tenant, user_factory(tenant, "learner"))
    assert learner.post_json(LIST, {"title": "x", "publish": True}).status_int == 403
    assert learner.post_json(f"{LIST}/{draft.id}/publish").status_int == 404
    assert events.events == [] and mailbox.refresh() == []


def test_aborted_transaction_emits_and_enqueues_nothing(
    tenant_tm, make_announcement, dispatched, events
):
    request, tm = tenant_tm
    a = make_announcement(request.tenant, status="draft")
    row = request.db.scalar(sa.select(Announcement).where(Announcement.id == a.id))
    services.publish(request, row)
    assert row.status == "published"
    tm.abort()
    assert dispatched == [] and events.events == []
    tm.begin()
    row = request.db.scalar(sa.select(Announcement).where(Announcement.id == a.id))
    assert row.status == "draft"
    services.publish(request, row)
    tm.commit()
    assert [(m.name, m.kwargs) for m in mine(dispatched)] == [
        (TASK, {"announcement_id": str(a.id)})
    ]
    assert [e.resource_id for e in events.events] == [str(a.id)]


# ----------------------------------------------------------------- the email


def test_publish_emails_every_active_user_of_the_tenant(
    tenant, other_tenant, user_factory, client, db, mailbox
):
    admin, learner = user_factory(tenant, "admin"), user_factory(tenant, "learner")
    user_factory(tenant, "learner").status = "suspended"
    db.flush()  # before the factory binds the shared session to another tenant
    user_factory(other_tenant, "learner")
    body = "<p>School is <b>closed</b> &amp; quiet.</p><p>Stay warm.</p>"
    r = client(tenant, admin).post_json(LIST, {"title": "Snow day", "body": body, "publish": True})
    assert r.status_int == 201, r.text
    messages = mailbox.refresh()
    assert addresses(messages) == sorted([admin.email, learner.email])
    message = messages[0]
    assert message["Subject"] == f"[{tenant.orm.name}] Snow day"
    content = parts(message)
    assert set(content) == {"text/plain", "text/html"}
    assert "School is closed & quiet.\nStay warm." in content["text/plain"]
    assert r.json["html_url"] in content["text/plain"]
    assert "<b>closed</b>" in content["text/html"] and r.json["html_url"] in content["text/html"]
    assert client(tenant, admin).get(r.json["url"]).json["emailed_at"] is not None


def test_no_email_when_the_tenant_turned_it_off(
    tenant, user_factory, client, plugin_admin, dispatched, events
):
    plugin_admin.settings(tenant, email_on_publish=False)
    r = client(tenant, user_factory(tenant, "admin")).post_json(
        LIST, {"title": "Hi", "publish": True}
    )
    assert r.status_int == 201
    assert mine(dispatched) == []
    assert len(events.events) == 1  # the event does not depend on the setting


def test_task_runs_twice_mails_once(registry, tenant, user_factory, db, mailbox, make_announcement):
    users = [user_factory(tenant) for _ in range(3)]
    a = make_announcement(tenant)
    assert run_email_task(registry, tenant, a.id) == "done"
    assert run_email_task(registry, tenant, a.id) == "done"
    assert addresses(mailbox.refresh()) == sorted(u.email for u in users)
    db.refresh(a)
    assert a.emailed_at is not None


def test_task_skipped_when_plugin_disabled(
    registry, tenant, user_factory, db, mailbox, plugin_admin, make_announcement
):
    user_factory(tenant)
    a = make_announcement(tenant)
    plugin_admin.disable(tenant)
    assert run_email_task(registry, tenant, a.id) == "skipped"
    assert mailbox.refresh() == []
    db.refresh(a)
    assert a.emailed_at is None


def test_task_honours_the_setting_at_run_time(
    registry, tenant, user_factory, client, plugin_admin, dispatched, mailbox
):
    admin = user_factory(tenant, "admin")
    client(tenant, admin).post_json(LIST, {"title": "Hi", "publish": True})
    [message] = mine(dispatched)
    plugin_admin.settings(tenant, email_on_publish=False)
    assert run_task(registry, message.name, message.tenant_id, message.kwargs) == "done"
    assert mailbox.refresh() == []


@pytest.mark.parametrize("status", ["draft", "archived", None, "malformed"])
def test_task_mails_nothing_for_unpublished_or_missing(
    registry, tenant, user_factory, mailbox, make_announcement, status
):
    user_factory(tenant)
    if status in ("draft", "archived"):
        key = make_announcement(tenant, status=status).id
    else:
        key = uuid.uuid4() if status is None else "nope"
    assert run_email_task(registry, tenant, key) == "done"
    assert mailbox.refresh() == []


def test_task_of_one_tenant_cannot_reach_another(
    registry, tenant, other_tenant, user_factory, mailbox, make_announcement
):
    user_factory(tenant)
    user_factory(other_tenant)
    a = make_announcement(other_tenant)
    assert run_email_task(registry, tenant, a.id) == "done"
    assert mailbox.refresh() == []
