"""Structured logs, request ids and Prometheus metrics.

* Every request gets ``request.request_id``: the incoming ``X-Request-ID`` when it is
  a sane token, otherwise a new one; it is echoed in the response header.
* Logs are JSON lines (structlog over the standard library) carrying request id,
  tenant, user and plugin when known.
* ``/metrics`` (when ``metrics.enabled``) exposes request counts and latency by
  route, task counts and DB pool figures.
"""

from __future__ import annotations

import contextvars
import logging
import re
import sys
import time
import uuid

import structlog
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from pyramid.response import Response

REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{1,128}$")
_log_context: contextvars.ContextVar[dict | None] = contextvars.ContextVar("lh_log", default=None)


def _add_context(logger, method_name, event_dict):
    for key, value in (_log_context.get() or {}).items():
        event_dict.setdefault(key, value)
    return event_dict


def configure_logging(settings) -> None:
    level = getattr(logging, settings["log.level"].upper())
    shared = [
        structlog.contextvars.merge_contextvars,
        _add_context,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer = (
        structlog.processors.JSONRenderer()
        if settings["log.format"] == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*shared, structlog.stdlib.ExtraAdder()],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            renderer,
        ],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    handler.set_name("learninghub")
    root = logging.getLogger()
    root.handlers = [h for h in root.handlers if h.get_name() != "learninghub"]
    root.addHandler(handler)
    root.setLevel(level)
    logging.getLogger("waitress").setLevel(max(level, logging.INFO))


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "learninghub_http_requests_total",
            "HTTP requests",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "learninghub_http_request_duration_seconds",
            "HTTP request latency",
            ["route"],
            registry=self.registry,
        )
        self.tasks = Counter(
            "learninghub_tasks_total", "Tasks run", ["task", "outcome"], registry=self.registry
        )
        self.pool = Gauge(
            "learninghub_db_pool_checked_out", "DB connections in use", registry=self.registry
        )


def request_tween_factory(handler, registry):
    metrics: Metrics | None = registry.get("metrics")
    access = logging.getLogger("learninghub.access")

    def tween(request):
        given = request.headers.get("X-Request-ID", "")
        request.request_id = given if REQUEST_ID_RE.match(given) else uuid.uuid4().hex
        token = _log_context.set({"request_id": request.request_id})
        start = time.perf_counter()
        status = 500
        try:
            response = handler(request)
            status = response.status_code
            response.headers["X-Request-ID"] = request.request_id
            return response
        finally:
            elapsed = time.perf_counter() - start
            route = request.matched_route.name if request.matched_route else "none"
            tenant = request.__dict__.get("tenant")
            if metrics is not None:
                metrics.requests.labels(route, request.method, str(status)).inc()
                metrics.latency.labels(route).observe(elapsed)
            if access.isEnabledFor(logging.DEBUG):
                access.debug(
                    "request",
                    extra={
                        "method": request.method,
                        "path": request.path,
                        "status": status,
                        "ms": round(elapsed * 1000, 2),
                        "route": route,
                        "tenant": tenant.slug if tenant else None,
                        "plugin": getattr(request, "plugin", None),
                    },
                )
            _log_context.reset(token)

    return tween


def bind_log_context(**values) -> None:
    ctx = dict(_log_context.get() or {})
    ctx.update({k: v for k, v in values.items() if v is not None})
    _log_context.set(ctx)


def metrics_view(request):
    metrics: Metrics = request.registry["metrics"]
    engine = request.registry.get("db.engine")
    pool = getattr(engine, "pool", None)
    if pool is not None and hasattr(pool, "checkedout"):
        metrics.pool.set(pool.checkedout())
    return Response(
        generate_latest(metrics.registry),
        content_type=CONTENT_TYPE_LATEST.split(";")[0],
        charset="utf-8",
    )


def includeme(config) -> None:
    settings = config.get_settings()
    if settings["metrics.enabled"]:
        config.registry["metrics"] = Metrics()
        config.add_route("metrics", "/metrics")
        config.add_view(metrics_view, route_name="metrics", request_method="GET")
    config.add_tween(
        "learninghub.observability.request_tween_factory", over="pyramid_tm.tm_tween_factory"
    )
