"""What a platform format module hands to storage: one ``Pushed`` per device message, or a
``BadBody`` for a request body that holds no message at all."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from jiedao.plugins.sensors.service.payloads import DEVICE_ID
from jiedao.plugins.sensors.service.rules import Rejected


class BadBody(Exception):
    """A request body that cannot be read as the platform's format; ``field`` names where."""

    def __init__(self, field: str, message: str, reason: str = "bad_payload"):
        self.field, self.message, self.reason = field, message, reason
        super().__init__(f"{field}: {message}")


class BadField(Rejected):
    """One message of a push that cannot be accepted: quarantined, and named in the answer."""

    def __init__(self, reason: str, field: str, detail: str):
        super().__init__(reason, detail)
        self.field = field


@dataclass(slots=True)
class Pushed:
    """One device message of a push, translated into what an MQTT device would send.

    ``key`` is the message's own identity on the platform (its id, or device, type and
    timestamp) for idempotency; ``payload`` is ThingsBoard JSON on ``telemetry`` or
    ``online``/``offline`` on ``status``. ``label`` says what it was on the platform (type and device); ``fields`` maps each sensor key back to the
    platform's field, to name it when a value is refused. ``error`` is set instead when the
    message cannot be translated (it is quarantined with ``raw``, the platform's own text).
    ``made_at`` is the platform's time of the message (epoch ms; the oldest of its samples),
    read from ``made_at_field``: a message older than the street's ``remember_deliveries`` is
    refused (``deliveries.take``)."""

    path: str
    key: str | None
    device_id: str
    label: str = ""
    device_field: str = ""
    channel: str = "telemetry"
    payload: bytes = b""
    raw: bytes = b""
    fields: dict[str, str] = field(default_factory=dict)
    error: BadField | None = None
    made_at: int | None = None
    made_at_field: str = ""


def loads(body: bytes) -> object:
    """The JSON value of ``body``; ``BadBody`` (``not_json``) for anything that is not JSON
    text: not UTF-8, NUL or other bytes outside strings, nested too deeply, numbers too long."""
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BadBody("body", f"not JSON ({str(error)[:120]})", "not_json") from None
    except RecursionError:
        raise BadBody("body", "not JSON (nested too deeply)", "not_json") from None
    except ValueError as error:
        raise BadBody("body", f"not JSON ({str(error)[:120]})", "not_json") from None


def text_field(data: dict, name: str, path: str, *, required: bool = True) -> str | None:
    """``data[name]`` as a non-empty string (an integer is taken as its digits), else ``BadField``."""
    value = data.get(name)
    if value is None or value == "":
        if required:
            raise BadField("bad_payload", f"{path}.{name}", f"'{name}' is missing")
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise BadField("bad_payload", f"{path}.{name}", f"'{name}' must be a string, got {type(value).__name__}")
    return str(value)


def epoch_ms(data: dict, name: str, path: str) -> int:
    """``data[name]`` as epoch milliseconds (an integer), else ``BadField``."""
    value = data.get(name)
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadField("bad_timestamp", f"{path}.{name}", f"'{name}' must be epoch milliseconds (an integer), got {json.dumps(value)[:40]}")
    return value


def status_payload(online: bool, at_ms: int) -> bytes:
    """A platform's online/offline report as a status payload carrying the platform's time, so
    that a late retry is told from news (``service.store``)."""
    return json.dumps({"status": "online" if online else "offline", "ts": at_ms}).encode()


def device_id(value: str, path: str) -> str:
    """``value`` if it can be a registered device id, else ``BadField``."""
    if not DEVICE_ID.match(value):
        raise BadField("bad_payload", path, f"{value[:40]!r} is not a valid device id (letters, digits, _.:- ; at most 64)")
    return value
