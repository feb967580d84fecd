"""A real uvicorn serving one ASGI app (a fake provider) in a thread of its own.

``UvicornServer`` serves a whole kernel; a channel's tests only need the provider's local
stand-in behind a real socket, so that timeouts, status codes and URL encoding go through
real HTTP the way they do in production::

    with AsgiServer(app) as server:
        channel = RobotChannel(settings(endpoint=server.url), environ)
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from jiedao.core.testing.services import free_port


class AsgiServer:
    """``with AsgiServer(app) as server: server.url`` (``http://127.0.0.1:PORT``)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._server = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="asgi-server", daemon=True)

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as error:  # noqa: BLE001 - handed to the test thread
            self._error = error
            self._ready.set()

    async def _serve(self) -> None:
        import uvicorn

        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off", timeout_graceful_shutdown=5)
        self._server = uvicorn.Server(config)
        serving = asyncio.create_task(self._server.serve())
        while not self._server.started and not serving.done():
            await asyncio.sleep(0.02)
        self._ready.set()
        await serving

    def __enter__(self) -> AsgiServer:
        self._thread.start()
        if not self._ready.wait(60) or self._error is not None:
            raise RuntimeError(f"the uvicorn server did not start: {self._error!r}")
        return self

    def __exit__(self, *exc) -> None:
        if self._server is not None:
            self._server.should_exit = True
        self._thread.join(15)
