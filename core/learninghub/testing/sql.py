"""Counting SQL statements, for "no N+1" tests::

    from learninghub.testing.sql import counting, page_work

    browser.get(path)                                 # warm-up
    with counting(registry["db.engine"]) as statements:
        browser.get(path)
    assert len(page_work(statements)) <= 8

:func:`page_work` leaves out what is not the page's own work: the kernel's tenant
snapshot reloads (cached up to 5 s, reloaded whenever a tenant changes) and
PostgreSQL's per-transaction row-level-security setting.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import sqlalchemy as sa

NOT_PAGE_WORK = ("FROM tenants", "FROM tenant_domains", "FROM tenant_plugins", "set_config(")


@contextlib.contextmanager
def counting(engine: sa.Engine) -> Iterator[list[str]]:
    """Every statement ``engine`` executes inside the block, in order."""
    statements: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)


def page_work(statements: list[str]) -> list[str]:
    return [s for s in statements if not any(marker in s for marker in NOT_PAGE_WORK)]
