"""Fixtures of the config plugin's tests (the kernel's pytest plugin brings the rest)."""

from __future__ import annotations

import os
import sys

import pytest
import webtest

from learninghub.db import bind_tenant, system_session
from learninghub.plugins import TenantPlugins

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "fakeplugins"))
import lhcfg_mailer  # noqa: E402

MAILER = "cfgmailer"


@pytest.fixture
def admin(tenant, user_factory):
    return user_factory(tenant, "admin")


@pytest.fixture(scope="module")
def mailer_config(lh_config, lh_raw_settings):
    """A second app on the session's database with the test plugin ``cfgmailer``
    (settings with a secret) loaded."""
    from learninghub import configure

    return configure(
        lh_raw_settings,
        engine=lh_config.registry["db.engine"],
        environ={},
        extra_plugins=[lhcfg_mailer],
    )


@pytest.fixture
def mailer(mailer_config, db_connection, db, tenant):
    """``(registry, app)`` of the cfgmailer app, with cfgmailer enabled for ``tenant``."""
    registry = mailer_config.registry
    registry["db.test_connection"] = db_connection
    registry["tenancy.resolver"].invalidate()
    enable_mailer(registry, db, tenant)
    yield registry, webtest.TestApp(mailer_config.make_wsgi_app())
    registry["db.test_connection"] = None
    registry["tenancy.resolver"].invalidate()


def enable_mailer(registry, db, tenant, **settings):
    db.flush()
    bind_tenant(db, tenant.id)
    try:
        TenantPlugins(registry, db, tenant.orm).enable(MAILER, settings=settings or None)
    finally:
        system_session(db)
        registry["tenancy.resolver"].invalidate()


class AppClient:
    """webtest on one tenant's host for any app, with an optional bearer token."""

    def __init__(self, app, registry, tenant, user=None, cookie=None):
        self.app, self.host = app, tenant.host
        self.headers = {}
        if user is not None:
            from learninghub.identity import issue_access_token

            token, _ = issue_access_token(registry.settings, user, tenant.id)
            self.headers["Authorization"] = f"Bearer {token}"
        if cookie is not None:
            self.headers["Cookie"] = cookie

    def _kw(self, kw):
        headers = dict(self.headers, **kw.pop("headers", {}))
        return {
            "headers": headers,
            "extra_environ": {"HTTP_HOST": self.host, "REMOTE_ADDR": "127.0.0.1"},
            "expect_errors": True,
            **kw,
        }

    def get(self, url, **kw):
        return self.app.get(url, **self._kw(kw))

    def put_json(self, url, params=None, **kw):
        return self.app.put_json(url, params, **self._kw(kw))

    def post_json(self, url, params=None, **kw):
        return self.app.post_json(url, params, **self._kw(kw))

    def post(self, url, params=None, **kw):
        return self.app.post(url, params, **self._kw(kw))
