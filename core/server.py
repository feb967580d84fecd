"""How ``jiedao serve`` runs uvicorn: proxies it believes, and a time limit on request heads.

uvicorn (0.54) arms no timer while it waits for a request head, on a new connection or on a
kept-alive one after the first byte of the next request: a client that sends its head a
byte at a time holds the connection for ever (slowloris). The protocols here close a
connection whose request head is not complete ``JIEDAO_HEADER_TIMEOUT_SECONDS`` after the
connection opened (or after the first byte of a following request).
"""

from __future__ import annotations

import asyncio
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from jiedao.core.config import Config

try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
except ImportError:  # pragma: no cover - httptools is in requirements.lock
    HttpToolsProtocol = None


class _HeadTimer:
    """Closes the transport unless ``stop`` is called within ``timeout`` of ``start``.

    A keep-alive connection starts and stops it once per request: both only note a deadline.
    One loop timer per connection is pending at a time; when it fires it closes the transport
    if a head is overdue, waits on for a head still in time, and lapses when none is awaited
    (the next ``start`` arms a new one). ``cancel`` drops it when the connection is lost."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self._deadline: float | None = None
        self._handle: asyncio.TimerHandle | None = None

    def start(self, transport: asyncio.Transport) -> None:
        """A request head is awaited from now on (no-op if one already is)."""
        if self._deadline is not None:
            return
        loop = asyncio.get_running_loop()
        self._deadline = loop.time() + self.timeout
        if self._handle is None:
            self._handle = loop.call_at(self._deadline, self._check, transport)

    def stop(self) -> None:
        """The awaited head is in."""
        self._deadline = None

    def cancel(self) -> None:
        """The connection is gone: no head is awaited and the timer is dropped."""
        self._deadline = None
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None

    def _check(self, transport: asyncio.Transport) -> None:
        self._handle = None
        if self._deadline is None:
            return
        loop = asyncio.get_running_loop()
        if loop.time() < self._deadline:  # a later head, started after this timer was armed
            self._handle = loop.call_at(self._deadline, self._check, transport)
            return
        self._deadline = None
        if not transport.is_closing():
            transport.close()


class _HeadTimeout:
    """What both protocols share: a timer started when a connection opens, stopped when it
    closes (the protocol restarts it for each request head and stops it once the head is in)."""

    header_timeout = 10.0

    def __init__(self, config, *args: Any, **kwargs: Any) -> None:
        super().__init__(config, *args, **kwargs)
        self._head_timer = _HeadTimer(self.header_timeout)

    def connection_made(self, transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._head_timer.start(transport)

    def connection_lost(self, exc: Exception | None) -> None:
        self._head_timer.cancel()
        super().connection_lost(exc)


class HeadTimeoutH11Protocol(_HeadTimeout, H11Protocol):
    """uvicorn's h11 protocol with a time limit on each request head."""

    def data_received(self, data: bytes) -> None:
        if self.conn.their_state is h11.IDLE:
            self._head_timer.start(self.transport)
        super().data_received(data)
        if self.conn.their_state is not h11.IDLE:
            self._head_timer.stop()


if HttpToolsProtocol is not None:

    class HeadTimeoutHttpToolsProtocol(_HeadTimeout, HttpToolsProtocol):
        """uvicorn's httptools protocol with a time limit on each request head."""

        def on_message_begin(self) -> None:
            self._head_timer.start(self.transport)
            super().on_message_begin()

        def on_headers_complete(self) -> None:
            self._head_timer.stop()
            super().on_headers_complete()

    HTTP_PROTOCOL: type = HeadTimeoutHttpToolsProtocol
else:  # pragma: no cover
    HTTP_PROTOCOL = HeadTimeoutH11Protocol


def uvicorn_options(config: Config) -> dict[str, Any]:
    """The uvicorn settings of ``jiedao serve`` (for ``uvicorn.run`` or ``uvicorn.Config``).

    ``X-Forwarded-For``/``-Proto`` are believed only from ``JIEDAO_TRUSTED_PROXIES`` (none by
    default: the client address is the TCP peer's), request heads must arrive within
    ``JIEDAO_HEADER_TIMEOUT_SECONDS``, WebSockets use the sans-I/O websockets implementation.
    """
    trusted = list(config.transport.trusted_proxies)
    timeout = config.transport.header_timeout_seconds
    protocol = type(HTTP_PROTOCOL.__name__, (HTTP_PROTOCOL,), {"header_timeout": timeout})
    return {"http": protocol, "ws": "websockets-sansio", "proxy_headers": bool(trusted), "forwarded_allow_ips": trusted}


def uvicorn_config(app, config: Config, **options: Any):
    """A ``uvicorn.Config`` serving ``app`` as ``jiedao serve`` does; ``options`` (host, port,
    log_level, …) go to uvicorn unchanged."""
    import uvicorn

    return uvicorn.Config(app, **{**uvicorn_options(config), **options})
