"""What each kind of device reports and when a value is an alarm.

Pure functions: ``check_values`` refuses unknown keys and physically impossible values;
``evaluate`` turns accepted values into conditions, one per alarm type the values speak
about (a severity, or ``None`` when that type is back to normal).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from jiedao.plugins.sensors.service import alarm_texts as texts
from jiedao.plugins.sensors.service.alarm_texts import written

if TYPE_CHECKING:
    from jiedao.plugins.sensors.settings import Thresholds

ELECTRIC_MONITOR = "ELECTRIC_MONITOR"
SMOKE_DETECTOR = "SMOKE_DETECTOR"
EV_CHARGER_FIRE = "EV_CHARGER_FIRE"
KINDS = (ELECTRIC_MONITOR, SMOKE_DETECTOR, EV_CHARGER_FIRE)

MINOR, MAJOR, CRITICAL = "MINOR", "MAJOR", "CRITICAL"
SEVERITIES = (MINOR, MAJOR, CRITICAL)
SEVERITY_RANK = {MINOR: 1, MAJOR: 2, CRITICAL: 3}

RESIDUAL_CURRENT = "RESIDUAL_CURRENT"
LINE_TEMPERATURE = "LINE_TEMPERATURE"
CHARGER_TEMPERATURE = "CHARGER_TEMPERATURE"
SMOKE = "SMOKE"
TAMPER = "TAMPER"
LOW_BATTERY = "LOW_BATTERY"
SELF_TEST_FAILED = "SELF_TEST_FAILED"
OVER_CURRENT = "OVER_CURRENT"
ARC_FAULT = "ARC_FAULT"
OFFLINE = "OFFLINE"
ALARM_TYPES = (
    RESIDUAL_CURRENT, LINE_TEMPERATURE, OVER_CURRENT, ARC_FAULT, CHARGER_TEMPERATURE, SMOKE, TAMPER, LOW_BATTERY, SELF_TEST_FAILED, OFFLINE,
)


@dataclass(frozen=True)
class Key:
    """A telemetry key: its physical range (inclusive) and unit; booleans are 0/1."""

    low: float
    high: float
    unit: str = ""
    boolean: bool = False


_COMMON = {"battery": Key(0, 100, "%"), "rssi": Key(-140, 0, "dBm")}
CATALOGUE: dict[str, dict[str, Key]] = {
    ELECTRIC_MONITOR: {
        "residual_current": Key(0, 3000, "mA"),
        "temperature": Key(-40, 200, "°C"),
        "voltage": Key(0, 500, "V"),
        "current": Key(0, 630, "A"),
        "arc_fault": Key(0, 1, boolean=True),
        "power": Key(0, 400_000, "W"),
        "rssi": _COMMON["rssi"],
    },
    SMOKE_DETECTOR: {
        "smoke": Key(0, 1, boolean=True),
        "tamper": Key(0, 1, boolean=True),
        "self_test": Key(0, 1, boolean=True),
        "smoke_density": Key(0, 100, "dB/m"),
        "temperature": Key(-40, 120, "°C"),
        **_COMMON,
    },
    EV_CHARGER_FIRE: {
        "temperature": Key(-40, 300, "°C"),
        "smoke": Key(0, 1, boolean=True),
        "tamper": Key(0, 1, boolean=True),
        "current": Key(0, 100, "A"),
        **_COMMON,
    },
}
"""The keys each kind may report. Anything else is quarantined as ``unknown_key``."""


class Rejected(Exception):
    """A message that cannot be accepted; ``reason`` is a short stable code."""

    def __init__(self, reason: str, detail: str):
        self.reason = reason
        self.detail = detail
        super().__init__(f"{reason}: {detail}")


def _short(value: object, limit: int = 60) -> str:
    """``repr`` of a value for a quarantine detail, cut short (an integer of 400 digits too)."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 3 * limit:
        return f"an integer of about {int(value.bit_length() * 0.30103) + 1} digits"
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def check_values(kind: str, values: dict[str, object]) -> dict[str, float]:
    """The values as floats (booleans as 0/1), or ``Rejected`` naming the first bad key."""
    catalogue = CATALOGUE[kind]
    accepted: dict[str, float] = {}
    for key, raw in values.items():
        spec = catalogue.get(key)
        if spec is None:
            raise Rejected("unknown_key", f"{kind} devices do not report {_short(key)}")
        if isinstance(raw, bool):
            if not spec.boolean:
                raise Rejected("bad_value", f"'{key}' must be a number, got {raw!r}")
            value = float(raw)
        elif isinstance(raw, (int, float)):
            try:
                value = float(raw)
            except OverflowError:  # an integer like 10**400
                value = math.inf
        else:
            raise Rejected("bad_value", f"'{key}' must be a number{' or a boolean' if spec.boolean else ''}, got {_short(raw)}")
        if value != value or not spec.low <= value <= spec.high:  # NaN and infinities fail too
            raise Rejected("out_of_range", f"'{key}' = {_short(raw)} is outside {spec.low:g}..{spec.high:g}{spec.unit}")
        accepted[key] = value
    return accepted


@dataclass(slots=True)
class Condition:
    """The state of one alarm type after a message: ``severity`` None means normal."""

    type: str
    severity: str | None
    value: float | None = None
    message: str = ""


def _graded(type_: str, value: float, major: float, critical: float, template: str) -> Condition:
    """The condition of a graded value; its text is ``template`` (``service.alarm_texts``)."""
    if value >= critical:
        return Condition(type_, CRITICAL, value, written(template, value=f"{value:g}", limit=f"{critical:g}"))
    if value >= major:
        return Condition(type_, MAJOR, value, written(template, value=f"{value:g}", limit=f"{major:g}"))
    return Condition(type_, None, value)


def evaluate(kind: str, values: dict[str, float], thresholds: Thresholds) -> list[Condition]:
    """The conditions ``values`` (already checked) establish for a device of ``kind``."""
    t = thresholds
    out: list[Condition] = []
    if "residual_current" in values:
        out.append(_graded(RESIDUAL_CURRENT, values["residual_current"], t.residual_current_major_ma, t.residual_current_critical_ma, texts.RESIDUAL_CURRENT_HIGH))
    if "temperature" in values and kind == ELECTRIC_MONITOR:
        out.append(_graded(LINE_TEMPERATURE, values["temperature"], t.line_temperature_major_c, t.line_temperature_critical_c, texts.LINE_TEMPERATURE_HIGH))
    if "current" in values and kind == ELECTRIC_MONITOR:
        out.append(_graded(OVER_CURRENT, values["current"], t.over_current_major_a, t.over_current_critical_a, texts.LINE_CURRENT_HIGH))
    if "arc_fault" in values:
        arc = values["arc_fault"] >= 1
        out.append(Condition(ARC_FAULT, CRITICAL if arc else None, values["arc_fault"], texts.ARC_FAULT_DETECTED if arc else ""))
    if "temperature" in values and kind == EV_CHARGER_FIRE:
        out.append(_graded(CHARGER_TEMPERATURE, values["temperature"], t.charger_temperature_major_c, t.charger_temperature_critical_c, texts.CHARGER_TEMPERATURE_HIGH))
    if "smoke" in values:
        smoke = values["smoke"] >= 1
        out.append(Condition(SMOKE, CRITICAL if smoke else None, values["smoke"], texts.SMOKE_DETECTED if smoke else ""))
    if "tamper" in values:
        tampered = values["tamper"] >= 1
        out.append(Condition(TAMPER, MAJOR if tampered else None, values["tamper"], texts.TAMPERED if tampered else ""))
    if "self_test" in values:
        failed = values["self_test"] < 1
        out.append(Condition(SELF_TEST_FAILED, MAJOR if failed else None, values["self_test"], texts.SELF_TEST_FAILED if failed else ""))
    if "battery" in values:
        low = values["battery"] <= t.low_battery_percent
        out.append(Condition(LOW_BATTERY, MINOR if low else None, values["battery"], written(texts.BATTERY_LOW, value=f"{values['battery']:g}", limit=f"{t.low_battery_percent:g}") if low else ""))
    return out


def held(condition: Condition, pending: dict[str, str], at: datetime, hold: dict[str, timedelta], is_open: bool) -> Condition | None:
    """``condition`` if it is to be applied at ``at``, or None while it waits out its hold time.

    A duration condition raises its alarm only once the value has been abnormal for
    ``hold[type]``: ``pending`` (alarm type → ISO time the abnormal value began, kept on the
    device row) remembers since when. A normal value forgets it; an alarm already open is
    updated at once.
    """
    wait = hold.get(condition.type)
    if wait and condition.severity is not None and not is_open:
        since = datetime.fromisoformat(pending.setdefault(condition.type, at.isoformat(timespec="milliseconds")))
        if at - since < wait:
            return None
        pending.pop(condition.type)
        return replace(condition, message=written(texts.HELD_FOR, text=condition.message, seconds=int((at - since).total_seconds()))[:300])
    pending.pop(condition.type, None)
    return condition


def offline_severity(kind: str) -> str:
    """Severity of OFFLINE before the care needs of the people served (``with_care``): MAJOR
    for a smoke detector (nobody is warned of a fire any more), MINOR for other devices."""
    return MAJOR if kind == SMOKE_DETECTOR else MINOR


VULNERABLE, ELDERLY = "VULNERABLE", "ELDERLY"
CARE_LEVELS = (VULNERABLE, ELDERLY)
"""How much care the people a device serves need, the most in need counting
(``jiedao.api.care``): VULNERABLE (bedridden, disabled, very old, or elderly living alone),
ELDERLY (elderly otherwise), or None."""
NOT_RAISED_BY_CARE = (LOW_BATTERY,)
"""Alarm types whose severity the people served do not change: a low battery is a maintenance
notice given days before the detector falls silent (OFFLINE, which is raised by care)."""


def with_care(alarm_type: str, kind: str, severity: str | None, care: str | None) -> str | None:
    """``severity`` raised for the people at home: at least CRITICAL when someone served is
    VULNERABLE, at least MAJOR when someone is ELDERLY. A silent device counts only when it is
    a smoke detector; a low battery is never raised (``NOT_RAISED_BY_CARE``)."""
    if severity is None or care is None or alarm_type in NOT_RAISED_BY_CARE:
        return severity
    if alarm_type == OFFLINE and kind != SMOKE_DETECTOR:
        return severity
    floor = CRITICAL if care == VULNERABLE else MAJOR
    return floor if SEVERITY_RANK[floor] > SEVERITY_RANK[severity] else severity
