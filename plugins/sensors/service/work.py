"""Alarms into the kernel's work-item loop: a critical or major alarm opens a work item for the
grid worker(s) of its building (source ``SENSOR_ALARM``, subject the alarm's global ID). The
grid worker closes it by recording a structured outcome (real danger, false alarm, visited —
nobody home, device fault) with ``resolveWorkItem``; the item's timeline keeps every step."""

from __future__ import annotations

import logging

from jiedao.api import WorkSource, open_work_item, street_transaction, work_item_for

log = logging.getLogger("jiedao.sensors")
OPENS_WORK = ("CRITICAL", "MAJOR")
CATEGORY = "safety"
TITLES = {
    "SMOKE": "烟感报警", "RESIDUAL_CURRENT": "剩余电流超限", "LINE_TEMPERATURE": "线路温度过高", "OVER_CURRENT": "过流",
    "ARC_FAULT": "电弧故障", "CHARGER_TEMPERATURE": "充电桩温度过高", "OFFLINE": "设备离线", "TAMPER": "设备被拆",
}


async def open_alarm_work_item(event, delivery) -> None:
    """On ``sensors.alarm.raised``: open the alarm's work item when it is critical or major
    (once per alarm: a raised alarm already holding one is left alone)."""
    if event.severity not in OPENS_WORK:
        return
    async with street_transaction(delivery.kernel, delivery.street) as session:
        if await work_item_for(session, event.alarm) is not None:
            return
        title = f"[{event.severity}] {TITLES.get(event.type, event.type)}: {event.device_id}"
        await open_work_item(
            session, subject=event.alarm, title=title[:200], category=CATEGORY, source=WorkSource.SENSOR_ALARM,
            building_id=event.building_id, to_grid=True,
        )
