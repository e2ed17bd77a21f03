"""Tenants and their resolution from the Host header.

``request.tenant`` is a :class:`TenantInfo` snapshot (or None for an unknown host):

1. exact match of the host (port stripped, lower-cased) with a *verified* custom
   domain in ``tenant_domains``;
2. ``<slug>.<tenancy.base_domain>``;
3. development only: the tenant named by ``tenancy.fallback_tenant`` for hosts in
   ``tenancy.fallback_hosts`` (``localhost`` and ``127.0.0.1`` by default).

A host that matches nothing gets a 404 page that names no tenant. Snapshots are
cached per process for ``TENANT_CACHE_TTL`` seconds. Every change made through the
kernel calls :meth:`TenantResolver.invalidate`, which also reaches the other
processes sharing the cache service: see :class:`TenantResolver`.
"""

from __future__ import annotations

import logging
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.orm import Mapped, mapped_column

from .db import Base, TenantScoped, new_id, utcnow

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$")
DOMAIN_RE = re.compile(r"^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
TENANT_CACHE_TTL = 5.0
#: Key (no tenant namespace) of the shared tenant generation in the cache service.
GENERATION_KEY = "tenancy.generation"
#: Seconds between two warnings about an unreachable cache service.
_OUTAGE_LOG_EVERY = 60.0

log = logging.getLogger("learninghub.tenancy")


class Tenant(Base):
    __tablename__ = "tenants"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=new_id)
    slug: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    status: Mapped[str] = mapped_column(sa.String(20), default="active")
    theme: Mapped[str] = mapped_column(sa.String(60), default="default")
    branding: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    default_locale: Mapped[str] = mapped_column(sa.String(20), default="")  # "": follow the browser
    default_timezone: Mapped[str] = mapped_column(sa.String(60), default="UTC")
    settings: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    domains: Mapped[list[TenantDomain]] = orm.relationship(
        back_populates="tenant", cascade="all, delete-orphan", lazy="selectin"
    )


class TenantDomain(Base):
    __tablename__ = "tenant_domains"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=new_id)
    tenant_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("tenants.id", ondelete="CASCADE"), index=True
    )
    domain: Mapped[str] = mapped_column(sa.String(253), unique=True)
    verified: Mapped[bool] = mapped_column(default=False)
    verification_token: Mapped[str] = mapped_column(sa.String(64), default="")
    #: "dns" (TXT record) or "http" (file under /.well-known/) once verified
    verified_by: Mapped[str] = mapped_column(sa.String(10), default="")
    verified_at: Mapped[datetime | None] = mapped_column(default=None)
    last_checked_at: Mapped[datetime | None] = mapped_column(default=None)
    last_error: Mapped[str] = mapped_column(sa.String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    tenant: Mapped[Tenant] = orm.relationship(back_populates="domains")


class TenantPlugin(TenantScoped, Base):
    """A plugin's installation record for one tenant (Plone's version record)."""

    __tablename__ = "tenant_plugins"
    __table_args__ = (sa.UniqueConstraint("tenant_id", "plugin"),)

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=new_id)
    plugin: Mapped[str] = mapped_column(sa.String(60))
    installed_version: Mapped[str] = mapped_column(sa.String(40))
    enabled: Mapped[bool] = mapped_column(default=True)
    settings: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    installed_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


@dataclass(frozen=True)
class TenantInfo:
    """Immutable snapshot of a tenant, safe to share between threads."""

    id: uuid.UUID
    slug: str
    name: str
    status: str
    theme: str
    branding: dict[str, Any]
    default_locale: str
    default_timezone: str
    settings: dict[str, Any]
    enabled_plugins: frozenset[str] = field(default_factory=frozenset)
    plugin_settings: dict[str, dict[str, Any]] = field(default_factory=dict)

    def is_enabled(self, plugin: str) -> bool:
        return plugin in self.enabled_plugins


def normalize_host(host: str | None) -> str:
    host = (host or "").strip().lower()
    if host.startswith("["):  # IPv6 literal
        return host.split("]")[0] + "]"
    return host.rsplit(":", 1)[0] if ":" in host else host


def load_tenant_info(session: orm.Session, tenant: Tenant) -> TenantInfo:
    from .db import bind_tenant, current_tenant_id

    previous = current_tenant_id(session)
    bind_tenant(session, tenant.id)  # also what PostgreSQL RLS needs to show the rows
    try:
        rows = session.execute(
            sa.select(TenantPlugin.plugin, TenantPlugin.enabled, TenantPlugin.settings)
        ).all()
    finally:
        bind_tenant(session, previous)
    return TenantInfo(
        id=tenant.id,
        slug=tenant.slug,
        name=tenant.name,
        status=tenant.status,
        theme=tenant.theme,
        branding=dict(tenant.branding or {}),
        default_locale=tenant.default_locale,
        default_timezone=tenant.default_timezone,
        settings=dict(tenant.settings or {}),
        enabled_plugins=frozenset(r.plugin for r in rows if r.enabled),
        plugin_settings={r.plugin: dict(r.settings or {}) for r in rows},
    )


class TenantResolver:
    """Resolve hosts and tenant ids to :class:`TenantInfo`, with a short local cache.

    Cross-process invalidation: every cached snapshot is tagged with the tenant
    *generation* read from the cache service (``ICache``, key
    :data:`GENERATION_KEY`) just before it was loaded, and is used only while the
    generation is unchanged. :meth:`invalidate` bumps the generation
    (``ICache.incr``), so every process sharing the cache (Redis in production)
    reloads on its next lookup: a change of plugin settings, enablement, theme or
    branding made on one web node is seen by the next request on every node.

    Cost: one ``ICache.get`` per lookup (``memory://``: a dict read; Redis: one GET
    round trip, ~0.1-0.3 ms on a LAN) and no database query while nothing changed.
    After a change each process reloads each tenant once (two or three small
    queries). With ``memory://`` the generation is per process, which is exactly
    right for the single-process embedded set-up. If the cache service fails,
    lookups fall back to the TTL alone (a warning is logged once a minute)."""

    def __init__(self, registry):
        self.registry = registry
        self._cache: dict[tuple[str, str], tuple[float, Any, TenantInfo | None]] = {}
        self._lock = threading.Lock()
        self._shared: Any = None  # the ICache, looked up on first use (False: none)
        self._last_outage_log = -_OUTAGE_LOG_EVERY

    def invalidate(self, transaction_manager=None) -> None:
        """Forget every snapshot in this process and bump the shared generation, so
        that every process sharing the cache service reloads on its next lookup.

        Pass the transaction manager of the change (``request.tm``) to bump once
        more after it commits: a process that reloads between this call and the
        commit would otherwise keep the state before the change until the TTL
        (``TENANT_CACHE_TTL``) expires."""
        self._forget_and_bump()
        if transaction_manager is not None:
            from .events import after_commit

            after_commit(transaction_manager, self._forget_and_bump)

    def forget_local(self) -> None:
        """Forget this process's snapshots only (no shared bump)."""
        with self._lock:
            self._cache.clear()

    def _forget_and_bump(self) -> None:
        with self._lock:
            self._cache.clear()
        cache = self._shared_cache()
        if cache is not None:
            try:
                cache.incr(None, GENERATION_KEY)
            except Exception as exc:
                self._outage(exc)

    def _shared_cache(self) -> Any:
        if self._shared is None:
            try:
                from types import SimpleNamespace

                from pyramid_services import find_service_factory

                from .interfaces import ICache

                factory = find_service_factory(SimpleNamespace(registry=self.registry), ICache)
                service = getattr(factory, "service", None)
                self._shared = service if service is not None else factory(None, None)
            except Exception:  # no service registry (unit tests with a bare dict)
                self._shared = False
        return self._shared or None

    def _outage(self, exc: Exception) -> None:
        now = time.monotonic()
        if now - self._last_outage_log >= _OUTAGE_LOG_EVERY:
            self._last_outage_log = now
            log.warning("cache service unavailable, tenant snapshots expire by TTL: %r", exc)

    def generation(self) -> Any:
        """The shared tenant generation (None without a reachable cache service)."""
        cache = self._shared_cache()
        if cache is None:
            return None
        try:
            return cache.get(None, GENERATION_KEY, 0)
        except Exception as exc:
            self._outage(exc)
            return None

    def _session(self) -> orm.Session:
        factory = self.registry["db.session_factory"]
        conn = self.registry.get("db.test_connection")
        session = factory(bind=conn) if conn is not None else factory()
        session.info["rls"] = self.registry.settings.get("db.rls", False)
        return session

    def _cached(self, key: tuple[str, str], loader) -> TenantInfo | None:
        now = time.monotonic()
        # read before loading: a bump during the load leaves this entry stale-tagged
        generation = self.generation()
        with self._lock:
            hit = self._cache.get(key)
            if hit and hit[0] > now and hit[1] == generation:
                return hit[2]
        session = self._session()
        try:
            info = loader(session)
        finally:
            session.close()
        with self._lock:
            self._cache[key] = (now + TENANT_CACHE_TTL, generation, info)
        return info

    def by_host(self, host: str) -> TenantInfo | None:
        host = normalize_host(host)
        return self._cached(("host", host), lambda s: self._load_by_host(s, host))

    def by_id(self, tenant_id: uuid.UUID | str) -> TenantInfo | None:
        tid = uuid.UUID(str(tenant_id))

        def load(session):
            tenant = session.get(Tenant, tid)
            return load_tenant_info(session, tenant) if tenant else None

        return self._cached(("id", str(tid)), load)

    def by_slug(self, slug: str) -> TenantInfo | None:
        def load(session):
            tenant = session.scalar(sa.select(Tenant).where(Tenant.slug == slug))
            return load_tenant_info(session, tenant) if tenant else None

        return self._cached(("slug", slug), load)

    def _load_by_host(self, session: orm.Session, host: str) -> TenantInfo | None:
        settings = self.registry.settings
        tenant = session.scalar(
            sa.select(Tenant)
            .join(TenantDomain)
            .where(TenantDomain.domain == host, TenantDomain.verified.is_(True))
        )
        if tenant is None:
            base = settings["tenancy.base_domain"].lower()
            suffix = "." + base
            if host.endswith(suffix):
                slug = host[: -len(suffix)]
                if SLUG_RE.match(slug):
                    tenant = session.scalar(sa.select(Tenant).where(Tenant.slug == slug))
        if (
            tenant is None
            and settings["environment"] != "production"
            and settings["tenancy.fallback_tenant"]
            and host in settings["tenancy.fallback_hosts"]
        ):
            tenant = session.scalar(
                sa.select(Tenant).where(Tenant.slug == settings["tenancy.fallback_tenant"])
            )
        if tenant is None or tenant.status != "active":
            return None
        return load_tenant_info(session, tenant)


def request_tenant(request) -> TenantInfo | None:
    from .observability import bind_log_context

    resolver: TenantResolver = request.registry["tenancy.resolver"]
    tenant = resolver.by_host(request.host)
    if tenant is not None:
        bind_log_context(tenant=tenant.slug)
    return tenant


def includeme(config) -> None:
    config.registry["tenancy.resolver"] = TenantResolver(config.registry)
    config.add_request_method(request_tenant, "tenant", reify=True)
