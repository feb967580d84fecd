"""What a resident sees of the alarms at home: the alarms of the devices serving one of their
homes (owned, or their household's) with the handlers' comments when the device serves that
home alone — read only, no device internals, no other household's people."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import strawberry
from sqlalchemy import func, select

from jiedao.api.graphql import IsAuthenticated
from jiedao.plugins.sensors.graphql.households import AlarmOutcome, comments_loader
from jiedao.plugins.sensors.graphql.types import AlarmSeverity, AlarmStatus, AlarmType
from jiedao.plugins.sensors.service.comments import MAX_HOME_ALARMS, home_alarms_query
from jiedao.plugins.sensors.service.installations import served_pairs_of_devices


@strawberry.type(description="A handler's comment on an alarm at your home: what they wrote and when, not who (their account stays with the staff).")
class HomeAlarmComment:
    """One row of ``sensor_alarm_comments`` as a resident reads it: no author. A meter box serves
    several flats, and the handlers' accounts are not the residents' to know."""

    text: str = strawberry.field(description="The comment.")
    created_at: datetime = strawberry.field(description="When it was written (ISO 8601 UTC).")


@strawberry.type(description="An alarm affecting your home, as a resident sees it.")
class HomeAlarm:
    """An alarm row, seen by a resident of a household it affects."""

    type: AlarmType = strawberry.field(description="What the alarm is about.")
    severity: AlarmSeverity = strawberry.field(description="How urgent it is.")
    status: AlarmStatus = strawberry.field(description="Where it is in its lifecycle.")
    message: str = strawberry.field(description="What happened, in words.")
    raised_at: datetime = strawberry.field(description="When it was raised (ISO 8601 UTC).")
    cleared_at: datetime | None = strawberry.field(description="When it was cleared (ISO 8601 UTC); null while open.")

    @strawberry.field(description="What happened, once the alarm was closed by hand.")
    def outcome(self) -> AlarmOutcome | None:
        return self.outcome

    @strawberry.field(
        description=(
            "What the handlers wrote, oldest first (without their accounts), when the alarm's device serves one home only; "
            "empty for a device several households share (a meter box): handlers' notes may speak of one household, "
            "and the others are not to read them."
        )
    )
    async def comments(self, info: strawberry.Info) -> list[HomeAlarmComment]:
        if await shared_devices_loader(info.context).load(self.device_pk):
            return []
        return await comments_loader(info.context).load(self.id)


def shared_devices_loader(ctx) -> Any:
    """Whether each device serves more than one unit (``installations.served_pairs``: the unit it
    is installed in and the units it serves), one statement."""

    async def load(device_pks: Sequence[int]) -> list[bool]:
        units = served_pairs_of_devices()
        counting = select(units.c.device_pk, func.count(units.c.unit_id.distinct())).group_by(units.c.device_pk)
        counted = dict((await ctx.execute(counting, {"device_pks": list(device_pks)})).all())
        return [counted.get(pk, 0) > 1 for pk in device_pks]

    return ctx.loader("sensors.home_shared_devices", load)


@strawberry.type
class HomeQuery:
    """Fields the plugin adds to ``Query`` for residents."""

    @strawberry.field(
        description=f"Alarms of the devices serving your home (open, or cleared in the last 30 days), newest first, at most {MAX_HOME_ALARMS}; empty without a resident record.",
        permission_classes=[IsAuthenticated],
    )
    async def home_alarms(self, info: strawberry.Info) -> list[HomeAlarm]:
        """The alarms of the caller's homes (none for an account without a resident record)."""
        resident_id = getattr(info.context.user, "resident_id", None)
        if resident_id is None:
            return []
        return await info.context.scalars(home_alarms_query(resident_id))
