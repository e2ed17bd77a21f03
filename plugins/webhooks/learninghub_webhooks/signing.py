"""Signatures in the style of the Standard Webhooks specification.

* The secret is ``whsec_`` followed by the base64 of 32 random bytes; those bytes
  are the HMAC key.
* Signed content: ``"{webhook-id}.{webhook-timestamp}.{body}"`` (the body exactly
  as sent, UTF-8).
* ``webhook-signature: v1,<base64 of HMAC-SHA256(key, signed content)>``; several
  space-separated signatures may be sent during a secret rotation (we send one).

Receivers verify with :func:`verify` (the same code is in docs/plugins/webhooks.md)
or with any Standard Webhooks library.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32
#: receivers should refuse timestamps further than this from their clock
TOLERANCE_SECONDS = 5 * 60


def generate_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def secret_key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def sign(secret: str, message_id: str, timestamp: int, body: str) -> str:
    """The ``webhook-signature`` header value for one request."""
    content = f"{message_id}.{timestamp}.{body}".encode()
    digest = hmac.new(secret_key(secret), content, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(secret: str, message_id: str, timestamp: int, body: str) -> dict[str, str]:
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, message_id, timestamp, body),
    }


def verify(
    secret: str,
    headers: dict[str, str],
    body: bytes | str,
    *,
    now: float | None = None,
    tolerance: int = TOLERANCE_SECONDS,
) -> bool:
    """True when one of the ``v1`` signatures matches and the timestamp is within
    ``tolerance`` seconds of ``now`` (default: the current time)."""
    lowered = {k.lower(): v for k, v in headers.items()}
    message_id = lowered.get("webhook-id", "")
    timestamp = lowered.get("webhook-timestamp", "")
    if not message_id or not timestamp.isdigit():
        return False
    current = time.time() if now is None else now
    if abs(current - int(timestamp)) > tolerance:
        return False
    text = body.decode() if isinstance(body, bytes) else body
    expected = sign(secret, message_id, int(timestamp), text).split(",", 1)[1]
    for candidate in lowered.get("webhook-signature", "").split():
        version, _, value = candidate.partition(",")
        if version == "v1" and hmac.compare_digest(value, expected):
            return True
    return False
