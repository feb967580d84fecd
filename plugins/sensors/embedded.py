"""The embedded default: an in-process amqtt broker when no ``JIEDAO_MQTT_URL`` is given.

amqtt speaks MQTT 3.1.1 only and relays about a thousand messages a second: enough for a
street's devices on one machine, not for load. It is for the demo and single-machine trials:
it acknowledges QoS 1 messages before they are durable (a kill -9 loses some), so production
uses Mosquitto or EMQX (``JIEDAO_MQTT_URL``); ``jiedao serve`` starts it only with ``--demo``
or ``--embedded-broker``, and says so at WARNING level.

Access: when the password file (``provision.password_file()``) exists as the broker starts,
it enforces that file and the ACL file as Mosquitto would (``broker_access.FileAccess``):
devices log in with the credentials ``jiedao sensors provision`` issued and may publish
only on their own topics, anonymous clients are refused. Jiedao's own clients in the same
process (ingester, alarm relay) log in with an account that exists only in memory, with a
password drawn at random each start: the URL this yields carries it. Without a password
file (the demo), anyone may connect, as before. Either way, client ids starting with
``jiedao-`` are Jiedao's own (``broker_access.ClientIdGuard``, checked by ``GuardedBroker``
before amqtt touches a session): nobody else can take the ingester's session over.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import quote

from jiedao.plugins.sensors import provision

log = logging.getLogger("jiedao.sensors")
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 1883
DEFAULT_BIND = f"{DEFAULT_HOST}:{DEFAULT_PORT}"
INTERNAL_USERNAME = "jiedao-embedded"
"""The in-process account of ``jiedao serve``'s own clients (never in the password file)."""


def embedded_bind(port: int | None = None) -> str:
    """``host:port`` for the embedded broker: the host of ``JIEDAO_MQTT_EMBEDDED_BIND`` (default
    127.0.0.1), and ``port`` if given (``jiedao serve --mqtt-port``), else the port of that
    variable, else 1883."""
    host, _, env_port = (os.environ.get("JIEDAO_MQTT_EMBEDDED_BIND") or DEFAULT_BIND).rpartition(":")
    return f"{host or DEFAULT_HOST}:{port if port is not None else env_port or DEFAULT_PORT}"


def broker_config(bind: str, password_file: Path, acl_file: Path, internal_password: str, enforce: bool = True) -> dict:
    """The amqtt configuration: enforcing the files (and admitting the in-process account with
    ``internal_password``), or without ``enforce`` open to anyone but that account."""
    listeners = {"default": {"type": "tcp", "bind": bind}}
    access = {
        "password_file": str(password_file), "acl_file": str(acl_file),
        "internal_username": INTERNAL_USERNAME, "internal_password": internal_password, "enforce": enforce,
    }
    return {"listeners": listeners, "plugins": {"jiedao.plugins.sensors.broker_access.FileAccess": access}}


@contextlib.asynccontextmanager
async def embedded_broker(bind: str | None = None, password_file: str | os.PathLike | None = None, acl_file: str | os.PathLike | None = None) -> AsyncIterator[str]:
    """Run an amqtt broker on ``bind`` (default ``embedded_bind()``) for the duration of the
    block; yields the URL Jiedao's own clients connect with.

    ``password_file`` and ``acl_file`` default to ``provision.password_file()`` and
    ``provision.acl_file()``; if the password file exists, the broker enforces both files.
    """
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from jiedao.plugins.sensors.broker_access import ClientIdGuard
        from jiedao.plugins.sensors.guarded_broker import GuardedBroker

    bind = bind or embedded_bind()
    passwords = Path(password_file) if password_file is not None else provision.password_file()
    acl = Path(acl_file) if acl_file is not None else provision.acl_file()
    enforcing = passwords.exists()
    internal_password = secrets.token_urlsafe(24)
    guard = ClientIdGuard(INTERNAL_USERNAME, internal_password, passwords if enforcing else None)
    broker = GuardedBroker(broker_config(bind, passwords, acl, internal_password, enforcing), guard)
    await broker.start()
    host, _, port = bind.rpartition(":")
    host = host or DEFAULT_HOST
    if enforcing:
        log.info("embedded MQTT broker (amqtt, MQTT 3.1.1) listening on %s, enforcing %s and %s", bind, passwords, acl)
    else:
        log.info("embedded MQTT broker (amqtt, MQTT 3.1.1) listening on %s, open to anonymous clients (no %s)", bind, passwords)
    credentials = f"{INTERNAL_USERNAME}:{quote(internal_password, safe='')}@"
    log.warning(
        "the embedded MQTT broker is for the demo and single-machine trials only: it may lose acknowledged "
        "messages if the process is killed; production uses Mosquitto or EMQX (set JIEDAO_MQTT_URL)"
    )
    try:
        yield f"mqtt://{credentials}{host}:{port}?protocol=3"
    finally:
        await broker.shutdown()
