"""Concurrent page requests of one signed-in user on the embedded SQLite database: each
may want to record the session's activity, none may fail with "database is locked"."""

import threading
import urllib.error
import urllib.request
from datetime import timedelta

import pytest
import sqlalchemy as sa

pytestmark = pytest.mark.slow


def test_concurrent_requests_of_one_session_all_succeed(live_app):
    from learninghub.accounts.models import UserSession
    from learninghub.accounts.sessions import PAGE, create_session
    from learninghub.db import utcnow
    from learninghub.identity import User
    from learninghub.tasks import make_tenant_request

    if live_app.registry["db.engine"].dialect.name != "sqlite":
        pytest.skip("the live app runs on SQLite")
    tenant = live_app.create_tenant("busy", "Busy School")
    user_id = live_app.create_user(tenant)
    with live_app.session(tenant) as db:
        info = live_app.registry["tenancy.resolver"].by_id(tenant.id)
        request = make_tenant_request(live_app.registry, info, None)
        request.__dict__["db"] = db
        session, token = create_session(request, db.get(User, user_id), PAGE, 3600)
        session.last_seen_at = utcnow() - timedelta(hours=1)  # every request wants to touch
        session_id = session.id

    statuses: list[int] = []
    lock = threading.Lock()

    def fetch() -> None:
        port = tenant.host.rsplit(":", 1)[1]
        req = urllib.request.Request(
            f"http://127.0.0.1:{port}/dashboard",
            headers={"Cookie": f"lh_session={token}", "Host": tenant.host},
        )
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                status = resp.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=fetch) for _ in range(24)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [200] * 24
    with live_app.session(tenant) as db:
        seen = db.scalar(sa.select(UserSession.last_seen_at).where(UserSession.id == session_id))
    assert utcnow() - seen < timedelta(minutes=1)  # the activity was recorded
