"""The application's access_token, kept until shortly before it expires."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

MARGIN_SECONDS = 300
"""A token is renewed this long before WeCom says it expires."""


class TokenCache:
    """``await cache.get()`` returns a valid token, fetching one (once, even when many sends
    ask together) with ``fetch() -> (token, expires_in seconds)`` when needed."""

    def __init__(self, fetch: Callable[[], Awaitable[tuple[str, int]]], margin: float = MARGIN_SECONDS) -> None:
        self.fetch, self.margin = fetch, margin
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
