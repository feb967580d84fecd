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
mutation gives its connection back before the client reads ``complete``.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import aclosing
from typing import Any

from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler

from jiedao.schema.context import Context


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
    """``results``, then ``context`` closed: its connection goes back to the pool."""
    try:
        async with aclosing(results):
            async for result in results:
                yield result
    finally:
        await context.close()
