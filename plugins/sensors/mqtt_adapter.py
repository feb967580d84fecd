"""Everything the sensors plugin does with aiomqtt (2.x) and paho-mqtt beyond their public
API, in one place: an upgrade of either touches this file only (and its tests).

- ``persistent_client``: manual PUBACKs, and CONNACK's session-present flag;
- ``acknowledger`` and ``incoming_queue``: for the ingester's batches (looked up once per
  connection, so the per-message path stays two plain calls);
- ``FlowControl``: back-pressure, below.

Back-pressure for an aiomqtt client: stop reading the socket while the local queue is full.

MQTT 5's Receive Maximum should keep a broker from sending more unacknowledged messages
than the client allows, but Mosquitto 2.0.11 refills the whole quota on every PUBACK, and
aiomqtt *discards* what does not fit in ``max_queued_incoming_messages``. So the worker
also pauses reading from the socket once ``limit`` messages wait and resumes when half of
them are taken: TCP then pushes back on the broker, which keeps the messages queued for
the session. The aiomqtt queue bound stays as a hard cap above ``limit`` and is never hit.

This replaces aiomqtt's (2.x) socket-open callback with an equivalent one that remembers
the reader, so it can be removed and added back.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import aiomqtt


def persistent_client(client: aiomqtt.Client, on_session: Callable[[bool], None]) -> aiomqtt.Client:
    """Make ``client`` acknowledge messages only when told (``acknowledger``: PUBACK after
    the commit), and call ``on_session(session_present)`` on every CONNACK."""
    paho = client._client  # noqa: SLF001
    paho.manual_ack_set(True)
    on_connect = paho.on_connect

    def connected(paho, userdata, flags, *args):
        on_session(bool(getattr(flags, "session_present", False)))
        on_connect(paho, userdata, flags, *args)

    paho.on_connect = connected
    return client


def acknowledger(client: aiomqtt.Client) -> Callable[[int, int], Any]:
    """``ack(mid, qos)``: send the PUBACK of a message received with manual acknowledgements."""
    return client._client.ack  # noqa: SLF001


def incoming_queue(client: aiomqtt.Client) -> asyncio.Queue:
    """The queue ``client.messages`` reads from: taking from it with a timeout loses nothing."""
    return client._queue  # noqa: SLF001


class FlowControl:
    """Pauses and resumes reading ``client``'s socket around ``limit`` queued messages."""

    def __init__(self, client: aiomqtt.Client, limit: int):
        self.client = client
        self.limit = max(1, limit)
        self.resume_below = max(1, self.limit // 2)
        self.paused = False
        self.pauses = 0
        self.most_queued = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._fd: int | None = None
        self._reader = None
        client._client.on_socket_open = self._on_socket_open  # noqa: SLF001

    def _on_socket_open(self, paho: Any, _userdata: Any, sock: Any) -> None:
        client = self.client
        loop = self._loop = client._loop  # noqa: SLF001

        def read() -> None:
            try:
                while True:
                    paho.loop_read()
                    if hasattr(paho._sock, "pending") and paho._sock.pending() > 0:  # noqa: SLF001 - TLS buffers
                        continue
                    break
            except Exception as error:  # noqa: BLE001 - a broken connection ends the session
                if not client._disconnected.done():  # noqa: SLF001
                    client._disconnected.set_exception(error)  # noqa: SLF001
            self.check()

        def misc() -> None:
            client._misc_task = loop.create_task(client._misc_loop())  # noqa: SLF001

        self._fd, self._reader, self.paused = sock.fileno(), read, False
        loop.call_soon_threadsafe(loop.add_reader, self._fd, read)
        loop.call_soon_threadsafe(misc)

    def check(self) -> None:
        """Pause or resume reading according to the queue length; call after taking messages."""
        if self._loop is None or self._fd is None or self.client._disconnected.done():  # noqa: SLF001
            return
        queued = self.client._queue.qsize()  # noqa: SLF001
        self.most_queued = max(self.most_queued, queued)
        if not self.paused and queued >= self.limit:
            self._loop.remove_reader(self._fd)
            self.paused = True
            self.pauses += 1
        elif self.paused and queued < self.resume_below:
            self.paused = False
            self._loop.add_reader(self._fd, self._reader)
            self._loop.call_soon(self._reader)  # bytes may already wait in paho's buffer
