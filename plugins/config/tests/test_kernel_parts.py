"""The kernel parts this plugin relies on: learninghub.secrets (sealing, rotation, the
Secret type, settings), and the shared tenant generation of TenantResolver."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from learninghub.config import collect_settings
from learninghub.errors import ConfigurationError
from learninghub.secrets import (
    DEVELOPMENT_KEY,
    MASK,
    Secret,
    SecretBox,
    SecretError,
    build_box,
    is_token,
    redact,
    seal_settings,
    secret_fields,
)
from learninghub.services.cache import MemoryCache
from learninghub.tenancy import GENERATION_KEY, TenantResolver

K1 = "k1-" + "a" * 40
K2 = "k2-" + "b" * 40


def box(*keys, environment="test") -> SecretBox:
    return build_box({"secrets.keys": list(keys), "environment": environment})


def test_seal_open_and_rotate():
    old = box(K1)
    token = old.seal("sk_live_123")
    assert is_token(token) and "sk_live" not in token
    assert old.open(token) == "sk_live_123"
    assert old.seal("sk_live_123") != token  # random IV: same value, other token
    rotated_box = box(K2, K1)
    assert rotated_box.open(token) == "sk_live_123" and rotated_box.needs_rotation(token)
    new = rotated_box.rotate(token)
    assert new != token and not rotated_box.needs_rotation(new)
    assert rotated_box.rotate(new) == new
    assert box(K2).open(new) == "sk_live_123"
    with pytest.raises(SecretError, match="no longer lists"):
        box(K2).open(token)
    with pytest.raises(SecretError, match="tampered"):
        old.open(token[:-4] + "AAAA")
    with pytest.raises(SecretError):
        old.open("not a token")


def test_development_key_outside_production_only():
    assert box().open(box().seal("x")) == "x"  # empty keys: the development key
    assert box(DEVELOPMENT_KEY).open(box().seal("x")) == "x"
    prod = box(environment="production")
    with pytest.raises(SecretError, match="secrets.keys"):
        prod.seal("x")
    base = {"secret.key": "p" * 40, "db.url": "postgresql://db/lh", "environment": "production"}
    with pytest.raises(ConfigurationError) as info:
        collect_settings(dict(base, **{"secrets.keys": DEVELOPMENT_KEY}), environ={})
    assert info.value.key == "secrets.keys"
    with pytest.raises(ConfigurationError, match="32 characters"):
        collect_settings({"secret.key": "p" * 40, "secrets.keys": "short"}, environ={})
    ok = collect_settings(base, environ={"LEARNINGHUB_SECRETS_KEYS": f"{K2},{K1}"})
    assert ok["secrets.keys"] == [K2, K1]
    with pytest.raises(ConfigurationError) as info:
        collect_settings(dict(base, **{"secrets.backend": "vault"}), environ={})
    assert info.value.key == "secrets.vault_url"


class Model(BaseModel):
    name: str = "x"
    api_key: Secret = Secret()
    other: Secret | None = None


def test_secret_type_never_shows_its_value():
    m = Model.model_validate({"api_key": "plain-value"})
    assert isinstance(m.api_key, Secret) and m.api_key.is_set and not m.api_key.is_sealed
    assert "plain-value" not in repr(m) and "plain-value" not in str(m.api_key)
    assert str(m.api_key) == MASK and repr(Secret()) == "Secret('')"
    assert Model().api_key.is_set is False
    schema = Model.model_json_schema()["properties"]["api_key"]
    assert schema["writeOnly"] is True and schema["format"] == "password"
    assert secret_fields(Model) == ["api_key", "other"]
    with pytest.raises(ValueError):
        Model.model_validate({"api_key": 5})


def test_settings_are_sealed_and_revealed_with_the_registry():
    class Registry(dict):
        settings = {"secrets.keys": [K1], "environment": "test"}

    registry = Registry()
    sealed = seal_settings(registry, Model, {"name": "n", "api_key": "plain-value", "other": ""})
    assert is_token(sealed["api_key"]) and sealed["other"] == "" and sealed["name"] == "n"
    assert seal_settings(registry, Model, sealed) == sealed  # tokens stay as they are
    m = Model.model_validate(sealed)
    assert m.api_key.is_sealed and m.api_key.reveal(registry) == "plain-value"
    assert m.model_dump(mode="json")["api_key"] == sealed["api_key"]
    assert redact(Model, sealed) == {"name": "n", "api_key": MASK, "other": ""}


@pytest.fixture
def resolvers(registry, db_connection, tenant):
    """Two resolvers (two nodes) sharing one cache, on the test database."""
    shared = MemoryCache()
    out = []
    for _ in range(2):
        resolver = TenantResolver(registry)
        resolver._shared = shared
        out.append(resolver)
    return out, shared


def test_invalidate_reaches_a_resolver_sharing_the_cache(resolvers, tenant, db, monkeypatch):
    import learninghub.tenancy

    monkeypatch.setattr(learninghub.tenancy, "TENANT_CACHE_TTL", 3600.0)
    (a, b), shared = resolvers
    assert b.by_id(tenant.id).name == tenant.orm.name
    tenant.orm.name = "Renamed"
    db.flush()
    assert b.by_id(tenant.id).name != "Renamed"  # cached
    before = shared.get(None, GENERATION_KEY, 0)
    a.invalidate()
    assert shared.get(None, GENERATION_KEY) == before + 1
    assert b.by_id(tenant.id).name == "Renamed"  # one generation read, then a reload


def test_invalidate_with_a_transaction_bumps_again_after_commit(resolvers):
    import transaction

    (a, _), shared = resolvers
    tm = transaction.TransactionManager(explicit=True)
    tm.begin()
    a.invalidate(tm)
    assert shared.get(None, GENERATION_KEY) == 1
    tm.commit()
    assert shared.get(None, GENERATION_KEY) == 2
    tm.begin()
    a.invalidate(tm)
    tm.abort()
    assert shared.get(None, GENERATION_KEY) == 3  # nothing more after an abort


def test_a_failing_cache_falls_back_to_the_ttl(resolvers, tenant, caplog):
    (a, _), _ = resolvers

    class Broken:
        def get(self, *args, **kw):
            raise ConnectionError("cache down")

        incr = get

    a._shared = Broken()
    assert a.by_id(tenant.id).id == tenant.id
    a.invalidate()  # logged, not raised
    assert a.generation() is None
    assert "cache service unavailable" in caplog.text
