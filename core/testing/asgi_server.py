"""A real uvicorn serving one ASGI app (a fake provider) in a thread of its own.

``UvicornServer`` serves a whole kernel; a channel's tests only need the provider's local
stand-in behind a real socket, so that timeouts, status codes and URL encoding go through
real HTTP the way they do in production::

    with AsgiServer(app) as server:
        channel = RobotChannel(settings(endpoint=server.url), environ)
"""

from __future__ import annotations

from typing import Any

from jiedao.core.testing.server_thread import ServerThread


class AsgiServer(ServerThread):
    """``with AsgiServer(app) as server: server.url`` (``http://127.0.0.1:PORT``)."""

    def __init__(self, app: Any) -> None:
        super().__init__("asgi-server")
        self.app = app

    async def _serve(self) -> None:
        import uvicorn

        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off", timeout_graceful_shutdown=5)
        await self._serve_until_stopped(config)
