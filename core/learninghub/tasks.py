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
* ``request.tasks.enqueue_at(when, name, **kwargs)`` runs the task at ``when`` (a
  timezone-aware time) or right after commit when ``when`` has passed. Celery gets
  ``eta``; in-process, :class:`DelayedTasks` keeps it in memory and a timer thread
  runs it when due (``tasks.delayed_thread``; off in tests, which call
  :meth:`DelayedTasks.run_due`). An in-process delayed task is lost when the process
  stops: a plugin that relies on one also needs a sweep (a command for cron, or
  work done lazily when the state is next read).
"""

from __future__ import annotations

import heapq
import itertools
import json
import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import transaction
from pyramid.request import Request, apply_request_extensions
from transaction.interfaces import NoTransaction

from .db import utcnow
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
    coalesce: bool = False


#: transaction data key: the coalescing tasks already queued in that transaction
_COALESCED_KEY = object()


#: name -> definition. Filled at import time by @task (like Celery's task registry).
TASKS: dict[str, TaskDefinition] = {}


def task(
    name: str,
    *,
    queue: str = "default",
    max_retries: int = 5,
    retry_backoff: int = 2,
    coalesce: bool = False,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare a task. ``name`` is ``<plugin>.<what>``.

    ``coalesce=True``: the same task with the same arguments (and time) queued several
    times in one transaction is sent once, after commit. For tasks that bring something
    up to date from the committed state (a search reindex), where the last run is the
    only one that matters."""

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        existing = TASKS.get(name)
        if existing and existing.func is not func and existing.module != func.__module__:
            raise ValueError(f"task {name!r} declared twice ({existing.module}, {func.__module__})")
        TASKS[name] = TaskDefinition(
            name, func, func.__module__, queue, max_retries, retry_backoff, coalesce
        )
        func.task_name = name  # type: ignore[attr-defined]
        return func

    return decorate


@dataclass(frozen=True)
class TaskMessage:
    name: str
    tenant_id: str
    kwargs: dict[str, Any]
    request_id: str | None = None
    #: run at this time (timezone-aware UTC) rather than right after commit
    eta: datetime | None = None


class TaskQueue:
    """``request.tasks``."""

    def __init__(self, request) -> None:
        self.request = request

    def enqueue(self, name_or_func: str | Callable[..., Any], /, **kwargs: Any) -> None:
        """Run the task right after the current transaction commits."""
        self._send(name_or_func, None, kwargs)

    def enqueue_at(
        self, when: datetime, name_or_func: str | Callable[..., Any], /, **kwargs: Any
    ) -> None:
        """Run the task at ``when`` (timezone-aware), or right after commit when that
        time has passed. Like :meth:`enqueue`, nothing is sent if the transaction
        rolls back. The task may run a little late (a busy worker, a timer thread)
        and, in-process, not at all if the process stops first: keep a sweep."""
        if when.tzinfo is None:
            raise ValueError("enqueue_at needs a timezone-aware time")
        self._send(name_or_func, when, kwargs)

    def _send(
        self, name_or_func: str | Callable[..., Any], eta: datetime | None, kwargs: dict
    ) -> None:
        name = name_or_func if isinstance(name_or_func, str) else name_or_func.task_name
        if name not in TASKS:
            raise KeyError(f"unknown task {name!r}")
        tenant = self.request.tenant
        if tenant is None:
            raise RuntimeError("tasks need a tenant")
        encoded = json.dumps(kwargs, sort_keys=True)  # fail now, not in the worker
        if TASKS[name].coalesce and self._queued_already((name, encoded, eta)):
            return
        message = TaskMessage(
            name, str(tenant.id), kwargs, getattr(self.request, "request_id", None), eta
        )
        registry = self.request.registry
        after_commit(getattr(self.request, "tm", None), lambda: dispatch(registry, message))

    def _queued_already(self, key: tuple) -> bool:
        """Whether ``key`` was queued in the current transaction (and note it)."""
        tm = getattr(self.request, "tm", None)
        if tm is None:
            return False
        try:
            txn = tm.get()
        except NoTransaction:
            return False
        try:
            seen = txn.data(_COALESCED_KEY)
        except KeyError:
            seen = set()
            txn.set_data(_COALESCED_KEY, seen)
        if key in seen:
            return True
        seen.add(key)
        return False


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
            eta=message.eta,
        )
        return
    if message.eta is not None and message.eta > utcnow():
        delayed_tasks(registry).schedule(message)
        return
    run_task(
        registry, message.name, message.tenant_id, message.kwargs, request_id=message.request_id
    )


class DelayedTasks:
    """In-process tasks waiting for their time (``enqueue_at`` with the ``inprocess``
    back end): a heap in memory and, when ``tasks.delayed_thread`` is on, one daemon
    thread that runs each task when due. Lost when the process stops."""

    def __init__(self, registry, *, thread: bool) -> None:
        self.registry = registry
        self.use_thread = thread
        self._heap: list[tuple[datetime, int, TaskMessage]] = []
        self._order = itertools.count()
        self._condition = threading.Condition()
        self._thread: threading.Thread | None = None

    def schedule(self, message: TaskMessage) -> None:
        assert message.eta is not None
        with self._condition:
            heapq.heappush(self._heap, (message.eta, next(self._order), message))
            self._condition.notify()
            if self.use_thread and self._thread is None:
                self._thread = threading.Thread(
                    target=self._loop, name="learninghub-delayed-tasks", daemon=True
                )
                self._thread.start()

    def clear(self) -> int:
        """Forget every waiting message (tests); returns how many there were."""
        with self._condition:
            count = len(self._heap)
            self._heap.clear()
            return count

    def pending(self) -> list[TaskMessage]:
        """The messages still waiting, soonest first."""
        with self._condition:
            return [message for _, _, message in sorted(self._heap)]

    def _pop_due(self, now: datetime) -> list[TaskMessage]:
        due = []
        with self._condition:
            while self._heap and self._heap[0][0] <= now:
                due.append(heapq.heappop(self._heap)[2])
        return due

    def run_due(self, now: datetime | None = None) -> int:
        """Run every task due at ``now`` (default: the current time) in this thread;
        return how many ran. Tests call it with a time in the future instead of
        waiting; a failing task is logged, the others still run."""
        count = 0
        for message in self._pop_due(now or utcnow()):
            count += 1
            try:
                run_task(
                    self.registry,
                    message.name,
                    message.tenant_id,
                    message.kwargs,
                    request_id=message.request_id,
                )
            except Exception:
                log.exception("delayed task %s failed", message.name)
        return count

    def _loop(self) -> None:  # pragma: no cover - exercised by the thread test
        while True:
            with self._condition:
                while not self._heap:
                    self._condition.wait()
                wait = (self._heap[0][0] - utcnow()).total_seconds()
                if wait > 0:
                    self._condition.wait(timeout=min(wait, 60.0))
                    continue
            self.run_due()


def delayed_tasks(registry) -> DelayedTasks:
    """The registry's in-process delayed task holder, created on first use."""
    holder = registry.get("tasks.delayed")
    if holder is None:
        holder = registry["tasks.delayed"] = DelayedTasks(
            registry, thread=bool(registry.settings.get("tasks.delayed_thread", True))
        )
    return holder


class TaskSkipped(Exception):
    pass


def make_tenant_request(registry, tenant, transaction_manager, path: str = "/") -> Request:
    """A request bound to ``tenant`` for code running outside HTTP (tasks, CLI). Its
    URLs (``route_url``, links in emails) are ``<scheme>://<slug>.<tenancy.base_domain>``,
    https when the site is served over HTTPS (``auth.cookie_secure``, on in production)."""
    scheme = "https" if registry.settings.get("auth.cookie_secure") else "http"
    base = (
        f"{scheme}://{tenant.slug}.{registry.settings['tenancy.base_domain']}"
        if tenant
        else f"{scheme}://localhost"
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
