"""Implementations of :class:`learninghub.interfaces.IRateLimiter`.

Both back ends run GCRA (the "generic cell rate algorithm"), a token bucket that
stores one number per bucket: the *theoretical arrival time* (TAT) at which the
bucket would be full again. With ``interval = period / limit``:

* a hit of ``cost`` tokens moves the TAT to ``max(TAT, now) + cost * interval``;
* it is allowed when that new TAT is at most ``limit * interval`` (the period) ahead
  of now — the bucket held ``cost`` tokens — otherwise refused and nothing is stored;
* a bucket whose TAT is in the past is full and can be forgotten, so every stored
  bucket expires on its own.

Times are integer microseconds: sums of floats at epoch magnitude drift by more than
a token's worth over a burst, integers (exact in Lua's doubles up to 2**53) do not.
The interval is rounded to a whole microsecond, which changes a rate by less than
one part in a million for any limit a person would configure.

:class:`RedisRateLimiter` runs the same arithmetic in one Lua script, on the Redis
server's clock (``TIME``): app nodes whose clocks disagree still share one limit.
"""

from __future__ import annotations

import math
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from zope.interface import implementer

from learninghub.interfaces import IRateLimiter

if TYPE_CHECKING:
    import redis

from learninghub.services import tenant_segment, url_backend

TenantId = uuid.UUID | str | None

MICROS = 1_000_000
#: A sweep of full (forgettable) buckets runs every this many writes in MemoryRateLimiter.
_SWEEP_EVERY = 1024


@dataclass(frozen=True)
class RateLimitResult:
    """The outcome of :meth:`IRateLimiter.hit`.

    ``remaining`` is the number of whole tokens left after the hit (before it, when
    refused); ``reset_after`` the seconds until the bucket is full again;
    ``retry_after`` the seconds until the same hit would be allowed (0 when allowed)."""

    allowed: bool
    limit: int
    remaining: int
    reset_after: float
    retry_after: float


def _namespace(tenant_id: TenantId) -> str:
    return "-" if tenant_id is None else tenant_segment(tenant_id)


def _check_key(key: str) -> str:
    if not isinstance(key, str) or not key:
        raise ValueError(f"rate limit keys are non-empty strings, got {key!r}")
    return key


def _check(key: str, limit: int, period: float, cost: int) -> None:
    _check_key(key)
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise ValueError(f"limit must be a positive int, got {limit!r}")
    if (
        isinstance(period, bool)
        or not isinstance(period, (int, float))
        or not math.isfinite(period)
        or period <= 0
    ):
        raise ValueError(f"period must be a positive number of seconds, got {period!r}")
    if isinstance(cost, bool) or not isinstance(cost, int) or not 0 <= cost <= limit:
        raise ValueError(f"cost must be an int between 0 and limit ({limit}), got {cost!r}")


def interval_us(limit: int, period: float) -> int:
    """Microseconds between two tokens (at least one)."""
    return max(1, round(period * MICROS / limit))


def decide(tat: int | None, now: int, limit: int, interval: int, cost: int) -> tuple[bool, int]:
    """GCRA decision in microseconds: return ``(allowed, tat)`` where ``tat`` is the
    bucket's TAT after the hit (the unchanged one, at least ``now``, when refused)."""
    tat = now if tat is None or tat < now else tat
    new_tat = tat + cost * interval
    if new_tat - now > limit * interval:
        return False, tat
    return True, new_tat


def result(
    allowed: bool, tat: int, now: int, limit: int, interval: int, cost: int
) -> RateLimitResult:
    """Build the result of a hit from the TAT it left (see :func:`decide`)."""
    tokens = (now + limit * interval - tat) // interval
    retry_after = 0 if allowed else max(0, tat + cost * interval - limit * interval - now)
    return RateLimitResult(
        allowed=allowed,
        limit=limit,
        remaining=min(limit, max(0, tokens)),
        reset_after=max(0, tat - now) / MICROS,
        retry_after=retry_after / MICROS,
    )


@implementer(IRateLimiter)
class MemoryRateLimiter:
    """Process-local buckets: a dict of ``(namespace, key) -> TAT``.

    ``clock`` is a monotonic time source (seconds), injectable for tests. Limits are
    per process: run :class:`RedisRateLimiter` when several processes serve."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._tats: dict[tuple[str, str], int] = {}
        self._writes = 0

    def hit(
        self, tenant_id: TenantId, key: str, limit: int, period: float, cost: int = 1
    ) -> RateLimitResult:
        """Take ``cost`` tokens from the bucket if it holds them."""
        _check(key, limit, period, cost)
        interval = interval_us(limit, period)
        bucket = (_namespace(tenant_id), key)
        with self._lock:
            now = round(self._clock() * MICROS)
            allowed, tat = decide(self._tats.get(bucket), now, limit, interval, cost)
            if allowed and cost:
                self._tats[bucket] = tat
                self._wrote(now)
        return result(allowed, tat, now, limit, interval, cost)

    def _wrote(self, now: int) -> None:
        # Caller holds the lock. A bucket whose TAT has passed is full: forget it now
        # and then, so memory is bounded by the buckets in use, not by every client seen.
        self._writes += 1
        if self._writes % _SWEEP_EVERY == 0:
            full = [bucket for bucket, tat in self._tats.items() if tat <= now]
            for bucket in full:
                del self._tats[bucket]

    def reset(self, tenant_id: TenantId, key: str) -> None:
        """Forget the bucket (it is full again)."""
        bucket = (_namespace(tenant_id), _check_key(key))
        with self._lock:
            self._tats.pop(bucket, None)

    def ping(self) -> None:
        """Always reachable."""

    def close(self) -> None:
        """Forget every bucket."""
        with self._lock:
            self._tats.clear()


# KEYS[1]: the bucket; ARGV: limit, interval (us), cost. Returns {allowed, now, tat} in
# microseconds: integers below 2**53, exact in Lua numbers and in integer replies.
_GCRA_SCRIPT = """
if redis.replicate_commands then pcall(redis.replicate_commands) end
local limit = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now) or now
if tat < now then tat = now end
local new_tat = tat + cost * interval
if new_tat - now > limit * interval then
  return {0, now, tat}
end
if cost > 0 then
  redis.call('SET', KEYS[1], string.format('%.0f', new_tat), 'PX',
             math.max(1, math.ceil((new_tat - now) / 1000)))
end
return {1, now, new_tat}
"""


@implementer(IRateLimiter)
class RedisRateLimiter:
    """Buckets in Redis under ``lh:rl:<tenant or ->:<key>``, one atomic script per hit.

    Time comes from the Redis server, so every app process sees the same clock; each
    bucket expires when it would be full again."""

    def __init__(self, url: str, *, client: redis.Redis | None = None) -> None:
        import redis  # here, not at module level: the embedded default never loads it

        self.url = url
        self._client = client if client is not None else redis.Redis.from_url(url)
        self._script: Any = self._client.register_script(_GCRA_SCRIPT)

    @staticmethod
    def redis_key(tenant_id: TenantId, key: str) -> str:
        """Return the Redis key of bucket ``key`` for ``tenant_id``."""
        return f"lh:rl:{_namespace(tenant_id)}:{_check_key(key)}"

    def hit(
        self, tenant_id: TenantId, key: str, limit: int, period: float, cost: int = 1
    ) -> RateLimitResult:
        """Take ``cost`` tokens from the bucket if it holds them (one round trip)."""
        _check(key, limit, period, cost)
        interval = interval_us(limit, period)
        allowed, now, tat = self._script(
            keys=[self.redis_key(tenant_id, key)], args=[limit, interval, cost]
        )
        return result(bool(allowed), int(tat), int(now), limit, interval, cost)

    def reset(self, tenant_id: TenantId, key: str) -> None:
        """Forget the bucket (it is full again)."""
        self._client.delete(self.redis_key(tenant_id, key))

    def ping(self) -> None:
        """Raise ``redis.ConnectionError`` when Redis cannot be reached."""
        self._client.ping()

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()


def factory(settings: dict[str, Any]) -> MemoryRateLimiter | RedisRateLimiter:
    """Build the limiter from ``cache.url``: ``memory://`` (per process) or Redis."""
    return url_backend(settings, "cache.url", MemoryRateLimiter, RedisRateLimiter)
