"""Figures and signals the sensors plugin publishes for dashboards (see ``core.figures``)."""

from __future__ import annotations

from sqlalchemy import Select, func, literal, select

from jiedao.api import Metric, Signal
from jiedao.api.domain import MetricKind
from jiedao.plugins.sensors.models import Alarm, Device, QuarantinedMessage
from jiedao.plugins.sensors.service.alarms import CLEARED, RETIRED


def alarms_raised() -> Select:
    """Alarms by the time they were raised."""
    return select(Alarm.raised_at.label("at"), Alarm.severity.label("severity"), Alarm.type.label("type"))


def alarms_open() -> Select:
    """Open alarms (every status but CLEARED: CLEARED_UNACK ones still wait for a person),
    counted by severity and type."""
    return (
        select(func.count().label("value"), Alarm.severity.label("severity"), Alarm.type.label("type"))
        .where(Alarm.status != CLEARED)
        .group_by(Alarm.severity, Alarm.type)
    )


def devices_by_status() -> Select:
    """Devices in service counted by kind and status (RETIRED devices are left out: they are
    neither online nor offline)."""
    return (
        select(func.count().label("value"), Device.kind.label("kind"), Device.status.label("status"))
        .where(Device.status != RETIRED)
        .group_by(Device.kind, Device.status)
    )


def messages_quarantined() -> Select:
    """Refused messages by the time they arrived."""
    return select(QuarantinedMessage.received_at.label("at"), QuarantinedMessage.reason.label("reason"))


def alarms_by_building() -> Select:
    """Alarms with their building, for hotspot detection."""
    return select(Alarm.raised_at.label("at"), Alarm.building_id.label("building_id"), literal(1).label("value")).where(Alarm.building_id.is_not(None))


METRICS = (
    Metric("sensors.alarms.raised", "传感器报警", "Sensor alarms raised", MetricKind.COUNTER, alarms_raised, "alarms", ("severity", "type")),
    Metric("sensors.alarms.open", "未消除报警", "Open sensor alarms", MetricKind.GAUGE, alarms_open, "alarms", ("severity", "type")),
    Metric("sensors.devices.by_status", "设备在线状态", "Devices by status", MetricKind.GAUGE, devices_by_status, "devices", ("kind", "status")),
    Metric("sensors.messages.quarantined", "隔离的异常报文", "Messages quarantined", MetricKind.COUNTER, messages_quarantined, "messages", ("reason",)),
)
SIGNALS = (Signal("sensors.alarms", "传感器报警", "Sensor alarms", alarms_by_building),)
