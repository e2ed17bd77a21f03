"""The kernel's pytest plugin (entry point ``pytest11``): fixtures for kernel and plugin tests.

Database: SQLite in a temporary directory, or — when ``LEARNINGHUB_TEST_DATABASE_URL``
is set — a fresh PostgreSQL database created next to it for this run and dropped at
the end. Migrations (``upgrade heads``) run once per session; each test runs inside
an outer transaction that is rolled back, and every session the app opens joins it
through SAVEPOINTs, so tests are isolated without re-creating tables.

Main fixtures:

``lh_settings``  typed settings of the test app
``registry``     the Pyramid registry of the session-wide app
``app``          a :class:`webtest.TestApp` without a Host (use ``client``)
``db``           a *system* session on the test transaction (set-up code)
``tenant_factory(slug=None, plugins=None)``  creates a tenant (all loaded plugins
                 enabled unless ``plugins`` is given)
``tenant`` / ``other_tenant``   two tenants with every plugin enabled
``user_factory(tenant, role="learner", ...)``   creates a user (password ``PASSWORD``)
``client(tenant, user=None)``   a :class:`Client`: webtest bound to the tenant's host,
                 authenticated with a bearer token when ``user`` is given
``installed(name, tenant)``     enable a plugin for a tenant
``mailbox``      messages the file mailer delivered during the test
``run_task(tenant, name, **kwargs)``   run a task as a worker would
``dispatched``   task messages captured instead of run
"""

from __future__ import annotations

import mailbox as mailbox_module
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa
import webtest

from .browser import (  # noqa: F401  (fixtures of the browser test kit)
    browser_page,
    chromium,
    live_app,
)

PASSWORD = "correct horse battery staple"
SECRET = "test-secret-0123456789abcdef0123456789abcdef"


def _pg_url(url: str) -> sa.engine.URL:
    u = sa.engine.make_url(url)
    if u.drivername == "postgresql":
        u = u.set(drivername="postgresql+psycopg")
    return u


def create_database(base_url: str, prefix: str = "lhtest") -> str:
    """Create a fresh PostgreSQL database on the server of ``base_url``; return its URL."""
    u = _pg_url(base_url)
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(u, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return u.set(database=name).render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    u = _pg_url(url)
    name = u.database
    admin = sa.create_engine(u.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_backend() -> str:
    return "postgresql" if os.environ.get("LEARNINGHUB_TEST_DATABASE_URL") else "sqlite"


def make_test_settings(tmp_dir: str, db_url: str, **overrides: Any) -> dict[str, Any]:
    """Raw settings for a test app (before validation)."""
    redis_url = os.environ.get("LEARNINGHUB_TEST_REDIS_URL")
    settings = {
        "environment": "test",
        "secret.key": SECRET,
        "db.url": db_url,
        "db.rls": "true",
        "storage.path": os.path.join(tmp_dir, "files"),
        "search.path": os.path.join(tmp_dir, "search"),
        "templates.tenant_path": os.path.join(tmp_dir, "tenant-templates"),
        "mail.backend": "file",
        "mail.path": os.path.join(tmp_dir, "mail"),
        "tenancy.base_domain": "learninghub.test",
        "auth.cookie_secure": "false",
        "tasks.backend": "inprocess",
        "tasks.delayed_thread": False,
        "cache.url": redis_url or "memory://",
        "events.url": redis_url or "memory://",
        "metrics.enabled": "true",
        "log.level": "warning",
        "log.format": "console",
    }
    settings.update(overrides)
    return settings


@pytest.fixture(scope="session")
def lh_tmp(tmp_path_factory) -> str:
    return str(tmp_path_factory.mktemp("learninghub"))


@pytest.fixture(scope="session")
def lh_database_url(lh_tmp) -> Iterator[str]:
    base = os.environ.get("LEARNINGHUB_TEST_DATABASE_URL")
    if base:
        url = create_database(base)
        yield url
        drop_database(url)
    else:
        yield f"sqlite:///{lh_tmp}/test.sqlite"


@pytest.fixture(scope="session")
def lh_raw_settings(lh_tmp, lh_database_url) -> dict[str, Any]:
    return make_test_settings(lh_tmp, lh_database_url)


@pytest.fixture(scope="session")
def lh_config(lh_raw_settings):
    from learninghub import configure
    from learninghub.config import collect_settings
    from learninghub.db import make_engine
    from learninghub.migrate import upgrade

    settings = collect_settings(lh_raw_settings, environ={})
    engine = make_engine(settings)
    upgrade(settings, engine=engine)
    config = configure(lh_raw_settings, engine=engine, environ={})
    yield config
    engine.dispose()


@pytest.fixture(scope="session")
def registry(lh_config):
    return lh_config.registry


@pytest.fixture(scope="session")
def lh_settings(registry) -> dict[str, Any]:
    return registry.settings


@pytest.fixture(scope="session")
def wsgi_app(lh_config):
    return lh_config.make_wsgi_app()


@pytest.fixture
def db_connection(registry) -> Iterator[sa.Connection]:
    engine = registry["db.engine"]
    conn = engine.connect()
    outer = conn.begin()
    registry["db.test_connection"] = conn
    registry["tenancy.resolver"].invalidate()
    try:
        yield conn
    finally:
        registry["db.test_connection"] = None
        registry["tenancy.resolver"].invalidate()
        if outer.is_active:
            outer.rollback()
        conn.close()


@pytest.fixture
def db(registry, db_connection):
    """A system (cross-tenant) session inside the test transaction, for set-up."""
    from sqlalchemy import event

    from learninghub import pagecache
    from learninghub.db import system_session

    session = registry["db.session_factory"](
        bind=db_connection, join_transaction_mode="create_savepoint"
    )
    system_session(session)

    # Set-up rows are seen by the app at once (one uncommitted connection) and are
    # never committed: outdate every cached page after each flush, as a commit would.
    @event.listens_for(session, "after_flush")
    def _outdate_cached_pages(session, flush_context):
        pagecache.bump(registry, None)

    yield session
    session.close()


@pytest.fixture
def app(wsgi_app, db_connection) -> webtest.TestApp:
    return webtest.TestApp(wsgi_app)


@dataclass
class TenantHandle:
    id: uuid.UUID
    slug: str
    host: str
    orm: Any


@pytest.fixture
def tenant_factory(registry, db):
    from learninghub.db import bind_tenant, system_session
    from learninghub.plugins import TenantPlugins
    from learninghub.tenancy import Tenant

    def make(
        slug: str | None = None,
        plugins: list[str] | tuple[str, ...] | None = None,
        name: str | None = None,
    ) -> TenantHandle:
        slug = slug or f"t{uuid.uuid4().hex[:8]}"
        t = Tenant(slug=slug, name=name or f"Tenant {slug}")
        db.add(t)
        db.flush()
        names = registry["plugins"].order if plugins is None else plugins
        if names:
            bind_tenant(db, t.id)  # (flushed above, as a system session)
            try:
                TenantPlugins(registry, db, t).enable_many(names)
            finally:
                system_session(db)
        db.flush()
        registry["tenancy.resolver"].invalidate()
        return TenantHandle(t.id, slug, f"{slug}.{registry.settings['tenancy.base_domain']}", t)

    return make


@pytest.fixture
def tenant(tenant_factory) -> TenantHandle:
    return tenant_factory()


@pytest.fixture
def other_tenant(tenant_factory) -> TenantHandle:
    return tenant_factory()


@pytest.fixture
def user_factory(registry, db):
    from learninghub.db import bind_tenant, system_session
    from learninghub.identity import create_user

    def make(
        tenant: TenantHandle,
        role: str = "learner",
        email: str | None = None,
        password: str = PASSWORD,
        roles: tuple[str, ...] | None = None,
    ):
        email = email or f"{role}-{uuid.uuid4().hex[:6]}@example.org"
        db.flush()  # pending changes to any tenant's rows go out as a system session
        bind_tenant(db, tenant.id)
        try:
            user = create_user(db, registry["passwords"], email, password, roles or (role,))
        finally:
            system_session(db)
        return user

    return make


@pytest.fixture
def installed(registry, db):
    """``installed("forum", tenant)`` enables a plugin (and its requirements)."""
    from learninghub.db import bind_tenant, system_session
    from learninghub.plugins import TenantPlugins

    def enable(name: str, tenant: TenantHandle) -> list[str]:
        db.flush()  # pending changes to any tenant's rows go out as a system session
        bind_tenant(db, tenant.id)
        try:
            return TenantPlugins(registry, db, tenant.orm).enable(name)
        finally:
            system_session(db)
            registry["tenancy.resolver"].invalidate()

    return enable


class Client:
    """webtest bound to one tenant's host, optionally signed in with a bearer token."""

    def __init__(
        self,
        app: webtest.TestApp,
        registry,
        tenant: TenantHandle | None,
        user=None,
        host: str | None = None,
    ):
        self.app = app
        self.registry = registry
        self.tenant = tenant
        self.user = user
        self.host = host or (tenant.host if tenant else "unknown.invalid")
        self.headers: dict[str, str] = {}
        if user is not None:
            from learninghub.identity import issue_access_token

            token, _ = issue_access_token(registry.settings, user, tenant.id)
            self.headers["Authorization"] = f"Bearer {token}"

    def _kw(self, kw: dict[str, Any]) -> dict[str, Any]:
        headers = dict(self.headers)
        headers.update(kw.pop("headers", {}) or {})
        extra = dict(kw.pop("extra_environ", {}) or {})
        extra.setdefault("HTTP_HOST", self.host)
        extra.setdefault("REMOTE_ADDR", "127.0.0.1")
        kw.setdefault("expect_errors", True)
        return {"headers": headers, "extra_environ": extra, **kw}

    def get(self, url: str, **kw):
        return self.app.get(url, **self._kw(kw))

    def delete(self, url: str, **kw):
        return self.app.delete(url, **self._kw(kw))

    def post_json(self, url: str, params: Any = None, **kw):
        return self.app.post_json(url, params, **self._kw(kw))

    def put_json(self, url: str, params: Any = None, **kw):
        return self.app.put_json(url, params, **self._kw(kw))

    def patch_json(self, url: str, params: Any = None, **kw):
        return self.app.patch_json(url, params, **self._kw(kw))

    def post(self, url: str, params: Any = None, **kw):
        return self.app.post(url, params, **self._kw(kw))


@pytest.fixture
def session_cookie(registry, db):
    """``session_cookie(tenant, user)``: the ``Cookie`` header value of a new signed-in
    page session, as ``/login`` would set it."""
    from learninghub.accounts.sessions import PAGE, create_session
    from learninghub.db import bind_tenant, system_session
    from learninghub.tasks import make_tenant_request

    def make(tenant: TenantHandle, user) -> str:
        info = registry["tenancy.resolver"].by_id(tenant.id)
        request = make_tenant_request(registry, info, None)
        request.__dict__["db"] = db
        db.flush()
        bind_tenant(db, tenant.id)
        try:
            _, token = create_session(request, user, PAGE, 3600)
            db.flush()
        finally:
            system_session(db)
        return f"lh_session={token}"

    return make


@pytest.fixture
def client(app, registry):
    def make(tenant: TenantHandle | None, user=None, host: str | None = None) -> Client:
        return Client(app, registry, tenant, user, host)

    return make


@pytest.fixture
def foreign_client(client, user_factory):
    """``foreign_client(tenant, other_tenant)``: a client on ``tenant``'s host holding the
    bearer token of an admin of ``other_tenant`` — the cross-tenant probe."""

    def make(tenant: TenantHandle, other_tenant: TenantHandle) -> Client:
        c = client(tenant)
        c.headers.update(client(other_tenant, user_factory(other_tenant, "admin")).headers)
        return c

    return make


@pytest.fixture
def events(registry):
    """Domain events delivered (after commit) during the test:
    :class:`learninghub.testing.events.EventRecorder` (``events``, ``names()``,
    ``named(prefix)``, ``statuses``)."""
    from .events import recording

    recorder, stop = recording(registry)
    try:
        yield recorder
    finally:
        stop()


@pytest.fixture
def run_task(registry):
    """``run_task(tenant, name, **kwargs)``: run task ``name`` for ``tenant`` as a worker
    would (:func:`learninghub.tasks.run_task`: its own transaction, skipped when the
    tenant is gone or the task's plugin is disabled); returns ``"done"`` or
    ``"skipped"`` and raises what the task raised."""
    import learninghub.tasks

    def run(tenant: TenantHandle, name: str, **kwargs: Any) -> str:
        return learninghub.tasks.run_task(registry, name, str(tenant.id), kwargs)

    return run


@pytest.fixture
def delayed(registry):
    """The test app's in-process delayed tasks (``request.tasks.enqueue_at``; the timer
    thread is off in tests), emptied before and after the test so that only this test's
    tasks wait there: ``delayed.run_due(when)`` runs those due at ``when``,
    ``delayed.pending()`` lists them."""
    from learninghub.tasks import delayed_tasks

    holder = delayed_tasks(registry)
    holder.clear()
    yield holder
    holder.clear()


@pytest.fixture
def dispatched(monkeypatch) -> list:
    """Task messages (:class:`learninghub.tasks.TaskMessage`) handed to the task back
    end during the test, in order, captured instead of run: ``learninghub.tasks.dispatch``
    is replaced, so nothing runs after commit (run one with ``run_task``)."""
    import learninghub.tasks

    messages: list = []
    monkeypatch.setattr(learninghub.tasks, "dispatch", lambda registry, m: messages.append(m))
    return messages


@pytest.fixture
def plugin_operator(registry, db):
    """``plugin_operator(name)``: a :class:`learninghub.testing.operator.PluginOperator`
    that enables, configures and disables plugin ``name`` for tenants."""
    from .operator import PluginOperator

    return lambda name: PluginOperator(registry, db, name)


@pytest.fixture
def page_browser(app, session_cookie):
    """``page_browser(tenant, user=None, cookie=None)``: a cookie-keeping page visitor on
    the tenant's host (:class:`learninghub.testing.pages.Browser`), signed in with a new
    page session when ``user`` is given; ``submit(page, path, fields)`` posts a form
    with the CSRF token of ``page``."""
    from .pages import Browser

    def make(tenant, user=None, cookie: str | None = None, host: str | None = None) -> Browser:
        if user is not None:
            cookie = session_cookie(tenant, user)
        return Browser(app, tenant, cookie, host)

    return make


@pytest.fixture
def mailbox(lh_settings) -> Iterator[list]:
    """Messages delivered by the file mailer during this test."""
    path = lh_settings["mail.path"]
    os.makedirs(path, exist_ok=True)
    box = mailbox_module.Maildir(path, create=True)
    before = set(box.keys())

    class Delivered(list):
        def refresh(self) -> Delivered:
            self.clear()
            fresh = mailbox_module.Maildir(path, create=True)
            # delivery order: maildir names do not sort as text (microseconds are not
            # zero-padded: "M99999" sorts after "M123456")
            from learninghub.services.mailer import _delivery_order

            self.extend(fresh[k] for k in sorted(set(fresh.keys()) - before, key=_delivery_order))
            return self

    yield Delivered()


def pytest_report_header(config) -> str:
    return f"learninghub test database: {test_backend()}"
