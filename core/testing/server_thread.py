"""A uvicorn server running in a thread of its own, for tests that need a real socket.

``ServerThread`` owns the thread, the listening socket and the start/stop handshake; a subclass
says what to serve in ``_serve`` (ending with ``await self._serve_until_stopped(config)``).
The socket is bound and listening from the constructor on, and uvicorn serves on it: a port
found free and bound only later could be taken meanwhile by another test process (a CI run
failed so: "address already in use").
``AsgiServer`` serves one ASGI app, ``UvicornServer`` a whole kernel."""

from __future__ import annotations

import asyncio
import socket
import threading
from typing import Any


class ServerThread:
    """``with Subclass(...) as server: server.url`` (``http://127.0.0.1:PORT``)."""

    start_timeout: float = 60
    """Seconds ``__enter__`` waits for the server to listen."""

    def __init__(self, name: str) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.bind(("127.0.0.1", 0))
        self._socket.listen(2048)  # uvicorn's default backlog
        self.port = self._socket.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._server = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as error:  # noqa: BLE001 - handed to the test thread
            self._error = error
            self._ready.set()

    async def _serve(self) -> None:
        raise NotImplementedError

    async def _serve_until_stopped(self, config: Any) -> None:
        """Serve with the uvicorn ``config`` on the thread's socket (``config``'s host and port
        only name it), telling ``__enter__`` once it serves."""
        import uvicorn

        self._server = uvicorn.Server(config)
        serving = asyncio.create_task(self._server.serve(sockets=[self._socket]))
        while not self._server.started and not serving.done():
            await asyncio.sleep(0.02)
        self._ready.set()
        await serving

    def __enter__(self):
        self._thread.start()
        if not self._ready.wait(self.start_timeout) or self._error is not None:
            self._socket.close()
            raise RuntimeError(f"the uvicorn server did not start: {self._error!r}")
        return self

    def __exit__(self, *exc) -> None:
        if self._server is not None:
            self._server.should_exit = True
        self._thread.join(15)
        self._socket.close()
