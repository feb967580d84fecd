"""GraphQL of installations and alarm handling: the households an alarm affects, the units a
device serves, an alarm's comments, work item and assignee, and the request-scoped loaders
behind them (one statement per list, whatever the number of alarms or households)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from enum import Enum
from functools import cache
from typing import Any

import strawberry
from sqlalchemy import bindparam, func, select

from jiedao.api import allow, registry, today, types
from jiedao.api.care import CARE_NEEDS, care_profile, care_settings_of
from jiedao.api.domain import identity
from jiedao.api.graphql import encode_global_id, linked, list_bound, model_for, readable
from jiedao.plugins.sensors import models
from jiedao.api.graphql import describe_enum_values as described
from jiedao.plugins.sensors.service.installations import PLACES, homes_of_devices, served_pairs_of_devices, unique_homes
from jiedao.plugins.sensors.service.outcomes import OUTCOMES

AlarmOutcome = strawberry.enum(
    Enum("AlarmOutcome", [(o, o) for o in OUTCOMES]),
    description="What happened, recorded when an alarm is closed by hand: " + "; ".join(f"{k}: {v.en}" for k, v in OUTCOMES.items()) + ".",
)
DevicePlace = strawberry.enum(
    Enum("DevicePlace", [(p, p) for p in PLACES]),
    description="Where a device is installed: in a unit, at a floor, at a stairwell (单元), for a whole building, or nowhere in the registry.",
)
CareNeed = strawberry.enum(Enum("SensorsCareNeed", [(n, n) for n in CARE_NEEDS]), name="SensorsCareNeed", description="A care need of a resident (jiedao.api.care), weightiest first.")
described(AlarmOutcome, **{key: f"{outcome.zh} ({outcome.en})." for key, outcome in OUTCOMES.items()})
described(
    DevicePlace,
    UNIT="In one unit (户).",
    FLOOR="At one floor of a building, serving its units.",
    STAIRWELL="At one stairwell (单元) of a building, serving its units.",
    BUILDING="For a whole building.",
    NONE="Nowhere in the registry (no building given).",
)
described(
    CareNeed,
    BEDRIDDEN="卧床 (bedridden).",
    DISABLED="残疾 (disabled).",
    VERY_OLD="高龄 (very old): at or above the street's very-old age.",
    LIVES_ALONE="独居 (lives alone).",
    ELDERLY="老年人 (elderly): at or above the street's elderly age, or so recorded when the birth year is unknown.",
)


@strawberry.type(description="A household an alarm affects: a unit its device serves, who lives there and what care they need.")
class AffectedHousehold:
    """One unit served by an alarm's device, with its people (ORM rows)."""

    unit_id: strawberry.Private[int]
    people: strawberry.Private[list[Any]]
    care_needs: list[CareNeed] = strawberry.field(description="The care needs of the people at home, weightiest first (empty: none known).", metadata=list_bound(5))
    vulnerable: bool = strawberry.field(description="Someone at home is bedridden, disabled, very old, or elderly and living alone.")

    unit = linked(registry.Unit, "unit_id", types.Unit, description="The unit (户).")

    @strawberry.field(description="The people living there: household members, and owners unless their household lives in another unit.", permission_classes=allow("core.residents.read"), metadata=list_bound(6))
    def residents(self) -> list[types.Resident]:
        return self.people


def households_loader(ctx) -> Any:
    """The households each device serves (by device pk), one statement."""

    async def load(device_pks: Sequence[int]) -> list[list[AffectedHousehold]]:
        rows = unique_homes((await ctx.execute(homes_of_devices(), {"device_pks": list(device_pks)})).all())
        settings, day = care_settings_of(ctx.kernel, ctx.street), today()
        units: dict[int, dict[int, list[Any]]] = defaultdict(dict)
        for device_pk, unit_id, resident in rows:
            if unit_id is None:
                continue
            people = units[device_pk].setdefault(unit_id, [])
            if resident is not None:
                people.append(resident)
        out = []
        for pk in device_pks:
            households = []
            for unit_id, people in units.get(pk, {}).items():
                profiles = [care_profile(p, settings, day) for p in people]
                needs = {n for profile in profiles for n in profile.needs}
                households.append(AffectedHousehold(
                    unit_id=unit_id, people=people, care_needs=[CareNeed[n] for n in CARE_NEEDS if n in needs],
                    vulnerable=any(p.vulnerable for p in profiles),
                ))
            households.sort(key=lambda h: (not h.vulnerable, -len(h.care_needs), h.unit_id))
            out.append(households)
        return out

    return ctx.loader("sensors.households", load)


def served_units_loader(ctx) -> Any:
    """The unit ids each device serves (by device pk), one statement."""

    async def load(device_pks: Sequence[int]) -> list[list[int]]:
        pairs = served_pairs_of_devices()
        groups: dict[int, set[int]] = defaultdict(set)
        for device_pk, unit_id in (await ctx.execute(select(pairs.c.device_pk, pairs.c.unit_id), {"device_pks": list(device_pks)})).all():
            groups[device_pk].add(unit_id)
        return [sorted(groups.get(pk, ())) for pk in device_pks]

    return ctx.loader("sensors.served_units", load)


@strawberry.type(description="A comment a handler wrote on an alarm.")
class AlarmComment:
    """One row of ``sensor_alarm_comments``."""

    author: str = strawberry.field(description="The account that wrote it.")
    text: str = strawberry.field(description="The comment.")
    created_at: datetime = strawberry.field(description="When it was written (ISO 8601 UTC).")


def comments_loader(ctx) -> Any:
    """The comments of each alarm, oldest first, one statement."""

    async def load(alarm_ids: Sequence[int]) -> list[list[Any]]:
        rows = await ctx.scalars(select(models.AlarmComment).where(models.AlarmComment.alarm_id.in_(alarm_ids)).order_by(models.AlarmComment.id))
        groups: dict[int, list[Any]] = defaultdict(list)
        for row in rows:
            groups[row.alarm_id].append(row)
        return [groups.get(i, []) for i in alarm_ids]

    return ctx.loader("sensors.alarm_comments", load)


def work_items_loader(ctx) -> Any:
    """The latest work item of each alarm (by alarm id) the caller may read as a work item,
    one statement."""
    WorkItem = model_for("WorkItem")

    async def load(alarm_ids: Sequence[int]) -> list[Any]:
        subjects = {encode_global_id("Alarm", i): i for i in alarm_ids}
        statement = select(WorkItem).where(WorkItem.subject.in_(subjects), readable(ctx, "WorkItem")).order_by(WorkItem.id)
        latest = {subjects[item.subject]: item for item in await ctx.scalars(statement)}
        return [latest.get(i) for i in alarm_ids]

    return ctx.loader(("sensors.alarm_work_items",), load)


@cache
def _assignees_statement() -> Any:
    """``(subject, username)`` of the latest work item of each subject bound as ``subjects``
    (its assignee's username, or null), built once."""
    WorkItem = model_for("WorkItem")
    latest = (
        select(func.max(WorkItem.id).label("id"))
        .where(WorkItem.subject.in_(bindparam("subjects", expanding=True)))
        .group_by(WorkItem.subject)
        .subquery("latest_items")
    )
    return (
        select(WorkItem.subject, identity.User.username)
        .join(latest, latest.c.id == WorkItem.id)
        .outerjoin(identity.User, identity.User.id == WorkItem.assignee_user_id)
    )


def assignees_loader(ctx) -> Any:
    """The username of the person each alarm's latest work item is assigned to, or ``None``
    (by alarm id), one statement."""

    async def load(alarm_ids: Sequence[int]) -> list[str | None]:
        subjects = [encode_global_id("Alarm", i) for i in alarm_ids]
        found = dict((await ctx.execute(_assignees_statement(), {"subjects": subjects})).all())
        return [found.get(subject) for subject in subjects]

    return ctx.loader("sensors.alarm_assignees", load)
