"""Rate limits and the sign-in lockout through the WSGI app.

A dedicated app with tight limits (ip 5/60, user 3/60, api_key 2/60, auth 3/60,
lockout after 3 failures) runs on an in-memory limiter with a manual clock, so
refills are instant and exact. Every test uses fresh tenants: buckets never leak
between tests.
"""

from __future__ import annotations

import logging
import secrets
import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
import webtest
from pyramid.interfaces import ITweens

from learninghub.config import collect_settings
from learninghub.errors import ConfigurationError
from learninghub.interfaces import IRateLimiter
from learninghub.ratelimit import (
    UNSAFE_METHODS,
    LoginGuard,
    Rate,
    RateLimitPolicy,
    client_bucket,
)
from learninghub.services.ratelimit import MemoryRateLimiter
from learninghub.testing import PASSWORD, Client
from learninghub.testing.contracts import ManualClock, redis_test_url

TIGHT = {
    "ratelimit.ip": "5/60",
    "ratelimit.user": "3/60",
    "ratelimit.api_key": "2/60",
    "ratelimit.auth": "3/60",
    "ratelimit.lockout_threshold": "3",
    "ratelimit.lockout_seconds": "600",
    "ratelimit.trusted_proxies": "10.0.0.1",
    "cache.url": "memory://",
}
TOKEN = "/api/v1/auth/token"
IP_A, IP_B = "198.51.100.7", "203.0.113.9"
REDIS_URL = redis_test_url(default_db=11)


def build(lh_config, lh_raw_settings, **overrides):
    from learninghub import configure

    return configure(
        dict(lh_raw_settings, **overrides), engine=lh_config.registry["db.engine"], environ={}
    )


@pytest.fixture(scope="module")
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture(scope="module")
def tight_config(lh_config, lh_raw_settings, clock):
    config = build(lh_config, lh_raw_settings, **TIGHT)
    config.register_service(MemoryRateLimiter(clock=clock), IRateLimiter)
    config.commit()
    return config


@pytest.fixture(scope="module")
def tight_wsgi(tight_config):
    return tight_config.make_wsgi_app()


def attach(registry, connection) -> None:
    registry["db.test_connection"] = connection
    registry["tenancy.resolver"].invalidate()


def detach(registry) -> None:
    registry["db.test_connection"] = None
    registry["tenancy.resolver"].invalidate()


@pytest.fixture
def tight(tight_config, tight_wsgi, db_connection):
    """``tight(tenant, user=None, host=None)``: a Client of the tight app."""
    registry = tight_config.registry
    attach(registry, db_connection)
    app = webtest.TestApp(tight_wsgi)

    def make(tenant, user=None, host=None) -> Client:
        return Client(app, registry, tenant, user, host)

    yield make
    detach(registry)


def ip(address: str) -> dict:
    return {"extra_environ": {"REMOTE_ADDR": address}}


def headers(response) -> dict[str, str]:
    return {k: v for k, v in response.headers.items() if k.startswith("RateLimit-")}


def set_tenant_settings(db, registry, tenant, settings: dict) -> None:
    tenant.orm.settings = settings
    db.flush()
    registry["tenancy.resolver"].invalidate()


# --------------------------------------------------------------------- wiring


def test_tween_runs_after_request_id_and_before_the_transaction(tight_config, tight_wsgi):
    names = [name for name, _ in tight_config.registry.queryUtility(ITweens).implicit()]
    assert names.index("learninghub.observability.request_tween_factory") < names.index(
        "learninghub.ratelimit.tween_factory"
    )
    assert names.index("learninghub.ratelimit.tween_factory") < names.index(
        "pyramid_tm.tm_tween_factory"
    )


def test_token_endpoint_is_a_strict_route(tight_config):
    policy: RateLimitPolicy = tight_config.registry["ratelimit.policy"]
    assert policy.strict_methods("api.auth.token") == UNSAFE_METHODS
    assert policy.strict_methods("api.me") is False


@pytest.mark.parametrize(
    "key", ["ratelimit.ip", "ratelimit.user", "ratelimit.api_key", "ratelimit.auth"]
)
@pytest.mark.parametrize("value", ["abc", "0/60", "5/0", "5/-1", "5", "/60", "1.5/60", "5/x"])
def test_invalid_rates_stop_start_up_naming_the_key(lh_raw_settings, key, value):
    with pytest.raises(ConfigurationError, match=key.replace(".", r"\.")):
        collect_settings(dict(lh_raw_settings, **{key: value}), environ={})


def test_rates_are_normalised():
    assert Rate.parse(" 300 / 60 ") == Rate(300, 60.0)
    assert str(Rate.parse("10/0.5")) == "10/0.5"
    settings = collect_settings({"secret.key": "k" * 40, "ratelimit.ip": " 7 /30"}, environ={})
    assert settings["ratelimit.ip"] == "7/30"


def test_invalid_lockout_settings(lh_config, lh_raw_settings):
    with pytest.raises(ConfigurationError, match="ratelimit.lockout_seconds"):
        build(lh_config, lh_raw_settings, **{"ratelimit.lockout_seconds": "0"})


def test_ipv6_clients_count_by_slash_64():
    assert client_bucket("2001:db8:1:2:aaaa::1") == client_bucket("2001:db8:1:2:bbbb::9")
    assert client_bucket("2001:db8:1:2:aaaa::1") == "2001:db8:1:2::/64"
    assert client_bucket("2001:db8:1:3::1") != client_bucket("2001:db8:1:2::1")
    assert client_bucket("::ffff:192.0.2.1") == "192.0.2.1"
    assert client_bucket("192.0.2.1") == "192.0.2.1"
    assert client_bucket("") == "unknown"


# --------------------------------------------------------------------- IP limit


def test_ip_limit_answers_429_problem_with_headers(tight, tenant, clock):
    c = tight(tenant)
    seen = [c.get("/api/v1/me", **ip(IP_A)) for _ in range(5)]
    assert [r.status_int for r in seen] == [401] * 5
    assert [r.headers["RateLimit-Remaining"] for r in seen] == ["4", "3", "2", "1", "0"]
    assert seen[0].headers["RateLimit-Limit"] == "5"
    assert seen[0].headers["RateLimit-Reset"] == "12"  # one token every 12 s
    refused = c.get("/api/v1/me", **ip(IP_A))
    assert refused.status_int == 429
    assert refused.content_type == "application/problem+json"
    assert refused.json["title"] == "Too many requests"
    assert refused.json["status"] == 429
    assert "from your address" in refused.json["detail"]
    assert refused.json["request_id"] == refused.headers["X-Request-ID"]
    assert refused.headers["Retry-After"] == "12"
    assert headers(refused) == {
        "RateLimit-Limit": "5",
        "RateLimit-Remaining": "0",
        "RateLimit-Reset": "60",
    }
    # another address is another bucket
    assert c.get("/api/v1/me", **ip(IP_B)).status_int == 401
    clock.advance(12)
    again = c.get("/api/v1/me", **ip(IP_A))
    assert again.status_int == 401 and again.headers["RateLimit-Remaining"] == "0"
    assert c.get("/api/v1/me", **ip(IP_A)).status_int == 429


def test_pages_get_an_html_429(tight, tenant):
    c = tight(tenant)
    for _ in range(5):
        assert c.get("/", **ip(IP_A)).status_int == 200
    refused = c.get("/", **ip(IP_A))
    assert refused.status_int == 429
    assert refused.content_type == "text/html"
    assert "Too many requests" in refused.text
    assert refused.headers["Retry-After"] == "12"


def test_signed_in_page_refused_by_the_ip_limit_opens_no_database_session(
    tight, tight_config, tenant, user_factory, session_cookie, caplog
):
    """The IP limit refuses before the transaction: the 429 page is rendered as for a
    visitor. (It used to resolve the user through a session no transaction ended,
    keeping one pooled connection per refusal until the pool ran dry.)"""
    from learninghub.testing.sql import counting

    cookie = session_cookie(tenant, user_factory(tenant))
    c = tight(tenant)
    address = "192.0.2.77"  # an address no other test uses
    statuses = [c.get("/", headers={"Cookie": cookie}, **ip(address)).status_int for _ in range(8)]
    assert statuses[0] == 302 and statuses[-1] == 429, statuses  # the home page sends users on
    with counting(tight_config.registry["db.engine"]) as statements:
        refused = c.get("/", headers={"Cookie": cookie}, **ip(address))
    assert refused.status_int == 429 and "Too many requests" in refused.text
    assert statements == []
    assert not [r for r in caplog.records if "raised; skipped" in r.getMessage()]


def test_probes_and_metrics_are_never_limited(tight, tenant):
    c = tight(tenant)
    for _ in range(12):
        r = c.get("/healthz", **ip(IP_A))
        assert r.status_int == 200 and headers(r) == {}
        r = c.get("/metrics", **ip(IP_A))
        assert r.status_int == 200 and headers(r) == {}


def test_tenants_do_not_share_buckets(tight, tenant, other_tenant):
    for _ in range(5):
        tight(tenant).get("/api/v1/me", **ip(IP_A))
    assert tight(tenant).get("/api/v1/me", **ip(IP_A)).status_int == 429
    other = tight(other_tenant).get("/api/v1/me", **ip(IP_A))
    assert other.status_int == 401 and other.headers["RateLimit-Remaining"] == "4"
    # an unknown host is limited too, in the bucket of "no tenant"
    stray = tight(None, host=f"nobody-{uuid.uuid4().hex[:6]}.invalid")
    r = stray.get("/api/v1/me", **ip(IP_A))
    assert r.status_int == 404 and "RateLimit-Limit" in r.headers


def test_trusted_proxy_forwards_the_client_address(tight, tenant):
    c = tight(tenant)
    via_proxy = {"REMOTE_ADDR": "10.0.0.1"}
    for n in range(5):
        r = c.get("/api/v1/me", headers={"X-Forwarded-For": IP_A}, extra_environ=via_proxy)
        assert r.headers["RateLimit-Remaining"] == str(4 - n)
    assert (
        c.get("/api/v1/me", headers={"X-Forwarded-For": IP_A}, extra_environ=via_proxy).status_int
        == 429
    )
    assert (
        c.get("/api/v1/me", headers={"X-Forwarded-For": IP_B}, extra_environ=via_proxy).status_int
        == 401
    )
    # an untrusted client cannot pick its bucket with the header
    for _ in range(5):
        c.get("/api/v1/me", headers={"X-Forwarded-For": f"192.0.2.{_}"}, **ip(IP_B))
    assert (
        c.get("/api/v1/me", headers={"X-Forwarded-For": "192.0.2.99"}, **ip(IP_B)).status_int == 429
    )


# --------------------------------------------------------------------- overrides


def test_per_tenant_override(tight, tight_config, tenant, db):
    set_tenant_settings(db, tight_config.registry, tenant, {"ratelimit": {"ip": "2/60"}})
    c = tight(tenant)
    first = c.get("/api/v1/me", **ip(IP_A))
    assert first.headers["RateLimit-Limit"] == "2"
    assert first.headers["RateLimit-Reset"] == "30"
    assert c.get("/api/v1/me", **ip(IP_A)).status_int == 401
    refused = c.get("/api/v1/me", **ip(IP_A))
    assert refused.status_int == 429 and refused.headers["Retry-After"] == "30"


def test_invalid_tenant_overrides_fall_back_with_a_warning(tight, tight_config, tenant, db, caplog):
    set_tenant_settings(
        db,
        tight_config.registry,
        tenant,
        {"ratelimit": {"ip": "abc", "user": "0/60", "burst": "1/1", "auth": "1/60"}},
    )
    with caplog.at_level(logging.WARNING, logger="learninghub.ratelimit"):
        r = tight(tenant).get("/api/v1/me", **ip(IP_A))
    assert r.headers["RateLimit-Limit"] == "5"  # the instance default
    text = caplog.text
    assert "settings.ratelimit.ip" in text and "settings.ratelimit.user" in text
    assert "'burst'" in text
    policy: RateLimitPolicy = tight_config.registry["ratelimit.policy"]
    info = tight_config.registry["tenancy.resolver"].by_id(tenant.id)
    rates = policy.rates_for(info)
    assert rates.ip == Rate(5, 60) and rates.user == Rate(3, 60) and rates.auth == Rate(1, 60)


# --------------------------------------------------------------------- user and API key


def test_user_limit(tight, tenant, user_factory):
    ann, bob = user_factory(tenant), user_factory(tenant)
    c = tight(tenant, ann)
    seen = [c.get("/api/v1/me", **ip(IP_A)) for _ in range(3)]
    assert [r.status_int for r in seen] == [200] * 3
    # the tightest bucket is reported: the user's (3/60), not the address's (5/60)
    assert [headers(r)["RateLimit-Limit"] for r in seen] == ["3"] * 3
    assert [headers(r)["RateLimit-Remaining"] for r in seen] == ["2", "1", "0"]
    refused = c.get("/api/v1/me", **ip(IP_A))
    assert refused.status_int == 429 and "for your account" in refused.json["detail"]
    assert refused.headers["Retry-After"] == "20"
    # another user behind the same address is not affected (the address has 1 left)
    assert tight(tenant, bob).get("/api/v1/me", **ip(IP_A)).status_int == 200


def make_api_key(db, tenant, user) -> str:
    from learninghub.accounts.models import ApiKey, token_hash
    from learninghub.db import bind_tenant, system_session

    prefix = secrets.token_hex(4)
    token = f"lhk_{prefix}_{secrets.token_urlsafe(32)}"
    db.flush()
    bind_tenant(db, tenant.id)
    try:
        db.add(
            ApiKey(
                user_id=user.id,
                name="ci",
                prefix=prefix,
                token_hash=token_hash(token),
                scopes=["*"],
            )
        )
        db.flush()
    finally:
        system_session(db)
    return token


def test_api_key_limit_is_keyed_on_the_prefix_of_a_valid_key(tight, tenant, user_factory, db):
    user = user_factory(tenant)
    key_1, key_2 = make_api_key(db, tenant, user), make_api_key(db, tenant, user)
    c = tight(tenant)
    # someone who knows the prefix but not the secret cannot drain the key
    forged = key_1[: key_1.index("_", 4) + 1] + "wrong-secret"
    for _ in range(4):
        r = c.get("/api/v1/me", headers={"Authorization": f"Bearer {forged}"}, **ip(IP_B))
        assert r.status_int == 401
    bearer_1 = {"Authorization": f"Bearer {key_1}"}
    first = c.get("/api/v1/me", headers=bearer_1, **ip(IP_A))
    assert first.status_int == 200, first.text
    assert headers(first)["RateLimit-Limit"] == "2"
    assert headers(first)["RateLimit-Remaining"] == "1"
    assert c.get("/api/v1/me", headers=bearer_1, **ip(IP_A)).status_int == 200
    refused = c.get("/api/v1/me", headers=bearer_1, **ip(IP_A))
    assert refused.status_int == 429 and "with this API key" in refused.json["detail"]
    # another key has its own bucket (and the user's bucket still had one left)
    other = c.get("/api/v1/me", headers={"Authorization": f"Bearer {key_2}"}, **ip(IP_A))
    assert other.status_int == 200


# --------------------------------------------------------------------- sign-in


def test_brute_force_on_the_token_endpoint_hits_the_strict_limit(tight, tenant):
    c = tight(tenant)
    for n in range(3):
        r = c.post_json(TOKEN, {"email": f"guess{n}@example.org", "password": "x"}, **ip(IP_A))
        assert r.status_int == 401
        assert headers(r)["RateLimit-Limit"] == "3"
    refused = c.post_json(TOKEN, {"email": "guess9@example.org", "password": "x"}, **ip(IP_A))
    assert refused.status_int == 429
    assert refused.content_type == "application/problem+json"
    assert "sign-in route" in refused.json["detail"]
    assert refused.headers["Retry-After"] == "20"
    # only submissions count: the 405 of a GET is not refused by the strict limit
    assert c.get(TOKEN, **ip(IP_A)).status_int == 405
    # other addresses are not affected
    r = c.post_json(TOKEN, {"email": "guess9@example.org", "password": "x"}, **ip(IP_B))
    assert r.status_int == 401


def test_lockout_is_per_address_and_account(tight, tenant, user_factory, clock, mailbox):
    user = user_factory(tenant, email="owner@example.org")
    c = tight(tenant)
    wrong = {"email": "owner@example.org", "password": "not the password"}
    right = {"email": "owner@example.org", "password": PASSWORD}
    for _ in range(3):
        assert c.post_json(TOKEN, wrong, **ip(IP_A)).status_int == 401
    clock.advance(60)  # refill the strict route bucket: what follows is the lockout
    locked = c.post_json(TOKEN, right, **ip(IP_A))
    assert locked.status_int == 429, locked.text
    assert "failed sign-ins" in locked.json["detail"]
    assert 0 < int(locked.headers["Retry-After"]) <= 600
    # the owner, elsewhere, still signs in
    assert c.post_json(TOKEN, right, **ip(IP_B)).status_int == 200
    # ... and was told
    (mail,) = [m for m in mailbox.refresh() if "Sign-in paused" in m["Subject"]]
    assert user.email in mail["To"]
    body = mail.get_payload(decode=True).decode()
    assert IP_A in body and "10 minutes" in body and "new password" in body


def test_lockout_counts_unknown_accounts_without_mail(tight, tenant, clock, mailbox):
    c = tight(tenant)
    for _ in range(3):
        r = c.post_json(TOKEN, {"email": "nobody@example.org", "password": "x"}, **ip(IP_A))
        assert r.status_int == 401
    clock.advance(60)
    r = c.post_json(TOKEN, {"email": "Nobody@Example.org", "password": "x"}, **ip(IP_A))
    assert r.status_int == 429  # the same pair: addresses compare case-insensitively
    assert [m for m in mailbox.refresh() if "Sign-in paused" in m["Subject"]] == []


def test_success_clears_failures(tight, tenant, user_factory, clock):
    user_factory(tenant, email="dana@example.org")
    c = tight(tenant)
    wrong = {"email": "dana@example.org", "password": "nope"}
    for _ in range(2):
        assert c.post_json(TOKEN, wrong, **ip(IP_A)).status_int == 401
    clock.advance(60)
    ok = c.post_json(TOKEN, {"email": "dana@example.org", "password": PASSWORD}, **ip(IP_A))
    assert ok.status_int == 200
    clock.advance(60)
    for _ in range(2):
        assert c.post_json(TOKEN, wrong, **ip(IP_A)).status_int == 401
    clock.advance(60)
    ok = c.post_json(TOKEN, {"email": "dana@example.org", "password": PASSWORD}, **ip(IP_A))
    assert ok.status_int == 200


class StubRequest:
    """Just enough of a request for LoginGuard: records emitted events and sent mail."""

    def __init__(self, registry, tenant, cache, address: str) -> None:
        self.registry = registry
        self.tenant = tenant
        self.remote_addr = address
        self.headers: dict[str, str] = {}
        self.tm = None
        self.application_url = f"http://{tenant.slug}.learninghub.test"
        self.cache = cache
        self.emitted: list[tuple] = []
        self.sent: list = []

    def route_url(self, name: str) -> str:
        return f"{self.application_url}/{name}"

    def find_service(self, iface):
        from learninghub.interfaces import ICache

        return self.cache if iface is ICache else self

    def send(self, message, transaction_manager=None) -> None:  # the IMailer
        self.sent.append(message)

    def emit(self, name: str, **kw) -> None:
        self.emitted.append((name, kw))


def test_login_guard_emits_per_lock_and_mails_once_per_account(
    tight_config, registry, tenant, user_factory
):
    from learninghub.api import ProblemError
    from learninghub.services.cache import MemoryCache

    user = user_factory(tenant, email="eve@example.org")
    cache = MemoryCache()
    info = registry["tenancy.resolver"].by_id(tenant.id)
    sent = []
    for address in (IP_A, IP_B):
        request = StubRequest(tight_config.registry, info, cache, address)
        guard = LoginGuard(request)
        for _ in range(3):
            guard.check("eve@example.org")
            guard.failure("eve@example.org", user)
        with pytest.raises(ProblemError) as refused:
            guard.check("eve@example.org")
        assert refused.value.status == 429
        assert 0 < int(refused.value.headers["Retry-After"]) <= 600
        assert request.emitted == [
            (
                "accounts.user.locked_out",
                {"resource_type": "user", "resource_id": user.id, "payload": {"ip": address}},
            )
        ]
        sent.extend(request.sent)
    # two addresses locked, one mail: many addresses cannot flood the owner's inbox
    (mail,) = sent
    assert mail["To"] == "eve <eve@example.org>"
    assert IP_A in mail.get_content()


def test_lockout_threshold_zero_turns_the_guard_off(tight_config, registry, tenant):
    from learninghub.services.cache import MemoryCache

    info = registry["tenancy.resolver"].by_id(tenant.id)
    request = StubRequest(tight_config.registry, info, MemoryCache(), IP_A)
    guard = LoginGuard(request)
    guard.threshold = 0
    for _ in range(10):
        guard.check("x@example.org")
        guard.failure("x@example.org")
    guard.check("x@example.org")


# --------------------------------------------------------------------- off switch


@pytest.fixture(scope="module")
def disabled_wsgi(lh_config, lh_raw_settings):
    return build(
        lh_config, lh_raw_settings, **{"ratelimit.enabled": "false", "ratelimit.ip": "1/60"}
    ).make_wsgi_app()


def test_disabled_means_no_limits_and_no_headers(disabled_wsgi, db_connection, tenant):
    registry = disabled_wsgi.registry
    attach(registry, db_connection)
    try:
        c = Client(webtest.TestApp(disabled_wsgi), registry, tenant)
        for _ in range(5):
            r = c.get("/api/v1/me", **ip(IP_A))
            assert r.status_int == 401 and headers(r) == {}
    finally:
        detach(registry)


# --------------------------------------------------------------------- several nodes


@pytest.fixture
def redis_nodes(lh_config, lh_raw_settings, db_connection) -> Iterator[list]:
    if REDIS_URL is None:
        pytest.skip("set LEARNINGHUB_TEST_REDIS_URL to run two app nodes on one Redis")
    import redis

    assert int(urlsplit(REDIS_URL).path.strip("/")) != 0
    redis.Redis.from_url(REDIS_URL).flushdb()
    registries = []
    apps = []
    for _ in range(2):
        # a looser strict-route limit, so that the fourth sign-in meets the lockout
        overrides = dict(TIGHT, **{"cache.url": REDIS_URL, "ratelimit.auth": "10/60"})
        config = build(lh_config, lh_raw_settings, **overrides)
        app = config.make_wsgi_app()
        attach(config.registry, db_connection)
        registries.append(config.registry)
        apps.append(webtest.TestApp(app))
    yield list(zip(apps, registries, strict=True))
    for registry in registries:
        detach(registry)
    redis.Redis.from_url(REDIS_URL).flushdb()


@pytest.mark.redis
def test_two_nodes_sharing_redis_enforce_one_limit(redis_nodes, tenant):
    (app_1, registry_1), (app_2, registry_2) = redis_nodes
    assert registry_1 is not registry_2
    nodes = [Client(app_1, registry_1, tenant), Client(app_2, registry_2, tenant)]
    statuses = [nodes[n % 2].get("/api/v1/me", **ip(IP_A)).status_int for n in range(8)]
    assert statuses == [401] * 5 + [429] * 3
    # and the lockout is shared as well
    for n in range(3):
        nodes[n % 2].post_json(TOKEN, {"email": "x@example.org", "password": "x"}, **ip(IP_B))
    r = nodes[1].post_json(TOKEN, {"email": "x@example.org", "password": "x"}, **ip(IP_B))
    assert r.status_int == 429 and "failed sign-ins" in r.json["detail"]
