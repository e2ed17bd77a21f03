"""Plugin manager: discovery, ordering, per-tenant enablement, isolation of hooks."""

import logging
import os
import sys

import pytest

from learninghub.errors import PluginDependencyError, UnknownPlugin
from learninghub.manifest import PluginManifest
from learninghub.plugins import PluginRegistry, TenantPlugins, toposort

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "fakeplugins"))
import lhfake_alpha  # noqa: E402
import lhfake_beta  # noqa: E402


def m(name, *requires):
    return PluginManifest(name=name, version="1.0", title=name, requires=requires)


def test_toposort_puts_requirements_first():
    order = toposort({"c": m("c", "b"), "b": m("b", "a"), "a": m("a")})
    assert order == ["a", "b", "c"]


def test_missing_requirement_is_named():
    with pytest.raises(PluginDependencyError, match="'forum' requires 'courses'"):
        toposort({"forum": m("forum", "courses")})


def test_cycle_is_shown():
    with pytest.raises(PluginDependencyError, match="cycle: aa -> bb -> aa"):
        toposort({"aa": m("aa", "bb"), "bb": m("bb", "aa")})


def test_blocked_and_autoload(lh_raw_settings):
    from learninghub.config import collect_settings

    settings = collect_settings(lh_raw_settings, environ={})
    reg = PluginRegistry()
    reg.discover(dict(settings, **{"plugins.blocked": ["beta"]}), extra=[lhfake_alpha, lhfake_beta])
    assert "alpha" in reg.plugins and "beta" not in reg.plugins
    reg = PluginRegistry()
    with pytest.raises(PluginDependencyError):
        reg.discover(
            dict(settings, **{"plugins.blocked": ["alpha"]}), extra=[lhfake_alpha, lhfake_beta]
        )
    reg = PluginRegistry()
    reg.discover(dict(settings, **{"plugins.autoload": False, "plugins.load": []}))
    assert reg.plugins == {}
    with pytest.raises(UnknownPlugin, match="nosuch"):
        PluginRegistry().discover(
            dict(settings, **{"plugins.autoload": False, "plugins.load": ["nosuch"]})
        )


@pytest.fixture(scope="module")
def fake_config(lh_config, lh_raw_settings):
    from learninghub import configure

    return configure(
        lh_raw_settings,
        engine=lh_config.registry["db.engine"],
        environ={},
        extra_plugins=[lhfake_alpha, lhfake_beta],
    )


@pytest.fixture
def fake(fake_config, db_connection):
    import webtest

    registry = fake_config.registry
    registry["db.test_connection"] = db_connection
    registry["tenancy.resolver"].invalidate()
    lhfake_alpha.RECORDED.clear()
    yield registry, webtest.TestApp(fake_config.make_wsgi_app())
    registry["db.test_connection"] = None
    registry["tenancy.resolver"].invalidate()


def make_tenant(registry, db, slug, plugins):
    from learninghub.db import bind_tenant, system_session
    from learninghub.tenancy import Tenant

    t = Tenant(slug=slug, name=slug)
    db.add(t)
    db.flush()
    bind_tenant(db, t.id)
    TenantPlugins(registry, db, t).enable_many(plugins)
    system_session(db)
    registry["tenancy.resolver"].invalidate()
    return t


def get(app, slug, path, **kw):
    return app.get(
        path, extra_environ={"HTTP_HOST": f"{slug}.learninghub.test"}, expect_errors=True, **kw
    )


def test_view_answers_only_where_enabled(fake, db):
    registry, app = fake
    make_tenant(registry, db, "with-alpha", ["alpha"])
    make_tenant(registry, db, "without", [])
    assert get(app, "with-alpha", "/alpha/ping").text == "alpha-default"
    assert get(app, "without", "/alpha/ping").status_int == 404


def test_disabled_plugin_is_404_before_permission_and_csrf_checks(fake, db):
    registry, app = fake
    make_tenant(registry, db, "on", ["alpha"])
    make_tenant(registry, db, "off", [])
    assert get(app, "off", "/alpha/secret").status_int == 404
    assert get(app, "on", "/alpha/secret").status_int == 403  # anonymous, enabled
    off = app.post(
        "/alpha/form", extra_environ={"HTTP_HOST": "off.learninghub.test"}, expect_errors=True
    )
    on = app.post(
        "/alpha/form", extra_environ={"HTTP_HOST": "on.learninghub.test"}, expect_errors=True
    )
    assert off.status_int == 404
    assert on.status_int == 400  # CSRF token missing


def test_enabling_pulls_requirements_and_disabling_a_requirement_is_refused(fake, db):
    from learninghub.db import bind_tenant

    registry, _ = fake
    t = make_tenant(registry, db, "deps", [])
    bind_tenant(db, t.id)
    manager = TenantPlugins(registry, db, t)
    assert manager.enable("beta") == ["alpha", "beta"]
    with pytest.raises(PluginDependencyError, match="beta"):
        manager.disable("alpha")
    manager.disable("beta")
    manager.disable("alpha")
    with pytest.raises(UnknownPlugin):
        manager.enable("gamma")


def test_broken_hook_is_isolated_and_logged(fake, db, caplog):
    registry, app = fake
    make_tenant(registry, db, "both", ["alpha", "beta"])
    with caplog.at_level(logging.ERROR, logger="learninghub.plugins"):
        home = get(app, "both", "/")
        ping = get(app, "both", "/alpha/ping")
    assert home.status_int == 200 and "Alpha" in home.text  # beta's nav broke, page did not
    assert ping.text == "alpha-default"  # firstresult falls back past the broken provider
    assert any(
        getattr(r, "plugin", None) == "beta" or "beta" in r.getMessage() for r in caplog.records
    )


def test_strict_hook_calls_let_the_exception_through(fake):
    from learninghub.plugins import HookRelay

    registry, _ = fake
    hooks = HookRelay(registry["plugins"], frozenset({"alpha", "beta"}))
    assert hooks.learninghub_alpha_provider(request=None) == "alpha-default"
    with pytest.raises(RuntimeError, match="beta's provider is broken"):
        hooks.strict.learninghub_alpha_provider(request=None)
    # still only the tenant's plugins: without beta nothing raises
    alpha_only = HookRelay(registry["plugins"], frozenset({"alpha"})).strict
    assert alpha_only.learninghub_alpha_provider(request=None) == "alpha-default"


def test_hooks_of_disabled_plugins_are_not_called(fake, db, caplog):
    registry, app = fake
    make_tenant(registry, db, "onlyalpha", ["alpha"])
    with caplog.at_level(logging.ERROR, logger="learninghub.plugins"):
        assert "Alpha" in get(app, "onlyalpha", "/").text
    assert not caplog.records  # beta's broken hooks were never called
    make_tenant(registry, db, "noalpha", [])
    assert "Alpha" not in get(app, "noalpha", "/").text  # nav entry vanished


def test_event_and_task_run_after_commit(fake, db):
    registry, app = fake
    make_tenant(registry, db, "events", ["alpha"])
    assert get(app, "events", "/alpha/emit?n=1").status_int == 200
    assert lhfake_alpha.RECORDED == [
        ("event", "alpha.thing.happened", "1"),
        ("task", "1", "events"),
    ]


def test_rolled_back_request_emits_and_enqueues_nothing(fake, db):
    registry, app = fake
    make_tenant(registry, db, "rollback", ["alpha"])
    r = get(app, "rollback", "/alpha/emit?n=2&fail=1")
    assert r.status_int == 500
    assert lhfake_alpha.RECORDED == []


def test_task_skips_when_plugin_disabled_since(fake, db):
    from learninghub.db import bind_tenant
    from learninghub.tasks import run_task

    registry, _ = fake
    t = make_tenant(registry, db, "skipper", ["alpha"])
    assert run_task(registry, "alpha.record", str(t.id), {"value": "x"}) == "done"
    bind_tenant(db, t.id)
    TenantPlugins(registry, db, t).disable("alpha")
    assert run_task(registry, "alpha.record", str(t.id), {"value": "y"}) == "skipped"
    assert lhfake_alpha.RECORDED == [("task", "x", "skipper")]


def test_upgrade_steps_run_in_order(fake, db):
    from learninghub.db import bind_tenant
    from learninghub.plugins import Installer
    from learninghub.tenancy import TenantPlugin

    registry, _ = fake
    t = make_tenant(registry, db, "upgrader", ["alpha"])
    bind_tenant(db, t.id)
    record = db.query(TenantPlugin).filter_by(plugin="alpha").one()
    record.installed_version = "1.0.0"
    ran = []

    class Steps(Installer):
        upgrade_steps = {
            "1.2.0": lambda ctx: ran.append("1.2.0"),
            "1.1.0": lambda ctx: ran.append("1.1.0"),
            "0.9.0": lambda ctx: ran.append("0.9.0"),
            "2.0.0": lambda ctx: ran.append("2.0.0"),
        }

    plugin = registry["plugins"].plugins["alpha"]
    original = plugin.manifest
    object.__setattr__(original, "installer", Steps())
    try:
        assert TenantPlugins(registry, db, t).upgrade("alpha") == ["1.1.0", "1.2.0"]
    finally:
        object.__setattr__(original, "installer", None)
    assert ran == ["1.1.0", "1.2.0"]
    assert record.installed_version == "1.2.0"


def test_retryable_errors_are_retried(fake, db):
    registry, app = fake
    make_tenant(registry, db, "flaky", ["alpha"])
    lhfake_alpha.FLAKY["left"] = 2
    r = get(app, "flaky", "/alpha/flaky")
    assert r.status_int == 200 and r.text == "stable"
    assert len([x for x in lhfake_alpha.RECORDED if x[0] == "attempt"]) == 3
    lhfake_alpha.RECORDED.clear()
    lhfake_alpha.FLAKY["left"] = 5
    assert get(app, "flaky", "/alpha/flaky").status_int == 500
    assert len([x for x in lhfake_alpha.RECORDED if x[0] == "attempt"]) == 3


def test_tenant_stores_only_its_own_setting_choices(registry, db, tenant_factory):
    from learninghub.db import bind_tenant
    from learninghub.tenancy import TenantPlugin

    t = tenant_factory(plugins=[])
    bind_tenant(db, t.id)
    TenantPlugins(registry, db, t.orm).enable("announcements", settings={"email_on_publish": False})
    record = db.query(TenantPlugin).filter_by(plugin="announcements").one()
    assert record.settings == {"email_on_publish": False}  # max_body_chars follows defaults
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        TenantPlugins(registry, db, t.orm).enable("announcements", settings={"max_body_chars": 1})


def test_committed_events_are_logged_for_audit(fake, db, caplog):
    registry, app = fake
    make_tenant(registry, db, "logged", ["alpha"])
    with caplog.at_level(logging.INFO, logger="learninghub.events"):
        get(app, "logged", "/alpha/emit?n=7")
        get(app, "logged", "/alpha/emit?n=8&fail=1")
    logged = [r for r in caplog.records if getattr(r, "event", None) == "alpha.thing.happened"]
    assert [r.resource for r in logged] == ["thing:7"]


def test_after_commit_callbacks_of_a_doomed_transaction_never_run():
    import transaction as txn_module

    from learninghub.events import after_commit

    tm = txn_module.TransactionManager(explicit=True)
    ran = []
    tm.begin()
    tm.doom()
    after_commit(tm, lambda: ran.append("doomed"))
    tm.abort()
    assert ran == []
    tm.begin()
    after_commit(tm, lambda: ran.append("committed"))
    assert ran == []
    tm.commit()
    assert ran == ["committed"]


def test_plugin_tables_are_those_of_its_own_models(registry):
    from learninghub.plugins import plugin_tables

    plugins = registry["plugins"]
    if "content" not in plugins.plugins or "courses" not in plugins.plugins:
        pytest.skip("the catalog plugins are not installed")
    content = plugin_tables(plugins.get("content"))
    assert {"course_sections", "lessons", "lesson_versions"} <= content
    assert "courses" not in content and "users" not in content
    assert plugin_tables(plugins.get("announcements")) == {"announcements_announcements"}


def test_enable_many_looks_each_plugin_up_once(fake, db, monkeypatch):
    """A requirement shared by several plugins (beta requires alpha) is handled once per
    call: tenant creation enables every plugin, and the catalog plugins all require
    courses and content."""
    from learninghub.db import bind_tenant
    from learninghub.tenancy import Tenant

    registry, _ = fake
    t = Tenant(slug="once", name="once")
    db.add(t)
    db.flush()
    bind_tenant(db, t.id)
    manager = TenantPlugins(registry, db, t)
    looked_up: list[str] = []
    original = TenantPlugins._record

    def counting(self, name):
        looked_up.append(name)
        return original(self, name)

    monkeypatch.setattr(TenantPlugins, "_record", counting)
    assert manager.enable_many(["beta", "alpha", "beta"]) == ["alpha", "beta"]
    assert sorted(looked_up) == ["alpha", "beta"]
    looked_up.clear()
    # a later call sees what the first one did
    assert manager.enable_many(["beta"]) == []
    assert looked_up == ["alpha", "beta"]
