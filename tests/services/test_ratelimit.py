"""MemoryRateLimiter and RedisRateLimiter against the IRateLimiter contract."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import pytest
import redis

from learninghub.errors import ConfigurationError
from learninghub.services.ratelimit import (
    MemoryRateLimiter,
    RateLimitResult,
    RedisRateLimiter,
    decide,
    factory,
    interval_us,
    result,
)
from learninghub.testing.contracts import ManualClock, RateLimiterContract, redis_test_url

REDIS_URL = redis_test_url(default_db=12)


class TestMemoryRateLimiter(RateLimiterContract):
    controls_time = True
    short_period = 60.0
    tolerance = 1e-6

    @pytest.fixture
    def service(self) -> MemoryRateLimiter:
        self.clock = ManualClock()
        return MemoryRateLimiter(clock=self.clock)

    def elapse(self, seconds: float, until: Callable[[], bool]) -> None:
        self.clock.advance(seconds)

    def test_full_buckets_are_swept(self, service: MemoryRateLimiter) -> None:
        for n in range(2000):
            service.hit(None, f"ip:{n}", 10, 1)
        self.clock.advance(2)
        for n in range(1100):
            service.hit(None, f"fresh:{n}", 10, 1)
        assert len(service._tats) <= 1100 + 1024

    def test_exact_figures(self, service: MemoryRateLimiter) -> None:
        # 300/60: one token every 0.2 s, a burst of 300
        for _ in range(300):
            last = service.hit(None, "k", 300, 60)
        assert last == RateLimitResult(True, 300, 0, pytest.approx(60.0), 0.0)
        refused = service.hit(None, "k", 300, 60)
        assert not refused.allowed and refused.retry_after == pytest.approx(0.2)
        self.clock.advance(1.0)
        again = service.hit(None, "k", 300, 60)
        assert again.allowed and again.remaining == 4
        assert again.reset_after == pytest.approx(59.2)


def test_gcra_is_exact_at_epoch_magnitude() -> None:
    """300/60 at Unix-epoch microseconds: exactly 300 allowed, the next in 0.2 s."""
    now = 1_700_000_000_123_456
    interval = interval_us(300, 60)
    assert interval == 200_000
    tat = None
    allowed = 0
    for _ in range(301):
        ok, new_tat = decide(tat, now, 300, interval, 1)
        if ok:
            allowed += 1
            tat = new_tat
    assert allowed == 300 and tat is not None
    refused = result(False, tat, now, 300, interval, 1)
    assert refused.remaining == 0 and refused.retry_after == 0.2 and refused.reset_after == 60.0
    assert decide(tat, now + interval - 1, 300, interval, 1)[0] is False
    assert decide(tat, now + interval, 300, interval, 1)[0] is True


@pytest.mark.redis
@pytest.mark.skipif(
    REDIS_URL is None,
    reason="set LEARNINGHUB_TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/0) to test RedisRateLimiter",
)
class TestRedisRateLimiter(RateLimiterContract):
    @pytest.fixture
    def service(self) -> Iterator[RedisRateLimiter]:
        assert REDIS_URL is not None
        db = int(urlsplit(REDIS_URL).path.strip("/") or 0)
        assert db != 0, "Redis tests must not use database 0"
        limiter = RedisRateLimiter(REDIS_URL)
        self.peers: list[RedisRateLimiter] = []
        yield limiter
        limiter._client.flushdb()
        limiter.close()
        for peer in self.peers:
            peer.close()

    def peer(self, service: RedisRateLimiter) -> RedisRateLimiter:
        other = RedisRateLimiter(service.url)  # its own connection pool: another node
        self.peers.append(other)
        return other

    def test_key_layout_and_expiry(self, service: RedisRateLimiter) -> None:
        service.hit(None, "ip:203.0.113.9", 10, 60)
        assert service._client.exists("lh:rl:-:ip:203.0.113.9")
        ttl_ms = service._client.pttl("lh:rl:-:ip:203.0.113.9")
        assert 0 < ttl_ms <= 6000  # expires when the bucket would be full again
        assert RedisRateLimiter.redis_key("00000000-0000-0000-0000-000000000001", "k") == (
            "lh:rl:00000000-0000-0000-0000-000000000001:k"
        )

    def test_ping_fails_when_unreachable(self) -> None:
        limiter = RedisRateLimiter("redis://127.0.0.1:1/12")
        with pytest.raises(redis.ConnectionError):
            limiter.ping()


def test_factory() -> None:
    assert isinstance(factory({}), MemoryRateLimiter)
    assert isinstance(factory({"cache.url": "memory://"}), MemoryRateLimiter)
    assert isinstance(factory({"cache.url": "redis://127.0.0.1:6379/12"}), RedisRateLimiter)
    with pytest.raises(ConfigurationError, match="cache.url"):
        factory({"cache.url": "memcached://localhost"})
