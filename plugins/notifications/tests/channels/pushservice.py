"""A local Web Push service and browser, for the push channel's tests.

:class:`PushService` is a threaded HTTP server on 127.0.0.1 (ephemeral port) that
plays a browser vendor's push service: it records every request (path, headers, body)
before answering, and answers 201 unless told otherwise per subscription
(:meth:`PushService.answer`). :class:`FakeBrowser` is what a browser keeps for one
subscription: an EC P-256 key pair and a 16-byte authentication secret; it gives the
``PushSubscription.toJSON()`` to post and decrypts what the push service received
(RFC 8291, ``aes128gcm``). :func:`verify_vapid` checks an ``Authorization: vapid
t=<JWT>, k=<key>`` header (RFC 8292) with PyJWT, independently of py_vapid.
"""

from __future__ import annotations

import base64
import json
import os
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import http_ece
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Received:
    path: str
    headers: dict[str, str]  # lower-case names
    body: bytes


class PushService:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.received: list[Received] = []
        self._answers: dict[str, deque[int]] = defaultdict(deque)
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                headers = {k.lower(): v for k, v in self.headers.items()}
                with service.lock:
                    service.received.append(Received(self.path, headers, body))
                    queue = service._answers[self.path]
                    status = queue.popleft() if queue else 201
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.01,), daemon=True)
        self.thread.start()

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def endpoint(self, name: str) -> str:
        return f"{self.origin}/push/{name}"

    def answer(self, name: str, *statuses: int) -> None:
        """The next requests to ``endpoint(name)`` get these statuses, in order."""
        with self.lock:
            self._answers[f"/push/{name}"].extend(statuses)

    def requests_to(self, name: str) -> list[Received]:
        with self.lock:
            return [r for r in self.received if r.path == f"/push/{name}"]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


class FakeBrowser:
    """One browser's subscription at ``endpoint``."""

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        self.auth_secret = os.urandom(16)

    @property
    def p256dh(self) -> str:
        return b64url(
            self.private_key.public_key().public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
            )
        )

    def subscription(self) -> dict[str, Any]:
        """``PushSubscription.toJSON()``."""
        return {
            "endpoint": self.endpoint,
            "expirationTime": None,
            "keys": {"p256dh": self.p256dh, "auth": b64url(self.auth_secret)},
        }

    def decrypt(self, received: Received) -> dict[str, Any]:
        assert received.headers["content-encoding"] == "aes128gcm"
        plain = http_ece.decrypt(
            received.body,
            private_key=self.private_key,
            auth_secret=self.auth_secret,
            version="aes128gcm",
        )
        return json.loads(plain)


def verify_vapid(received: Received, origin: str, public_key: str) -> dict[str, Any]:
    """The claims of the request's VAPID JWT, after checking its ES256 signature with
    ``public_key`` (the tenant's, base64url), ``aud`` = ``origin``, ``exp`` in the
    future and at most 24 hours away, ``sub`` a contact URI."""
    scheme, _, params = received.headers["authorization"].partition(" ")
    assert scheme.lower() == "vapid"
    fields = dict(part.strip().split("=", 1) for part in params.split(","))
    assert fields["k"] == public_key
    key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64url_decode(fields["k"]))
    assert jwt.get_unverified_header(fields["t"])["alg"] == "ES256"
    claims = jwt.decode(
        fields["t"],
        key=key,
        algorithms=["ES256"],
        audience=origin,
        options={"require": ["aud", "exp", "sub"]},
    )
    assert time.time() < claims["exp"] <= time.time() + 24 * 3600
    assert claims["sub"].startswith(("mailto:", "https:"))
    return claims
