"""MemoryCache and RedisCache against the ICache contract."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import pytest
import redis

from learninghub.errors import ConfigurationError
from learninghub.services.cache import MemoryCache, RedisCache, factory
from learninghub.testing.contracts import CacheContract, ManualClock, redis_test_url

REDIS_URL = redis_test_url(default_db=13)


class TestMemoryCache(CacheContract):
    controls_time = True

    @pytest.fixture
    def service(self) -> MemoryCache:
        self.clock = ManualClock()
        return MemoryCache(clock=self.clock)

    def elapse(self, seconds: float, until: Callable[[], bool]) -> None:
        self.clock.advance(seconds)

    def test_expired_entries_are_swept(self, service: MemoryCache) -> None:
        for n in range(2000):
            service.set(None, f"k{n}", n, ttl=1)
        self.clock.advance(2)
        for n in range(1100):
            service.set(None, f"fresh{n}", n)
        assert len(service._data) <= 1100 + 1024


@pytest.mark.redis
@pytest.mark.skipif(
    REDIS_URL is None,
    reason="set LEARNINGHUB_TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/0) to test RedisCache",
)
class TestRedisCache(CacheContract):
    @pytest.fixture
    def service(self) -> Iterator[RedisCache]:
        assert REDIS_URL is not None
        db = int(urlsplit(REDIS_URL).path.strip("/") or 0)
        assert db != 0, "Redis tests must not use database 0"
        cache = RedisCache(REDIS_URL)
        yield cache
        cache._client.flushdb()
        cache.close()

    def test_key_layout(self, service: RedisCache) -> None:
        service.set(None, "motd", "hi")
        assert service._client.get("lh:-:motd") == b'"hi"'
        assert RedisCache.redis_key("00000000-0000-0000-0000-000000000001", "k") == (
            "lh:00000000-0000-0000-0000-000000000001:k"
        )

    def test_ping_fails_when_unreachable(self) -> None:
        cache = RedisCache("redis://127.0.0.1:1/13")
        with pytest.raises(redis.ConnectionError):
            cache.ping()


def test_factory() -> None:
    assert isinstance(factory({}), MemoryCache)
    assert isinstance(factory({"cache.url": "memory://"}), MemoryCache)
    assert isinstance(factory({"cache.url": "redis://127.0.0.1:6379/13"}), RedisCache)
    with pytest.raises(ConfigurationError, match="cache.url"):
        factory({"cache.url": "memcached://localhost"})
