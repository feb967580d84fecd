"""The per-request context every resolver receives as ``info.context``."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader

from jiedao.core.db_alone import read_alone, read_alone_applies
from jiedao.core.db_retry import is_disconnect
from jiedao.core.db_checks import INPUT_KEY, domain_error_for
from jiedao.schema.statements import count_statement

if TYPE_CHECKING:
    from jiedao.core.kernel import Kernel

POSITIONAL_ROWS = {"_result_disable_adapt_to_context": True}
"""``Context.rows``' execution options. Rows are read by position only, so the result need
not be re-keyed to the statement's own column objects: on a statement compiled earlier,
SQLAlchemy otherwise rebuilds its result map for each execution, comparing each of the
statement's (ORM-annotated) columns with the cached ones through SQL ``==`` expressions, built
and thrown away (half of the ~50 such comparisons of a README list request). The option is
the one SQLAlchemy's ORM sets on its own results for the same reason (``orm/context.py``;
``tests/test_connection_rows.py`` checks it still takes effect)."""


async def _prove_alive(session: AsyncSession) -> None:
    """A statement that reads nothing, to find a dead pooled connection before a write's work."""
    await session.execute(text("select 1"))


SOCKET_SESSIONS = 2
"""How many operations of one WebSocket may hold a database session (a pooled connection) at
once; the others wait for one of them to give it back."""


@dataclass
class Context:
    """One request in one street: its database session, loaders, caller and request id.

    Resolvers run concurrently; every statement goes through ``execute``/``scalars``,
    which serialise access to the request's single session.
    """

    kernel: Kernel
    street: str
    street_id: int
    request_id: str
    request: Any = None
    response: Any = None
    user: Any = None
    """The caller's ``User`` (detached), None for an anonymous caller; from ``authentication``,
    built when first read (see ``signed_in``)."""
    authentication: Any = None
    """Who is calling (``core.identity.service.Authentication``), when the request was
    authenticated: its ``user`` is built only if a resolver reads ``Context.user``."""
    roles: frozenset[str] = frozenset()
    permissions: frozenset[str] = frozenset()
    token_id: int | None = None
    client_address: str = ""
    connection_params: dict[str, Any] | None = None
    input_checked: Any = None
    """The running mutation's checked input (``schema.validation.Checked``), set by its guard."""
    language: str | None = None
    """The language to answer in (``core.messages.request_language``); None: the street's."""
    read_only: bool = False
    """The operation is a query: its reads may go to a read replica (``core.replicas``)."""
    read_after: str | None = None
    """The caller's last commit position (cookie or header): a replica must have replayed it."""
    answers_as_json: bool = False
    """The answer is encoded by the GraphQL view (orjson): root fields may be answered as
    JSON text the database wrote (``schema.compiled_reads``). Contexts of callers reading
    ``ExecutionResult.data`` in Python keep False."""
    compiled_answer: Any = None
    """``schema.compiled_reads.CompiledAnswer`` when one compiled statement answered the
    whole operation (``core.known_queries`` remembers it for the next such request)."""
    _session: AsyncSession | None = None
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    _loaders: dict[Hashable, DataLoader] = field(default_factory=dict)
    _finished: bool = False
    _untried: bool = False
    """The session has run no statement yet (its connection may turn out dead)."""
    _gate: asyncio.Semaphore | None = None
    """A WebSocket's operations share it (``for_operation``): at most ``SOCKET_SESSIONS`` of
    them hold a session, hence a pooled connection, at once. None for an HTTP request."""
    _holds_gate: bool = False
    socket: Context | None = None
    """For an operation sent over a WebSocket, the socket's context (``for_operation``)."""

    @property
    def signed_in(self) -> bool:
        """Whether a user is calling, without building their ``User``."""
        return self.__dict__.get("_user") is not None or (self.authentication is not None and self.authentication.signed_in)

    @property
    def plugins(self) -> tuple[str, ...]:
        return self.kernel.enabled_plugins(self.street)

    async def session(self) -> AsyncSession:
        """The request's session, scoped to its street (opened on first use; none once the
        request has ended: a loader left behind by a dropped field gets an error, not a
        connection nobody gives back). No round trip yet: the BEGIN, with the street's
        setting, goes out with the first statement (``core.db_street``)."""
        if self._session is None:
            if self._finished:
                raise RuntimeError("the request has ended: no more statements")
            if self._gate is not None and not self._holds_gate:
                await self._gate.acquire()
                self._holds_gate = True
            replicas = self.kernel.db.replicas
            if self.read_only and replicas is not None:
                self._session = await replicas.session(self.street_id, self.read_after, self.kernel.db.session_info)
                if self._session is not None:
                    self._untried = False  # its check of the replica ran on it
                    return self._session
            session = self.kernel.db.session(self.street_id)
            await session.begin()
            self._session = session
            self._untried = True
        return self._session

    async def _first_or_again(self, read: Callable[[AsyncSession], Awaitable[Any]]) -> Any:
        """``read(session)``; when it is the session's first statement and the pooled
        connection turns out dead (database restarted, backend terminated), once more on a
        fresh session. Nothing of the session had run or was committed, so running it again
        is safe (``core.db_retry``). Called under the lock."""
        session = await self.session()
        if not self._untried:
            return await read(session)
        self._untried = False
        try:
            return await read(session)
        except DBAPIError as error:
            if not is_disconnect(error):
                raise
            await self._drop_session()
        session = await self.session()
        self._untried = False
        return await read(session)

    async def _read(self, read: Callable[[AsyncSession], Awaitable[Any]]) -> Any:
        """``read(session)`` under the lock, shielded from the caller's cancellation.

        graphql-core cancels a field's task when a sibling's error nulls their parent (e.g. a
        refused field); a statement cancelled half-way breaks the connection under the
        request's session, and every later statement of the request (and its end) failed with
        it. Shielded, the statement finishes and the cancelled field simply drops its result."""

        async def run() -> Any:
            async with self._lock:
                return await self._first_or_again(read)

        return await asyncio.shield(run())

    async def execute(self, statement, params=None):
        """Run a statement on the request's session."""
        return await self._read(lambda session: session.execute(statement, params))

    async def scalars(self, statement) -> list[Any]:
        """Run a select and return the first column of every row."""

        async def read(session: AsyncSession) -> list[Any]:
            return list((await session.scalars(statement)).all())

        return await self._read(read)

    async def scalar(self, statement) -> Any:
        return await self._read(lambda session: session.scalar(statement))

    async def rows(self, statement, parameters: dict[str, Any] | None = None, *, built_once: bool = False) -> list[Any]:
        """Run a select on the session's connection and return its rows as tuples, without the
        ORM session's execution (no ``do_orm_execute`` event, no ORM result set-up, no entity
        loading): for column queries of many rows, about half the CPU of ``execute``. Select
        the ORM column attributes (``schema.plain_rows.columns_of``), not bare table columns:
        the statement gets the street criteria the session would give it on the entities it
        names (``core.db.scoped_to_street``, which refuses a statement naming none).

        ``built_once``: ``statement`` is built once and run many times, its values bound by
        name from ``parameters`` (``bindparam``); it is then scoped once per street
        (``core.db.scoped_once``) instead of at each run."""
        from jiedao.core.db import scoped_once, scoped_to_street

        async def read(session: AsyncSession) -> list[Any]:
            street_id = session.info.get("street_id")
            scoped = scoped_once(statement, street_id) if built_once else scoped_to_street(statement, street_id)
            connection = await session.connection()
            return list((await connection.execute(scoped, parameters, execution_options=POSITIONAL_ROWS)).all())

        return await self._read(read)

    async def driver_row(self, sql: str, parameters: tuple[Any, ...]) -> Any:
        """Run one statement written for the driver (PostgreSQL: ``$1``-style parameters) on
        the request's connection, inside its transaction (begun with the street's setting, as
        for any statement of the session), and return its one row. The statement must scope
        itself to the street: no ORM criteria reach driver SQL (``schema.compiled_reads``).

        A query's first statement on the primary is read outside any transaction, in one
        round trip instead of three (``core.db_alone``); the request's session is then never
        opened unless another read needs it."""
        if self.read_only and self._session is None and not self._finished and read_alone_applies(self.kernel.db):
            row = await read_alone(self.kernel.db.parked, self.street_id, sql, parameters, count_statement, self._gate)
            if row is not None:
                return row

        async def read(session: AsyncSession) -> Any:
            connection = await session.connection()
            try:
                return (await connection.exec_driver_sql(sql, parameters)).one()
            except Exception:
                # PostgreSQL refuses every later statement of the aborted transaction: a
                # WebSocket's next operations would all fail. It only read: start afresh.
                await self._drop_session()
                raise

        return await self._read(read)

    async def write(self, work: Callable[[AsyncSession], Awaitable[Any]]) -> Any:
        """Run ``work(session)`` and commit; on error roll back and re-raise.

        An ``IntegrityError`` is re-raised as the ``DomainError`` the client should see
        (``CONFLICT``, ``NOT_FOUND`` or ``BAD_INPUT``, see ``core.db_checks``). The session
        then starts a new transaction for the rest of the request.
        """
        async with self._lock:
            if self._session is not None and "replica" in self._session.info:
                await self._drop_session()  # a query that writes: it goes on on the primary
            self.read_only = False
            # The work may do more than statements before its first one: prove the
            # connection first when the request has not used it yet (one statement more).
            if self._session is None or self._untried:
                await self._first_or_again(_prove_alive)
            session = await self.session()
            session.info[INPUT_KEY] = self.input_checked
            try:
                result = await work(session)
                await session.commit()
            except IntegrityError as error:
                await session.rollback()
                raise domain_error_for(error) from None
            except BaseException:
                await session.rollback()
                raise
            finally:
                session.info.pop(INPUT_KEY, None)
                await session.begin()  # the street's setting goes with its BEGIN
            if self.kernel.db.replicas is not None:
                await self._announce_written(session)
            return result

    async def _announce_written(self, session: AsyncSession) -> None:
        """Hand the caller the position of the commit just made (cookie and header), so that
        their next queries are read from a replica only once it has replayed this write."""
        from jiedao.core.replicas import WRITTEN_COOKIE, WRITTEN_COOKIE_SECONDS, WRITTEN_HEADER

        lsn = (await session.execute(text("select pg_current_wal_insert_lsn()::text"))).scalar_one()
        # End the transaction that read it: the connection goes back to the pool, so the
        # mutation's event handlers (transactions of their own) never wait on one this
        # request holds; the next statement begins afresh, with the street's setting.
        await session.rollback()
        await session.begin()
        self._untried = True
        self.read_after = lsn
        if self.response is not None and hasattr(self.response, "set_cookie"):
            self.response.set_cookie(WRITTEN_COOKIE, lsn, max_age=WRITTEN_COOKIE_SECONDS, path="/", httponly=True, samesite="strict")
            self.response.headers[WRITTEN_HEADER] = lsn

    def loader(
        self, key: Hashable, load: Callable[[Sequence[Any]], Awaitable[Sequence[Any]]], cache_key: Callable[[Any], Hashable] | None = None,
    ) -> DataLoader:
        """The request's DataLoader for ``key``, created on first use with ``load``;
        ``cache_key``: what identifies a key the loader is given (e.g. a row by its id, when
        ``load`` wants the rows themselves)."""
        loader = self._loaders.get(key)
        if loader is None:
            loader = self._loaders[key] = DataLoader(load_fn=load, cache_key_fn=cache_key)
        return loader

    def for_operation(self) -> Context:
        """A context for one operation of a WebSocket: this one's caller, street, language and
        connection parameters, with a session, lock and loaders of its own and no per-operation
        state yet (``core.socket_operations``). The socket's operations share one gate: at
        most ``SOCKET_SESSIONS`` of them hold a connection at once (one socket used to hold one
        at most, its shared session's). Close it when the operation ends."""
        if self._gate is None:
            self._gate = asyncio.Semaphore(SOCKET_SESSIONS)
        return replace(self, input_checked=None, read_only=False, _session=None, _lock=asyncio.Lock(),
                       _loaders={}, _finished=False, _untried=False, _gate=self._gate, _holds_gate=False, socket=self)

    def has_permission(self, permission: str) -> bool:
        return permission in self.permissions

    async def fresh(self) -> None:
        """End this context's transaction and empty its loaders: the next read starts a new
        transaction and sees what is committed now. A subscription calls it between events, so
        a long-lived socket neither reads an old snapshot nor holds a connection while waiting."""
        async with self._lock:
            await self._drop_session()
            self._loaders.clear()

    async def close(self) -> None:
        """Give the session back at the end of the request (or socket), once a statement
        still running (of a field whose result is no longer wanted) has finished."""
        async with self._lock:
            self._finished = True
            await self._drop_session()

    async def _drop_session(self) -> None:
        """Close the session (its connection goes back to the pool) and give the socket's
        gate back; the next statement opens a new one."""
        session, self._session = self._session, None
        try:
            if session is not None:
                await asyncio.shield(session.close())  # cancelled, it still ends: no connection left to the collector
        finally:
            if self._holds_gate:
                self._holds_gate = False
                self._gate.release()


def _the_user(context: Context) -> Any:
    user = context.__dict__.get("_user")
    if user is None and context.authentication is not None:
        user = context.__dict__["_user"] = context.authentication.user
    return user


def _set_user(context: Context, user: Any) -> None:
    context.__dict__["_user"] = user


# ``user`` stays a dataclass field (``Context(user=...)``, ``replace``) read through a property:
# most requests only ask whether there is a caller, and a detached ``User`` per request was a
# twentieth of a short query's CPU. (``schema`` may not import ``core.identity``: the
# ``Authentication`` builds it.)
Context.user = property(_the_user, _set_user, doc="The caller's ``User`` (detached), or None; built when first read.")  # type: ignore[assignment]
