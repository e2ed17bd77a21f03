"""Register the configured service implementations with pyramid_services.

Each service module exposes ``factory(settings)`` that picks the implementation
from its setting (``storage.backend``, ``search.backend``, ``mail.backend``,
``cache.url`` for the cache and the rate limiter, ``events.url``). Instances are
created once per process; tests may pre-seed
``registry["services.override"][IFace] = instance``.
"""

from __future__ import annotations

import importlib

from ..interfaces import (
    ICache,
    IEventTransport,
    IFileStorage,
    IMailer,
    IRateLimiter,
    ISearchIndex,
)

SERVICE_MODULES = {
    IFileStorage: "learninghub.services.storage",
    ISearchIndex: "learninghub.services.search",
    IMailer: "learninghub.services.mailer",
    ICache: "learninghub.services.cache",
    IEventTransport: "learninghub.services.transport",
    IRateLimiter: "learninghub.services.ratelimit",
}


def build_services(settings) -> dict:
    return {
        iface: importlib.import_module(path).factory(settings)
        for iface, path in SERVICE_MODULES.items()
    }


def includeme(config) -> None:
    overrides = config.registry.get("services.override", {})
    settings = config.get_settings()
    for iface, path in SERVICE_MODULES.items():
        instance = overrides.get(iface)
        if instance is None:
            instance = importlib.import_module(path).factory(settings)
        config.register_service(instance, iface)
