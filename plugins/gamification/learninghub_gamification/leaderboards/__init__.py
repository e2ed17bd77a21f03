"""Leaderboards of the gamification plugin: tenant-wide and per course, weekly,
monthly and all time, behind :class:`.interfaces.ILeaderboard` with an SQL back end
(embedded default) and a Redis one (production), chosen by the instance setting
``plugin.gamification.leaderboard_backend`` (docs/plugins/gamification-leaderboards.md).
"""

from __future__ import annotations

from learninghub.errors import ConfigurationError

from .interfaces import ILeaderboard

SETTING = "plugin.gamification.leaderboard_backend"


def backend_name(registry) -> str:
    plugins = registry.get("plugins")
    defaults = plugins.instance_defaults.get("gamification", {}) if plugins else {}
    return defaults.get("leaderboard_backend", "sql")


def make_factory(registry, settings):
    """The service factory of the configured back end. Redis uses the kernel's
    ``cache.url`` server (one client per process)."""
    name = backend_name(registry)
    if name == "redis":
        from .redis_backend import RedisLeaderboard

        url = settings.get("cache.url", "")
        if not str(url).startswith(("redis://", "rediss://", "unix://")):
            raise ConfigurationError(
                SETTING, "the redis leaderboard needs cache.url to name a Redis server"
            )
        shared = RedisLeaderboard(url)
        return lambda context, request: shared
    if name == "sql":
        from .sql import SQLLeaderboard

        return lambda context, request: SQLLeaderboard(request.db)
    raise ConfigurationError(SETTING, f"unknown leaderboard back end {name!r}")


def includeme(config) -> None:
    override = config.registry.get("services.override", {}).get(ILeaderboard)
    if override is not None:
        factory = lambda context, request: override  # noqa: E731
    else:
        factory = make_factory(config.registry, config.get_settings())
    config.register_service_factory(factory, ILeaderboard)
    config.add_route("gamification.page.leaderboards", "/leaderboards")
    config.scan(".api")
    config.scan(".views")
