"""Database migrations: one alembic branch for the kernel, one per plugin.

``upgrade(settings)`` applies every head. On PostgreSQL it holds an advisory lock so
that two nodes deploying at once cannot migrate concurrently, then (re)creates the
row-level security policies of every tenant-scoped table when ``db.rls`` is on.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from .db import RLS_SETTING, make_engine, tenant_scoped_tables

ADVISORY_LOCK_ID = 0x4C48_4442  # "LHDB"
POLICY_NAME = "lh_tenant_isolation"


def _package_dir(spec: str) -> str:
    package, _, folder = spec.partition(":")
    return str(resources.files(package).joinpath(folder))


def version_locations(plugins) -> list[str]:
    locations = [_package_dir("learninghub:migrations/versions")]
    for plugin in plugins.plugins.values():
        if plugin.manifest.migrations:
            locations.append(_package_dir(plugin.manifest.migrations))
    return locations


def alembic_config(plugins, connection=None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", _package_dir("learninghub:migrations"))
    cfg.set_main_option("version_locations", " ".join(version_locations(plugins)))
    cfg.set_main_option("path_separator", "space")
    cfg.attributes["connection"] = connection
    return cfg


def load_plugins(settings: dict[str, Any]):
    from .plugins import PluginRegistry

    registry = PluginRegistry()
    registry.discover(settings)
    _import_kernel_models()
    return registry


def _import_kernel_models() -> None:
    from . import i18n, identity, inbox, tenancy  # noqa: F401  (register their tables)
    from .accounts import models  # noqa: F401


@contextmanager
def migration_lock(connection) -> Iterator[None]:
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text("SELECT pg_advisory_lock(:id)"), {"id": ADVISORY_LOCK_ID})
        try:
            yield
        finally:
            connection.execute(sa.text("SELECT pg_advisory_unlock(:id)"), {"id": ADVISORY_LOCK_ID})
    else:
        yield


def apply_rls(connection) -> list[str]:
    """Create the tenant isolation policy on every tenant-scoped table (idempotent)."""
    if connection.dialect.name != "postgresql":
        return []
    names = []
    for table in tenant_scoped_tables():
        if not sa.inspect(connection).has_table(table.name):
            continue
        q = connection.dialect.identifier_preparer.quote(table.name)
        connection.execute(sa.text(f"ALTER TABLE {q} ENABLE ROW LEVEL SECURITY"))
        connection.execute(sa.text(f"DROP POLICY IF EXISTS {POLICY_NAME} ON {q}"))
        connection.execute(
            sa.text(
                f"CREATE POLICY {POLICY_NAME} ON {q} "
                f"USING (tenant_id::text = current_setting('{RLS_SETTING}', true)) "
                f"WITH CHECK (tenant_id::text = current_setting('{RLS_SETTING}', true))"
            )
        )
        names.append(table.name)
    return names


def upgrade(settings: dict[str, Any], plugins=None, engine=None, target: str = "heads") -> None:
    plugins = plugins or load_plugins(settings)
    _import_kernel_models()
    engine = engine or make_engine(settings)
    if engine.url.get_backend_name() == "sqlite" and engine.url.database:
        os.makedirs(os.path.dirname(os.path.abspath(engine.url.database)), exist_ok=True)
    with engine.connect() as connection:
        with migration_lock(connection):
            connection.commit()
            cfg = alembic_config(plugins, connection)
            command.upgrade(cfg, target)
            if settings.get("db.rls"):
                apply_rls(connection)
            connection.commit()


def downgrade(settings: dict[str, Any], target: str, plugins=None, engine=None) -> None:
    plugins = plugins or load_plugins(settings)
    engine = engine or make_engine(settings)
    with engine.connect() as connection:
        with migration_lock(connection):
            connection.commit()
            command.downgrade(alembic_config(plugins, connection), target)
            connection.commit()


def current_heads(settings: dict[str, Any], plugins=None, engine=None) -> set[str]:
    plugins = plugins or load_plugins(settings)
    engine = engine or make_engine(settings)
    with engine.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads())


def script_heads(plugins) -> set[str]:
    return set(ScriptDirectory.from_config(alembic_config(plugins)).get_heads())


def pending_revisions(plugins, connection) -> set[str]:
    """Revisions of any branch not yet applied to the database behind ``connection``."""
    script = ScriptDirectory.from_config(alembic_config(plugins))
    current = MigrationContext.configure(connection).get_current_heads()
    applied: set[str] = set()
    if current:
        rmap = script.revision_map
        nodes = rmap._get_ancestor_nodes(rmap.get_revisions(current), include_dependencies=True)
        applied = {rev.revision for rev in nodes}
    return {rev.revision for rev in script.walk_revisions()} - applied


def kernel_tables() -> set[str]:
    _import_kernel_models()
    from .db import Base

    return {
        m.local_table.name
        for m in Base.registry.mappers
        if m.class_.__module__.startswith("learninghub.")
    }


def new_revision(
    settings: dict[str, Any], branch: str, message: str, plugins=None, engine=None
) -> str:
    """Autogenerate the next revision of ``branch`` ("kernel" or a plugin name),
    comparing the models of that branch only with the database (which must be at
    every head). The first revision of a plugin starts its branch, labelled with the
    plugin's name and depending on the kernel's head. Returns the new file's path."""
    from alembic.util import CommandError

    plugins = plugins or load_plugins(settings)
    engine = engine or make_engine(settings)
    if branch == "kernel":
        version_path = _package_dir("learninghub:migrations/versions")
        owned = kernel_tables()

        def owns(name: str) -> bool:
            return name in owned
    else:
        plugin = plugins.get(branch)
        if not plugin.manifest.migrations:
            raise CommandError(
                f"plugin {branch!r} declares no migrations: add "
                f'migrations="{plugin.package}:migrations/versions" to its manifest and '
                "create that folder"
            )
        version_path = _package_dir(plugin.manifest.migrations)
        os.makedirs(version_path, exist_ok=True)
        from .plugins import plugin_tables

        owned_by_plugin = plugin_tables(plugin)

        def owns(name: str) -> bool:
            return name in owned_by_plugin

    def include_object(obj, name, type_, reflected, compare_to):
        table = obj if type_ == "table" else getattr(obj, "table", None)
        table_name = name if type_ == "table" else getattr(table, "name", "")
        return owns(table_name or "")

    with engine.connect() as connection:
        pending = pending_revisions(plugins, connection)
        if pending:
            raise CommandError(
                "the database is not at every head: run `learninghub db upgrade` first"
            )
        cfg = alembic_config(plugins, connection)
        cfg.attributes["include_object"] = include_object
        script = ScriptDirectory.from_config(cfg)
        labels = {label for rev in script.walk_revisions() for label in rev.branch_labels}
        kwargs: dict[str, Any] = {"message": message, "autogenerate": True}
        if branch in labels:
            kwargs["head"] = f"{branch}@head"
        else:
            kernel_head = script.revision_map.get_revisions("kernel@head")[0].revision
            kwargs.update(
                head="base", branch_label=branch, version_path=version_path, depends_on=kernel_head
            )
        revision = command.revision(cfg, **kwargs)
        connection.commit()
    return revision.path
