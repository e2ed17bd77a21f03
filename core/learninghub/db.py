"""Persistence: one metadata, tenant-scoped ORM, request sessions joined to request.tm.

Tenant isolation works in three layers:

1. Every session carries the tenant it works for in ``session.info["tenant_id"]``
   (set by :func:`bind_tenant`; ``request.db`` is bound to ``request.tenant``).
2. ``do_orm_execute`` adds ``tenant_id = :current`` to every ORM SELECT, UPDATE and
   DELETE touching a :class:`TenantScoped` model (including relationship loads and
   aliases); ``before_flush`` stamps new rows with the tenant and refuses to write a
   row of another tenant. A tenant-scoped query on a session without a tenant raises
   :class:`~learninghub.errors.TenantNotBound` — unless the session was opened with
   :func:`system_session` for a documented cross-tenant job.
3. On PostgreSQL (``db.rls = true``), row-level security policies on every
   tenant-scoped table compare ``tenant_id`` with the ``learninghub.tenant_id``
   setting that the session sets at the start of each transaction.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
import zope.sqlalchemy
from sqlalchemy import event, orm
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

from .errors import CrossTenantWrite, TenantNotBound

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)

SYSTEM = "__system__"
RLS_SETTING = "learninghub.tenant_id"


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(sa.types.TypeDecorator):
    """Timezone-aware UTC datetimes on every back end (SQLite stores naive values)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use timezone-aware UTC")
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = metadata
    type_annotation_map = {datetime: UTCDateTime()}


class TenantScoped:
    """Mixin for models whose rows belong to one tenant.

    Adds an indexed ``tenant_id`` foreign key. The session filters and stamps it:
    plugin code never sets or filters ``tenant_id`` by hand.
    """

    __tenant_scoped__ = True

    @declared_attr
    def tenant_id(cls) -> Mapped[uuid.UUID]:  # noqa: N805
        return mapped_column(
            sa.Uuid,
            sa.ForeignKey("tenants.id", ondelete="CASCADE"),
            index=True,
            nullable=False,
        )


def new_id() -> uuid.UUID:
    return uuid.uuid4()


def tenant_scoped_tables(md: sa.MetaData | None = None) -> list[sa.Table]:
    """Tables of :class:`TenantScoped` models (the targets of RLS policies)."""
    scoped = {
        m.local_table.name
        for m in Base.registry.mappers
        if getattr(m.class_, "__tenant_scoped__", False)
    }
    md = md or metadata
    return [t for t in md.sorted_tables if t.name in scoped]


# --------------------------------------------------------------------------- sessions


def bind_tenant(session: orm.Session, tenant_id: uuid.UUID | None) -> None:
    """Bind ``session`` to a tenant (None leaves it unbound: tenant queries raise).

    When the session already has a transaction on PostgreSQL with RLS on, the
    transaction's ``learninghub.tenant_id`` follows at once."""
    session.info["tenant_id"] = tenant_id
    if session.info.get("rls") and session.in_transaction():
        for connection in _session_connections(session):
            _apply_rls(connection, tenant_id)


def system_session(session: orm.Session) -> orm.Session:
    """Mark a session as a cross-tenant system session (CLI, migrations, reports).

    Tenant filters are not applied; inserts must set ``tenant_id`` explicitly.
    Never use it to serve a request."""
    session.info["tenant_id"] = SYSTEM
    return session


def current_tenant_id(session: orm.Session) -> Any:
    return session.info.get("tenant_id")


def _touches_tenant_tables(statement) -> bool:
    from sqlalchemy.sql.util import find_tables

    try:
        tables = find_tables(
            statement,
            check_columns=True,
            include_aliases=True,
            include_joins=True,
            include_crud=True,
        )
    except Exception:  # exotic constructs: the RLS wall still applies on PostgreSQL
        return False
    scoped = {
        m.local_table
        for m in Base.registry.mappers
        if getattr(m.class_, "__tenant_scoped__", False)
    }
    return any(t in scoped for t in tables)


@event.listens_for(orm.Session, "do_orm_execute")
def _filter_by_tenant(execute_state: orm.ORMExecuteState) -> None:
    """Add ``tenant_id = :bound`` to every ORM statement on tenant-scoped entities.

    Applies to entities anywhere in the statement (columns, ``select_from``, joins,
    relationship loads, aliases) and to ORM-enabled UPDATE/DELETE. Statements written
    against Core ``Table`` objects are not rewritten: use ORM entities (RLS still
    guards PostgreSQL)."""
    if not (execute_state.is_select or execute_state.is_update or execute_state.is_delete):
        return
    if execute_state.execution_options.get("skip_tenant_filter"):
        return
    tenant_id = execute_state.session.info.get("tenant_id")
    if tenant_id == SYSTEM:
        return
    if tenant_id is None:
        if _touches_tenant_tables(execute_state.statement):
            raise TenantNotBound(
                "tenant-scoped query on a session without a tenant; use request.db "
                "or bind_tenant(session, tenant_id)"
            )
        return
    execute_state.statement = execute_state.statement.options(
        orm.with_loader_criteria(
            TenantScoped,
            lambda cls: cls.tenant_id == tenant_id,
            include_aliases=True,
            track_closure_variables=False,
        )
    )


@event.listens_for(orm.Session, "before_flush")
def _stamp_tenant(session: orm.Session, flush_context, instances) -> None:
    tenant_id = session.info.get("tenant_id")
    for obj in session.new:
        if not getattr(obj, "__tenant_scoped__", False):
            continue
        if tenant_id == SYSTEM:
            if obj.tenant_id is None:
                raise TenantNotBound(f"{type(obj).__name__} inserted without tenant_id")
            continue
        if tenant_id is None:
            raise TenantNotBound(f"cannot insert {type(obj).__name__}: no tenant bound")
        if obj.tenant_id is None:
            obj.tenant_id = tenant_id
        elif obj.tenant_id != tenant_id:
            raise CrossTenantWrite(
                f"{type(obj).__name__} belongs to tenant {obj.tenant_id}, "
                f"session is bound to {tenant_id}"
            )
    if tenant_id == SYSTEM:
        return
    for obj in list(session.dirty) + list(session.deleted):
        if getattr(obj, "__tenant_scoped__", False) and obj.tenant_id != tenant_id:
            raise CrossTenantWrite(
                f"{type(obj).__name__} of tenant {obj.tenant_id} cannot be changed from "
                f"tenant {tenant_id}"
            )


def _session_connections(session: orm.Session) -> list:
    transaction = session.get_transaction()
    if transaction is None:
        return []
    return [conn for conn, *_ in transaction._connections.values()]


def _apply_rls(connection, tenant_id) -> None:
    if connection.dialect.name != "postgresql":
        return
    value = "" if tenant_id in (None, SYSTEM) else str(tenant_id)
    connection.exec_driver_sql(
        "SELECT set_config(%(name)s, %(value)s, true)", {"name": RLS_SETTING, "value": value}
    )


@event.listens_for(orm.Session, "after_begin")
def _set_rls_tenant(session: orm.Session, transaction, connection) -> None:
    if session.info.get("rls"):
        _apply_rls(connection, session.info.get("tenant_id"))


# --------------------------------------------------------------------------- engines


def make_engine(settings: dict[str, Any]) -> sa.Engine:
    url = sa.engine.make_url(settings["db.url"])
    kwargs: dict[str, Any] = {"echo": settings.get("db.echo", False), "pool_pre_ping": True}
    if url.get_backend_name() == "sqlite":
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
    else:
        if url.drivername == "postgresql":
            url = url.set(drivername="postgresql+psycopg")
        kwargs["pool_size"] = settings.get("db.pool_size", 10)
        kwargs["max_overflow"] = 10
    engine = sa.create_engine(url, **kwargs)
    if url.get_backend_name() == "sqlite":
        _configure_sqlite(engine)
    return engine


def _configure_sqlite(engine: sa.Engine) -> None:
    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn, record):  # pragma: no cover - trivial
        # Let SQLAlchemy emit BEGIN itself so that SAVEPOINTs work (pysqlite quirk).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        if engine.url.database not in (None, "", ":memory:"):
            cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn):  # pragma: no cover - trivial
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.info.get("immediate") else "BEGIN")


class TenantSession(orm.Session):
    """A Session whose ``get`` never returns a row of another tenant, even from the
    identity map (which ``get`` consults before querying)."""

    def get(self, entity, ident, **kw):
        obj = super().get(entity, ident, **kw)
        if obj is not None and getattr(obj, "__tenant_scoped__", False):
            tenant_id = self.info.get("tenant_id")
            if tenant_id != SYSTEM and obj.tenant_id != tenant_id:
                return None
        return obj


def session_factory(engine: sa.Engine) -> orm.sessionmaker:
    return orm.sessionmaker(bind=engine, expire_on_commit=False, class_=TenantSession)


def get_tm_session(registry, transaction_manager, tenant_id=None) -> orm.Session:
    """A session joined to ``transaction_manager`` and bound to ``tenant_id``.

    Tests may put a ``Connection`` in ``registry["db.test_connection"]``: sessions
    then run inside SAVEPOINTs on that connection and everything rolls back at the
    end of the test."""
    connection = registry.get("db.test_connection")
    factory: orm.sessionmaker = registry["db.session_factory"]
    if connection is not None:
        session = factory(bind=connection, join_transaction_mode="create_savepoint")
    else:
        session = factory()
    session.info["rls"] = registry.settings.get("db.rls", False)
    session.info["pc.registry"] = registry  # commits bump page-cache generations
    bind_tenant(session, tenant_id)
    zope.sqlalchemy.register(session, transaction_manager=transaction_manager)
    return session


def includeme(config) -> None:
    settings = config.get_settings()
    engine = config.registry.get("db.engine")
    if engine is None:
        engine = make_engine(settings)
        config.registry["db.engine"] = engine
    config.registry["db.session_factory"] = session_factory(engine)
    config.include("pyramid_tm")
    config.include("pyramid_retry")

    def request_db(request):
        from .pagecache import RECORDER_ENV

        tenant = getattr(request, "tenant", None)
        session = get_tm_session(request.registry, request.tm, tenant.id if tenant else None)
        recorder = request.environ.get(RECORDER_ENV)
        if recorder is not None:
            session.info["pc.recorder"] = recorder
        return session

    config.add_request_method(request_db, "db", reify=True)
