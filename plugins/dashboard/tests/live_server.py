"""A real uvicorn server of a Jiedao kernel on a free localhost port, in a thread of its own.

The kernel lives in the server's event loop; ``call(fn)`` runs ``await fn(kernel)`` there
(to add data while a browser watches)."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any

import uvicorn

from jiedao.core.app import build_app
from jiedao.core.config import parse_config
from jiedao.core.kernel import Kernel


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """``with LiveServer(streets, url, seed=...) as server: server.url``"""

    def __init__(self, streets: dict, database_url: str, *, extra_plugin_paths=(), seed: Callable[[Kernel], Awaitable[Any]] | None = None):
        self.streets, self.database_url, self.extra = streets, database_url, list(extra_plugin_paths)
        self.seed = seed
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.kernel: Kernel | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self._server: uvicorn.Server | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="live-server", daemon=True)

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as error:  # noqa: BLE001 - handed to the test thread
            self._error = error
            self._ready.set()

    async def _serve(self) -> None:
        self.loop = asyncio.get_running_loop()
        config = parse_config({"streets": self.streets}, database_url=self.database_url)
        self.kernel = await Kernel.load(config, extra_plugin_paths=self.extra)
        await self.kernel.sync_streets()
        if self.seed is not None:
            await self.seed(self.kernel)
        app = build_app(self.kernel, background=False)
        self._server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on"))
        serving = asyncio.create_task(self._server.serve())
        while not self._server.started and not serving.done():
            await asyncio.sleep(0.05)
        self._ready.set()
        await serving

    def call(self, work: Callable[[Kernel], Awaitable[Any]], timeout: float = 30) -> Any:
        """Run ``await work(kernel)`` in the server's loop and return its result."""
        return asyncio.run_coroutine_threadsafe(work(self.kernel), self.loop).result(timeout)

    def __enter__(self) -> LiveServer:
        self._thread.start()
        if not self._ready.wait(60) or self._error is not None:
            raise RuntimeError(f"the live server did not start: {self._error!r}")
        return self

    def __exit__(self, *exc) -> None:
        if self._server is not None:
            self._server.should_exit = True
        deadline = time.monotonic() + 15
        self._thread.join(max(0.1, deadline - time.monotonic()))
