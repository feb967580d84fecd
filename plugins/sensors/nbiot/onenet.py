"""China Mobile OneNET HTTP pushes (数据推送): ``{"msg": "...", "nonce": "...", "signature": "...",
"time": ..., "id": "..."}``, with ``msg`` the pushed message(s) as JSON text and
``signature = Base64(MD5(token + nonce + msg))`` (``signatures.onenet_signed``).

``msg`` holds one message or a list of them (batch push); each is one of:

- a data point, ``{"type": 1, "imei": "...", "dev_id": 1234, "ds_id": "smoke_state", "value": 1,
  "at": epoch_ms}``: the data stream ``ds_id`` is read as a service field (``fields``);
- an online/offline report, ``{"type": 2, "imei": "...", "dev_id": 1234, "status": 1, "login_type": 10,
  "at": epoch_ms}``: ``status`` 1 online, 0 offline;
- a thing-model property report, ``{"messageType": "notify", "notifyType": "property",
  "productId": "...", "deviceName": "<IMEI>", "data": {"id": "...", "params": {"smoke_state":
  {"value": 1, "time": epoch_ms}}}}``: each property is a service field at its ``time``.

The device is the registered device whose id is the message's ``imei`` (``deviceName`` for
thing-model reports). Other message kinds are acknowledged and ignored.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from jiedao.plugins.sensors.nbiot.fields import sensor_values
from jiedao.plugins.sensors.nbiot.messages import BadBody, BadField, Pushed, device_id, epoch_ms, loads, status_payload, text_field

MAX_MESSAGES = 1000


@dataclass(frozen=True)
class Envelope:
    """The signed parts of a OneNET push."""

    msg: str
    nonce: str
    signature: str


class Unsigned(BadBody):
    """A push without its nonce or signature."""


def envelope(body: bytes) -> Envelope:
    """The ``msg``, ``nonce`` and ``signature`` of a push body; ``BadBody`` when it is not a
    JSON object holding them as strings (``Unsigned`` when the nonce or signature is missing)."""
    data = loads(body)
    if not isinstance(data, dict):
        raise BadBody("body", f"expected a OneNET push (a JSON object), got {type(data).__name__}")
    for name in ("nonce", "signature"):
        if not data.get(name):
            raise Unsigned(name, f"'{name}' is missing")
    parts = {}
    for name in ("msg", "nonce", "signature"):
        value = data.get(name)
        if not isinstance(value, str):
            raise BadBody(name, f"'{name}' must be a string, got {type(value).__name__}")
        parts[name] = value
    return Envelope(**parts)


def parse(signed: Envelope) -> tuple[list[Pushed], int]:
    """The device messages of a verified push and how many were ignored; ``BadBody`` when
    ``msg`` is not JSON, an object or a list of objects."""
    data = loads(signed.msg.encode())
    batch = data if isinstance(data, list) else [data]
    if not batch or len(batch) > MAX_MESSAGES:
        raise BadBody("msg", f"expected 1 to {MAX_MESSAGES} messages, got {len(batch)}")
    items, ignored = [], 0
    for index, message in enumerate(batch):
        path = f"msg[{index}]" if isinstance(data, list) else "msg"
        raw = json.dumps(message, ensure_ascii=False).encode()
        item = translate(message, path, raw)
        if item is None:
            ignored += 1
        else:
            items.append(item)
    return items, ignored


def translate(message: object, path: str, raw: bytes) -> Pushed | None:
    """One OneNET message as a ``Pushed`` (``error`` set when it cannot be read), or None when ignored."""
    device, where, label = "", path, "OneNET message"
    try:
        if not isinstance(message, dict):
            raise BadField("bad_payload", path, f"expected a JSON object, got {type(message).__name__}")
        if message.get("messageType") == "notify":
            return _property_report(message, path, raw)
        kind = message.get("type")
        if kind not in (1, 2) or isinstance(kind, bool):
            return None
        imei = text_field(message, "imei", path)
        where = f"{path}.imei"
        device = device_id(imei, where)
        at = epoch_ms(message, "at", path)
        if kind == 2:
            label = f"status of {imei}"
            status = message.get("status")
            if isinstance(status, bool) or status not in (0, 1):
                raise BadField("bad_payload", f"{path}.status", f"'status' must be 1 (online) or 0 (offline), got {json.dumps(status)[:40]}")
            return Pushed(path, _key(imei, 2, at, status), device, label, where, "status", status_payload(status == 1, at), raw,
                          made_at=at, made_at_field=f"{path}.at")
        stream = text_field(message, "ds_id", path)
        label = f"{stream} of {imei}"
        try:
            values, origin = sensor_values({stream: message.get("value")}, path)
        except BadField as error:  # name the data point's own fields
            error.field = f"{path}.value" if error.field == f"{path}.{stream}" else f"{path}.ds_id"
            raise
        origin = {key: f"{path}.value" for key in origin}
        payload = json.dumps({"ts": at, "values": values}).encode()
        return Pushed(path, _key(imei, 1, at, stream, message.get("value")), device, label, where, "telemetry", payload, raw, origin,
                      made_at=at, made_at_field=f"{path}.at")
    except BadField as error:
        return Pushed(path, None, device, label, where, raw=raw, error=error)


def _property_report(message: dict, path: str, raw: bytes) -> Pushed | None:
    """A thing-model message: property reports are read, other notifications ignored."""
    if message.get("notifyType") != "property":
        return None
    name = text_field(message, "deviceName", path)
    where = f"{path}.deviceName"
    device = device_id(name, where)
    data = message.get("data")
    params = data.get("params") if isinstance(data, dict) else None
    if not isinstance(params, dict) or not params:
        raise BadField("bad_payload", f"{path}.data.params", "'data.params' must be an object of properties")
    samples: dict[int, dict] = {}
    stamped: dict[int, str] = {}
    for prop, entry in params.items():
        if not isinstance(entry, dict) or "value" not in entry:
            raise BadField("bad_payload", f"{path}.data.params.{prop}", f"'{prop}' must be {{\"value\": ..., \"time\": epoch_ms}}")
        at = epoch_ms(entry, "time", f"{path}.data.params.{prop}")
        samples.setdefault(at, {})[prop] = entry["value"]
        stamped.setdefault(at, f"{path}.data.params.{prop}.time")
    readings, origin = [], {}
    for at, service in sorted(samples.items()):
        values, fields = sensor_values(service, f"{path}.data.params")
        readings.append({"ts": at, "values": values})
        origin |= fields
    key = _key(message.get("productId"), name, data.get("id"), params)
    oldest = min(samples)
    return Pushed(path, key, device, f"property of {name}", where, "telemetry", json.dumps(readings).encode(), raw, origin,
                  made_at=oldest, made_at_field=stamped[oldest])


def _key(*parts: object) -> str:
    """The identity of a message: its device, kind, time and content (a retry repeats them all)."""
    text = json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str)
    return "onenet:" + hashlib.sha256(text.encode()).hexdigest()[:56]
