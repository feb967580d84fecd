"""Each operation sent over a WebSocket runs with a context of its own.

Strawberry builds one context per socket (``get_context`` at the upgrade) and hands it to every
operation the socket sends. Shared, that context's session kept the pooled connection its first
statement took until the socket closed — an idle cockpit held a connection for hours, and as
many open sockets as the pool holds starved every other request of the process — and concurrent
operations of one socket overwrote each other's per-operation state (``read_only``, a mutation's
checked input) and queued on one session.

``OperationContextsHandler`` is Strawberry's graphql-transport-ws handler whose schema, for
``stream``, gives each operation ``Context.for_operation()`` — the socket's caller, street and
language with a session, lock and loaders of its own — and closes it when the operation's
results end (completed, failed, cancelled by ``complete`` or by the socket closing). A query or
mutation gives its connection back before its answer is sent; a subscription before each
result it sends. At most ``SOCKET_SESSIONS`` operations of one socket hold a connection at
once (``Context._gate``), and the position of a socket's write passes on to its later reads
(``hand_on_written``).
Operations sent one after another without waiting for the answer now run concurrently, each
in its own transaction, as the protocol allows (they used to queue on the socket's session).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import aclosing
from typing import Any

from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler

from jiedao.core.replicas import lsn_value
from jiedao.schema.context import Context

log = logging.getLogger("jiedao.http")


class OperationContextsHandler(BaseGraphQLTransportWSHandler):
    """Strawberry's graphql-transport-ws handler, running each operation with its own context."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.schema = _OperationContexts(self.schema)


class _OperationContexts:
    """The schema as the socket's handler sees it: ``stream`` runs an operation with a context
    of its own; everything else is the schema's."""

    def __init__(self, schema: Any) -> None:
        self._schema = schema

    def __getattr__(self, name: str) -> Any:
        return getattr(self._schema, name)

    async def stream(self, *args: Any, context_value: Any = None, **kwargs: Any) -> AsyncIterator[Any]:
        """The operation's results, read with ``context_value.for_operation()``, closed after them."""
        if not isinstance(context_value, Context):
            return await self._schema.stream(*args, context_value=context_value, **kwargs)
        own = context_value.for_operation()
        try:
            results = await self._schema.stream(*args, context_value=own, **kwargs)
        except BaseException:
            await own.close()
            raise
        return _closing_after(results, own)


async def _closing_after(results: AsyncGenerator[Any, None], context: Context) -> AsyncGenerator[Any, None]:
    """``results``, then ``context`` closed: its connection goes back to the pool, and the
    position of a write it made passes to the socket (``hand_on_written``)."""
    try:
        async with aclosing(results):
            async for result in results:
                # Every field of it resolved: before it is sent (a slow client), end the
                # session — a subscription waiting for its next event holds no connection and
                # no place at the socket's gate, whatever its resolver does — and hand the
                # socket the position of a write, before the client can send its next query.
                await _end_session(context)
                hand_on_written(context)
                yield result
    finally:
        await context.close()
        hand_on_written(context)


async def _end_session(context: Context) -> None:
    """``context.fresh()``; a failure is logged, not raised: a subscription goes on (its next
    read opens a new session), rather than ending with what looks like a normal ``complete``."""
    try:
        await context.fresh()
    except Exception:  # noqa: BLE001 - the stream goes on
        log.exception("ending the session of a WebSocket operation failed (request %s)", context.request_id)


def hand_on_written(operation: Context) -> None:
    """Give the socket the commit position an operation's write announced (with read replicas,
    ``Context._announce_written``), if later than the socket's: the socket's next operations
    are read from a replica only once it has replayed that write. A socket has no cookie to
    carry it, as an HTTP client's requests do."""
    socket, written = operation.socket, operation.read_after
    if socket is None or written is None or written == socket.read_after:
        return
    if socket.read_after is None or lsn_value(written) > lsn_value(socket.read_after):
        socket.read_after = written
