"""What happened, recorded by whoever closes an alarm by hand (``clearAlarm``: required), and
how each outcome maps onto the kernel's acknowledgement outcomes (``jiedao.api.alerts``) and
work-item outcomes (``jiedao.api.work.WorkOutcome``), so the figures of the three agree."""

from __future__ import annotations

from dataclasses import dataclass

from jiedao.api import DomainError
from jiedao.api.alerts import FALSE_ALARM, NOBODY_HOME, REAL_DANGER
from jiedao.api.work import WorkOutcome


@dataclass(frozen=True)
class AlarmOutcome:
    """One outcome: its words, the acknowledgement outcome and the work-item outcome it means."""

    zh: str
    en: str
    ack: str | None
    work: WorkOutcome


OUTCOMES: dict[str, AlarmOutcome] = {
    "FALSE_ALARM": AlarmOutcome("误报，现场无异常", "false alarm, nothing found", FALSE_ALARM, WorkOutcome.FALSE_ALARM),
    "COOKING_OR_STEAM": AlarmOutcome("烹饪油烟或水汽触发", "cooking fumes or steam", FALSE_ALARM, WorkOutcome.FALSE_ALARM),
    "DEVICE_FAULT": AlarmOutcome("设备故障，已报修", "device fault, repair requested", FALSE_ALARM, WorkOutcome.DEVICE_FAULT),
    "REAL_FIRE_EXTINGUISHED": AlarmOutcome("确有火情，已扑灭", "real fire, put out", REAL_DANGER, WorkOutcome.REAL_DANGER),
    "FIRE_SERVICE_CALLED": AlarmOutcome("确有火情，已报119并移交消防", "real fire, handed to the fire service (119)", REAL_DANGER, WorkOutcome.REFERRED),
    "ELECTRICAL_FAULT_FIXED": AlarmOutcome("电气故障（漏电、过热、过流）已排除", "electrical fault (leakage, overheating, overload) fixed", REAL_DANGER, WorkOutcome.FIXED),
    "HAZARD_REMOVED": AlarmOutcome("隐患已消除（断电、移走充电车辆等）", "hazard removed (power cut, vehicle moved ...)", REAL_DANGER, WorkOutcome.FIXED),
    "NOBODY_HOME": AlarmOutcome("上门无人，已联系家属", "nobody home, family told", NOBODY_HOME, WorkOutcome.VISITED_NOBODY_HOME),
    "DEVICE_RETIRED": AlarmOutcome("设备停用", "device taken out of service", None, WorkOutcome.NOT_ACTIONABLE),
}
"""Every outcome of an alarm closed by hand."""

FROM_WORK: dict[str, str] = {
    WorkOutcome.FALSE_ALARM.value: "FALSE_ALARM",
    WorkOutcome.DEVICE_FAULT.value: "DEVICE_FAULT",
    WorkOutcome.VISITED_NOBODY_HOME.value: "NOBODY_HOME",
    WorkOutcome.REFERRED.value: "FIRE_SERVICE_CALLED",
    WorkOutcome.FIXED.value: "HAZARD_REMOVED",
}
"""The alarm outcome a work item's outcome stands for, where it says what happened
(``REAL_DANGER`` and ``NOT_ACTIONABLE`` do not: the alarm's outcome is then given when it is closed)."""


def checked_outcome(outcome: str | None) -> AlarmOutcome:
    """The outcome named ``outcome``; ``OUTCOME_REQUIRED`` (field ``outcome``) when missing or unknown."""
    if not outcome:
        raise DomainError("Say what happened: an outcome is required to close an alarm.", code="OUTCOME_REQUIRED", field="outcome")
    if outcome not in OUTCOMES:
        raise DomainError(
            "Unknown outcome '{outcome}' (expected one of {expected}).", code="OUTCOME_REQUIRED", field="outcome",
            outcome=outcome, expected=", ".join(OUTCOMES),
        )
    return OUTCOMES[outcome]
