"""``/healthz`` (process alive) and ``/readyz`` (dependencies ready)."""

from __future__ import annotations

import json
import logging

import sqlalchemy as sa
from pyramid.response import Response

from .interfaces import ICache, IFileStorage

log = logging.getLogger("learninghub.health")


def healthz(request):
    return Response(b'{"status":"ok"}', content_type="application/json")


def _checks(request):
    registry = request.registry

    def database():
        with registry["db.engine"].connect() as conn:
            conn.execute(sa.text("SELECT 1"))

    def storage():
        request.find_service(IFileStorage).check_writable()

    def cache():
        request.find_service(ICache).ping()

    checks = [("database", database), ("storage", storage), ("cache", cache)]
    if registry.settings["tasks.backend"] == "celery":

        def broker():
            from .tasks import celery_app

            with celery_app(registry).connection_for_write() as conn:
                conn.ensure_connection(max_retries=1, timeout=2)

        checks.append(("broker", broker))
    # readiness is per process, not per tenant: ask every loaded plugin
    from .plugins import HookRelay

    plugins = registry["plugins"]
    every_plugin = HookRelay(plugins, frozenset(plugins.plugins))
    for result in every_plugin.learninghub_readiness_checks(request=request):
        checks.extend(result)
    return checks


def readyz(request):
    results = {}
    ok = True
    for name, check in _checks(request):
        try:
            check()
            results[name] = {"status": "ok"}
        except Exception as exc:  # every failure is reported, none hidden
            ok = False
            log.warning("readiness check %s failed: %r", name, exc)
            results[name] = {"status": "failed", "error": type(exc).__name__ + ": " + str(exc)}
    body = {"status": "ok" if ok else "unavailable", "checks": results}
    return Response(
        json.dumps(body),
        status=200 if ok else 503,
        charset="utf-8",
        content_type="application/json",
    )


def includeme(config) -> None:
    config.add_route("healthz", "/healthz")
    config.add_view(healthz, route_name="healthz", request_method="GET")
    config.add_route("readyz", "/readyz")
    config.add_view(readyz, route_name="readyz", request_method="GET")
