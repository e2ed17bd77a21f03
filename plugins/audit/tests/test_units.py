"""Pure functions: redaction, payload conventions, canonical JSON and signatures."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from learninghub.testing.plugin import SECRET
from learninghub_audit import chain
from learninghub_audit.recorder import split_payload
from learninghub_audit.redact import MAX_JSON_CHARS, REDACTED, is_secret_key, redact


@pytest.mark.parametrize(
    "key",
    [
        "password",
        "new_password",
        "newPassword",
        "client_secret",
        "refresh_token",
        "api_key",
        "apiKey",
        "key",
        "otp",
        "totp_code",
        "backup_codes",
        "token_hash",
        "Authorization",
        "passphrase",
        "privateKey",
    ],
)
def test_secret_keys(key):
    assert is_secret_key(key)


@pytest.mark.parametrize(
    "key",
    ["name", "email", "role", "key_id", "token_id", "password_changed_at", "api_key_name", "ip"],
)
def test_ordinary_keys(key):
    assert not is_secret_key(key)


def test_redact_keeps_the_shape_and_caps_the_size():
    assert redact({"a": [{"pin": 1234}, {"b": "Basic dXNlcjpwYXNz"}]}) == {
        "a": [{"pin": REDACTED}, {"b": REDACTED}]
    }
    assert redact({"note": "webhook"}, extra=["note"]) == {"note": REDACTED}
    assert redact(None) is None
    big = redact({"text": "x" * (MAX_JSON_CHARS + 1)})
    assert big["truncated"] is True and len(big["sha256"]) == 64


def test_payload_conventions():
    assert split_payload({"old": {"a": 1}, "new": {"a": 2}, "why": "x"}) == (
        {"a": 1},
        {"a": 2},
        {"why": "x"},
    )
    assert split_payload({"before": 1, "after": 2}) == (1, 2, {})
    assert split_payload({"changed": {"name": ["A", "B"], "theme": ["x", "y"]}}) == (
        {"name": "A", "theme": "x"},
        {"name": "B", "theme": "y"},
        {},
    )
    # not pairs: kept as details
    assert split_payload({"changed": {"fields": "name"}}) == (
        None,
        None,
        {"changed": {"fields": "name"}},
    )
    assert split_payload(None) == (None, None, {})


def _row(**kw):
    base = dict(
        tenant_id=uuid.UUID(int=1),
        seq=1,
        id=uuid.UUID(int=2),
        kind="event",
        occurred_at=datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC),
        action="accounts.signin.succeeded",
        actor_id=None,
        actor_label="",
        resource_type="user",
        resource_id="u",
        old_values=None,
        new_values={"é": 1},
        details={"b": 1, "a": [1, 2]},
        ip="",
        user_agent="",
        request_id="",
        event_id=None,
        through_seq=None,
        signature=None,
    )
    base.update(kw)
    return SimpleNamespace(**base)


def test_row_hash_is_stable_and_covers_every_field():
    row = _row()
    digest = chain.row_hash(chain.GENESIS, row)
    # the documented construction, spelled out
    import hashlib
    import json

    material = json.dumps(
        chain.material(row), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    assert digest == hashlib.sha256((chain.GENESIS + "\n" + material).encode()).hexdigest()
    assert chain.material(row)["occurred_at"] == "2026-01-02T03:04:05.000006+00:00"
    for field, value in [("action", "x"), ("details", {"b": 2}), ("seq", 2), ("ip", "1")]:
        assert chain.row_hash(chain.GENESIS, _row(**{field: value})) != digest, field
    assert chain.row_hash("1" * 64, row) != digest


def test_signatures_depend_on_the_secret_and_the_content():
    tid = uuid.uuid4()
    head = SimpleNamespace(tenant_id=tid, last_seq=3, last_hash="a" * 64)
    head.signature = chain.sign_head(SECRET, tid, 3, "a" * 64)
    assert chain.head_is_valid(SECRET, head)
    assert not chain.head_is_valid("another-secret-0123456789abcdef0123", head)
    head.last_seq = 2
    assert not chain.head_is_valid(SECRET, head)
    cp = _row(kind="checkpoint", through_seq=5, details={"removed": 5})
    cp.signature = chain.sign_checkpoint(SECRET, cp)
    assert chain.checkpoint_is_valid(SECRET, cp)
    cp.details = {"removed": 4}
    assert not chain.checkpoint_is_valid(SECRET, cp)
    cp.signature = None
    assert not chain.checkpoint_is_valid(SECRET, cp)
