"""Fixtures of the announcements tests (the kernel's pytest plugin brings the rest)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from learninghub.db import utcnow
from learninghub_announcements.models import Announcement

PLUGIN = "announcements"


@pytest.fixture
def cookie_for(session_cookie):
    """``cookie_for(tenant, user)``: the session ``Cookie`` header value."""
    return session_cookie


@pytest.fixture
def page_client(client, session_cookie):
    """``page_client(tenant, user=None)``: a client signed in with the session cookie."""

    def make(tenant, user=None):
        c = client(tenant)
        if user is not None:
            c.headers["Cookie"] = session_cookie(tenant, user)
        return c

    return make


@pytest.fixture
def plugin_admin(plugin_operator):
    """Change this plugin's enablement or settings for a tenant, as an operator would."""
    return plugin_operator(PLUGIN)


@pytest.fixture
def make_announcement(db):
    """Insert an announcement directly (set-up for tests that are not about creating)."""

    def make(
        tenant,
        author=None,
        status="published",
        title=None,
        body="<p>Hello</p>",
        published_at=None,
        emailed_at=None,
    ):
        now = utcnow()
        if status == "published" and published_at is None:
            published_at = now
        a = Announcement(
            id=uuid.uuid4(),
            tenant_id=tenant.id,
            title=title or f"News {uuid.uuid4().hex[:6]}",
            body=body,
            status=status,
            author_id=author.id if author else None,
            created_at=now - timedelta(minutes=1),
            updated_at=now,
            published_at=published_at,
            emailed_at=emailed_at,
        )
        db.add(a)
        db.flush()
        return a

    return make


@pytest.fixture
def dispatched(monkeypatch):
    """Task messages handed to the back end (instead of running them)."""
    import learninghub.tasks

    messages = []
    monkeypatch.setattr(learninghub.tasks, "dispatch", lambda registry, m: messages.append(m))
    return messages
