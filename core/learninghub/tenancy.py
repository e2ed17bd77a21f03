"""Tenants and their resolution from the Host header.

``request.tenant`` is a :class:`TenantInfo` snapshot (or None for an unknown host):

1. exact match of the host (port stripped, lower-cased) with a *verified* custom
   domain in ``tenant_domains``;
2. ``<slug>.<tenancy.base_domain>``;
3. development only: the tenant named by ``tenancy.fallback_tenant`` for hosts in
   ``tenancy.fallback_hosts`` (``localhost`` and ``127.0.0.1`` by default).

A host that matches nothing gets a 404 page that names no tenant. Snapshots are
cached per process for ``TENANT_CACHE_TTL`` seconds and invalidated locally on
every change made through the kernel.
"""

from __future__ import annotations

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


class Tenant(Base):
    __tablename__ = "tenants"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=new_id)
    slug: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    status: Mapped[str] = mapped_column(sa.String(20), default="active")
    theme: Mapped[str] = mapped_column(sa.String(60), default="default")
    branding: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    default_locale: Mapped[str] = mapped_column(sa.String(20), default="en")
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
    """Resolve hosts and tenant ids to :class:`TenantInfo`, with a short local cache."""

    def __init__(self, registry):
        self.registry = registry
        self._cache: dict[tuple[str, str], tuple[float, TenantInfo | None]] = {}
        self._lock = threading.Lock()

    def invalidate(self) -> None:
        with self._lock:
            self._cache.clear()

    def _session(self) -> orm.Session:
        factory = self.registry["db.session_factory"]
        conn = self.registry.get("db.test_connection")
        session = factory(bind=conn) if conn is not None else factory()
        session.info["rls"] = self.registry.settings.get("db.rls", False)
        return session

    def _cached(self, key: tuple[str, str], loader) -> TenantInfo | None:
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(key)
            if hit and hit[0] > now:
                return hit[1]
        session = self._session()
        try:
            info = loader(session)
        finally:
            session.close()
        with self._lock:
            self._cache[key] = (now + TENANT_CACHE_TTL, info)
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
