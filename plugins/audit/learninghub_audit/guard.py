"""Is the PostgreSQL append-only guard of migration au0001 in place and enabled?

Reported by ``/readyz`` (check ``audit_append_only_guard``): a table owner can
``DROP`` or ``DISABLE`` a trigger, and such a change should page someone rather
than wait for the next ``verify``.
"""

from __future__ import annotations

import sqlalchemy as sa

TRIGGERS = {
    "audit_events_append_only": "audit_events",
    "audit_events_no_truncate": "audit_events",
    "audit_chain_heads_forward_only": "audit_chain_heads",
    "audit_chain_heads_no_truncate": "audit_chain_heads",
}


def guard_problems(connection) -> list[str]:
    """Missing or disabled guard triggers (empty on SQLite, which has none)."""
    if connection.dialect.name != "postgresql":
        return []
    rows = connection.execute(
        sa.text(
            "SELECT t.tgname, c.relname, t.tgenabled FROM pg_trigger t"
            " JOIN pg_class c ON c.oid = t.tgrelid"
            " WHERE NOT t.tgisinternal AND t.tgname = ANY(:names)"
            " AND c.relnamespace = to_regnamespace(current_schema())"
        ),
        {"names": list(TRIGGERS)},
    ).all()
    found = {name: (table, enabled) for name, table, enabled in rows}
    problems = []
    for name, table in TRIGGERS.items():
        if name not in found or found[name][0] != table:
            problems.append(f"trigger {name} on {table} is missing")
        elif found[name][1] == "D":
            problems.append(f"trigger {name} on {table} is disabled")
    return problems


def check(registry) -> None:
    """Raise when the guard is not complete (a readiness check)."""
    with registry["db.engine"].connect() as connection:
        problems = guard_problems(connection)
    if problems:
        raise RuntimeError("; ".join(problems))
