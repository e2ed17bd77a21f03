"""Settings: ini + environment, validation naming the key, production refusals."""

import pathlib

import pytest

from learninghub.config import KERNEL_SETTINGS, collect_settings, settings_doc_markdown
from learninghub.errors import ConfigurationError

GOOD = {"secret.key": "k" * 40}
PROD_INI = str(pathlib.Path(__file__).parents[2] / "production.ini")


def test_defaults_are_filled_and_typed():
    s = collect_settings(dict(GOOD), environ={}, here="/srv")
    assert s["db.pool_size"] == 10
    assert s["metrics.enabled"] is False
    assert s["storage.path"] == "/srv/var/files"
    assert s["tenancy.fallback_hosts"] == ["localhost", "127.0.0.1"]


def test_environment_overrides_ini():
    s = collect_settings(
        dict(GOOD, **{"db.pool_size": "3"}),
        environ={"LEARNINGHUB_DB_POOL_SIZE": "7", "LEARNINGHUB_METRICS_ENABLED": "yes"},
    )
    assert s["db.pool_size"] == 7 and s["metrics.enabled"] is True


def test_every_setting_has_an_env_var_and_doc():
    for setting in KERNEL_SETTINGS:
        assert setting.env_var.startswith("LEARNINGHUB_")
        assert setting.doc


@pytest.mark.parametrize(
    "raw, key",
    [
        ({"db.urll": "x"}, "db.urll"),
        ({"db.pool_size": "ten"}, "db.pool_size"),
        ({"metrics.enabled": "maybe"}, "metrics.enabled"),
        ({"tasks.backend": "threads"}, "tasks.backend"),
        ({"tasks.backend": "celery"}, "celery.broker_url"),
        ({"cache.url": "memcached://x"}, "cache.url"),
    ],
)
def test_bad_ini_setting_names_the_key(raw, key):
    with pytest.raises(ConfigurationError) as info:
        collect_settings(dict(GOOD, **raw), environ={})
    assert info.value.key == key
    assert key in str(info.value)


def test_unknown_environment_setting_names_the_variable():
    with pytest.raises(ConfigurationError) as info:
        collect_settings(dict(GOOD), environ={"LEARNINGHUB_DB_URLL": "x"})
    assert info.value.key == "LEARNINGHUB_DB_URLL"


def test_test_and_config_variables_are_not_settings():
    collect_settings(
        dict(GOOD),
        environ={"LEARNINGHUB_CONFIG": "x.ini", "LEARNINGHUB_TEST_DATABASE_URL": "postgresql://"},
    )


def test_short_secret_is_refused():
    with pytest.raises(ConfigurationError, match="secret.key"):
        collect_settings({"secret.key": "short"}, environ={})


@pytest.mark.parametrize(
    "raw, key",
    [
        ({"secret.key": "dev-only-" + "x" * 40, "db.url": "postgresql://db/lh"}, "secret.key"),
        ({"secret.key": "p" * 40, "db.url": "sqlite:///x.sqlite"}, "db.url"),
        (
            {
                "secret.key": "p" * 40,
                "db.url": "postgresql://db/lh",
                "tenancy.fallback_tenant": "demo",
            },
            "tenancy.fallback_tenant",
        ),
    ],
)
def test_production_refuses_development_choices(raw, key):
    with pytest.raises(ConfigurationError) as info:
        collect_settings(dict(raw, environment="production"), environ={})
    assert info.value.key == key


def test_production_ini_refuses_to_start_without_real_secrets():
    from learninghub.cli import read_settings

    with pytest.raises(ConfigurationError):
        collect_settings(read_settings(PROD_INI), environ={})
    ok = collect_settings(
        read_settings(PROD_INI),
        environ={
            "LEARNINGHUB_SECRET_KEY": "r" * 48,
            "LEARNINGHUB_DB_URL": "postgresql://app@db/learninghub",
        },
    )
    assert ok["environment"] == "production"


def test_plugin_settings_are_validated(lh_raw_settings):
    from learninghub import configure

    with pytest.raises(ConfigurationError) as info:
        configure(dict(lh_raw_settings, **{"plugin.nosuchplugin.x": "1"}), environ={})
    assert info.value.key == "plugin.nosuchplugin.x"


def test_configuration_doc_lists_every_setting():
    import pathlib

    doc = pathlib.Path(__file__).parents[2] / "docs" / "configuration.md"
    text = doc.read_text()
    assert settings_doc_markdown() in text, "run: python -m learninghub.config > table"
