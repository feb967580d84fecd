"""Every alarm waiting for a person raises its alert in the notification outbox; one lost to a
crash between the alarm's commit and its alert's is raised by the watchdog's catch-up."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from jiedao.core.notify.models import Alert
from jiedao.plugins.sensors.models import Alarm
from jiedao.plugins.sensors.service.alarms import now
from jiedao.plugins.sensors.service.alerts import raise_missing_alerts

from .conftest import alert_of
from .test_alarms import alarms_of, deliver


async def test_an_alarm_raises_its_alert_with_what_where_and_who(kernel, registry):
    await deliver(kernel, "SD-1", {"smoke": True})
    [alarm] = await alarms_of(kernel, "SD-1")
    alert = await alert_of(kernel, alarm.id)
    assert (alert.kind, alert.severity) == ("sensors.alarm", "critical")
    assert alert.fields["what"] == "烟感报警" and "业主0" in alert.fields["who"] and "独居" in alert.fields["who"]
    assert alert.fields["device"] == "SMOKE_DETECTOR SD-1" and alert.fields["where"]


async def test_the_watchdog_raises_the_alerts_a_crash_lost_and_only_those(kernel, registry):
    street_id = kernel.street_id("changqing")
    async with kernel.db.transaction(street_id) as session:  # as if the process died right after the alarm's commit
        lost, fresh = (
            Alarm(street_id=street_id, device_pk=registry.devices[d], type="SMOKE", severity="CRITICAL", status="ACTIVE_UNACK", message="",
                  raised_at=at, updated_at=at, repeat_count=0, escalation_level=0, note="")
            for d, at in (("SD-1", now() - timedelta(minutes=3)), ("SD-2", now()))
        )
        session.add_all([lost, fresh])
    async with kernel.db.transaction(street_id) as session:
        assert await raise_missing_alerts(session, kernel, "changqing") == 1
    assert (await alert_of(kernel, lost.id)).severity == "critical"
    assert await alert_of(kernel, fresh.id) is None, "a young alarm's alert may still be queued: not raised twice"
    async with kernel.db.transaction(street_id) as session:
        assert await raise_missing_alerts(session, kernel, "changqing") == 0
        assert len((await session.scalars(select(Alert))).all()) == 1
