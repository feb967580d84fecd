"""Fixtures of the deliberation tests: small constructed registries and ballots on them.

Everything runs on the real databases of ``core.testing.fixtures`` (SQLite and PostgreSQL
with row-level security). "Time passing" is the only shortcut: ``end_voting`` moves a
ballot's closing time into the past, as if the voting period had run out.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update

from jiedao.core.clock import now
from jiedao.core.kernel import Kernel
from jiedao.core.models import Ownership, Resident, Unit
from jiedao.core.testing.fixtures import new_compound
from jiedao.plugins.deliberation import service
from jiedao.plugins.deliberation.models import Ballot, Channel, Choice, Rule
from jiedao.schema.ids import encode_global_id


@dataclass
class World:
    """A compound built for one test: ids by the names the test gave them."""

    kernel: Kernel
    street: str
    compound: int
    buildings: list[int]
    units: list[int]
    owners: dict[str, int] = field(default_factory=dict)

    @property
    def street_id(self) -> int:
        return self.kernel.street_id(self.street)

    def gid(self, type_name: str, pk: int) -> str:
        return encode_global_id(type_name, pk)


async def build_world(kernel: Kernel, units: list[tuple[int, tuple[str, ...]]], *, street: str = "changqing", buildings: int = 1, extra_buildings: int = 0) -> World:
    """A compound whose units are ``(area_dm2, owner names)``, spread round-robin over
    ``buildings`` buildings; an owner named ``dev`` is an organisation (the developer).
    ``extra_buildings`` are created in the compound with no units, outside any scope used."""
    async with kernel.db.transaction(kernel.street_id(street)) as session:
        compound, made = await new_compound(session, buildings + extra_buildings)
        rows = [Unit(building_id=made[i % buildings].id, number=f"{i + 1:03d}", area_dm2=area) for i, (area, _) in enumerate(units)]
        session.add_all(rows)
        names = sorted({name for _, owners in units for name in owners})
        people = {n: Resident(external_ref=f"{n}-{secrets.token_hex(4)}", name=n, is_organisation=n == "dev") for n in names}
        session.add_all(people.values())
        await session.flush()
        session.add_all(Ownership(unit_id=row.id, resident_id=people[n].id) for row, (_, owners) in zip(rows, units) for n in owners)
        return World(kernel, street, compound.id, [b.id for b in made], [u.id for u in rows], {n: p.id for n, p in people.items()})


async def open_ballot(world: World, rule: Rule, *, buildings: list[int] | None = None) -> int:
    """A ballot over the world's compound (or the given buildings), announced 15 days ahead
    (the default notice_days) and then open for voting: its notice period has run out."""
    opens = now() + timedelta(days=15, hours=1)
    async with world.kernel.db.transaction(world.street_id) as session:
        ballot = await service.create_ballot(
            session,
            title="测试表决",
            matter="",
            rule=rule,
            compound_id=None if buildings else world.compound,
            building_ids=buildings or [],
            opens_at=opens,
            closes_at=opens + timedelta(days=7),
        )
        await service.open_ballot(session, world.street_id, ballot.id)
        ballot_id = ballot.id
    await start_voting(world.kernel, world.street, ballot_id)
    return ballot_id


async def vote(world: World, ballot_id: int, choices: dict[str, str]) -> None:
    """Each named owner votes online (``{"A": "AGREE", ...}``)."""
    for name, choice in choices.items():
        async with world.kernel.db.transaction(world.street_id) as session:
            await service.cast_vote(session, world.street_id, ballot_id, world.owners[name], Choice(choice), None)


async def record(world: World, ballot_id: int, unit_id: int, choice: str, channel: str = "PAPER") -> None:
    """Staff record a paper vote for a unit."""
    async with world.kernel.db.transaction(world.street_id) as session:
        await service.record_vote(session, world.street_id, ballot_id, unit_id, Choice(choice), Channel(channel), None, scan=None)


async def start_voting(kernel: Kernel, street: str, ballot_id: int) -> None:
    """Let the notice period run out: the ballot's whole timetable (announcement, opening,
    closing) moves back so that voting opened a minute ago, its length unchanged."""
    async with kernel.db.transaction(kernel.street_id(street)) as session:
        ballot = await session.get(Ballot, ballot_id)
        shift = ballot.opens_at - (now() - timedelta(minutes=1))
        ballot.opens_at -= shift
        ballot.closes_at -= shift
        ballot.created_at -= shift
        if ballot.opened_at is not None:
            ballot.opened_at -= shift
            ballot.electorate_fixed_at -= shift


async def end_voting(kernel: Kernel, street: str, ballot_id: int) -> None:
    """Let the voting period run out: the closing time moves one second into the past."""
    async with kernel.db.transaction(kernel.street_id(street)) as session:
        await session.execute(update(Ballot).where(Ballot.id == ballot_id).values(closes_at=now() - timedelta(seconds=1)))


async def close(world: World, ballot_id: int) -> dict[str, Any]:
    """End the voting period, close the ballot and return its stored result."""
    await end_voting(world.kernel, world.street, ballot_id)
    async with world.kernel.db.transaction(world.street_id) as session:
        ballot = await service.close_ballot(session, world.street_id, ballot_id)
        return ballot.result


@pytest.fixture
def world_of(kernel):
    """``await world_of([(area_dm2, ("A",)), ...])``: a constructed compound in changqing."""

    async def make(units, **kwargs) -> World:
        return await build_world(kernel, units, **kwargs)

    return make
