"""Database engine, declarative base, and the street scoping every query goes through.

Every street-owned model inherits ``StreetScoped``. A session opened for a street
(``session.info["street_id"]``) only ever sees and writes that street's rows: a
``do_orm_execute`` listener adds a loader criterion to every ORM select, update and
delete, and a ``before_flush`` listener stamps and checks ``street_id`` on new rows.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import lru_cache
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import DateTime, ForeignKey, MetaData, TypeDecorator, event, exc
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, declared_attr, mapped_column, with_loader_criteria
from sqlalchemy.util.concurrency import in_greenlet

from jiedao.core import bind_matching
from jiedao.core.db_parked import ParkedConnections
from jiedao.core.db_street import forget_streets_not_sent, street_connection_args

if TYPE_CHECKING:
    from jiedao.core.replicas import Replicas

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """A moment in time, stored in UTC and read back aware (UTC) on every database: SQLite
    would otherwise return naive datetimes. Naive values are refused."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: pass an aware one, e.g. datetime.now(UTC)")
        # In UTC: SQLite keeps the wall time and drops the zone (08:30 Beijing time read back
        # as 08:30 UTC, eight hours late); PostgreSQL converts it the same way itself.
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value

    def result_processor(self, dialect, coltype):
        """No per-value work on PostgreSQL: a ``timestamptz`` column comes back aware (in UTC)
        from its drivers already, and every such column is one (the migrations create them so;
        ``tests/test_utc_datetime.py`` checks both). SQLite's naive values get their zone."""
        if dialect.name == "postgresql":
            return self.impl_instance.result_processor(dialect, coltype)
        return super().result_processor(dialect, coltype)


class Base(DeclarativeBase):
    """Declarative base of every Jiedao table, core and plugins alike.

    ``Mapped[datetime]`` columns default to ``UTCDateTime``.
    """

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime()}


class StreetScoped:
    """Mixin for rows owned by one street; queries are filtered to the session's street."""

    @declared_attr
    def street_id(cls) -> Mapped[int]:  # noqa: N805
        return mapped_column(ForeignKey("streets.id", ondelete="RESTRICT"), index=True, nullable=False)


class CrossStreetWrite(Exception):
    """A session of one street tried to write a row of another street."""


@lru_cache(maxsize=4096)
def _street_criteria(street_id: int) -> Any:
    """The loader option limiting every street-scoped entity of a statement to ``street_id``.
    Options are immutable, so one per street serves every statement (building it, with its
    lambda analysis, was a few per cent of a short list's CPU)."""
    return with_loader_criteria(StreetScoped, lambda cls: cls.street_id == street_id, include_aliases=True)


@event.listens_for(Session, "do_orm_execute")
def _scope_to_street(state) -> None:
    street_id = state.session.info.get("street_id")
    if street_id is None or not (state.is_select or state.is_update or state.is_delete):
        return
    state.statement = state.statement.options(_street_criteria(street_id))


def scoped_to_street(statement: Any, street_id: int | None) -> Any:
    """``statement`` limited to ``street_id``'s rows as a street's session limits the ORM
    statements it runs (``_scope_to_street``: every street-scoped table of the statement, its
    joins' ON clauses and subqueries included), for a select run on the session's connection
    directly (``schema.context.Context.rows``), where the session's listener does not run.

    The criteria are applied when the statement is compiled as an ORM statement, to the
    entities it selects from: select ORM attributes (``select(*columns_of(Unit))``), not bare
    table columns, whose ``FROM units`` no criterion reaches (an ORM attribute in the WHERE
    clause does bring the entity in; one in ORDER BY alone does not). A statement naming no
    ORM attribute at all would silently go unscoped, so it is refused."""
    if street_id is None:
        return statement
    if statement._propagate_attrs.get("compile_state_plugin") != "orm":  # noqa: SLF001 - how SQLAlchemy marks an ORM-enabled statement
        raise ValueError("a statement run on a street's connection must be ORM-enabled to be scoped to the street")
    return statement.options(_street_criteria(street_id))


@lru_cache(maxsize=1024)
def scoped_once(statement: Any, street_id: int | None) -> Any:
    """``scoped_to_street`` for a statement built once and run many times (a module's
    statement with bound parameters, values given at each run), kept per street: SQLAlchemy
    then finds the compiled form by the statement's memoised cache key, without building the
    statement or walking it for its key again (together a few per cent of a short list)."""
    return scoped_to_street(statement, street_id)


@event.listens_for(Session, "before_flush", insert=True)  # first, whatever the import order
def _stamp_street(session: Session, flush_context, instances) -> None:
    street_id = session.info.get("street_id")
    if street_id is None:
        return
    for obj in list(session.new) + list(session.dirty):
        if not isinstance(obj, StreetScoped):
            continue
        if obj.street_id is None:
            obj.street_id = street_id
        elif obj.street_id != street_id:
            raise CrossStreetWrite(f"{type(obj).__name__} of street {obj.street_id} written in street {street_id}")


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _close_sqlite_connection(dbapi_connection) -> None:
    """Close a connection the pool drops (e.g. one whose task was cancelled mid-query).

    SQLAlchemy's aiosqlite "terminate" starts a graceful close in a shielded task and, when
    cancelled, also stops aiosqlite's worker thread; the graceful close can then wait for
    that vanished thread forever, and the event loop never finishes shutting down. Here a
    close awaited in the dropping task's greenlet is graceful only; outside a greenlet
    (garbage collection) the thread is stopped without waiting.
    """
    if in_greenlet():
        dbapi_connection.close()
    else:
        dbapi_connection._terminate_force_close()  # noqa: SLF001 - no public equivalent


def create_engine(url: str, **kwargs) -> AsyncEngine:
    """An async engine for ``url``; SQLite files get WAL, foreign keys and a busy timeout."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            from pathlib import Path

            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, **kwargs)
        bind_matching.install(engine)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        engine.sync_engine.dialect.do_terminate = _close_sqlite_connection
        return engine
    # A fixed pool, no overflow: SQLAlchemy closes an overflow connection when it comes back
    # to a full pool, so under more concurrent requests than the pool held every request
    # opened and closed a connection (a backend started, authenticated, the street set: at 32
    # concurrent one-statement queries, 1.4 statements per request and half the throughput).
    # Past the pool, a request waits for a connection instead.
    kwargs.setdefault("pool_size", DEFAULT_POOL_SIZE)
    kwargs.setdefault("max_overflow", 0)
    # No pre-ping (it cost a round trip per checkout): connections are replaced after
    # POOL_RECYCLE_SECONDS, and one found dead at its first statement is discarded with the
    # pool's older ones and the read retried once on a new connection (``core.db_retry``).
    kwargs.setdefault("pool_recycle", POOL_RECYCLE_SECONDS)
    kwargs.setdefault("pool_use_lifo", True)  # the connection used last is used next: few sit idle
    # The street's setting goes with each transaction's BEGIN (``core.db_street``).
    kwargs["connect_args"] = street_connection_args(url, kwargs.get("connect_args", {}))
    engine = create_async_engine(url, **kwargs)
    bind_matching.install(engine)
    forget_streets_not_sent(engine)
    _ping_idle_connections(engine)
    return engine


DEFAULT_POOL_SIZE = 30
"""PostgreSQL connections a process keeps open at most (``JIEDAO_DATABASE_POOL_SIZE``): as
many as it opened before at most (10 kept, 20 more opened and closed as needed), now kept.
Several processes (``serve --workers``) each have theirs: keep their sum under the server's
``max_connections``."""
POOL_RECYCLE_SECONDS = 1800
"""Age after which a pooled PostgreSQL connection is closed and replaced on its next checkout."""
IDLE_PING_SECONDS = 10.0
"""A pooled connection idle longer than this is pinged at checkout (a busy server reuses its
connections within milliseconds and pays nothing; one idle for a while may have been dropped
by an idle timeout, a proxy or a restart, and no path — a commit's next transaction, a
background job, a log-in — should fail on it)."""


def _ping_idle_connections(engine: AsyncEngine) -> None:
    """At checkout, ping a connection idle longer than ``IDLE_PING_SECONDS``; a dead one is
    discarded and the pool checks out another (SQLAlchemy's pessimistic disconnect handling)."""
    dialect = engine.sync_engine.dialect

    @event.listens_for(engine.sync_engine, "checkin")
    def _idle_from(dbapi_connection, record) -> None:
        record.info["jiedao.idle_since"] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def _ping_if_idle(dbapi_connection, record, proxy) -> None:
        since = record.info.get("jiedao.idle_since")
        if since is None or time.monotonic() - since <= IDLE_PING_SECONDS:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as error:  # noqa: BLE001 - any failure of a ping: the connection is gone
            raise exc.DisconnectionError(f"an idle pooled connection was dropped: {error}") from error


class Database:
    """The engine and session factory of one deployment."""

    def __init__(self, url: str, **engine_kwargs):
        self.url = url
        self.engine: AsyncEngine = create_engine(url, **engine_kwargs)
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)
        self.session_info: dict[str, Any] = {}
        """Entries every new session carries in its ``info`` (the kernel puts itself there, so a
        service handed only a session can read the street's settings)."""
        self.replicas: Replicas | None = None
        """The cell's read replicas, when the deployment names them (``core.replicas``)."""
        self.parked = ParkedConnections(self.engine)
        """Connections reads outside transactions keep for the next one (``core.db_parked``)."""

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @property
    def sync_engine(self) -> Engine:
        return self.engine.sync_engine

    def session(self, street_id: int | None = None) -> AsyncSession:
        """A session scoped to ``street_id`` (or unscoped, for the kernel's own work)."""
        session = self.sessionmaker()
        session.info.update(self.session_info)
        if street_id is not None:
            session.info["street_id"] = street_id
        return session

    @asynccontextmanager
    async def transaction(self, street_id: int | None = None) -> AsyncIterator[AsyncSession]:
        """A session in a transaction committed on success and rolled back on error (the
        street's setting goes with its BEGIN, ``core.db_street``)."""
        async with self.session(street_id) as session, session.begin():
            yield session

    async def dispose(self) -> None:
        """Close every connection, the replicas' too."""
        await self.parked.release()
        if self.replicas is not None:
            await self.replicas.dispose()
        await self.engine.dispose()


async def set_street_guc(session: AsyncSession, street_id: int | None) -> None:
    """On PostgreSQL, expose the street to row-level security for this transaction, as a
    statement of its own: for a session that switches streets inside one transaction (a
    session opened for a street has its setting sent with each BEGIN, ``core.db_street``)."""
    if street_id is None or session.bind.dialect.name != "postgresql":
        return
    from sqlalchemy import text

    await session.execute(text("select set_config('app.street_id', :v, true)"), {"v": str(street_id)})


from jiedao.core import db_checks  # noqa: E402,F401  registers the value and reference checks after the street stamp
