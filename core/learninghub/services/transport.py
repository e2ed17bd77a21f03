"""Implementations of :class:`learninghub.interfaces.IEventTransport`.

Messages are JSON-encoded on publish in both back ends: subscribers receive a decoded
copy, and a message that Redis could not carry fails in development too.
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from zope.interface import implementer

from learninghub.interfaces import IEventTransport

if TYPE_CHECKING:
    import redis

from learninghub.services import tenant_segment, url_backend

log = logging.getLogger(__name__)

Callback = Callable[[Any], None]

#: Seconds subscribe() waits for Redis to confirm the subscription.
SUBSCRIBE_TIMEOUT = 5.0
#: Seconds the listener blocks per poll; bounds how long close() waits.
POLL_INTERVAL = 0.2


def channel_name(tenant_id: uuid.UUID | str, channel: str) -> str:
    """Return the tenant-namespaced channel name ``lh:<tenant>:<channel>``."""
    if not isinstance(channel, str) or not channel:
        raise ValueError(f"channels are non-empty strings, got {channel!r}")
    return f"lh:{tenant_segment(tenant_id)}:{channel}"


def _deliver(callback: Callback, message: Any, channel: str) -> None:
    try:
        callback(message)
    except Exception:
        log.exception("event subscriber %r failed on channel %s", callback, channel)


class InProcessSubscription:
    """A callback registered on an :class:`InProcessTransport` channel."""

    def __init__(self, transport: InProcessTransport, name: str, callback: Callback) -> None:
        self._transport = transport
        self.channel = name
        self.callback = callback

    def close(self) -> None:
        """Stop delivery; closing twice is harmless."""
        self._transport._unsubscribe(self)


@implementer(IEventTransport)
class InProcessTransport:
    """Calls the callbacks of this process synchronously, in the publisher's thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscriptions: dict[str, list[InProcessSubscription]] = {}

    def publish(self, tenant_id: uuid.UUID | str, channel: str, message: Any) -> None:
        """Deliver ``message`` to every current subscriber; their errors are logged."""
        name = channel_name(tenant_id, channel)
        encoded = json.dumps(message)
        with self._lock:
            subscribers = list(self._subscriptions.get(name, ()))
        for subscription in subscribers:
            _deliver(subscription.callback, json.loads(encoded), name)

    def subscribe(
        self, tenant_id: uuid.UUID | str, channel: str, callback: Callback
    ) -> InProcessSubscription:
        """Register ``callback``; returns a subscription with ``close()``."""
        subscription = InProcessSubscription(self, channel_name(tenant_id, channel), callback)
        with self._lock:
            self._subscriptions.setdefault(subscription.channel, []).append(subscription)
        return subscription

    def _unsubscribe(self, subscription: InProcessSubscription) -> None:
        with self._lock:
            subscribers = self._subscriptions.get(subscription.channel, [])
            if subscription in subscribers:
                subscribers.remove(subscription)
            if not subscribers:
                self._subscriptions.pop(subscription.channel, None)

    def ping(self) -> None:
        """Always reachable."""

    def close(self) -> None:
        """Drop every subscription."""
        with self._lock:
            self._subscriptions.clear()


class RedisSubscription:
    """A Redis pub/sub connection and the thread delivering its messages."""

    def __init__(
        self,
        client: redis.Redis,
        name: str,
        callback: Callback,
        on_close: Callable[[RedisSubscription], None] | None = None,
    ) -> None:
        self.channel = name
        self.callback = callback
        self._on_close = on_close
        self._stop = threading.Event()
        self._pubsub = client.pubsub()
        try:
            self._pubsub.subscribe(name)
            self._wait_confirmed()
        except BaseException:
            self._pubsub.close()
            raise
        self._thread = threading.Thread(target=self._run, name=f"lh-events {name}", daemon=True)
        self._thread.start()

    def _wait_confirmed(self) -> None:
        # Only once Redis has confirmed the subscription is a message published by
        # anyone guaranteed to reach us; subscribe() returns after that point.
        for _ in range(int(SUBSCRIBE_TIMEOUT / POLL_INTERVAL)):
            reply = self._pubsub.get_message(timeout=POLL_INTERVAL)
            if reply is not None and reply["type"] == "subscribe":
                return
        raise TimeoutError(f"Redis did not confirm the subscription to {self.channel}")

    def _run(self) -> None:
        import redis  # here, not at module level: the embedded default never loads it

        backoff = POLL_INTERVAL
        while not self._stop.is_set():
            try:
                reply = self._pubsub.get_message(timeout=POLL_INTERVAL)
                backoff = POLL_INTERVAL
            except (redis.ConnectionError, redis.TimeoutError, OSError):
                if self._stop.is_set():
                    return
                # redis-py resubscribes when it reconnects on the next call.
                log.warning("event subscription %s lost Redis; retrying", self.channel)
                self._stop.wait(backoff)
                backoff = min(backoff * 2, 5.0)
                continue
            except Exception:
                if self._stop.is_set():
                    return
                log.exception("event subscription %s failed", self.channel)
                self._stop.wait(backoff)
                continue
            if reply is None or reply["type"] != "message":
                continue
            try:
                message = json.loads(reply["data"])
            except ValueError:
                log.warning("dropping a non-JSON message on %s", self.channel)
                continue
            _deliver(self.callback, message, self.channel)

    def close(self) -> None:
        """Stop the thread and close the connection; closing twice is harmless."""
        import redis  # here, not at module level: the embedded default never loads it

        if self._stop.is_set():
            return
        self._stop.set()
        if self._on_close is not None:
            self._on_close(self)
        if self._thread is not threading.current_thread():
            self._thread.join(timeout=POLL_INTERVAL * 10)
        try:
            self._pubsub.unsubscribe()
        except (redis.RedisError, OSError):
            pass
        self._pubsub.close()


@implementer(IEventTransport)
class RedisTransport:
    """Redis pub/sub on ``lh:<tenant>:<channel>``, one listener thread per subscription."""

    def __init__(self, url: str, *, client: redis.Redis | None = None) -> None:
        import redis  # here, not at module level: the embedded default never loads it

        self.url = url
        self._client = client if client is not None else redis.Redis.from_url(url)
        self._lock = threading.Lock()
        self._subscriptions: set[RedisSubscription] = set()

    def publish(self, tenant_id: uuid.UUID | str, channel: str, message: Any) -> None:
        """PUBLISH the JSON-encoded message (subscribers on every node receive it)."""
        name = channel_name(tenant_id, channel)
        self._client.publish(name, json.dumps(message))

    def subscribe(
        self, tenant_id: uuid.UUID | str, channel: str, callback: Callback
    ) -> RedisSubscription:
        """Subscribe; ``callback`` runs in the subscription's thread. The subscription
        is active when this returns."""
        subscription = RedisSubscription(
            self._client, channel_name(tenant_id, channel), callback, self._forget
        )
        with self._lock:
            self._subscriptions.add(subscription)
        return subscription

    def _forget(self, subscription: RedisSubscription) -> None:
        with self._lock:
            self._subscriptions.discard(subscription)

    def ping(self) -> None:
        """Raise ``redis.ConnectionError`` when Redis cannot be reached."""
        self._client.ping()

    def close(self) -> None:
        """Close every subscription and the connection pool."""
        with self._lock:
            subscriptions = list(self._subscriptions)
            self._subscriptions.clear()
        for subscription in subscriptions:
            subscription.close()
        self._client.close()


def factory(settings: dict[str, Any]) -> InProcessTransport | RedisTransport:
    """Build the transport from ``events.url``: ``memory://`` or ``redis://...``."""
    return url_backend(settings, "events.url", InProcessTransport, RedisTransport)
