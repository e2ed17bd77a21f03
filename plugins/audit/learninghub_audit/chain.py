"""The hash chain: canonical form of a row, row hashes and HMAC signatures.

Each tenant's trail is one chain. A sealed row carries ``seq`` (1, 2, 3... per
tenant), ``prev_hash`` (the ``hash`` of row ``seq - 1``, or :data:`GENESIS` for the
first row) and::

    hash = sha256(prev_hash + "\\n" + canonical_json(material(row)))

where ``material`` is every stored field of the row except ``prev_hash`` and
``hash`` themselves (see :func:`material`), and ``canonical_json`` is JSON with
sorted keys, no whitespace and UTF-8 text. Anyone holding the rows can recompute
the chain; nothing secret is involved, so a third party can check an export.

Two things are signed with an HMAC-SHA256 key derived from the kernel's
``secret.key`` (so that they cannot be recomputed by someone who can only write to
the database): the per-tenant chain *head* (last seq and hash: removing rows at the
end of the chain is detected) and retention *checkpoints* (the summary that stands
for removed rows).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from datetime import UTC, datetime
from typing import Any

#: ``prev_hash`` of a tenant's first row
GENESIS = "0" * 64
#: version of the canonical form; part of every hashed record
FORMAT = 1
_KEY_CONTEXT = b"learninghub.audit.v1"


def canonical_json(value: Any) -> str:
    """The one JSON spelling of ``value`` that is hashed and signed."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    return str(value)


def material(row: Any) -> dict[str, Any]:
    """What a row's hash covers: an ORM ``AuditEvent`` or a result row with the same
    attribute names."""
    return {
        "format": FORMAT,
        "tenant_id": _text(row.tenant_id),
        "seq": row.seq,
        "id": _text(row.id),
        "kind": row.kind,
        "occurred_at": _text(row.occurred_at),
        "action": row.action,
        "actor_id": _text(row.actor_id),
        "actor_label": row.actor_label,
        "resource_type": row.resource_type,
        "resource_id": row.resource_id,
        "old_values": row.old_values,
        "new_values": row.new_values,
        "details": row.details,
        "ip": row.ip,
        "user_agent": row.user_agent,
        "request_id": row.request_id,
        "event_id": _text(row.event_id),
        "through_seq": row.through_seq,
        "signature": row.signature,
    }


def row_hash(prev_hash: str, row: Any) -> str:
    data = prev_hash + "\n" + canonical_json(material(row))
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------- signatures


def _key(secret: str) -> bytes:
    """A key for the audit trail only, derived from the kernel's ``secret.key``."""
    return hmac.new(secret.encode("utf-8"), _KEY_CONTEXT, hashlib.sha256).digest()


def sign(secret: str, purpose: str, value: dict[str, Any]) -> str:
    message = canonical_json({"purpose": purpose, "value": value}).encode("utf-8")
    return hmac.new(_key(secret), message, hashlib.sha256).hexdigest()


def _check(secret: str, purpose: str, value: dict[str, Any], signature: str | None) -> bool:
    return bool(signature) and hmac.compare_digest(sign(secret, purpose, value), signature or "")


def head_value(tenant_id: uuid.UUID, last_seq: int, last_hash: str) -> dict[str, Any]:
    return {"tenant_id": str(tenant_id), "last_seq": last_seq, "last_hash": last_hash}


def sign_head(secret: str, tenant_id: uuid.UUID, last_seq: int, last_hash: str) -> str:
    return sign(secret, "head", head_value(tenant_id, last_seq, last_hash))


def head_is_valid(secret: str, head: Any) -> bool:
    return _check(
        secret, "head", head_value(head.tenant_id, head.last_seq, head.last_hash), head.signature
    )


def checkpoint_value(row: Any) -> dict[str, Any]:
    """What a checkpoint's signature covers (its ``seq`` is not known when it is
    signed; the chain hash covers it)."""
    return {
        "tenant_id": _text(row.tenant_id),
        "id": _text(row.id),
        "occurred_at": _text(row.occurred_at),
        "action": row.action,
        "through_seq": row.through_seq,
        "details": row.details,
    }


def sign_checkpoint(secret: str, row: Any) -> str:
    return sign(secret, "checkpoint", checkpoint_value(row))


def checkpoint_is_valid(secret: str, row: Any) -> bool:
    return _check(secret, "checkpoint", checkpoint_value(row), row.signature)
