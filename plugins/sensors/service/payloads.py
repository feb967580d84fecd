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

from jiedao.plugins.sensors.service.rules import Rejected, _short

CHANNELS = ("telemetry", "events", "status")
DEVICE_ID = re.compile(r"^[A-Za-z0-9_.:\-]{1,64}$")
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
DEFAULT_MAX_SKEW = timedelta(minutes=5)
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


def _timestamp(raw: object, received_at: datetime, max_skew: timedelta) -> datetime:
    """The time of a sample's ``ts`` (epoch milliseconds). A time later than arrival by more
    than ``max_skew`` is refused as ``future_timestamp``; a later time within the allowance
    is clamped to the arrival time, so that no reading ever looks newer than one that
    arrives after it (a bad clock cannot keep a later dangerous value from being evaluated)."""
    if isinstance(raw, bool) or not isinstance(raw, (int, float)):
        raise Rejected("bad_timestamp", f"ts must be epoch milliseconds, got {_short(raw)}")
    try:
        ts = datetime.fromtimestamp(raw / 1000, UTC)
    except (OverflowError, OSError, ValueError):
        raise Rejected("bad_timestamp", f"ts {_short(raw)} is not a time") from None
    if ts < EARLIEST:
        raise Rejected("bad_timestamp", f"ts {_short(raw)} ({ts:%Y-%m-%d %H:%M}) is before {EARLIEST:%Y}")
    if ts > received_at + max_skew:
        raise Rejected("future_timestamp", f"ts {_short(raw)} ({ts:%Y-%m-%d %H:%M:%S}) is more than {max_skew} after its arrival ({received_at:%Y-%m-%d %H:%M:%S})")
    if ts > received_at:
        return received_at
    return ts.replace(microsecond=ts.microsecond // 1000 * 1000)


def _sample(item: object, received_at: datetime, max_skew: timedelta) -> Sample:
    if not isinstance(item, dict) or not item:
        raise Rejected("bad_payload", "expected a JSON object of values")
    if "values" in item or "ts" in item:
        if set(item) - {"ts", "values"}:
            raise Rejected("bad_payload", "a timestamped sample holds only 'ts' and 'values'")
        values = item.get("values")
        if not isinstance(values, dict) or not values:
            raise Rejected("bad_payload", "'values' must be a non-empty object")
        ts = _timestamp(item["ts"], received_at, max_skew) if "ts" in item else received_at
        return Sample(ts, values)
    return Sample(received_at, item)


def parse_samples(payload: bytes, received_at: datetime, max_skew: timedelta = DEFAULT_MAX_SKEW) -> list[Sample]:
    """The samples of a telemetry or events payload, or ``Rejected``. Never raises anything
    else, whatever the bytes: not UTF-8, not JSON, nested too deeply, numbers too long."""
    try:
        data = json.loads(payload)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise Rejected("not_json", str(error)[:200]) from None
    except RecursionError:
        raise Rejected("not_json", "nested too deeply") from None
    except ValueError as error:  # e.g. an integer of more than 4300 digits
        raise Rejected("not_json", str(error)[:200]) from None
    items = data if isinstance(data, list) else [data]
    if not items:
        raise Rejected("bad_payload", "empty list")
    if len(items) > MAX_SAMPLES:
        raise Rejected("bad_payload", f"more than {MAX_SAMPLES} samples in one message")
    # Samples without "ts" get distinct times, so none overwrites another in the history.
    return [_sample(item, received_at + timedelta(microseconds=i), max_skew) for i, item in enumerate(items)]


def parse_status(payload: bytes, received_at: datetime, max_skew: timedelta = DEFAULT_MAX_SKEW) -> tuple[str, datetime | None]:
    """``ONLINE`` or ``OFFLINE`` from a status payload, and the time the payload gives it
    (``{"status": "offline", "ts": epoch ms}``, as NB-IoT platforms report it; checked like a
    sample's), else None. Anything else is ``Rejected``."""
    text = payload.decode("utf-8", errors="replace").strip()
    reported = None
    if text.startswith("{"):
        try:
            data = json.loads(text)
            text, reported = str(data.get("status", "")), data.get("ts")
        except (json.JSONDecodeError, AttributeError, RecursionError):
            raise Rejected("bad_payload", "status must be 'online', 'offline' or {\"status\": ...}") from None
    status = text.strip().lower()
    if status not in ("online", "offline"):
        raise Rejected("bad_payload", f"unknown status {text[:40]!r}")
    return status.upper(), None if reported is None else _timestamp(reported, received_at, max_skew)


def printable(payload: bytes, limit: int = 2000) -> str:
    """The payload as readable text: UTF-8 where it is, every other byte and every control
    character escaped (``\\xNN``, ``\\n``), a backslash doubled: lossless, and never a NUL.
    Cut after ``limit`` characters (with "…")."""
    # 0x5C never occurs inside a multi-byte UTF-8 sequence: splitting on it is safe.
    text = "\\\\".join(part.decode("utf-8", errors="backslashreplace") for part in payload.split(b"\\"))
    escaped = text.translate(_CONTROL)
    return escaped if len(escaped) <= limit else escaped[:limit] + "…"


_CONTROL = {c: f"\\x{c:02x}" for c in [*range(0x20), 0x7F]} | {0x0A: "\\n", 0x0D: "\\r", 0x09: "\\t"}
