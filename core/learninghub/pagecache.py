"""Page cache: anonymous GET answers kept in process memory, checked against
generation counters in the shared cache service on every hit.

Why: the anonymous catalog and landing pages are the most visited pages of a
tenant and are the same for every visitor; rendering one costs tens of SQL
statements and a template tree. A hit costs a dict lookup, one ``ICache.get_many``
per namespace (``memory://``: dict reads; Redis: one MGET each) and a copy of the
body.

Contract for a view (opt-in, per answer)::

    from learninghub import pagecache

    pagecache.allow(request)            # this answer may be cached (default TTL)
    pagecache.allow(request, ttl=30)    # at most 30 s

Only requests that can't be personal are candidates: ``GET`` without an
``Authorization`` header and without the page-session cookie. Answers are stored
only when the view allowed it, the status is 200, the body is in memory, the request
had a tenant, no Set-Cookie other than the CSRF cookie is on its way and every SQL
statement of the request named its tables.

Invalidation is automatic, by **generations**:

- *Reads.* While a candidate request renders, every ORM statement of its
  ``request.db`` session records the tables it reads (``find_tables``), and the
  generation of each table (``pc:<table>`` in the tenant's cache namespace) is read
  *before* the statement runs. A write committed in between bumps the generation
  after its commit, so the stored answer is already outdated when it is checked.
  Sources other than SQL call :func:`depends` (the courses search index does).
- *Writes.* Every session records the tables its flushes and ORM DML statements
  wrote; after the commit each one's generation is incremented (``ICache.incr``)
  for the session's tenant; a session without a tenant (or the system session)
  bumps the instance-wide generation instead. Other sources call :func:`bump`.
  Writes through a raw connection outside the ORM session, or by a process that
  does not share the cache service, are seen only when the entry's TTL ends.
- Tenant settings, theme, branding and plugin enablement are covered by the
  tenant generation of :class:`learninghub.tenancy.TenantResolver`.

The key is the host, scheme, path, query string, the ``Accept``, ``Accept-Language``
and htmx headers and the locale and display cookies. Entries live in an LRU
bounded by ``pagecache.max_entries`` and ``pagecache.max_bytes``; each expires after
its TTL (``pagecache.ttl`` by default) whatever the generations say, so relative
times and access windows never drift further. The CSRF token a page embeds is
punched out of the stored body and filled in per visitor on every hit (the
visitor's own ``lh_csrf`` cookie, or a new one set on the answer).

A request with ``Cache-Control: no-cache`` (or ``Pragma: no-cache``, a browser's
hard reload) is rendered afresh, and the new answer replaces the stored one.

Answers carry ``X-Page-Cache: hit`` or ``miss`` (a stored miss). Settings:
``pagecache.enabled``, ``pagecache.ttl``, ``pagecache.max_entries``,
``pagecache.max_bytes``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import event, orm

log = logging.getLogger(__name__)
T = TypeVar("T")

#: environ key: the TTL a view allowed (``allow``).
ALLOW_ENV = "learninghub.pagecache.allow"
#: environ key: the read recorder of a candidate request.
RECORDER_ENV = "learninghub.pagecache.recorder"
#: Instance-wide generation (no tenant namespace): bumped by tenant-less writes.
GLOBAL_KEY = "pagecache.global"
#: Prefix of the per-tenant generation of a table or other source.
PREFIX = "pc:"
#: What stands in for the visitor's CSRF token in a stored body.
CSRF_HOLE = b"lh-csrf-hole-7f1c9e0b"
#: Request headers that may change an answer (WSGI environ names).
VARY_HEADERS = (
    "HTTP_ACCEPT",
    "HTTP_ACCEPT_LANGUAGE",
    "HTTP_HX_REQUEST",
    "HTTP_HX_TARGET",
    "HTTP_HX_BOOSTED",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_HOST",
)
VARY_COOKIES = ("lh_locale", "lh_display")
SESSION_COOKIE = "lh_session"
#: registry key: names of cookies that make an answer personal (the session's, and
#: those plugins add with ``config.add_private_cookie(name)``)
PRIVATE_COOKIES_KEY = "pagecache.private_cookies"
CSRF_COOKIE = "lh_csrf"
#: Response headers never stored (set per answer by outer layers or by us).
_DROP_HEADERS = {"set-cookie", "x-page-cache", "x-request-id", "date", "content-length"}


def allow(request, ttl: int | None = None) -> None:
    """Let this answer be cached for anonymous visitors (``ttl`` seconds at most;
    default: the ``pagecache.ttl`` setting). Harmless on any other request."""
    request.environ[ALLOW_ENV] = ttl if ttl is not None else 0


def depends(request, source: str) -> None:
    """Record that the answer being rendered depends on ``source`` (e.g.
    ``"search:courses"``), a non-SQL input whose writers call :func:`bump`."""
    recorder = request.environ.get(RECORDER_ENV)
    if recorder is not None:
        recorder.read([source])


def bump(registry, tenant_id, *sources: str) -> None:
    """Outdate every cached answer of ``tenant_id`` (None: of every tenant) that
    read one of ``sources`` (table names, or names given to :func:`depends`)."""
    cache = _cache_of(registry)
    if cache is None:
        return
    try:
        if tenant_id is None:
            cache.incr(None, GLOBAL_KEY)
        else:
            for source in sources:
                cache.incr(tenant_id, PREFIX + source)
    except Exception as exc:  # the write is committed; entries still expire by TTL
        log.warning("page cache: could not bump %s: %r", sources, exc)


def _cache_of(registry) -> Any:
    cache = registry.get("pagecache.icache") if hasattr(registry, "get") else None
    if cache is None:
        from types import SimpleNamespace

        from pyramid_services import find_service_factory

        from .interfaces import ICache

        try:
            factory = find_service_factory(SimpleNamespace(registry=registry), ICache)
        except Exception:
            return None
        cache = getattr(factory, "service", None) or factory(None, None)
        registry["pagecache.icache"] = cache
    return cache


# ---------------------------------------------------------------------------
# Reads: what a candidate request depends on


class Recorder:
    """The generations a candidate request read, each taken before its read."""

    def __init__(self, cache, tenant_id) -> None:
        self.cache = cache
        self.tenant_id = tenant_id
        self.generations: dict[str, Any] = {}
        self.spoiled: str | None = None

    def read(self, sources) -> None:
        new = [s for s in sources if s not in self.generations]
        if not new or self.spoiled:
            return
        try:
            values = self.cache.get_many(self.tenant_id, [PREFIX + s for s in new], 0)
        except Exception as exc:
            self.spoil(f"cache service: {exc!r}")
            return
        self.generations.update(zip(new, values, strict=True))

    def spoil(self, reason: str) -> None:
        if self.spoiled is None:
            self.spoiled = reason

    def adopt(self, generations: dict[str, Any], spoiled: str | None = None) -> None:
        """Take over what a memoized value read (its generations as stored: an older
        generation only makes the page outdated sooner)."""
        for source, generation in generations.items():
            self.generations.setdefault(source, generation)
        if spoiled:
            self.spoil(spoiled)


def _tables_of(statement) -> list[str] | None:
    from sqlalchemy.sql.util import find_tables

    try:
        tables = find_tables(
            statement,
            check_columns=True,
            include_aliases=True,
            include_joins=True,
            include_crud=True,
        )
    except Exception:
        return None
    names = sorted({t.name for t in tables if getattr(t, "name", None)})
    return names or None


@event.listens_for(orm.Session, "do_orm_execute")
def _record(execute_state: orm.ORMExecuteState) -> None:
    session = execute_state.session
    if execute_state.is_select:
        recorder = session.info.get("pc.recorder")
        if recorder is None:
            return
        tables = _tables_of(execute_state.statement)
        if tables is None:
            recorder.spoil("a statement without named tables")
        else:
            recorder.read(tables)
        return
    if execute_state.is_insert or execute_state.is_update or execute_state.is_delete:
        tables = _tables_of(execute_state.statement)
        written = session.info.setdefault("pc.written", set())
        if tables is None:
            written.add(None)  # unknown: bump everything of the tenant's namespace
        else:
            written.update(tables)


# ---------------------------------------------------------------------------
# Writes: bump after commit


@event.listens_for(orm.Session, "after_flush")
def _flushed(session: orm.Session, flush_context) -> None:
    written = session.info.setdefault("pc.written", set())
    for obj in (*session.new, *session.dirty, *session.deleted):
        try:
            mapper = orm.object_mapper(obj)
        except Exception:
            continue
        written.update(t.name for t in mapper.tables)


@event.listens_for(orm.Session, "after_commit")
def _committed(session: orm.Session) -> None:
    written = session.info.pop("pc.written", None)
    registry = session.info.get("pc.registry")
    if not written or registry is None:
        return
    from .db import SYSTEM

    tenant_id = session.info.get("tenant_id")
    if tenant_id is None or tenant_id == SYSTEM or None in written:
        bump(registry, None)
    else:
        bump(registry, tenant_id, *sorted(written))


@event.listens_for(orm.Session, "after_rollback")
def _rolled_back(session: orm.Session) -> None:
    session.info.pop("pc.written", None)


def attach_registry(session: orm.Session, registry) -> None:
    """Wire a session made outside :func:`learninghub.db.get_tm_session` (which
    wires its own) so that its commits bump generations."""
    session.info["pc.registry"] = registry


# ---------------------------------------------------------------------------
# Stamps: what a stored answer or value was built from


@dataclass
class Stamp:
    """The generations a stored answer (or memo) was built from, and its expiry."""

    tenant_id: Any
    keys: list[str]  # cache keys of the sources (PREFIX + name)
    values: list[Any]
    globals_: list[Any]
    expires_at: float

    @classmethod
    def taken(
        cls, recorder: Recorder, globals_: list[Any], now: float, ttl: int | None, default: int
    ):
        sources = sorted(recorder.generations)
        return cls(
            tenant_id=recorder.tenant_id,
            keys=[PREFIX + s for s in sources],
            values=[recorder.generations[s] for s in sources],
            globals_=globals_,
            expires_at=now + min(ttl or default, default),
        )

    @property
    def generations(self) -> dict[str, Any]:
        return {
            key[len(PREFIX) :]: value for key, value in zip(self.keys, self.values, strict=True)
        }

    def fresh(self, cache, now: float) -> bool:
        """Not expired and no source changed (raises when the cache service fails)."""
        return (
            self.expires_at > now
            and cache.get_many(self.tenant_id, self.keys, 0) == self.values
            and _global_generations(cache) == self.globals_
        )


# ---------------------------------------------------------------------------
# Memo: values computed from SQL, shared by every request of a tenant


@dataclass
class Memo:
    stamp: Stamp
    value: Any


def _has_written(session) -> bool:
    return bool(session.info.get("pc.written") or session.new or session.dirty or session.deleted)


def memo(request, key: str, compute: Callable[[], T], ttl: int | None = None) -> T:
    """``compute()``, kept in process memory for the request's tenant under ``key``
    and recomputed when a table (or :func:`depends` source) it read has changed:
    the page cache's generations, for the parts of a page that are the same for
    every visitor, signed in or not (a course's instructors, its syllabus, its
    rating summary).

    The value must be plain data that nobody mutates: tuples, dicts, strings,
    numbers, UUIDs, dataclasses of those. Never ORM instances: they belong to one
    session. ``key`` names everything the value depends on besides the database
    (a course id, a locale when the value holds translated text). A request whose
    session has written anything not yet committed always computes (it reads its
    own writes) and stores nothing (the value could hold rows a rollback removes);
    a candidate page that uses a memo depends on what the memo read.
    """
    registry = getattr(request, "registry", None)
    store = registry.get("pagecache.memo") if registry is not None else None
    tenant = getattr(request, "tenant", None)
    cache = _cache_of(registry) if store is not None else None
    if store is None or tenant is None or cache is None:
        return compute()
    session = request.db
    if _has_written(session):
        return compute()  # read your own uncommitted writes, never a stored value
    outer = request.environ.get(RECORDER_ENV)
    full_key = (tenant.id, key)
    now = time.monotonic()
    entry = store.get(full_key)
    if entry is not None:
        try:
            fresh = entry.stamp.fresh(cache, now)
        except Exception:
            fresh = False
        if fresh:
            if outer is not None:
                outer.adopt(entry.stamp.generations)
            return entry.value
        store.discard(full_key)
    try:
        globals_ = _global_generations(cache)
    except Exception:
        return compute()
    recorder = Recorder(cache, tenant.id)
    previous = session.info.get("pc.recorder")
    session.info["pc.recorder"] = recorder
    request.environ[RECORDER_ENV] = recorder
    try:
        value = compute()
    finally:
        if previous is None:
            session.info.pop("pc.recorder", None)
        else:
            session.info["pc.recorder"] = previous
        if outer is None:
            request.environ.pop(RECORDER_ENV, None)
        else:
            request.environ[RECORDER_ENV] = outer
    if outer is not None:
        outer.adopt(recorder.generations, recorder.spoiled)
    if recorder.spoiled or _has_written(session):
        return value
    default_ttl = int(registry.settings.get("pagecache.ttl", 60))
    store.put(full_key, Memo(Stamp.taken(recorder, globals_, now, ttl, default_ttl), value))
    return value


# ---------------------------------------------------------------------------
# The store


@dataclass
class Entry:
    stamp: Stamp
    status: str
    headers: list[tuple[str, str]]
    body: bytes
    csrf: bool


class PageStore:
    """A thread-safe LRU of entries bounded by count and total body bytes (entries
    without a ``body`` count for nothing but their number)."""

    def __init__(self, max_entries: int, max_bytes: int) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._entries: OrderedDict[tuple, Any] = OrderedDict()
        self._bytes = 0

    def get(self, key: tuple) -> Any:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, key: tuple, entry: Any) -> None:
        size = len(getattr(entry, "body", b""))
        if size > self.max_bytes // 4:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= len(getattr(old, "body", b""))
            self._entries[key] = entry
            self._bytes += size
            while self._entries and (
                len(self._entries) > self.max_entries or self._bytes > self.max_bytes
            ):
                _, dropped = self._entries.popitem(last=False)
                self._bytes -= len(getattr(dropped, "body", b""))

    def discard(self, key: tuple) -> None:
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= len(getattr(old, "body", b""))

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def __len__(self) -> int:
        return len(self._entries)


def _key(environ: dict[str, Any], cookies) -> tuple:
    return (
        environ.get("HTTP_HOST", "").lower(),
        environ.get("wsgi.url_scheme", ""),
        environ.get("SCRIPT_NAME", ""),
        environ.get("PATH_INFO", ""),
        environ.get("QUERY_STRING", ""),
        *(environ.get(h, "") for h in VARY_HEADERS),
        *(cookies.get(c, "") for c in VARY_COOKIES),
    )


def _global_generations(cache) -> list[Any]:
    from .tenancy import GENERATION_KEY

    return cache.get_many(None, [GLOBAL_KEY, GENERATION_KEY], 0)


#: The response callback Pyramid's cookie CSRF policy adds when it makes a token
#: (punched out of stored bodies and made again per visitor on hits).
_CSRF_CALLBACK = "CookieCSRFStoragePolicy.new_csrf_token.<locals>.set_cookie"


def _only_csrf_callbacks(request) -> bool:
    """No response callback but the CSRF cookie's (any other may set something
    personal on the answer, so it is not stored)."""
    return all(
        getattr(callback, "__qualname__", "") == _CSRF_CALLBACK
        for callback in request.response_callbacks or ()
    )


def tween_factory(handler, registry):
    settings = registry.settings
    if not settings.get("pagecache.enabled", True):
        return handler
    default_ttl = int(settings.get("pagecache.ttl", 60))
    store: PageStore = registry["pagecache.store"]

    def serve(request, entry: Entry):
        from pyramid.response import Response

        body = entry.body
        if entry.csrf:
            from pyramid.interfaces import ICSRFStoragePolicy

            policy = registry.getUtility(ICSRFStoragePolicy)
            token = policy.get_csrf_token(request)
            body = body.replace(CSRF_HOLE, token.encode("ascii"))
        response = Response(status=entry.status, headerlist=list(entry.headers), body=body)
        response.headers["X-Page-Cache"] = "hit"
        return response

    private = registry.get(PRIVATE_COOKIES_KEY, {SESSION_COOKIE})

    def tween(request):
        environ = request.environ
        if environ.get("REQUEST_METHOD") != "GET" or "HTTP_AUTHORIZATION" in environ:
            return handler(request)
        cookies = request.cookies
        if any(cookies.get(name) for name in private):
            return handler(request)
        cache = _cache_of(registry)
        if cache is None:
            return handler(request)
        key = _key(environ, cookies)
        now = time.monotonic()
        # a client asking for a fresh answer (a hard reload) gets one, and it is stored
        fresh_wanted = "no-cache" in environ.get("HTTP_CACHE_CONTROL", "") or (
            "no-cache" in environ.get("HTTP_PRAGMA", "")
        )
        entry = None if fresh_wanted else store.get(key)
        if entry is not None:
            try:
                fresh = entry.stamp.fresh(cache, now)
            except Exception as exc:
                log.warning("page cache: cache service unavailable: %r", exc)
                fresh = False
            if fresh:
                return serve(request, entry)
            store.discard(key)
        try:
            globals_ = _global_generations(cache)
        except Exception:
            return handler(request)
        try:
            tenant = request.tenant
        except Exception:  # the handler's own error views answer it
            tenant = None
        if tenant is None:
            return handler(request)
        recorder = Recorder(cache, tenant.id)
        environ[RECORDER_ENV] = recorder
        try:
            response = handler(request)
        finally:
            environ.pop(RECORDER_ENV, None)
        ttl = environ.get(ALLOW_ENV)
        if ttl is None or recorder.spoiled or response.status_code != 200:
            return response
        if not isinstance(response.app_iter, list | tuple) or not _only_csrf_callbacks(request):
            return response
        if "set-cookie" in response.headers or "no-store" in response.headers.get(
            "Cache-Control", ""
        ):
            return response
        body = response.body
        token = request.cookies.get(CSRF_COOKIE)
        csrf = bool(token) and token.encode("ascii", "replace") in body
        if csrf:
            body = body.replace(token.encode("ascii"), CSRF_HOLE)
        store.put(
            key,
            Entry(
                stamp=Stamp.taken(recorder, globals_, now, ttl, default_ttl),
                status=response.status,
                headers=[(k, v) for k, v in response.headerlist if k.lower() not in _DROP_HEADERS],
                body=body,
                csrf=csrf,
            ),
        )
        response.headers["X-Page-Cache"] = "miss"
        return response

    return tween


def add_private_cookie(config, name: str) -> None:
    """``config.add_private_cookie(name)``: a GET carrying cookie ``name`` (non-empty)
    gets a personal answer, like a signed-in visitor's: it is neither served from nor
    stored in the page cache. For cookies that change what a page shows to an anonymous
    visitor (the cart plugin's guest cart, ``lh_cart``)."""
    config.registry[PRIVATE_COOKIES_KEY].add(name)


def includeme(config) -> None:
    settings = config.get_settings()
    config.registry[PRIVATE_COOKIES_KEY] = {SESSION_COOKIE}
    config.add_directive("add_private_cookie", add_private_cookie)
    if settings.get("pagecache.enabled", True):
        config.registry["pagecache.store"] = PageStore(
            int(settings.get("pagecache.max_entries", 2000)),
            int(settings.get("pagecache.max_bytes", 64 * 1024 * 1024)),
        )
        config.registry["pagecache.memo"] = PageStore(
            int(settings.get("pagecache.max_memos", 5000)), 1 << 40
        )
    # inside the request log and the rate limiter: hits are logged, counted and limited
    config.add_tween(
        "learninghub.pagecache.tween_factory",
        under=(
            "learninghub.ratelimit.tween_factory",
            "learninghub.observability.request_tween_factory",
        ),
        over="pyramid_tm.tm_tween_factory",
    )
