"""A real uvicorn serving a Jiedao kernel the way ``jiedao serve`` does, in a thread of its own.

Transport behaviour (WebSocket close codes, proxy headers, slow request heads, access logs)
only shows through a real server: Starlette's TestClient hides it. The server is configured
by ``core.server.uvicorn_config`` (what ``serve`` uses), listens on a free port of 127.0.0.1,
and keeps what uvicorn logs in ``log_text()``. ``call(fn)`` runs ``await fn(kernel)`` in the
server's event loop.
"""

from __future__ import annotations

import asyncio
import io
import logging
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any

from jiedao.core.app import build_app
from jiedao.core.config import parse_config
from jiedao.core.kernel import Kernel
from jiedao.core.log_redaction import LOGGERS
from jiedao.core.testing.services import free_port


class UvicornServer:
    """``with UvicornServer(streets, database_url) as server: server.url, server.ws_url(street)``

    The configuration (``JIEDAO_*`` transport settings included) is read from the
    environment when the server starts; set it (``monkeypatch.setenv``) before.
    """

    def __init__(self, streets: dict, database_url: str, *, extra_plugin_paths=(), seed: Callable[[Kernel], Awaitable[Any]] | None = None):
        self.streets, self.database_url, self.extra, self.seed = streets, database_url, list(extra_plugin_paths), seed
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.kernel: Kernel | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self._server = None
        self._log = io.StringIO()
        self._log_lock = threading.Lock()
        self._handler: logging.Handler | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="uvicorn-server", daemon=True)

    def ws_url(self, street: str, query: str = "") -> str:
        """``ws://127.0.0.1:PORT/graphql/STREET[?query]``."""
        return f"ws://127.0.0.1:{self.port}/graphql/{street}" + (f"?{query}" if query else "")

    def log_text(self) -> str:
        """Everything uvicorn logged so far (access log and handshakes), as formatted."""
        with self._log_lock:
            return self._log.getvalue()

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as error:  # noqa: BLE001 - handed to the test thread
            self._error = error
            self._ready.set()

    async def _serve(self) -> None:
        import uvicorn

        from jiedao.core.server import uvicorn_config

        self.loop = asyncio.get_running_loop()
        config = parse_config({"streets": self.streets}, database_url=self.database_url)
        self.kernel = await Kernel.load(config, extra_plugin_paths=self.extra)
        await self.kernel.sync_streets()
        if self.seed is not None:
            await self.seed(self.kernel)
        server_config = uvicorn_config(build_app(self.kernel, background=False), config, host="127.0.0.1", port=self.port, log_level="info")
        self._capture_logs()  # after uvicorn configured its loggers
        self._server = uvicorn.Server(server_config)
        serving = asyncio.create_task(self._server.serve())
        while not self._server.started and not serving.done():
            await asyncio.sleep(0.05)
        self._ready.set()
        await serving

    def _capture_logs(self) -> None:
        server = self

        class Capture(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                with server._log_lock:
                    server._log.write(self.format(record) + "\n")

        self._handler = Capture()
        for name in LOGGERS:
            logging.getLogger(name).addHandler(self._handler)

    def call(self, work: Callable[[Kernel], Awaitable[Any]], timeout: float = 30) -> Any:
        """Run ``await work(kernel)`` in the server's loop and return its result."""
        return asyncio.run_coroutine_threadsafe(work(self.kernel), self.loop).result(timeout)

    def __enter__(self) -> UvicornServer:
        self._thread.start()
        if not self._ready.wait(120) or self._error is not None:
            raise RuntimeError(f"the uvicorn server did not start: {self._error!r}")
        return self

    def __exit__(self, *exc) -> None:
        if self._server is not None:
            self._server.should_exit = True
        self._thread.join(15)
        if self._handler is not None:
            for name in LOGGERS:
                logging.getLogger(name).removeHandler(self._handler)
