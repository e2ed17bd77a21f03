"""Command line: ``learninghub courses reindex --tenant SLUG``.

Rebuilds the search documents of every course of a tenant (after restoring a
database, losing the index directory, or enabling a plugin that adds search text).
Declared under the kernel's entry point group ``learninghub.cli`` (name ``courses``).
"""

from __future__ import annotations

import click
import sqlalchemy as sa

from learninghub.cli import pass_env

BATCH = 200


@click.group()
def courses() -> None:
    """Course catalog tools."""


@courses.command()
@click.option("--tenant", "slug", required=True, help="the tenant whose courses to reindex")
@pass_env
def reindex(env, slug: str) -> None:
    """Rebuild the search documents of every course of a tenant."""
    from learninghub.interfaces import ISearchIndex

    from .models import Course
    from .search import course_document

    with env.tenant_request(slug) as request:
        if not request.tenant.is_enabled("courses"):
            raise click.ClickException(f"the courses plugin is not enabled for {slug!r}")
        index = request.find_service(ISearchIndex)
        total = 0
        batch: list[dict[str, str]] = []
        for course in request.db.scalars(sa.select(Course).order_by(Course.id)):
            batch.append(course_document(request, course))
            if len(batch) >= BATCH:
                index.index(request.tenant.id, batch)
                total += len(batch)
                batch = []
        if batch:
            index.index(request.tenant.id, batch)
            total += len(batch)
    click.echo(f"{total} courses reindexed")
