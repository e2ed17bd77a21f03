"""InProcessTransport and RedisTransport against the IEventTransport contract."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator

import pytest
import redis

from learninghub.errors import ConfigurationError
from learninghub.services.transport import InProcessTransport, RedisTransport, factory
from learninghub.testing.contracts import EventTransportContract, redis_test_url, wait_until

REDIS_URL = redis_test_url(default_db=14)


class TestInProcessTransport(EventTransportContract):
    @pytest.fixture
    def service(self) -> InProcessTransport:
        return InProcessTransport()

    def test_delivery_is_synchronous(self, service: InProcessTransport) -> None:
        tenant = uuid.uuid4()
        got: list[object] = []
        service.subscribe(tenant, "c", got.append)
        service.publish(tenant, "c", 1)
        assert got == [1]


@pytest.mark.redis
@pytest.mark.skipif(
    REDIS_URL is None,
    reason="set LEARNINGHUB_TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/0) to test RedisTransport",
)
class TestRedisTransport(EventTransportContract):
    @pytest.fixture
    def service(self) -> Iterator[RedisTransport]:
        assert REDIS_URL is not None
        transport = RedisTransport(REDIS_URL)
        yield transport
        transport.close()

    @pytest.fixture(autouse=True)
    def _peer(self) -> Iterator[None]:
        assert REDIS_URL is not None
        self.other_node = RedisTransport(REDIS_URL)
        yield
        self.other_node.close()

    def peer(self, service: RedisTransport) -> RedisTransport:
        return self.other_node

    def test_channel_layout(self, service: RedisTransport) -> None:
        tenant = uuid.uuid4()
        client = redis.Redis.from_url(REDIS_URL)
        pubsub = client.pubsub()
        pubsub.subscribe(f"lh:{tenant}:chat")
        assert pubsub.get_message(timeout=5)["type"] == "subscribe"
        service.publish(tenant, "chat", {"a": 1})
        reply = pubsub.get_message(timeout=5)
        pubsub.close()
        client.close()
        assert reply is not None
        assert reply["data"] == b'{"a": 1}'

    def test_close_stops_the_listener_thread(self, service: RedisTransport) -> None:
        before = threading.active_count()
        subscription = service.subscribe(uuid.uuid4(), "c", lambda m: None)
        assert threading.active_count() == before + 1
        subscription.close()
        assert threading.active_count() == before

    def test_subscriber_may_close_itself(self, service: RedisTransport) -> None:
        tenant = uuid.uuid4()
        got: list[object] = []

        def once(message: object) -> None:
            got.append(message)
            subscription.close()

        subscription = service.subscribe(tenant, "c", once)
        service.publish(tenant, "c", 1)
        assert wait_until(lambda: got == [1])
        assert wait_until(lambda: not subscription._thread.is_alive())


def test_factory() -> None:
    assert isinstance(factory({}), InProcessTransport)
    assert isinstance(factory({"events.url": "memory://"}), InProcessTransport)
    assert isinstance(factory({"events.url": "redis://127.0.0.1:6379/14"}), RedisTransport)
    with pytest.raises(ConfigurationError, match="events.url"):
        factory({"events.url": "amqp://localhost"})
