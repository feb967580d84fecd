"""amqtt's broker, with Jiedao's client ids reserved before any session is touched.

amqtt 0.12 looks up the session of a CONNECT's client id — deleting it for a clean-session
client, taking it over otherwise, and silently cutting off the client that held it — *before*
it authenticates the newcomer. So a rule in an auth plugin comes too late: anyone who can
reach the port could end the ingester's session. ``GuardedBroker`` asks a guard
(``broker_access.ClientIdGuard``) right after reading CONNECT and refuses with CONNACK
"not authorised" a client that may not use its client id, leaving the session alone.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from amqtt.broker import Broker
from amqtt.errors import AMQTTError, MQTTError, NoDataError
from amqtt.mqtt.connack import NOT_AUTHORIZED, ConnackPacket
from amqtt.mqtt.protocol.broker_handler import BrokerProtocolHandler
from amqtt.session import Session
from amqtt.utils import gen_client_id

log = logging.getLogger("jiedao.sensors")


class GuardedBroker(Broker):
    """An amqtt ``Broker`` that refuses a client when ``guard(username, password, client_id)``
    is false, before looking up that client id's session."""

    def __init__(self, config: dict, guard: Callable[[str | None, str | None, str], bool]):
        super().__init__(config)
        self._guard = guard

    async def _initialize_client_session(self, reader, writer, remote_address: str, remote_port: int) -> tuple[BrokerProtocolHandler, Session]:
        """``Broker._initialize_client_session`` of amqtt 0.12.1, with the guard between reading
        CONNECT and the session lookup."""
        try:
            handler, client_session = await BrokerProtocolHandler.init_from_connect(reader, writer, self.plugins_manager)
        except AMQTTError as exc:
            raise AMQTTError(exc) from exc
        except MQTTError as exc:
            await writer.close()
            raise MQTTError(exc) from exc
        except NoDataError as exc:
            raise AMQTTError(exc) from exc

        client_id = client_session.client_id or ""
        if not self._guard(client_session.username, client_session.password, client_id):
            log.warning("embedded MQTT broker refused client id '%s' to %s from %s: reserved for Jiedao's own accounts",
                        client_id, f"'{client_session.username}'" if client_session.username else "an anonymous client", remote_address)
            await ConnackPacket.build(0, NOT_AUTHORIZED).to_stream(writer)
            await writer.close()
            raise MQTTError(f"client id '{client_id}' refused")

        if client_session.clean_session:
            if client_id:
                await self._delete_session(client_id)
            else:
                client_session.client_id = gen_client_id()
            client_session.parent = 0
        elif client_id in self._sessions:
            existing, _ = self._sessions[client_id]
            for name in ("will_flag", "will_message", "will_topic", "will_qos", "keep_alive", "username", "password"):
                setattr(existing, name, getattr(client_session, name))
            client_session = existing
            client_session.parent = 1
        else:
            client_session.parent = 0

        delay = self.config.get("timeout-disconnect-delay", 0)
        if client_session.keep_alive > 0 and isinstance(delay, int):
            client_session.keep_alive += delay
        return handler, client_session
