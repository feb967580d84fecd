"""The settings a street gives the sensors plugin in plugins.toml (``[streets.X.sensors]``)."""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel, Field, field_validator, model_validator

from jiedao.api.domain import Duration
from jiedao.plugins.sensors.nbiot.settings import NbiotSettings
from jiedao.plugins.sensors.service.rules import ALARM_TYPES, CRITICAL, KINDS, MAJOR, OFFLINE, SEVERITIES, SMOKE_DETECTOR


class Thresholds(BaseModel):
    """Alarm thresholds; every one can be overridden per street."""

    model_config = {"extra": "forbid"}

    residual_current_major_ma: float = Field(300, gt=0, description="Residual (leakage) current raising a MAJOR alarm.")
    residual_current_critical_ma: float = Field(500, gt=0, description="Residual current raising a CRITICAL alarm.")
    line_temperature_major_c: float = Field(70, description="Meter-box line temperature raising a MAJOR alarm.")
    line_temperature_critical_c: float = Field(90, description="Line temperature raising a CRITICAL alarm.")
    charger_temperature_major_c: float = Field(60, description="EV charging point temperature raising a MAJOR alarm.")
    charger_temperature_critical_c: float = Field(80, description="EV charging point temperature raising a CRITICAL alarm.")
    over_current_major_a: float = Field(50, gt=0, description="Meter-box line current raising a MAJOR over-current alarm.")
    over_current_critical_a: float = Field(63, gt=0, description="Line current raising a CRITICAL over-current alarm.")
    low_battery_percent: float = Field(20, ge=0, le=100, description="Battery level at or below which LOW_BATTERY is raised.")
    hold: dict[str, Duration] = Field(
        default_factory=lambda: {"OVER_CURRENT": timedelta(seconds=60)},
        description=(
            "Duration conditions: alarm type → how long its condition must hold before the alarm is raised "
            "(e.g. OVER_CURRENT = \"60s\": a motor starting does not raise it). Types not listed raise at once."
        ),
    )

    @model_validator(mode="after")
    def _ordered(self) -> Thresholds:
        pairs = (
            ("residual_current", self.residual_current_major_ma, self.residual_current_critical_ma),
            ("line_temperature", self.line_temperature_major_c, self.line_temperature_critical_c),
            ("charger_temperature", self.charger_temperature_major_c, self.charger_temperature_critical_c),
            ("over_current", self.over_current_major_a, self.over_current_critical_a),
        )
        for name, major, critical in pairs:
            if critical < major:
                raise ValueError(f"{name}: the critical threshold ({critical}) is below the major one ({major})")
        holdable = [t for t in ALARM_TYPES if t != OFFLINE]
        unknown = sorted(set(self.hold) - set(holdable))
        if unknown:
            raise ValueError(f"hold: unknown alarm type(s) {', '.join(unknown)} (expected some of {', '.join(holdable)})")
        return self


class SensorsSettings(BaseModel):
    """Per-street settings of the sensors plugin."""

    model_config = {"extra": "forbid"}

    topic_prefix: str = Field("jiedao", pattern=r"^[A-Za-z0-9_\-/]+$", description="First topic level(s): PREFIX/STREET/devices/ID/...")
    offline_after: Duration = Field(
        timedelta(hours=2),
        description="Heartbeat allowance of the device kinds not in offline_after_kind: a device silent longer is OFFLINE.",
    )
    offline_after_kind: dict[str, Duration] = Field(
        default_factory=lambda: {SMOKE_DETECTOR: timedelta(hours=6)},
        description=(
            "Heartbeat allowance per device kind, over offline_after: NB-IoT smoke detectors report a heartbeat "
            "every few hours (3–5 h), so the default gives them 6 h; monitors and charging points report every "
            "few minutes and keep offline_after. A street that lists this table replaces the default table."
        ),
    )
    thresholds: Thresholds = Field(default_factory=Thresholds)
    escalate_after: list[Duration] = Field(
        default_factory=lambda: [timedelta(minutes=15), timedelta(hours=1)],
        description=(
            "Delays after which an unacknowledged alarm's escalationLevel goes up one step (the alarm's record; "
            "who is told when is the street's notification policy, [streets.X.notify])."
        ),
    )
    escalate_severities: list[str] = Field(
        default_factory=lambda: [CRITICAL, MAJOR],
        description=(
            "Severities whose unacknowledged alarms climb the escalation ladder; the others (by default MINOR, "
            "e.g. LOW_BATTERY) are told to the first step on raising and never escalate."
        ),
    )
    raw_retention: Duration = Field(
        timedelta(days=30),
        description="Raw readings older than this are deleted, once rolled up into hourly aggregates (the roll-ups are kept).",
    )
    rollup_window: Duration = Field(
        timedelta(hours=24),
        description="Each roll-up run recomputes the hours this far back (readings arriving later are counted when their hour is pruned).",
    )
    max_clock_skew: Duration = Field(
        timedelta(minutes=5),
        description=(
            "How far a reading's own timestamp may lie after its arrival: a later 'ts' is quarantined as "
            "future_timestamp; one within the allowance is stored at the arrival time."
        ),
    )
    max_payload_bytes: int = Field(16384, gt=0, description="Larger messages are quarantined unread.")
    # --- NB-IoT platform pushes (plugins/sensors/nbiot) ---------------------------------
    nbiot: NbiotSettings = Field(
        default_factory=NbiotSettings,
        description="HTTP pushes of the carriers' IoT platforms (CTWing, OneNET): [streets.X.sensors.nbiot].",
    )
    # --- end of NB-IoT --------------------------------------------------------------------

    @field_validator("offline_after_kind")
    @classmethod
    def _known_kinds(cls, value: dict[str, timedelta]) -> dict[str, timedelta]:
        unknown = sorted(set(value) - set(KINDS))
        if unknown:
            raise ValueError(f"offline_after_kind: unknown device kind(s) {', '.join(unknown)} (expected some of {', '.join(KINDS)})")
        if any(allowance <= timedelta(0) for allowance in value.values()):
            raise ValueError("offline_after_kind: every allowance must be longer than zero")
        return value

    def offline_allowance(self, kind: str) -> timedelta:
        """How long a device of ``kind`` may stay silent before it is OFFLINE."""
        return self.offline_after_kind.get(kind, self.offline_after)

    @field_validator("escalate_severities")
    @classmethod
    def _known_severities(cls, value: list[str]) -> list[str]:
        unknown = [s for s in value if s not in SEVERITIES]
        if unknown:
            raise ValueError(f"escalate_severities: unknown severity {', '.join(unknown)} (expected some of {', '.join(SEVERITIES)})")
        return value
