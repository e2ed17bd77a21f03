"""Secrets never reach the trail: values under secret-looking keys are replaced.

A key is secret when one of its words (split on ``_``, ``-``, ``.``, spaces and
camelCase) is in :data:`SECRET_WORDS`, or when it *contains* one of
:data:`SECRET_FRAGMENTS` (``newpassword``), unless its last word says it is only
about the secret (``password_changed_at``, ``token_id``, ``key_count``). Plugins add
their own field names through ``learninghub_audit_auditable_events``
(``secret_fields``). Values that look like credentials (``Bearer ...``) are
replaced whatever their key. The replacement keeps the shape of the data, so a
reader still sees *that* a secret changed, never *what* it was.

Values are also made JSON-safe (UUIDs, datetimes and other objects become strings)
and capped in size, because they are stored and hashed as JSON.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from typing import Any

REDACTED = "[redacted]"

SECRET_WORDS = frozenset(
    {
        "password",
        "passwords",
        "passwd",
        "pwd",
        "passphrase",
        "secret",
        "secrets",
        "token",
        "tokens",
        "key",
        "keys",
        "apikey",
        "otp",
        "totp",
        "hotp",
        "code",
        "codes",
        "pin",
        "cvv",
        "cvc",
        "salt",
        "hash",
        "authorization",
        "cookie",
        "cookies",
        "credential",
        "credentials",
        "signature",
        "private",
        "iban",
        "pan",
    }
)
SECRET_FRAGMENTS = ("password", "passwd", "secret", "token", "apikey", "privatekey")
#: a last word that makes the key metadata about a secret, not the secret
SAFE_LAST_WORDS = frozenset(
    {"id", "ids", "at", "count", "name", "prefix", "type", "expires", "length", "changed", "set"}
)
_WORDS = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")
_CREDENTIAL_VALUE = re.compile(r"^\s*(bearer|basic|token)\s+\S+", re.I)
#: longest stored value, as JSON; larger ones are replaced by their size and digest
MAX_JSON_CHARS = 16_384


def words(key: str) -> list[str]:
    return [w.lower() for w in _WORDS.findall(key)]


def is_secret_key(key: str, extra: Iterable[str] = ()) -> bool:
    lowered = key.lower()
    if lowered in {e.lower() for e in extra}:
        return True
    parts = words(key)
    if parts and parts[-1] in SAFE_LAST_WORDS and len(parts) > 1:
        return False
    if any(p in SECRET_WORDS for p in parts):
        return True
    squashed = "".join(parts)
    return any(fragment in squashed for fragment in SECRET_FRAGMENTS)


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def _redact(value: Any, extra: frozenset[str]) -> Any:
    if isinstance(value, dict):
        return {
            str(k): (REDACTED if is_secret_key(str(k), extra) else _redact(v, extra))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_redact(v, extra) for v in value]
    if isinstance(value, str) and _CREDENTIAL_VALUE.match(value):
        return REDACTED
    return value


def _capped(value: Any) -> Any:
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    if len(text) <= MAX_JSON_CHARS:
        return value
    return {
        "truncated": True,
        "chars": len(text),
        "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
    }


def redact(value: Any, extra: Iterable[str] = ()) -> Any:
    """``value`` made JSON-safe, with secrets replaced and its size capped."""
    if value is None:
        return None
    return _capped(_redact(_jsonable(value), frozenset(extra)))
