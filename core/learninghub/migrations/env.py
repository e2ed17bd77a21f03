"""Alembic environment shared by the kernel branch and every plugin branch."""

from __future__ import annotations

from alembic import context

from learninghub.db import metadata

config = context.config


def run_migrations(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_schemas=False,
        include_object=config.attributes.get("include_object"),
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - always given by learninghub.migrate
    raise RuntimeError("run migrations through `learninghub db upgrade`")
run_migrations(connection)
