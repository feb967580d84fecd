"""China Telecom CTWing (AEP) HTTP subscription pushes (订阅推送): one JSON message per request.

Message types read (``messageType``):

- ``dataReport``: ``payload`` holds the product's JSON service (``serviceId`` names it), e.g.
  ``{"smoke_state": 1, "battery_value": 87, "signal": -95}`` → readings at ``timestamp``;
- ``eventReport``: ``eventContent`` holds the event's fields, read the same way;
- ``deviceOnlineOfflineReport``: ``eventType`` 1 online, 0 offline → the device's status.

Other types (``commandResponse``, ``dataReportTupUnion``...) are acknowledged and ignored.
A ``payload`` holding only ``APPdata`` (base64 of the device's own bytes, the transparent
mode) is quarantined: decoding it needs the vendor's byte layout; configure the product's
JSON profile (物模型/profile) on CTWing instead.

The device is the registered device whose id is the message's ``IMEI``; without one (online
and offline reports carry only ``deviceId``), the IMEI is ``deviceId`` less its
``productId`` prefix when what remains is 15 digits (CTWing's NB-IoT ids are product id +
IMEI), else ``deviceId`` itself.
"""

from __future__ import annotations

import hashlib
import json

from jiedao.plugins.sensors.nbiot.fields import sensor_values
from jiedao.plugins.sensors.nbiot.messages import BadBody, BadField, Pushed, device_id, epoch_ms, loads, status_payload, text_field

DATA, EVENT, ONLINE_OFFLINE = "dataReport", "eventReport", "deviceOnlineOfflineReport"
READ = (DATA, EVENT, ONLINE_OFFLINE)


def parse(body: bytes) -> list[Pushed]:
    """The device message of a CTWing push (none for a type that is ignored); ``BadBody``
    when the body is not one JSON object."""
    data = loads(body)
    if not isinstance(data, dict):
        raise BadBody("body", f"expected one CTWing message (a JSON object), got {type(data).__name__}")
    message = translate(data, "body", body)
    return [] if message is None else [message]


def imei_of(data: dict, platform_id: str, path: str) -> tuple[str, str]:
    """The registered id of the message's device (see the module's docstring) and the field it came from."""
    for name in ("IMEI", "imei"):
        imei = data.get(name)
        if isinstance(imei, str) and imei not in ("", "undefined"):
            return device_id(imei, f"{path}.{name}"), f"{path}.{name}"
    product = data.get("productId")
    product = str(product) if isinstance(product, (str, int)) and not isinstance(product, bool) else ""
    rest = platform_id[len(product):] if product and platform_id.startswith(product) else ""
    if len(rest) == 15 and rest.isdigit():
        return rest, f"{path}.deviceId"
    return device_id(platform_id, f"{path}.deviceId"), f"{path}.deviceId"


def translate(data: dict, path: str, raw: bytes) -> Pushed | None:
    """One CTWing message as a ``Pushed`` (with ``error`` set when it cannot be read)."""
    device, where, label = "", f"{path}.deviceId", "CTWing message"
    try:
        kind = text_field(data, "messageType", path)
        platform_id = text_field(data, "deviceId", path)
        label = f"{kind} of {platform_id}"
        device, where = imei_of(data, platform_id, path)
        if kind not in READ:
            return None
        ts = epoch_ms(data, "timestamp", path)
        if kind == ONLINE_OFFLINE:
            event = data.get("eventType")
            if isinstance(event, bool) or event not in (0, 1):
                raise BadField("bad_payload", f"{path}.eventType", f"'eventType' must be 1 (online) or 0 (offline), got {json.dumps(event)[:40]}")
            key = _key(platform_id, kind, ts, event)
            return Pushed(path, key, device, label, where, "status", status_payload(event == 1, ts), raw, made_at=ts, made_at_field=f"{path}.timestamp")
        name = "payload" if kind == DATA else "eventContent"
        service = data.get(name)
        if not isinstance(service, dict) or not service:
            raise BadField("bad_payload", f"{path}.{name}", f"'{name}' must be the JSON service (an object of fields), got {json.dumps(service)[:40]}")
        if set(service) == {"APPdata"}:
            raise BadField("bad_payload", f"{path}.{name}.APPdata", "APPdata is the device's own bytes; use the product's JSON profile on CTWing")
        values, origin = sensor_values(service, f"{path}.{name}")
        key = _key(platform_id, kind, ts, data.get("serviceId"), data.get("upPacketSN"), service)
        payload = json.dumps({"ts": ts, "values": values}).encode()
        return Pushed(path, key, device, label, where, "telemetry", payload, raw, origin, made_at=ts, made_at_field=f"{path}.timestamp")
    except BadField as error:
        return Pushed(path, None, device, label, where, raw=raw, error=error)


def _key(*parts: object) -> str:
    """The identity of a message: its device, type, timestamp and content (a retry repeats them all)."""
    text = json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str)
    return "ctwing:" + hashlib.sha256(text.encode()).hexdigest()[:56]
