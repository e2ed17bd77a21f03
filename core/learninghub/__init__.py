"""Learning Hub kernel.

``configure(settings)`` builds the Pyramid Configurator: settings validated, kernel
subsystems included, then every loaded plugin's ``includeme`` in dependency order
(each committed on its own so that a plugin's conflicts name the plugin).
``main`` is the PasteDeploy app factory.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from types import ModuleType
from typing import Any

__version__ = "0.1.0"

# Pyramid 2.x still imports pkg_resources; recent setuptools warn about it on every
# start. Silence that one message only.
warnings.filterwarnings("ignore", message="pkg_resources is deprecated", category=UserWarning)


def configure(
    settings: dict[str, Any],
    *,
    engine=None,
    extra_plugins: Iterable[ModuleType] = (),
    environ: dict[str, str] | None = None,
):
    from pyramid.config import Configurator
    from pyramid.csrf import CookieCSRFStoragePolicy

    from .config import collect_settings
    from .observability import configure_logging
    from .plugins import PluginRegistry

    settings = collect_settings(settings, environ=environ)
    # serialization failures and deadlocks (marked retryable by zope.sqlalchemy) are
    # retried with a fresh request and transaction
    settings.setdefault("retry.attempts", 3)
    configure_logging(settings)
    config = Configurator(settings=settings)
    plugins = PluginRegistry()
    plugins.discover(settings, extra=extra_plugins)
    config.registry["plugins"] = plugins
    from .accounts import nav

    plugins.pm.register(nav, name="kernel")
    if engine is not None:
        config.registry["db.engine"] = engine
    config.include("pyramid_services")
    config.include(".services.wiring")
    config.include(".db")
    config.include(".tenancy")
    config.include(".identity")
    config.include(".plugins")
    config.include(".events")
    config.include(".tasks")
    config.include(".api")
    config.include(".web")
    config.include(".health")
    config.include(".observability")
    # before every module that marks its routes with config.add_strict_rate_limit
    config.include(".ratelimit")
    config.include(".pagecache")
    config.include(".auth_api")
    config.include(".accounts")
    config.include(".platform")
    config.include(".shell")
    config.set_csrf_storage_policy(
        CookieCSRFStoragePolicy(
            cookie_name="lh_csrf", secure=settings["auth.cookie_secure"], samesite="Lax"
        )
    )
    config.set_default_csrf_options(require_csrf=True)
    config.commit()
    for name in plugins.order:
        module = plugins.plugins[name].module
        if hasattr(module, "includeme"):
            config.include(module)
            config.commit()
    return config


def settle_heap() -> None:
    """Call once the app is built, before serving: move every object alive now
    (modules, mappers, compiled templates, settings) out of the garbage collector's
    reach (``gc.freeze``). Full collections then walk only what requests create,
    instead of the whole start-up heap, which otherwise costs a pause of tens of
    milliseconds every few hundred requests: the slowest percentile of every page."""
    import gc

    gc.collect()
    gc.freeze()


def make_app(settings: dict[str, Any], **kwargs: Any):
    return configure(settings, **kwargs).make_wsgi_app()


def main(global_config: dict[str, Any], **settings: Any):
    """PasteDeploy entry point (``use = egg:learninghub``)."""
    settings.setdefault("here", global_config.get("here"))
    return make_app(settings)
