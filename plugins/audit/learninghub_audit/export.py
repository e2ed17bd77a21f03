"""CSV export of the trail.

Columns are every field the chain hash covers, so an export can be checked offline
(docs/plugins/audit.md shows how). JSON columns hold canonical JSON. A cell that a
spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, tab
or carriage return) is prefixed with ``'``; strip that one character before
recomputing hashes.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import UTC

from .chain import canonical_json
from .models import AuditEvent

COLUMNS = (
    "seq",
    "id",
    "tenant_id",
    "kind",
    "occurred_at",
    "action",
    "actor_id",
    "actor",
    "resource_type",
    "resource_id",
    "old_values",
    "new_values",
    "details",
    "ip",
    "user_agent",
    "request_id",
    "event_id",
    "through_seq",
    "signature",
    "prev_hash",
    "hash",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str:
    if value is None:
        return ""
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _json(value) -> str:
    return "" if value is None else canonical_json(value)


def row_cells(row: AuditEvent) -> list[str]:
    values = [
        row.seq,
        row.id,
        row.tenant_id,
        row.kind,
        row.occurred_at.astimezone(UTC).isoformat(timespec="microseconds"),
        row.action,
        row.actor_id,
        row.actor_label,
        row.resource_type,
        row.resource_id,
        _json(row.old_values),
        _json(row.new_values),
        _json(row.details),
        row.ip,
        row.user_agent,
        row.request_id,
        row.event_id,
        row.through_seq,
        row.signature,
        row.prev_hash,
        row.hash,
    ]
    return [_cell(v) for v in values]


def to_csv(rows: Iterable[AuditEvent]) -> tuple[str, int]:
    """The CSV text (header first) and the number of rows."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    count = 0
    for row in rows:
        writer.writerow(row_cells(row))
        count += 1
    return out.getvalue(), count
