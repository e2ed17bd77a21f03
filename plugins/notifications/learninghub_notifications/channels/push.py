"""The web push channel (RFC 8030 push, RFC 8291 payload encryption, RFC 8292 VAPID).

A browser subscribes on the preferences page (``static/push/push.js``: a service
worker, ``pushManager.subscribe`` with the tenant's VAPID public key, the subscription
posted to the server); the subscription is stored per user
(:class:`~learninghub_notifications.models.PushSubscription`, one row per endpoint in
a tenant). The sender (:func:`send`, registered as the ``push`` channel) posts the
notification, encrypted with ``aes128gcm`` for each of the user's live subscriptions,
to the browser's push service through ``pywebpush``, signed with the tenant's VAPID
key (:mod:`.vapid`); the service worker (``/notifications-sw.js``) shows it and opens
its URL when clicked.

Outcome of one delivery (the ``notifications.deliver`` task records it):

* one subscription at least took it: ``sent`` (a failure at another browser is only
  logged: retrying would send it again to those that took it);
* every live subscription answered 404/410: they are expired (never tried again) and
  the delivery is ``skipped``, like for a user without any subscription;
* otherwise, a network error, a timeout, 429 or 5xx: retried with a backoff; a refusal
  that a retry cannot change (400, 401, 403, 413, a redirect, an endpoint that resolves
  to a non-public address): ``failed``.

Endpoints are URLs chosen by the browser, so by whoever holds a session: only ``https``
is accepted, and every address the host resolves to must be public when a push is sent
(loopback over ``http`` only with the instance setting ``push_allow_loopback``, for
development and tests). Redirects are not followed and environment proxies ignored.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import socket
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import requests
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid02
from pydantic import BaseModel, ConfigDict, Field, field_validator
from pywebpush import WebPushException, webpush
from sqlalchemy.exc import IntegrityError

from learninghub.api import ProblemError
from learninghub.db import utcnow
from learninghub.emailbrand import sender_address
from learninghub.secrets import SecretError

from ..models import PushSubscription
from . import DeliveryError, SkipDelivery, register_sender, vapid

log = logging.getLogger("learninghub_notifications.push")

PLUGIN = "notifications"
#: the payload the service worker reads is JSON under the push services' 4 KiB limit
TITLE_CHARS = 200
BODY_CHARS = 1000
#: the JSON payload's bytes before encryption (its overhead: 103 bytes and a padding byte)
MAX_PAYLOAD_BYTES = 3800
#: validity of the VAPID JWT (RFC 8292 allows at most 24 hours)
JWT_LIFETIME = timedelta(hours=12)
USER_AGENT = "LearningHub-Push/1"
#: statuses after which a subscription is gone for good (RFC 8030 section 7.3)
GONE = (404, 410)
#: statuses a retry cannot change
REFUSED = (400, 401, 403, 413)


# ----------------------------------------------------------------- input


class SubscriptionKeys(BaseModel):
    model_config = ConfigDict(extra="forbid")

    p256dh: str = Field(
        min_length=1,
        max_length=200,
        description="The browser's P-256 public key (base64url, uncompressed point)",
    )
    auth: str = Field(
        min_length=1, max_length=100, description="The 16-byte authentication secret (base64url)"
    )

    @field_validator("p256dh")
    @classmethod
    def _point(cls, value: str) -> str:
        message = "not a P-256 public key in base64url (65-byte uncompressed point)"
        try:
            raw = vapid.b64url_decode(value)
            ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
        except ValueError:
            raise ValueError(message) from None
        if len(raw) != 65:
            raise ValueError(message)
        return value

    @field_validator("auth")
    @classmethod
    def _secret(cls, value: str) -> str:
        try:
            raw = vapid.b64url_decode(value)
        except ValueError:
            raise ValueError("not base64url") from None
        if len(raw) != 16:
            raise ValueError("the authentication secret must be 16 bytes")
        return value


class SubscriptionIn(BaseModel):
    """``PushSubscription.toJSON()`` of the browser."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    endpoint: str = Field(min_length=1, max_length=1000, description="The push service URL")
    expiration_time: int | None = Field(
        None, alias="expirationTime", description="Ignored (sent by browsers)"
    )
    keys: SubscriptionKeys


# ----------------------------------------------------------------- endpoint safety


class EndpointRefused(Exception):
    """A push endpoint the server will not call (the message says why)."""


def _refusal(address: ipaddress.IPv4Address | ipaddress.IPv6Address, loopback: bool) -> str | None:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_loopback:
        return None if loopback else "a loopback address"
    if not address.is_global or address.is_multicast:
        return "not a public address"
    return None


def check_endpoint_form(url: str, allow_loopback: bool) -> None:
    """The URL's form: https (http only to loopback when allowed), a host, no user
    info, no fragment; an IP literal must be public."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises ValueError for a bad port)
    except ValueError:
        raise EndpointRefused("the URL is not valid") from None
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise EndpointRefused("the URL has no host")
    if parts.username is not None or parts.password is not None:
        raise EndpointRefused("user names and passwords in the URL are not allowed")
    if parts.fragment:
        raise EndpointRefused("the URL may not have a fragment (#...)")
    if any(c.isspace() for c in url):
        raise EndpointRefused("the URL is not valid")
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    local = host == "localhost" or (literal is not None and literal.is_loopback)
    if parts.scheme == "http" and local and allow_loopback:
        return
    if parts.scheme != "https":
        raise EndpointRefused("push endpoints must use https")
    if local and not allow_loopback:
        raise EndpointRefused("the host is a loopback address")
    if literal is not None:
        reason = _refusal(literal, allow_loopback)
        if reason:
            raise EndpointRefused(f"{literal} is {reason}")


def check_endpoint_addresses(url: str, allow_loopback: bool) -> None:
    """Every address the endpoint's host resolves to is public (or loopback when
    allowed). Checked when a push is sent, not when the subscription is saved."""
    parts = urlsplit(url)
    host = (parts.hostname or "").rstrip(".")
    try:
        infos = socket.getaddrinfo(host, parts.port or 443, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise ConnectionError(f"{host} does not resolve") from None
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        reason = _refusal(address, allow_loopback)
        if reason:
            raise EndpointRefused(f"{host} resolves to {address}, {reason}")


def _allow_loopback(request) -> bool:
    return bool(request.plugin_settings(PLUGIN).push_allow_loopback)


# ----------------------------------------------------------------- subscriptions


def _invalid(path: list[str], message: str) -> ProblemError:
    return ProblemError(
        422,
        "Validation failed",
        "the request body is invalid",
        errors=[{"path": ["body", *path], "message": message, "type": "value_error"}],
    )


def subscribe(request, user_id: uuid.UUID, body: SubscriptionIn) -> tuple[PushSubscription, bool]:
    """Store the browser's subscription for ``user_id``: one row per endpoint in the
    tenant, so a browser that signs in as someone else moves to them. Returns the row
    and whether it was created."""
    try:
        check_endpoint_form(body.endpoint, _allow_loopback(request))
    except EndpointRefused as exc:
        raise _invalid(["endpoint"], str(exc)) from None
    user_agent = (request.user_agent or "")[:300]
    for _ in range(2):
        row = request.db.scalar(
            sa.select(PushSubscription).where(PushSubscription.endpoint == body.endpoint)
        )
        if row is not None:
            row.user_id = user_id
            row.p256dh = body.keys.p256dh
            row.auth = body.keys.auth
            row.user_agent = user_agent
            row.expired_at = None
            request.db.flush()
            return row, False
        row = PushSubscription(
            user_id=user_id,
            endpoint=body.endpoint,
            p256dh=body.keys.p256dh,
            auth=body.keys.auth,
            user_agent=user_agent,
        )
        try:
            with request.db.begin_nested():
                request.db.add(row)
        except IntegrityError:
            continue  # the same browser posted twice at once: update the winner's row
        return row, True
    raise ProblemError(409, "Conflict", "the subscription changed meanwhile; try again")


def own_subscription(request, user_id: uuid.UUID, raw_id: str) -> PushSubscription:
    """The user's subscription ``raw_id`` (404 alike for a malformed id, another
    user's and another tenant's)."""
    try:
        subscription_id = uuid.UUID(raw_id)
    except (TypeError, ValueError):
        subscription_id = None
    row = request.db.get(PushSubscription, subscription_id) if subscription_id else None
    if row is None or row.user_id != user_id:
        raise ProblemError(404, "Not found", "no such push subscription")
    return row


def unsubscribe_endpoint(request, user_id: uuid.UUID, endpoint: str) -> bool:
    """Forget the user's subscription of ``endpoint`` (the browser unsubscribed)."""
    row = request.db.scalar(
        sa.select(PushSubscription).where(
            PushSubscription.endpoint == endpoint, PushSubscription.user_id == user_id
        )
    )
    if row is None:
        return False
    request.db.delete(row)
    request.db.flush()
    return True


def live_subscriptions(session, user_id: uuid.UUID) -> list[PushSubscription]:
    return list(
        session.scalars(
            sa.select(PushSubscription)
            .where(PushSubscription.user_id == user_id, PushSubscription.expired_at.is_(None))
            .order_by(PushSubscription.created_at, PushSubscription.id)
        )
    )


# ----------------------------------------------------------------- sending


def _clip(text: str, limit: int) -> str:
    text = " ".join((text or "").split())
    if len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + "…" if limit > 1 else ""


def payload(request, notification) -> dict[str, Any]:
    """What the service worker shows: title, body, the URL to open, and a tag (the
    notification's id: a push sent again replaces the one shown instead of adding
    a second)."""
    return {
        "title": _clip(notification.subject, TITLE_CHARS),
        "body": _clip(notification.body, BODY_CHARS),
        "url": notification.url or _list_path(request),
        "tag": str(notification.id),
        "lang": getattr(request, "locale_name", None) or "",
    }


def encoded_payload(request, notification) -> str:
    """The payload as JSON, its body shortened until it fits :data:`MAX_PAYLOAD_BYTES`
    (push services refuse more than 4096 bytes once encrypted; text in scripts
    other than Latin takes two to four bytes a character)."""
    message = payload(request, notification)
    data = json.dumps(message, ensure_ascii=False)
    while len(data.encode()) > MAX_PAYLOAD_BYTES and message["body"]:
        excess = len(data.encode()) - MAX_PAYLOAD_BYTES
        message["body"] = _clip(message["body"], max(0, len(message["body"]) - excess // 4 - 1))
        data = json.dumps(message, ensure_ascii=False)
    return data


def _list_path(request) -> str:
    try:
        return request.route_path("notifications.page.list")
    except KeyError:
        return "/"


class _PushSession(requests.Session):
    """No environment proxies, no redirects followed (a 3xx is a refusal)."""

    def __init__(self) -> None:
        super().__init__()
        self.trust_env = False
        self.headers["User-Agent"] = USER_AGENT

    def request(self, method, url, *args, **kwargs):  # type: ignore[override]
        kwargs["allow_redirects"] = False
        return super().request(method, url, *args, **kwargs)


@dataclass
class _Outcome:
    sent: int = 0
    expired: int = 0
    retryable: list[str] | None = None
    refused: list[str] | None = None

    def note(self, kind: str, text: str) -> None:
        bucket = getattr(self, kind) or []
        bucket.append(text)
        setattr(self, kind, bucket)


def _host(endpoint: str) -> str:
    return urlsplit(endpoint).netloc


def send(request, notification, delivery, user) -> None:
    """The ``push`` sender (see the module's docstring for the outcomes)."""
    subscriptions = live_subscriptions(request.db, user.id)
    if not subscriptions:
        raise SkipDelivery("no push subscription")
    settings = request.plugin_settings(PLUGIN)
    try:
        keys = vapid.key_pair(request)
    except SecretError as exc:
        raise DeliveryError(f"the VAPID key cannot be opened: {exc}") from None
    signer = Vapid02(keys.private_key)
    data = encoded_payload(request, notification)
    contact = f"mailto:{sender_address(request.registry.settings)}"
    outcome = _Outcome()
    now = utcnow()
    with _PushSession() as http:
        for subscription in subscriptions:
            host = _host(subscription.endpoint)
            claims = {"sub": contact, "exp": int((now + JWT_LIFETIME).timestamp())}
            try:
                check_endpoint_form(subscription.endpoint, settings.push_allow_loopback)
                check_endpoint_addresses(subscription.endpoint, settings.push_allow_loopback)
                webpush(
                    {
                        "endpoint": subscription.endpoint,
                        "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
                    },
                    data=data,
                    vapid_private_key=signer,
                    vapid_claims=claims,
                    content_encoding="aes128gcm",
                    ttl=settings.push_ttl_seconds,
                    timeout=settings.push_timeout_seconds,
                    headers={"Urgency": "normal"},
                    requests_session=http,
                )
            except EndpointRefused as exc:
                outcome.note("refused", f"{host}: {exc}")
            except WebPushException as exc:
                status = exc.response.status_code if exc.response is not None else None
                if status in GONE:
                    subscription.expired_at = now
                    outcome.expired += 1
                elif status in REFUSED or (status is not None and 300 <= status < 400):
                    outcome.note("refused", f"{host}: HTTP {status}")
                else:
                    outcome.note("retryable", f"{host}: HTTP {status}")
            except (requests.RequestException, ConnectionError) as exc:
                outcome.note("retryable", f"{host}: {type(exc).__name__}: {exc}"[:300])
            except (ValueError, TypeError) as exc:
                # keys stored before validation, or that the encryption cannot use
                outcome.note("refused", f"{host}: {type(exc).__name__}: {exc}"[:300])
            else:
                subscription.last_success_at = now
                outcome.sent += 1
    request.db.flush()
    problems = (outcome.retryable or []) + (outcome.refused or [])
    if outcome.sent:
        if problems:
            log.warning("push of notification %s: %s", notification.id, "; ".join(problems))
        return
    if outcome.retryable:
        raise DeliveryError("; ".join(problems)[:1000])
    if outcome.refused:
        raise DeliveryError("; ".join(problems)[:1000], permanent=True)
    raise SkipDelivery("every push subscription has expired")


register_sender("push", send)


def includeme(config) -> None:
    """The push routes (API, the preferences page's endpoints, the service worker) and
    the page fragment's template global. The scripts are under the plugin's static
    view (``static/push/``)."""
    config.add_route("notifications.push_worker", "/notifications-sw.js")
    config.add_route("notifications.page.push_subscribe", "/account/notifications/push/subscribe")
    config.add_route(
        "notifications.page.push_unsubscribe", "/account/notifications/push/unsubscribe"
    )
    from .push_views import push_panel

    config.registry["templates"].globals["notifications_push_panel"] = push_panel
    config.scan(".push_views")
