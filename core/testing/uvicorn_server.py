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
from collections.abc import Awaitable, Callable
from typing import Any

from jiedao.core.app import build_app
from jiedao.core.config import parse_config
from jiedao.core.kernel import Kernel
from jiedao.core.log_redaction import LOGGERS
from jiedao.core.testing.server_thread import ServerThread


class UvicornServer(ServerThread):
    """``with UvicornServer(streets, database_url) as server: server.url, server.ws_url(street)``

    The configuration (``JIEDAO_*`` transport settings included) is read from the
    environment when the server starts; set it (``monkeypatch.setenv``) before.
    """

    start_timeout = 120

    def __init__(self, streets: dict, database_url: str, *, extra_plugin_paths=(), seed: Callable[[Kernel], Awaitable[Any]] | None = None,
                 background: bool = False):
        super().__init__("uvicorn-server")
        self.streets, self.database_url, self.extra, self.seed = streets, database_url, list(extra_plugin_paths), seed
        self.background = background  # True runs plugins' long-running work (MQTT ingestion, escalation)
        self.kernel: Kernel | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self._log = io.StringIO()
        self._log_lock = threading.Lock()
        self._handler: logging.Handler | None = None

    def ws_url(self, street: str, query: str = "") -> str:
        """``ws://127.0.0.1:PORT/graphql/STREET[?query]``."""
        return f"ws://127.0.0.1:{self.port}/graphql/{street}" + (f"?{query}" if query else "")

    def log_text(self) -> str:
        """Everything uvicorn logged so far (access log and handshakes), as formatted."""
        with self._log_lock:
            return self._log.getvalue()

    async def _serve(self) -> None:
        from jiedao.core.server import uvicorn_config

        self.loop = asyncio.get_running_loop()
        config = parse_config({"streets": self.streets}, database_url=self.database_url)
        self.kernel = await Kernel.load(config, extra_plugin_paths=self.extra)
        await self.kernel.sync_streets()
        if self.seed is not None:
            await self.seed(self.kernel)
        server_config = uvicorn_config(build_app(self.kernel, background=self.background), config, host="127.0.0.1", port=self.port, log_level="info")
        self._capture_logs()  # after uvicorn configured its loggers
        await self._serve_until_stopped(server_config)

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

    def __exit__(self, *exc) -> None:
        super().__exit__(*exc)
        if self._handler is not None:
            for name in LOGGERS:
                logging.getLogger(name).removeHandler(self._handler)
