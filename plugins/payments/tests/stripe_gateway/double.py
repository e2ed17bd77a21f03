"""A local HTTP double of the Stripe API, for the gateway's tests.

A threaded loopback server that answers the requests the gateway makes with the shapes
of Stripe's documented objects (``checkout.session``, ``refund``, ``customer``,
``subscription``, ``billing_portal.session``), records every request (method, path,
form parameters decoded into nested dicts and lists, headers, notably
``Idempotency-Key``) and, like Stripe, answers a repeated idempotency key with the
first response (and 400 ``idempotency_error`` when the parameters differ). Errors are
injected with :meth:`StripeDouble.fail_next`.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl


@dataclass
class Recorded:
    method: str
    path: str
    params: dict[str, Any]
    headers: dict[str, str]
    status: int = 0

    @property
    def idempotency_key(self) -> str | None:
        return self.headers.get("idempotency-key")


def decode_form(body: str) -> dict[str, Any]:
    """``a[b][0][c]=1`` -> ``{"a": {"b": [{"c": "1"}]}}`` (Stripe's form encoding)."""
    root: dict[str, Any] = {}
    for key, value in parse_qsl(body, keep_blank_values=True):
        parts = key.replace("]", "").split("[")
        node: Any = root
        for part, following in zip(parts, parts[1:], strict=False):
            child = {} if not following.isdigit() else []
            if isinstance(node, list):
                index = int(part)
                while len(node) <= index:
                    node.append(None)
                if node[index] is None:
                    node[index] = child
                node = node[index]
            else:
                node = node.setdefault(part, child)
        last = parts[-1]
        if isinstance(node, list):
            index = int(last)
            while len(node) <= index:
                node.append(None)
            node[index] = value
        else:
            node[last] = value
    return root


@dataclass
class StripeDouble:
    base_url: str = ""
    requests: list[Recorded] = field(default_factory=list)
    subscriptions: dict[str, dict[str, Any]] = field(default_factory=dict)
    _responses: dict[str, tuple[str, dict[str, Any], int, dict[str, Any]]] = field(
        default_factory=dict
    )
    _failures: list[tuple[str, int, dict[str, Any]]] = field(default_factory=list)
    _ids: Any = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # ------------------------------------------------------------ test helpers

    def fail_next(
        self,
        path_prefix: str,
        status: int = 402,
        message: str = "Your card was declined.",
        type: str = "card_error",
        code: str = "card_declined",
    ) -> None:
        """The next request whose path starts with ``path_prefix`` answers an error."""
        error = {"error": {"type": type, "message": message, "code": code}}
        self._failures.append((path_prefix, status, error))

    def calls(self, path_prefix: str = "", method: str | None = None) -> list[Recorded]:
        return [
            r
            for r in self.requests
            if r.path.startswith(path_prefix) and (method is None or r.method == method)
        ]

    def add_subscription(self, **values: Any) -> dict[str, Any]:
        sub = self._subscription(values)
        self.subscriptions[sub["id"]] = sub
        return sub

    # ------------------------------------------------------------ objects

    def _id(self, prefix: str) -> str:
        return f"{prefix}_test_{next(self._ids):06d}"

    def _subscription(self, values: dict[str, Any]) -> dict[str, Any]:
        now = int(time.time())
        sub = {
            "id": self._id("sub"),
            "object": "subscription",
            "status": "active",
            "customer": "cus_test",
            "cancel_at_period_end": False,
            "canceled_at": None,
            "created": now,
            "current_period_end": now + 30 * 86400,
            "items": {"object": "list", "data": []},
            "metadata": {},
        }
        sub.update(values)
        return sub

    def _answer(self, method: str, path: str, params: dict[str, Any]) -> tuple[int, dict]:
        now = int(time.time())
        if method == "POST" and path == "/v1/customers":
            return 200, {
                "id": self._id("cus"),
                "object": "customer",
                "created": now,
                "email": params.get("email"),
                "name": params.get("name"),
                "metadata": params.get("metadata", {}),
            }
        if method == "POST" and path == "/v1/checkout/sessions":
            session_id = self._id("cs")
            amount = sum(
                int(line.get("price_data", {}).get("unit_amount", 0)) * int(line["quantity"])
                for line in params.get("line_items", [])
            )
            return 200, {
                "id": session_id,
                "object": "checkout.session",
                "url": f"https://checkout.stripe.test/c/pay/{session_id}",
                "mode": params.get("mode"),
                "status": "open",
                "payment_status": "unpaid",
                "amount_total": amount,
                "currency": (params.get("line_items") or [{}])[0]
                .get("price_data", {})
                .get("currency"),
                "client_reference_id": params.get("client_reference_id"),
                "customer": params.get("customer"),
                "metadata": params.get("metadata", {}),
                "expires_at": int(params.get("expires_at", now + 86400)),
                "success_url": params.get("success_url"),
                "cancel_url": params.get("cancel_url"),
                "payment_intent": None,
                "subscription": None,
                "created": now,
                "livemode": False,
            }
        if method == "POST" and path == "/v1/refunds":
            return 200, {
                "id": self._id("re"),
                "object": "refund",
                "amount": int(params["amount"]) if "amount" in params else None,
                "currency": "eur",
                "payment_intent": params.get("payment_intent"),
                "charge": "ch_test",
                "status": "succeeded",
                "reason": params.get("reason"),
                "metadata": params.get("metadata", {}),
                "created": now,
            }
        if method == "POST" and path == "/v1/billing_portal/sessions":
            portal_id = self._id("bps")
            return 200, {
                "id": portal_id,
                "object": "billing_portal.session",
                "customer": params.get("customer"),
                "return_url": params.get("return_url"),
                "url": f"https://billing.stripe.test/p/session/{portal_id}",
                "created": now,
                "livemode": False,
            }
        if path.startswith("/v1/subscriptions/"):
            sub_id = path.rsplit("/", 1)[1]
            sub = self.subscriptions.get(sub_id)
            if sub is None:
                return 404, {
                    "error": {
                        "type": "invalid_request_error",
                        "code": "resource_missing",
                        "message": f"No such subscription: '{sub_id}'",
                    }
                }
            if method == "DELETE":
                sub.update(status="canceled", canceled_at=now)
            elif method == "POST":
                if "cancel_at_period_end" in params:
                    sub["cancel_at_period_end"] = params["cancel_at_period_end"] == "true"
            return 200, dict(sub)
        return 404, {"error": {"type": "invalid_request_error", "message": f"Unrecognized {path}"}}

    def handle(self, method: str, path: str, body: str, headers: dict[str, str]) -> tuple:
        params = decode_form(body)
        record = Recorded(method, path, params, headers)
        with self._lock:
            self.requests.append(record)
            key = headers.get("idempotency-key")
            if key is not None and key in self._responses:
                first_path, first_params, status, payload = self._responses[key]
                if (first_path, first_params) != (path, params):
                    status, payload = (
                        400,
                        {
                            "error": {
                                "type": "idempotency_error",
                                "message": "Keys for idempotent requests can only be used with "
                                "the same parameters they were first used with.",
                            }
                        },
                    )
                record.status = status
                return status, payload, True
            for index, (prefix, status, error) in enumerate(self._failures):
                if path.startswith(prefix):
                    del self._failures[index]
                    record.status = status
                    return status, error, False
            status, payload = self._answer(method, path, params)
            if key is not None:
                self._responses[key] = (path, params, status, payload)
            record.status = status
            return status, payload, False


class _Handler(BaseHTTPRequestHandler):
    double: StripeDouble

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        path, _, query = self.path.partition("?")
        if self.command in ("GET", "DELETE") and query:
            body = query
        headers = {k.lower(): v for k, v in self.headers.items()}
        status, payload, replayed = self.server.double.handle(  # type: ignore[attr-defined]
            self.command, path, body, headers
        )
        raw = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.send_header("Request-Id", f"req_test_{len(self.server.double.requests)}")  # type: ignore[attr-defined]
        if replayed:
            self.send_header("Idempotent-Replayed", "true")
        self.end_headers()
        self.wfile.write(raw)

    do_GET = do_POST = do_DELETE = _serve

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass


class StripeServer:
    """Serves a :class:`StripeDouble` on 127.0.0.1 (a free port) until ``close``."""

    def __init__(self) -> None:
        self.double = StripeDouble()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.double = self.double  # type: ignore[attr-defined]
        self.server.daemon_threads = True
        self.double.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
