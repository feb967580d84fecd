"""The embedded default: an in-process amqtt broker when no ``JIEDAO_MQTT_URL`` is given.

amqtt speaks MQTT 3.1.1 only and relays about a thousand messages a second: enough for a
street's devices on one machine, not for load (use Mosquitto or EMQX in production).
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import AsyncIterator

log = logging.getLogger("jiedao.sensors")
DEFAULT_BIND = "127.0.0.1:1883"


@contextlib.asynccontextmanager
async def embedded_broker(bind: str | None = None) -> AsyncIterator[str]:
    """Run an amqtt broker on ``bind`` (``JIEDAO_MQTT_EMBEDDED_BIND``, default
    127.0.0.1:1883) for the duration of the block; yields the URL to connect to."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from amqtt.broker import Broker

    bind = bind or os.environ.get("JIEDAO_MQTT_EMBEDDED_BIND") or DEFAULT_BIND
    broker = Broker({
        "listeners": {"default": {"type": "tcp", "bind": bind}},
        "plugins": {"amqtt.plugins.authentication.AnonymousAuthPlugin": {"allow_anonymous": True}},
    })
    await broker.start()
    host, _, port = bind.rpartition(":")
    log.info("embedded MQTT broker (amqtt, MQTT 3.1.1) listening on %s", bind)
    try:
        yield f"mqtt://{host or '127.0.0.1'}:{port}?protocol=3"
    finally:
        await broker.shutdown()
