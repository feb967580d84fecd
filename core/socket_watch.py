"""Open WebSockets end when their credentials do.

Every authenticated socket registers here with what it was authenticated with. One task per
kernel re-checks all of them together (two SQL statements, whatever their number) every
``JIEDAO_SOCKET_RECHECK_SECONDS`` and closes a socket whose token was revoked or expired
(close code 4401) or whose roles in the street were taken away (4403). The database is the
source of truth, so a revocation made by another process (``jiedao users revoke-tokens``,
another server) is seen too; ``wake()`` makes this process look at once after a revocation
of its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from jiedao.core.identity.service import SessionCheck, recheck_sessions

if TYPE_CHECKING:
    from jiedao.core.kernel import Kernel

log = logging.getLogger("jiedao.http")
REASONS = {4401: "Unauthorized: the token was revoked or has expired", 4403: "Forbidden: a role was taken away"}


@dataclass(eq=False)
class Watched:
    """One open socket: what it was authenticated with and how to close it."""

    check: SessionCheck
    close: Callable[[int, str], Awaitable[None]]
    label: str


class SocketWatch:
    """The authenticated sockets of one kernel and the task that re-checks them."""

    def __init__(self, kernel: Kernel) -> None:
        self._kernel = weakref.ref(kernel)
        self._sockets: set[Watched] = set()
        self._task: asyncio.Task | None = None
        self._wake = asyncio.Event()

    def add(self, watched: Watched) -> None:
        """Watch ``watched`` until ``discard``; starts the re-check task if needed."""
        self._sockets.add(watched)
        loop = asyncio.get_running_loop()
        if self._task is None or self._task.done() or self._task.get_loop() is not loop:
            self._wake = asyncio.Event()
            self._task = loop.create_task(self._run(), name="jiedao-socket-watch")

    def discard(self, watched: Watched) -> None:
        """Stop watching (the socket is gone)."""
        self._sockets.discard(watched)

    def wake(self) -> None:
        """Re-check now (a token or a grant was just revoked in this process)."""
        self._wake.set()

    async def _run(self) -> None:
        while self._sockets:
            kernel = self._kernel()
            if kernel is None:
                return
            interval = kernel.config.transport.socket_recheck_seconds
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), interval)
            self._wake.clear()
            try:
                await self.check_now()
            except Exception:  # noqa: BLE001 - a failed round is retried at the next interval
                log.exception("re-checking the tokens of open WebSockets failed")
        self._task = None

    async def check_now(self) -> None:
        """Re-check every watched socket once and close those whose credentials ended."""
        kernel = self._kernel()
        sockets = list(self._sockets)
        if kernel is None or not sockets:
            return
        codes = await recheck_sessions(kernel, [watched.check for watched in sockets])
        for watched, code in zip(sockets, codes, strict=True):
            if code is None or watched not in self._sockets:
                continue
            self._sockets.discard(watched)
            log.info("websocket %s closed with %s: %s", watched.label, code, REASONS[code])
            await watched.close(code, REASONS[code].partition(":")[0])


def watch_of(kernel: Kernel) -> SocketWatch:
    """The socket watch of ``kernel`` (one per loaded kernel, kept on it)."""
    watch = kernel.__dict__.get("socket_watch")
    if watch is None:
        watch = kernel.__dict__["socket_watch"] = SocketWatch(kernel)
    return watch
