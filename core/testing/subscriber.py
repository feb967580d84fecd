"""A GraphQL subscription as a socket would run it, for tests: its own context and session,
the caller's token, and the next event awaited with a bound (never a sleep to pass a test)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from jiedao.core.feeds import listening_in, one_more_listener
from jiedao.core.identity.service import authenticate
from jiedao.schema.context import Context

TIMEOUT = 10


async def until(condition: Callable[[], bool], what: str, timeout: float = TIMEOUT) -> None:
    """Wait until ``condition()`` holds, checking every 10 ms; fail naming ``what`` after ``timeout`` s."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


class Subscriber:
    """One subscriber's stream of ``query`` (a ``subscription``) in ``street``."""

    def __init__(self, kernel, token: str, query: str, variables: dict[str, Any] | None = None, street: str = "changqing"):
        self.kernel, self.token, self.query, self.variables, self.street = kernel, token, query, variables or {}, street
        self.next: asyncio.Future | None = None

    async def start(self) -> Subscriber:
        """Subscribe and wait until the stream is listening."""
        auth = await authenticate(self.kernel, self.street, f"Bearer {self.token}")
        self.context = Context(kernel=self.kernel, street=self.street, street_id=self.kernel.street_id(self.street), request_id="live",
                               authentication=auth, roles=auth.roles, permissions=auth.permissions, token_id=auth.token_id)
        self.stream = await self.kernel.schemas.for_street(self.street).subscribe(self.query, variable_values=self.variables, context_value=self.context)
        if not hasattr(self.stream, "__anext__"):  # refused at once (a permission): the single result
            self.refused = self.stream
            return self
        self.refused = None
        street_id = self.kernel.street_id(self.street)
        before = listening_in(street_id)
        self.next = asyncio.ensure_future(anext(self.stream))
        # the generator registers its queue with its feed (or ends at once: a refusal)
        await until(lambda: self.next.done() or one_more_listener(before, street_id), "the subscription to listen")
        return self

    async def received(self) -> dict:
        """The data of the next event (the stream is then idle until asked again)."""
        if self.next is None:
            self.next = asyncio.ensure_future(anext(self.stream))
        result = await asyncio.wait_for(self.next, TIMEOUT)
        self.next = None
        assert result.errors is None, result.errors
        return result.data

    async def nothing_within(self, seconds: float = 0.5) -> bool:
        """True when no event arrived in ``seconds`` (after another subscriber already got one)."""
        if self.next is None:
            self.next = asyncio.ensure_future(anext(self.stream))
        await asyncio.wait([self.next], timeout=seconds)
        return not self.next.done()

    async def first_error_code(self) -> str | None:
        """The code of the first error of a refused subscription (or of its first event)."""
        result = self.refused if self.refused is not None else await asyncio.wait_for(self.next, TIMEOUT)
        return result.errors[0].extensions.get("code") if result.errors else None

    async def stop(self) -> None:
        """End the stream once it is idle, and give its session back."""
        if self.refused is None:
            if self.next is not None:
                await asyncio.wait([self.next], timeout=1)
                self.next.cancel()
                await asyncio.gather(self.next, return_exceptions=True)
            await self.stream.aclose()
        await self.context.close()
