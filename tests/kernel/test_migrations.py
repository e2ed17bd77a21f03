"""Migrations: every branch up and down on a fresh database; models match migrations."""

import os
import tempfile

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from learninghub.config import collect_settings
from learninghub.db import make_engine, metadata
from learninghub.migrate import current_heads, downgrade, load_plugins, pending_revisions, upgrade
from learninghub.testing.plugin import create_database, drop_database


@pytest.fixture
def fresh_settings(lh_raw_settings):
    base = os.environ.get("LEARNINGHUB_TEST_DATABASE_URL")
    with tempfile.TemporaryDirectory() as tmp:
        url = create_database(base, "lhmig") if base else f"sqlite:///{tmp}/fresh.sqlite"
        try:
            yield collect_settings(dict(lh_raw_settings, **{"db.url": url}), environ={})
        finally:
            if base:
                drop_database(url)


def test_all_migrations_up_down_up(fresh_settings):
    plugins = load_plugins(fresh_settings)
    engine = make_engine(fresh_settings)
    try:
        upgrade(fresh_settings, plugins=plugins, engine=engine)
        heads = current_heads(fresh_settings, plugins=plugins, engine=engine)
        with engine.connect() as conn:
            assert pending_revisions(plugins, conn) == set()
        downgrade(fresh_settings, "base", plugins=plugins, engine=engine)
        assert current_heads(fresh_settings, plugins=plugins, engine=engine) == set()
        with engine.connect() as conn:
            assert "k0001" in pending_revisions(plugins, conn)
        tables = set(sa.inspect(engine).get_table_names()) - {"alembic_version"}
        assert tables == set(), tables
        upgrade(fresh_settings, plugins=plugins, engine=engine)
        assert current_heads(fresh_settings, plugins=plugins, engine=engine) == heads
    finally:
        engine.dispose()


def test_models_and_migrations_agree(fresh_settings):
    plugins = load_plugins(fresh_settings)
    engine = make_engine(fresh_settings)
    try:
        upgrade(fresh_settings, plugins=plugins, engine=engine)
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(ctx, metadata)
        assert diff == [], diff
    finally:
        engine.dispose()


def test_every_plugin_branch_is_labelled(fresh_settings):
    from alembic.script import ScriptDirectory

    from learninghub.migrate import alembic_config

    plugins = load_plugins(fresh_settings)
    script = ScriptDirectory.from_config(alembic_config(plugins))
    labels = set()
    for rev in script.walk_revisions():
        labels |= set(rev.branch_labels)
    assert "kernel" in labels
    for name, plugin in plugins.plugins.items():
        if plugin.manifest.migrations:
            assert name in labels, f"plugin {name} has no alembic branch labelled {name!r}"


@pytest.mark.skipif(
    not os.environ.get("LEARNINGHUB_TEST_DATABASE_URL"),
    reason="the advisory lock exists on PostgreSQL only",
)
def test_two_nodes_migrating_at_once_do_not_collide(fresh_settings):
    """Two processes' worth of `db upgrade` at the same moment: the advisory lock makes
    the second wait and then find nothing to do."""
    import threading

    plugins = load_plugins(fresh_settings)
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def node():
        engine = make_engine(fresh_settings)
        try:
            barrier.wait(timeout=30)
            upgrade(fresh_settings, plugins=plugins, engine=engine)
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=node) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert errors == []
    engine = make_engine(fresh_settings)
    try:
        with engine.connect() as conn:
            assert pending_revisions(plugins, conn) == set()
    finally:
        engine.dispose()
