"""Implementations of :class:`learninghub.interfaces.ICache`.

Values are stored JSON-encoded in both back ends, so callers get a fresh copy and
the in-memory cache behaves like Redis. ``ttl`` is in seconds and may be fractional.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from zope.interface import implementer

from learninghub.interfaces import ICache

if TYPE_CHECKING:
    import redis

from learninghub.services import tenant_segment, url_backend

TenantId = uuid.UUID | str | None

#: A sweep of expired entries runs every this many writes in MemoryCache.
_SWEEP_EVERY = 1024


def _namespace(tenant_id: TenantId) -> str:
    return "-" if tenant_id is None else tenant_segment(tenant_id)


def _check_key(key: str) -> str:
    if not isinstance(key, str) or not key:
        raise ValueError(f"cache keys are non-empty strings, got {key!r}")
    return key


def _check_ttl(ttl: float | None) -> float | None:
    if ttl is not None and (isinstance(ttl, bool) or not ttl > 0):
        raise ValueError(f"ttl must be a positive number of seconds or None, got {ttl!r}")
    return ttl


def _check_amount(amount: int) -> int:
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise TypeError(f"incr amount must be an int, got {amount!r}")
    return amount


@implementer(ICache)
class MemoryCache:
    """Process-local cache: a dict of ``(namespace, key) -> (json, expires_at)``.

    ``clock`` is a monotonic time source (seconds), injectable for tests."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._data: dict[tuple[str, str], tuple[str, float | None]] = {}
        self._writes = 0

    def _live(self, item_key: tuple[str, str], now: float) -> tuple[str, float | None] | None:
        # Caller holds the lock.
        item = self._data.get(item_key)
        if item is not None and item[1] is not None and item[1] <= now:
            del self._data[item_key]
            return None
        return item

    def _wrote(self, now: float) -> None:
        # Caller holds the lock. Drop expired entries now and then so memory stays bounded
        # by the live keys, not by every rate-limit window ever opened.
        self._writes += 1
        if self._writes % _SWEEP_EVERY == 0:
            expired = [k for k, (_, exp) in self._data.items() if exp is not None and exp <= now]
            for k in expired:
                del self._data[k]

    def get(self, tenant_id: TenantId, key: str, default: Any = None) -> Any:
        """Return the value or ``default``."""
        item_key = (_namespace(tenant_id), _check_key(key))
        with self._lock:
            item = self._live(item_key, self._clock())
        return default if item is None else json.loads(item[0])

    def get_many(self, tenant_id: TenantId, keys: list[str], default: Any = None) -> list[Any]:
        """The value (or ``default``) of each key, in order."""
        namespace = _namespace(tenant_id)
        item_keys = [(namespace, _check_key(key)) for key in keys]
        with self._lock:
            now = self._clock()
            items = [self._live(item_key, now) for item_key in item_keys]
        return [default if item is None else json.loads(item[0]) for item in items]

    def set(self, tenant_id: TenantId, key: str, value: Any, ttl: float | None = None) -> None:
        """Store ``value`` (JSON-serialisable) for ``ttl`` seconds (None: forever)."""
        item_key = (_namespace(tenant_id), _check_key(key))
        encoded = json.dumps(value, separators=(",", ":"))
        _check_ttl(ttl)
        with self._lock:
            now = self._clock()
            self._data[item_key] = (encoded, None if ttl is None else now + ttl)
            self._wrote(now)

    def delete(self, tenant_id: TenantId, key: str) -> None:
        """Remove the value if present."""
        item_key = (_namespace(tenant_id), _check_key(key))
        with self._lock:
            self._data.pop(item_key, None)

    def incr(self, tenant_id: TenantId, key: str, amount: int = 1, ttl: float | None = None) -> int:
        """Add ``amount`` atomically; ``ttl`` applies when the counter has no expiry yet."""
        item_key = (_namespace(tenant_id), _check_key(key))
        _check_amount(amount)
        _check_ttl(ttl)
        with self._lock:
            now = self._clock()
            item = self._live(item_key, now)
            if item is None:
                current, expires_at = 0, None
            else:
                current = json.loads(item[0])
                expires_at = item[1]
                if isinstance(current, bool) or not isinstance(current, int):
                    raise ValueError(f"cache value of {key!r} is not an integer")
            if expires_at is None and ttl is not None:
                expires_at = now + ttl
            value = current + amount
            self._data[item_key] = (str(value), expires_at)
            self._wrote(now)
        return value

    def ping(self) -> None:
        """Always reachable."""

    def close(self) -> None:
        """Drop every value."""
        with self._lock:
            self._data.clear()


@implementer(ICache)
class RedisCache:
    """Redis-backed cache; keys are ``lh:<tenant or ->:<key>``, values JSON."""

    def __init__(self, url: str, *, client: redis.Redis | None = None) -> None:
        import redis  # here, not at module level: the embedded default never loads it

        self.url = url
        self._client = client if client is not None else redis.Redis.from_url(url)

    @staticmethod
    def redis_key(tenant_id: TenantId, key: str) -> str:
        """Return the Redis key of ``key`` for ``tenant_id``."""
        return f"lh:{_namespace(tenant_id)}:{_check_key(key)}"

    def get(self, tenant_id: TenantId, key: str, default: Any = None) -> Any:
        """Return the value or ``default``."""
        raw = self._client.get(self.redis_key(tenant_id, key))
        return default if raw is None else json.loads(raw)

    def get_many(self, tenant_id: TenantId, keys: list[str], default: Any = None) -> list[Any]:
        """MGET: the value (or ``default``) of each key, in order, in one round trip."""
        if not keys:
            return []
        raws = self._client.mget([self.redis_key(tenant_id, key) for key in keys])
        return [default if raw is None else json.loads(raw) for raw in raws]

    def set(self, tenant_id: TenantId, key: str, value: Any, ttl: float | None = None) -> None:
        """Store ``value`` (JSON-serialisable) for ``ttl`` seconds (None: forever)."""
        encoded = json.dumps(value, separators=(",", ":"))
        _check_ttl(ttl)
        px = None if ttl is None else max(1, round(ttl * 1000))
        self._client.set(self.redis_key(tenant_id, key), encoded, px=px)

    def delete(self, tenant_id: TenantId, key: str) -> None:
        """Remove the value if present."""
        self._client.delete(self.redis_key(tenant_id, key))

    def incr(self, tenant_id: TenantId, key: str, amount: int = 1, ttl: float | None = None) -> int:
        """INCRBY, plus PEXPIRE NX in the same MULTI when ``ttl`` is given."""
        import redis  # here, not at module level: the embedded default never loads it

        redis_key = self.redis_key(tenant_id, key)
        _check_amount(amount)
        _check_ttl(ttl)
        try:
            if ttl is None:
                return int(self._client.incrby(redis_key, amount))
            with self._client.pipeline(transaction=True) as pipe:
                pipe.incrby(redis_key, amount)
                # NX: only a counter without expiry gets one, so the window is fixed.
                pipe.pexpire(redis_key, max(1, round(ttl * 1000)), nx=True)
                value, _ = pipe.execute()
            return int(value)
        except redis.ResponseError as exc:
            raise ValueError(f"cache value of {key!r} is not an integer: {exc}") from exc

    def ping(self) -> None:
        """Raise ``redis.ConnectionError`` when Redis cannot be reached."""
        self._client.ping()

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()


def factory(settings: dict[str, Any]) -> MemoryCache | RedisCache:
    """Build the cache from ``cache.url``: ``memory://`` or ``redis://...``."""
    return url_backend(settings, "cache.url", MemoryCache, RedisCache)
