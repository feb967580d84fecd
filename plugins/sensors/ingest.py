"""The MQTT ingestion worker: subscribe, batch, store, acknowledge, reconnect.

Delivery guarantee: QoS 1 with a persistent session (MQTT 5 ``clean_start=False`` and a
session expiry; MQTT 3.1.1 ``clean_session=False``) under a fixed client id, and
*manual* PUBACKs sent only after the batch holding the message is committed. A message
received but not yet stored when the worker stops is redelivered by the broker on the
next connection; a redelivered message already stored adds no reading twice (readings
are unique per device, time and key).

Client id: the persistent session is bound to the client id, so whoever connects with the
same id takes the session over (and with it the messages queued for Jiedao). When the URL
carries a password, the id on the wire is the configured one followed by a tag derived from
that password (``session_client_id``): no device account can guess it. The embedded broker
also reserves ``jiedao-`` ids to Jiedao's own accounts (``broker_access.may_use_client_id``).
A lost connection or session is logged at WARNING, reconnected with backoff, and shown by
``/readyz`` (``ingestion_problem``) until ingestion is back.

Back-pressure: at most ``queue_size`` messages wait in the worker. The broker is asked
not to send more unacknowledged messages (MQTT 5 Receive Maximum), and since not every
broker honours that, the worker stops reading its socket while the queue is full
(``mqtt_adapter.FlowControl``); aiomqtt's ``max_queued_incoming_messages`` is a hard cap above
that which is never reached. A slow database slows the broker down; nothing is dropped.
"""

from __future__ import annotations

import asyncio
import gc
import hashlib
import hmac
import logging
import random
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import parse_qs, unquote, urlsplit

import aiomqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from jiedao.api import now
from jiedao.api.care import care_settings_of
from jiedao.api.domain import Kernel
from jiedao.plugins.sensors.many_streets import merge, store_streets
from jiedao.plugins.sensors.mqtt_adapter import FlowControl, acknowledger, incoming_queue, persistent_client
from jiedao.plugins.sensors.service.payloads import BadTopic, parse_topic
from jiedao.plugins.sensors.service.publish import publish
from jiedao.plugins.sensors.service.rules import Rejected
from jiedao.plugins.sensors.service.store import Inbound, Outcome, quarantine, store_batch
from jiedao.plugins.sensors.state import state_of

log = logging.getLogger("jiedao.sensors.ingest")
PLUGIN = "sensors"


@dataclass
class IngestOptions:
    """How the worker connects and batches; the defaults suit one worker per deployment."""

    url: str
    client_id: str = "jiedao-ingest"
    queue_size: int = 2000
    batch_size: int = 500
    batch_wait: float = 0.05
    shared_group: str | None = None
    protocol: int = 5
    session_expiry: int = 7 * 24 * 3600
    backoff_max: float = 30.0
    transactions: int = 2
    """A batch holding messages of several streets is stored in at most this many
    transactions (groups of streets, concurrent on PostgreSQL; ``many_streets``); 0 stores
    every street of a batch in a transaction of its own, one after another (before r8)."""


@dataclass
class Stats:
    """Counters of one worker since it started."""

    received: int = 0
    accepted: int = 0
    readings: int = 0
    quarantined: Counter = field(default_factory=Counter)
    unroutable: int = 0
    batches: int = 0
    connections: int = 0
    alarm_changes: int = 0


@dataclass(frozen=True)
class Broker:
    """Host, port and credentials of an ``mqtt://user:password@host:port`` URL."""

    host: str
    port: int
    username: str | None
    password: str | None
    query: dict[str, str]


def parse_url(url: str) -> Broker:
    """Read ``mqtt://[user[:password]@]host[:port][?client_id=..&protocol=3]``."""
    parts = urlsplit(url)
    if parts.scheme not in ("mqtt", "tcp") or not parts.hostname:
        raise ValueError(f"expected mqtt://host:port, got {url!r}")
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    return Broker(
        parts.hostname,
        parts.port or 1883,
        unquote(parts.username) if parts.username else None,
        unquote(parts.password) if parts.password else None,
        query,
    )


def session_client_id(client_id: str, password: str | None) -> str:
    """The client id sent to the broker: ``client_id`` itself without a password, else
    ``client_id`` and a 16-hex-digit tag keyed by the password, the same at every start (so
    the persistent session resumes) and different for every ``--client-id``."""
    if not password:
        return client_id
    tag = hmac.new(password.encode(), f"jiedao-session:{client_id}".encode(), hashlib.sha256).hexdigest()[:16]
    return f"{client_id}-{tag}"


def ingestion_problem(kernel: Kernel) -> str | None:
    """Why ingestion in this process is down (for ``/readyz``), or None when every ingester
    running for ``kernel`` is connected (or none runs)."""
    problems = [ingester.problem() for ingester in list(state_of(kernel).ingesters)]
    problems = [p for p in problems if p]
    return "; ".join(problems) or None


def sensor_streets(kernel: Kernel) -> dict[str, str]:
    """The streets enabling sensors and their topic prefixes."""
    return {
        slug: kernel.settings(slug, PLUGIN).topic_prefix
        for slug, street in kernel.config.streets.items()
        if PLUGIN in street.plugins
    }


class Ingester:
    """One MQTT ingestion worker for every street of ``kernel`` that enables sensors."""

    def __init__(self, kernel: Kernel, options: IngestOptions):
        self.kernel = kernel
        self.options = options
        self.broker = parse_url(options.url)
        if "client_id" in self.broker.query:
            options.client_id = self.broker.query["client_id"]
        if "protocol" in self.broker.query:
            options.protocol = int(self.broker.query["protocol"])
        self.prefixes = sensor_streets(kernel)
        self.stats = Stats()
        self.connected = asyncio.Event()
        self.flow: FlowControl | None = None
        self.client_id = session_client_id(options.client_id, self.broker.password)
        self.last_problem = "not connected yet"
        self.down_since = time.monotonic()
        self.sessions_lost = 0

    def problem(self) -> str | None:
        """None while connected and subscribed, else what is wrong and for how long."""
        if self.connected.is_set():
            return None
        return f"MQTT ingestion ({self.options.client_id}) down for {time.monotonic() - self.down_since:.0f}s: {self.last_problem}"

    def topic_filters(self) -> list[str]:
        """One filter per street (a shared subscription when ``shared_group`` is set)."""
        filters = [f"{prefix}/{street}/devices/+/+" for street, prefix in self.prefixes.items()]
        if self.options.shared_group:
            filters = [f"$share/{self.options.shared_group}/{f}" for f in filters]
        return filters

    def _client(self) -> tuple[aiomqtt.Client, FlowControl]:
        o = self.options
        if o.protocol == 5:
            properties = Properties(PacketTypes.CONNECT)
            properties.SessionExpiryInterval = o.session_expiry
            properties.ReceiveMaximum = o.queue_size
            session = {"protocol": aiomqtt.ProtocolVersion.V5, "clean_start": False, "properties": properties}
        else:
            session = {"protocol": aiomqtt.ProtocolVersion.V311, "clean_session": False}
        client = aiomqtt.Client(
            self.broker.host,
            self.broker.port,
            username=self.broker.username,
            password=self.broker.password,
            identifier=self.client_id,
            max_queued_incoming_messages=2 * o.queue_size + 100,
            max_inflight_messages=o.queue_size,
            logger=log,
            **session,
        )
        persistent_client(client, self._on_session)  # PUBACK only after commit; CONNACK's session-present flag
        return client, FlowControl(client, o.queue_size)

    def _on_session(self, present: bool) -> None:
        self._session_present = present

    async def run(self) -> None:
        """Ingest until cancelled, reconnecting with exponential backoff and jitter."""
        if not self.prefixes:
            log.warning("no street enables sensors; ingestion idle")
            return
        # Everything loaded so far (schema, mappers, settings) lives as long as the process:
        # keep it out of the collector's full passes, which otherwise halve the ingest rate.
        gc.freeze()
        ingesters = state_of(self.kernel).ingesters
        ingesters.add(self)
        try:
            await self._run()
        finally:
            ingesters.discard(self)

    async def _run(self) -> None:
        delay = 0.5
        while True:
            started = time.monotonic()
            try:
                client, self.flow = self._client()
                self._session_present = False
                async with client:
                    self.stats.connections += 1
                    if self.stats.connections > 1 and not self._session_present:
                        self.sessions_lost += 1
                        log.warning(
                            "the broker kept no session for %s: messages published while ingestion was disconnected "
                            "may be lost (was the session taken over or expired?)", self.options.client_id,
                        )
                    # A resumed session delivers its backlog right after CONNACK, ahead of
                    # the SUBACK: consume from the start so the SUBACK can be read.
                    consumer = asyncio.create_task(self._consume(client))
                    try:
                        for topic in self.topic_filters():
                            await client.subscribe(topic, qos=1)
                        log.info("ingesting %s from %s:%s as %s", ", ".join(self.topic_filters()), self.broker.host, self.broker.port, self.options.client_id)
                        self.connected.set()
                        await consumer
                    finally:
                        consumer.cancel()
                        await asyncio.gather(consumer, return_exceptions=True)
            except aiomqtt.MqttError as error:
                problem = f"MQTT connection lost ({error})"
            except Exception as error:  # noqa: BLE001 - e.g. the database is down: unacknowledged messages come back
                log.exception("ingestion failed")
                problem = f"ingestion failed ({type(error).__name__})"
            if self.connected.is_set():
                self.down_since = time.monotonic()
            self.connected.clear()
            self.last_problem = problem
            if time.monotonic() - started > 10:
                delay = 0.5  # it worked for a while: start the backoff again
            log.warning("%s; reconnecting in %.1fs", problem, delay)
            await asyncio.sleep(delay * random.uniform(0.8, 1.2))
            delay = min(delay * 2, self.options.backoff_max)

    async def _consume(self, client: aiomqtt.Client) -> None:
        messages = client.messages
        queue = incoming_queue(client)  # waiting on it with a timeout loses nothing
        ack = acknowledger(client)
        loop = asyncio.get_running_loop()
        while True:
            batch = [await anext(messages)]  # raises MqttError when the connection drops
            deadline = loop.time() + self.options.batch_wait
            while len(batch) < self.options.batch_size:
                if not queue.empty():
                    batch.append(queue.get_nowait())
                    continue
                remaining = deadline - loop.time()
                if remaining <= 0:
                    break
                try:
                    batch.append(await asyncio.wait_for(queue.get(), remaining))
                except TimeoutError:
                    break
            self.flow.check()
            await self.process(batch)
            for message in batch:
                if message.qos > 0:
                    ack(message.mid, message.qos)

    async def process(self, batch: list[aiomqtt.Message]) -> Outcome:
        """Store one batch (several streets: ``many_streets.store_streets``) and announce the
        alarm changes after their commits."""
        received_at = now()
        self.stats.received += len(batch)
        self.stats.batches += 1
        by_street: dict[str, list[Inbound]] = defaultdict(list)
        total = Outcome()
        for index, message in enumerate(batch):
            # Distinct arrival times: readings without "ts" are stamped with them, and
            # readings are unique per device, time and key.
            arrived = received_at + timedelta(microseconds=index)
            topic = message.topic.value
            raw = message.payload
            payload = bytes(raw) if isinstance(raw, (bytes, bytearray)) else ("" if raw is None else str(raw)).encode()
            try:
                address = parse_topic(topic, self.prefixes)
            except BadTopic as error:
                await self._quarantine_alone(error.street, topic, payload, arrived, error)
                continue
            except Rejected as error:
                self.stats.unroutable += 1
                log.warning("dropped a message on %s: %s", topic, error.detail)
                continue
            by_street[address.street].append(Inbound(address, topic, payload, arrived))
        if len(by_street) > 1 and self.options.transactions > 0:
            stored = await store_streets(self.kernel, by_street, self.options.transactions, store)
        else:
            stored = merge([await store(self.kernel, street, inbound) for street, inbound in by_street.items()])
        total.accepted += stored.accepted
        total.readings += stored.readings
        total.quarantined.update(stored.quarantined)
        total.changes += stored.changes
        self.stats.accepted += total.accepted
        self.stats.readings += total.readings
        self.stats.quarantined.update(total.quarantined)
        self.stats.alarm_changes += len(total.changes)
        return total

    async def _quarantine_alone(self, street: str, topic: str, payload: bytes, at, error: Rejected) -> None:
        await quarantine_alone(self.kernel, street, topic, payload, at, error)
        self.stats.quarantined[error.reason] += 1


async def quarantine_alone(kernel: Kernel, street: str, topic: str, payload: bytes, at, error: Rejected) -> None:
    """Quarantine one message in its own transaction."""
    street_id = kernel.street_id(street)
    async with kernel.db.transaction(street_id) as session:
        quarantine(session, street_id, topic, topic.split("/")[-2] if "/" in topic else "", payload, at, error)


async def store(kernel: Kernel, street: str, inbound: list[Inbound]) -> Outcome:
    """Store messages of one street in one transaction, then announce the alarm changes.

    Every message is read and checked before anything is written (``store_batch``): a bad
    one is quarantined within the same transaction, so poison does not slow the batch down.
    Only a surprise (a failing statement) makes the batch fail; then it is split in halves,
    each stored in its own transaction, down to the message at fault, which is quarantined
    as ``internal_error``: one bad message never blocks the others.
    """
    street_id = kernel.street_id(street)
    settings = kernel.settings(street, PLUGIN)
    care = care_settings_of(kernel, street)
    try:
        async with kernel.db.transaction(street_id) as session:
            outcome = await store_batch(session, street_id, settings, inbound, care)
    except Exception:  # noqa: BLE001 - find the message at fault by bisection
        log.exception("a batch of %d messages of %s failed; storing it in halves", len(inbound), street)
        outcome = await _store_split(kernel, street, street_id, settings, inbound, care)
    await publish(kernel, street, outcome.changes)
    return outcome


async def _store_split(kernel: Kernel, street: str, street_id: int, settings, inbound: list[Inbound], care=None) -> Outcome:
    """Store the two halves of a failed batch apart, splitting a failing half again; a lone
    message that still fails is quarantined as ``internal_error``."""
    outcome = Outcome()
    middle = len(inbound) // 2
    for half in (inbound[:middle], inbound[middle:]):
        if not half:
            continue
        try:
            async with kernel.db.transaction(street_id) as session:
                part = await store_batch(session, street_id, settings, half, care)
        except Exception as error:  # noqa: BLE001
            if len(half) > 1:
                part = await _store_split(kernel, street, street_id, settings, half, care)
            else:
                message = half[0]
                log.exception("message on %s cannot be stored", message.topic)
                await quarantine_alone(kernel, street, message.topic, message.payload, message.received_at, Rejected("internal_error", type(error).__name__))
                part = Outcome()
                part.quarantined["internal_error"] += 1
        outcome.accepted += part.accepted
        outcome.readings += part.readings
        outcome.quarantined.update(part.quarantined)
        outcome.changes += part.changes
    return outcome
