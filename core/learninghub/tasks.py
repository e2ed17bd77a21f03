"""Background tasks: declared with :func:`task`, enqueued after commit, run per tenant.

::

    from learninghub.tasks import task

    @task("announcements.send_email", max_retries=5)
    def send_email(request, announcement_id: str) -> None:
        ...  # request.db is bound to the tenant; the task has its own transaction

    request.tasks.enqueue("announcements.send_email", announcement_id=str(a.id))

Rules:

* Arguments are JSON values (checked at enqueue). The tenant travels with the task.
* Enqueueing joins the request's transaction: a rolled-back request enqueues
  nothing; a committed one dispatches after commit.
* A task runs inside its own transaction with a tenant-bound request (services,
  ``request.db``, ``request.emit``, ``request.tasks`` all work). If the plugin that
  owns the task was disabled for the tenant since, the task is skipped.
* Task bodies must be idempotent: Celery runs with ``acks_late`` and
  ``task_reject_on_worker_lost``, so a task whose worker dies is run again.
* ``tasks.backend = inprocess`` (embedded default) runs the task in the web process
  right after commit; ``celery`` sends it to the broker (one Celery task,
  ``learninghub.run_task``, dispatches by name).
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import transaction
from pyramid.request import Request, apply_request_extensions

from .events import after_commit

log = logging.getLogger("learninghub.tasks")


@dataclass(frozen=True)
class TaskDefinition:
    name: str
    func: Callable[..., Any]
    module: str
    queue: str = "default"
    max_retries: int = 5
    retry_backoff: int = 2


#: name -> definition. Filled at import time by @task (like Celery's task registry).
TASKS: dict[str, TaskDefinition] = {}


def task(
    name: str, *, queue: str = "default", max_retries: int = 5, retry_backoff: int = 2
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare a task. ``name`` is ``<plugin>.<what>``."""

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        existing = TASKS.get(name)
        if existing and existing.func is not func and existing.module != func.__module__:
            raise ValueError(f"task {name!r} declared twice ({existing.module}, {func.__module__})")
        TASKS[name] = TaskDefinition(name, func, func.__module__, queue, max_retries, retry_backoff)
        func.task_name = name  # type: ignore[attr-defined]
        return func

    return decorate


@dataclass(frozen=True)
class TaskMessage:
    name: str
    tenant_id: str
    kwargs: dict[str, Any]
    request_id: str | None = None


class TaskQueue:
    """``request.tasks``."""

    def __init__(self, request) -> None:
        self.request = request

    def enqueue(self, name_or_func: str | Callable[..., Any], /, **kwargs: Any) -> None:
        name = name_or_func if isinstance(name_or_func, str) else name_or_func.task_name
        if name not in TASKS:
            raise KeyError(f"unknown task {name!r}")
        tenant = self.request.tenant
        if tenant is None:
            raise RuntimeError("tasks need a tenant")
        json.dumps(kwargs)  # fail now, not in the worker
        message = TaskMessage(
            name, str(tenant.id), kwargs, getattr(self.request, "request_id", None)
        )
        registry = self.request.registry
        after_commit(getattr(self.request, "tm", None), lambda: dispatch(registry, message))


def dispatch(registry, message: TaskMessage) -> None:
    """Hand a message to the configured back end (called after commit)."""
    backend = registry.settings["tasks.backend"]
    if backend == "celery":
        definition = TASKS[message.name]
        celery_app(registry).send_task(
            "learninghub.run_task",
            args=[message.name, message.tenant_id, message.kwargs],
            kwargs={"request_id": message.request_id},
            queue=definition.queue,
        )
        return
    run_task(
        registry, message.name, message.tenant_id, message.kwargs, request_id=message.request_id
    )


class TaskSkipped(Exception):
    pass


def make_tenant_request(registry, tenant, transaction_manager, path: str = "/") -> Request:
    """A request bound to ``tenant`` for code running outside HTTP (tasks, CLI)."""
    base = (
        f"http://{tenant.slug}.{registry.settings['tenancy.base_domain']}"
        if tenant
        else "http://localhost"
    )
    request = Request.blank(path, base_url=base)
    request.registry = registry
    apply_request_extensions(request)
    request.tm = transaction_manager
    request.__dict__["tenant"] = tenant
    request.context = None  # has_permission(permission) works without a traversal context
    return request


def run_task(
    registry, name: str, tenant_id: str, kwargs: dict[str, Any], *, request_id: str | None = None
) -> str:
    """Run one task in its own transaction. Returns "done" or "skipped"; raises on
    failure (after aborting) so that Celery can retry."""
    definition = TASKS.get(name)
    if definition is None:
        raise KeyError(f"unknown task {name!r}")
    resolver = registry["tenancy.resolver"]
    # workers must see enablement changes at once; lookups also check the shared
    # generation, so a local clear is enough (a bump would make every node reload)
    resolver.forget_local()
    tenant = resolver.by_id(uuid.UUID(tenant_id))
    plugin = registry["plugins"].plugin_for_module(definition.module)
    if tenant is None:
        log.warning("task %s skipped: tenant %s is gone", name, tenant_id)
        return "skipped"
    if plugin is not None and not tenant.is_enabled(plugin):
        log.info("task %s skipped: plugin %s disabled for tenant %s", name, plugin, tenant.slug)
        return "skipped"
    from .observability import _log_context, bind_log_context

    tm = transaction.TransactionManager(explicit=True)
    request = make_tenant_request(registry, tenant, tm)
    request.request_id = request_id or uuid.uuid4().hex
    # an in-process task runs inside its caller: restore the caller's log context after
    outer_log_context = _log_context.set(dict(_log_context.get() or {}))
    bind_log_context(request_id=request.request_id, tenant=tenant.slug, task=name, plugin=plugin)
    metrics = registry.get("metrics")
    tm.begin()
    try:
        definition.func(request, **kwargs)
        tm.commit()
    except Exception:
        tm.abort()
        log.exception("task %s failed for tenant %s", name, tenant.slug)
        if metrics is not None:
            metrics.tasks.labels(name, "failed").inc()
        raise
    finally:
        if "db" in request.__dict__:
            request.db.close()
        _log_context.reset(outer_log_context)
    if metrics is not None:
        metrics.tasks.labels(name, "done").inc()
    return "done"


def make_celery(registry):
    """The one Celery app, configured from the same settings as the web process."""
    from celery import Celery

    settings = registry.settings
    app = Celery(
        "learninghub",
        broker=settings["celery.broker_url"] or "memory://",
        backend=settings["celery.result_backend"] or None,
    )
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_serializer="json",
        accept_content=["json"],
        result_serializer="json",
        task_default_queue="default",
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
        timezone="UTC",
    )

    @app.task(name="learninghub.run_task", bind=True)
    def run(
        self, name: str, tenant_id: str, kwargs: dict[str, Any], request_id: str | None = None
    ) -> str:
        try:
            return run_task(registry, name, tenant_id, kwargs, request_id=request_id)
        except Exception as exc:
            definition = TASKS.get(name)
            retries = definition.max_retries if definition else 0
            backoff = definition.retry_backoff if definition else 2
            raise self.retry(
                exc=exc, countdown=backoff ** (self.request.retries + 1), max_retries=retries
            ) from exc

    app.learninghub_registry = registry
    return app


def celery_app(registry):
    """The registry's Celery app, created on first use (the web process of the
    embedded default never imports Celery)."""
    app = registry.get("celery.app")
    if app is None:
        app = registry["celery.app"] = make_celery(registry)
    return app


def includeme(config) -> None:
    config.add_request_method(TaskQueue, "tasks", reify=True)
    if config.get_settings()["tasks.backend"] == "celery":
        celery_app(config.registry)
