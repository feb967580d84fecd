"""Placeholder until the contacts package lands: the building's grid workers, then the
community's residents' committee (replaced by the full chain with duty rosters and
emergency contacts)."""

from __future__ import annotations

from datetime import datetime

from jiedao.core.notify.recipients import STAFF, Person, Rung
from jiedao.core.work.people import grid_workers_of_building, residents_committee_members


async def reach_chain(session, street_id: int, *, building_id: int | None, resident_id: int | None = None, at: datetime) -> list[Rung]:
    """The people to reach about ``building_id``, rung after rung."""
    if building_id is None:
        return []
    rungs, seen = [], set()
    for label, people in (("grid", await grid_workers_of_building(session, building_id)), ("community", await residents_committee_members(session, building_id))):
        persons = tuple(Person(STAFF, u.id, u.username, role=label) for u in people if u.id not in seen)
        seen |= {p.ref for p in persons}
        if persons:
            rungs.append(Rung(persons, label))
    return rungs
