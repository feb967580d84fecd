"""Reading MQTT topics and ThingsBoard-compatible payloads into plain samples.

Topics: ``{prefix}/{street}/devices/{device_id}/{telemetry|events|status}``.
Payloads: ``{"key": value}``, ``{"ts": epoch_ms, "values": {...}}`` or a list of those;
on ``status`` the plain text ``online``/``offline`` (or JSON ``{"status": ...}``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from plugins.sensors.service.rules import Rejected

CHANNELS = ("telemetry", "events", "status")
DEVICE_ID = re.compile(r"^[A-Za-z0-9_.:\-]{1,64}$")
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
FUTURE_SLACK = timedelta(hours=1)
MAX_SAMPLES = 1000


class BadTopic(Rejected):
    """A topic under a sensors street that does not name a device and a channel."""

    def __init__(self, street: str, detail: str):
        super().__init__("bad_topic", detail)
        self.street = street


@dataclass(slots=True)
class Address:
    """Where a message came from, according to its topic."""

    street: str
    device_id: str
    channel: str


@dataclass(slots=True)
class Sample:
    """Values a device reported for one moment."""

    ts: datetime
    values: dict[str, object]


def parse_topic(topic: str, prefixes: dict[str, str]) -> Address:
    """The address in ``topic``; ``prefixes`` maps each street to its topic prefix."""
    for street, prefix in prefixes.items():
        head = f"{prefix}/{street}/devices/"
        if topic.startswith(head):
            rest = topic[len(head) :].split("/")
            if len(rest) != 2:
                raise BadTopic(street, f"expected {head}<device>/<channel>")
            device_id, channel = rest
            if not DEVICE_ID.match(device_id):
                raise BadTopic(street, f"'{device_id}' is not a valid device id")
            if channel not in CHANNELS:
                raise BadTopic(street, f"unknown channel '{channel}' (expected {', '.join(CHANNELS)})")
            return Address(street, device_id, channel)
    raise Rejected("unknown_street", "the topic names no street that enables sensors")


def _timestamp(raw: object, received_at: datetime) -> datetime:
    if isinstance(raw, bool) or not isinstance(raw, (int, float)):
        raise Rejected("bad_timestamp", f"ts must be epoch milliseconds, got {raw!r}")
    try:
        ts = datetime.fromtimestamp(raw / 1000, UTC)
    except (OverflowError, OSError, ValueError):
        raise Rejected("bad_timestamp", f"ts {raw!r} is not a time") from None
    if ts < EARLIEST or ts > received_at + FUTURE_SLACK:
        raise Rejected("bad_timestamp", f"ts {raw!r} ({ts:%Y-%m-%d %H:%M}) is too far in the past or future")
    return ts.replace(microsecond=ts.microsecond // 1000 * 1000)


def _sample(item: object, received_at: datetime) -> Sample:
    if not isinstance(item, dict) or not item:
        raise Rejected("bad_payload", "expected a JSON object of values")
    if "values" in item or "ts" in item:
        if set(item) - {"ts", "values"}:
            raise Rejected("bad_payload", "a timestamped sample holds only 'ts' and 'values'")
        values = item.get("values")
        if not isinstance(values, dict) or not values:
            raise Rejected("bad_payload", "'values' must be a non-empty object")
        ts = _timestamp(item["ts"], received_at) if "ts" in item else received_at
        return Sample(ts, values)
    return Sample(received_at, item)


def parse_samples(payload: bytes, received_at: datetime) -> list[Sample]:
    """The samples of a telemetry or events payload, or ``Rejected``."""
    try:
        data = json.loads(payload)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise Rejected("not_json", str(error)[:200]) from None
    items = data if isinstance(data, list) else [data]
    if not items:
        raise Rejected("bad_payload", "empty list")
    if len(items) > MAX_SAMPLES:
        raise Rejected("bad_payload", f"more than {MAX_SAMPLES} samples in one message")
    # Samples without "ts" get distinct times, so none overwrites another in the history.
    return [_sample(item, received_at + timedelta(microseconds=i)) for i, item in enumerate(items)]


def parse_status(payload: bytes) -> str:
    """``ONLINE`` or ``OFFLINE`` from a status payload, or ``Rejected``."""
    text = payload.decode("utf-8", errors="replace").strip()
    if text.startswith("{"):
        try:
            text = str(json.loads(text).get("status", ""))
        except (json.JSONDecodeError, AttributeError):
            raise Rejected("bad_payload", "status must be 'online', 'offline' or {\"status\": ...}") from None
    status = text.strip().lower()
    if status not in ("online", "offline"):
        raise Rejected("bad_payload", f"unknown status {text[:40]!r}")
    return status.upper()


def printable(payload: bytes, limit: int = 2000) -> str:
    """The payload as text for the quarantine table (hex when it is not UTF-8)."""
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError:
        text = "hex:" + payload[: limit // 2].hex()
    return text[:limit]
