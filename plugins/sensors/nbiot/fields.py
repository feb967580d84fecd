"""The devices' own service fields (a CTWing product's JSON service, a OneNET thing model's
properties) mapped onto the sensor keys the rules know.

| service field | sensor key | value |
|---|---|---|
| ``smoke_state``, ``smoke_alarm``, ``smoke`` | ``smoke`` | 0 normal, 1 smoke (alarm) |
| ``tamper_state``, ``tamper_alarm``, ``tamper`` | ``tamper`` | 0 normal, 1 removed or opened |
| ``self_test``, ``self_check`` | ``self_test`` | 1 passed, 0 failed |
| ``battery_value``, ``battery_level``, ``battery`` | ``battery`` | % |
| ``signal``, ``signal_strength``, ``rsrp``, ``rssi`` | ``rssi`` | dBm (negative) |
| ``temperature`` | ``temperature`` | °C |
| ``smoke_density``, ``smoke_value`` | ``smoke_density`` | dB/m |

Field names are matched without regard to case. Other fields of the service (a vendor's
serial number, its error code) are ignored; a message none of whose fields map is
quarantined as ``unknown_key``. A state must be 0 or 1 (or true/false); a number a JSON number:
anything else is quarantined as ``bad_value``, naming the service field. Ranges are the
sensor keys' (``service.rules.CATALOGUE``): ``battery_value: 250`` is ``out_of_range``.
"""

from __future__ import annotations

from jiedao.plugins.sensors.nbiot.messages import BadField

STATES = {
    "smoke_state": "smoke", "smoke_alarm": "smoke", "smoke": "smoke",
    "tamper_state": "tamper", "tamper_alarm": "tamper", "tamper": "tamper",
    "self_test": "self_test", "self_check": "self_test",
}
NUMBERS = {
    "battery_value": "battery", "battery_level": "battery", "battery": "battery",
    "signal": "rssi", "signal_strength": "rssi", "rsrp": "rssi", "rssi": "rssi",
    "temperature": "temperature",
    "smoke_density": "smoke_density", "smoke_value": "smoke_density",
}


def sensor_values(service: dict, path: str) -> tuple[dict[str, object], dict[str, str]]:
    """The sensor values of a service's fields and, for each sensor key, the field it came
    from (``path.field``); ``BadField`` for a value of the wrong type or no field to map."""
    values: dict[str, object] = {}
    origin: dict[str, str] = {}
    for name, raw in service.items():
        lowered = name.lower() if isinstance(name, str) else name
        where = f"{path}.{name}"
        if lowered in STATES:
            key = STATES[lowered]
            if isinstance(raw, bool):
                values[key] = raw
            elif isinstance(raw, int) and raw in (0, 1):
                values[key] = bool(raw)
            else:
                raise BadField("bad_value", where, f"'{name}' must be 0 or 1, got {_short(raw)}")
        elif lowered in NUMBERS:
            key = NUMBERS[lowered]
            if isinstance(raw, bool) or not isinstance(raw, (int, float)):
                raise BadField("bad_value", where, f"'{name}' must be a number, got {_short(raw)}")
            values[key] = raw
        else:
            continue
        if key in origin:
            raise BadField("bad_payload", where, f"'{name}' and '{origin[key].rsplit('.', 1)[-1]}' both give {key}")
        origin[key] = where
    if not values:
        known = ", ".join(sorted({*STATES, *NUMBERS}))
        raise BadField("unknown_key", path, f"no field maps to a sensor reading (known fields: {known})")
    return values, origin


def _short(value: object) -> str:
    import json

    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
