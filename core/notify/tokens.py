"""A provider's access token, fetched once, shared by concurrent sends, renewed when refused.

``TokenCache(fetch, refused=codes)``: ``fetch() -> (token, expires_in seconds)`` asks the
provider for a token; it is kept until ``margin`` seconds before it expires. ``authorised``
runs a call with the token and, when the provider answers one of its "token invalid/expired"
errcodes, forgets the token and tries once more with a new one."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Collection, Mapping
from typing import Any, TypeVar

from jiedao.core.notify.http import Refused

MARGIN_SECONDS = 300
"""A token is renewed this long before the provider says it expires."""
DEFAULT_LIFETIME = 7200
"""The lifetime assumed when the provider does not say (two hours, as DingTalk and WeCom)."""

T = TypeVar("T")


def issued_token(body: Mapping[str, Any]) -> tuple[str, int]:
    """``(access_token, expires_in)`` from a provider's ``gettoken`` answer."""
    return body["access_token"], int(body.get("expires_in", DEFAULT_LIFETIME))


class TokenCache:
    """``await cache.get()`` returns a valid token, fetching one (once, even when many sends
    ask together) with ``fetch() -> (token, expires_in seconds)`` when needed."""

    def __init__(self, fetch: Callable[[], Awaitable[tuple[str, int]]], refused: Collection[int] = (), margin: float = MARGIN_SECONDS) -> None:
        self.fetch, self.refused, self.margin = fetch, refused, margin
        self.token: str | None = None
        self.valid_until = 0.0
        self._lock = asyncio.Lock()

    async def get(self) -> str:
        """The cached token while it is valid, else a new one."""
        async with self._lock:
            if self.token is None or time.monotonic() >= self.valid_until:
                token, expires_in = await self.fetch()
                self.token, self.valid_until = token, time.monotonic() + max(expires_in - self.margin, 0)
            return self.token

    def forget(self, token: str) -> None:
        """The provider refused ``token``: the next ``get`` fetches a new one."""
        if self.token == token:
            self.token = None

    async def authorised(self, call: Callable[[str], Awaitable[T]]) -> T:
        """``await call(token)``; when it raises ``Refused`` with one of the ``refused`` errcodes,
        the token is renewed and the call tried once more (a second refusal is raised)."""
        token = await self.get()
        try:
            return await call(token)
        except Refused as refused:
            if refused.errcode not in self.refused:
                raise
            self.forget(token)
        return await call(await self.get())
