"""Publish a schedule over MQTT, paced in simulated time (``speed`` simulated seconds a wall
second), and count what was sent per street so a bench can tell what was lost.

Messages go out through one connection of an account that may publish for the devices (a
``provision-service --access write`` account, or any account on an open test broker), the way
a gateway or a test rig does; ``own`` devices per street also publish through their own
connection with their own credentials (``fleet.write_credentials``), which exercises the
shipped ACLs. 150,000 devices each on its own connection is beyond one machine's
Python and file descriptors, and is not what is measured here (the broker's connection count
is EMQX's job, see the README's "Scaling").
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import aiomqtt

from jiedao.plugins.sensors.ingest import parse_url
from jiedao.plugins.sensors.loadgen.schedule import SimMessage
from jiedao.plugins.sensors.provision import username_of

QUIET = logging.getLogger("jiedao.sensors.loadgen")
QUIET.setLevel(logging.ERROR)  # aiomqtt warns about every pending publish beyond its window
PENDING = 500


@dataclass
class StreetTally:
    """What one street's devices sent."""

    messages: int = 0
    readings: int = 0
    refused: int = 0


@dataclass
class Tally:
    """What a run published: per street, and every alarm fault with its wall-clock time."""

    streets: dict[str, StreetTally] = field(default_factory=lambda: defaultdict(StreetTally))
    faults: list[dict] = field(default_factory=list)
    by_kind: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    own_connections: int = 0
    started: float = 0.0
    finished: float = 0.0

    @property
    def messages(self) -> int:
        """Messages published in all."""
        return sum(t.messages for t in self.streets.values())

    def as_json(self) -> dict:
        """The tally as plain JSON."""
        return {"streets": {s: vars(t) for s, t in self.streets.items()}, "faults": self.faults, "by_kind": dict(self.by_kind),
                "own_connections": self.own_connections, "started": self.started, "finished": self.finished, "messages": self.messages}


def topic_of(prefix: str, message: SimMessage) -> str:
    """The telemetry topic ``message`` is published on."""
    return f"{prefix}/{message.street}/devices/{message.device_id}/telemetry"


async def publish(url: str, prefix: str, messages: Iterable[SimMessage], *, speed: float = 1.0, credentials: dict[str, str] | None = None,
                  own: int = 0, progress=None) -> Tally:
    """Publish ``messages`` (time-ordered, ``at`` in simulated seconds) at ``speed``; returns the
    tally. With ``credentials`` ({username: password}), the first ``own`` devices heard of in
    each street publish through their own connections."""
    broker = parse_url(url)
    tally = Tally()
    last_ts: dict[tuple[str, str], int] = {}
    own_clients: dict[tuple[str, str], aiomqtt.Client] = {}
    own_per_street: dict[str, int] = defaultdict(int)
    async with contextlib.AsyncExitStack() as stack:
        shared = await stack.enter_async_context(aiomqtt.Client(
            broker.host, broker.port, username=broker.username, password=broker.password, identifier=f"sim-{time.time_ns()}",
            max_inflight_messages=1000, logger=QUIET))
        pending: list[asyncio.Future] = []
        tally.started = start = time.time()
        for message in messages:
            due = start + message.at / speed
            wait = due - time.time()
            if wait > 0:
                if pending:
                    await asyncio.gather(*pending)
                    pending.clear()
                    wait = due - time.time()
                if wait > 0:
                    await asyncio.sleep(wait)
            key = (message.street, message.device_id)
            client = own_clients.get(key, shared)
            if credentials and client is shared and own_per_street[message.street] < own and not message.refused:
                username = username_of(message.street, message.device_id)
                if username in credentials:
                    client = await stack.enter_async_context(aiomqtt.Client(
                        broker.host, broker.port, username=username, password=credentials[username], identifier=f"dev-{username}", logger=QUIET))
                    own_clients[key] = client
                    own_per_street[message.street] += 1
                    tally.own_connections += 1
            now_ms = int(time.time() * 1000)
            ts = last_ts[key] = max(now_ms, last_ts.get(key, 0) + 1)
            pending.append(asyncio.ensure_future(client.publish(topic_of(prefix, message), message.payload(ts), qos=1)))
            street = tally.streets[message.street]
            street.messages += 1
            street.readings += message.readings
            street.refused += message.refused
            tally.by_kind[message.kind] += 1
            if message.alarm:
                tally.faults.append({"street": message.street, "device_id": message.device_id, "alarm": message.alarm, "at": time.time(), "ts": ts})
            if len(pending) >= PENDING:
                await asyncio.gather(*pending)
                pending.clear()
            if progress and tally.messages % 1000 == 0:
                progress(tally)
        await asyncio.gather(*pending)
        tally.finished = time.time()
    return tally
