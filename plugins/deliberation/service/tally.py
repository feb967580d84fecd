"""The Art. 278 tally: who may vote (owner groups), what they voted, and whether it passed.

Counting happens in SQL aggregates; only the final comparison of a handful of integers
happens in Python, in exact integer arithmetic (``3 * part >= 2 * eligible``), so exactly
two thirds or three quarters meets the threshold and nothing is rounded.

Headcount follows the Supreme People's Court interpretation on building ownership (Art. 9):
one unit is one owner; units held by the same owner - or the same *set* of co-owners, or
the developer's unsold units - count once, with their areas summed. An owner group is
identified by its ``owner_key``: the unit's owner ids, sorted and comma-joined.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from functools import cache
from typing import Any

from sqlalchemy import Integer, Select, String, Subquery, and_, bindparam, case, cast, func, insert, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from jiedao.api import registry
from jiedao.api.messages import Translatable
from jiedao.plugins.deliberation.models import Ballot, BallotBuilding, BallotStairwell, Choice, Elector, Electorate, Rule, Vote
from jiedao.plugins.deliberation.service.scope import stairwell_clause

Building, Household, Ownership, Resident, Unit = registry.Building, registry.Household, registry.Ownership, registry.Resident, registry.Unit
ADULT_AGE = 18
"""Residents' meetings are of residents aged 18 and over (城市居民委员会组织法 Art. 9)."""

FIXED, OWNERS, RESIDENTS = "fixed", "owners", "residents"
"""The electorates a turnout is counted over (``turnout_counts``): the one fixed at
announcement, today's owner groups, today's adult residents."""


def owner_keys(street_id: Any, ballot_ids: Any, units: Any = None) -> Subquery:
    """The live electorate of ballots: ``(ballot_id, unit_id, building_id, area_dm2,
    owner_key)`` per owned unit in scope. Units nobody owns cannot vote and are left out.
    ``units`` (a select of unit ids) limits the work to those units, e.g. one voter's.
    ``street_id`` and ``ballot_ids``: values, or bound parameters (``turnout_counts``).

    The key is built by a window aggregate ordered by owner id (``string_agg`` on
    PostgreSQL, ``group_concat`` on SQLite), identical on both databases.
    """
    key = func.aggregate_strings(cast(Ownership.resident_id, String), ",").over(
        partition_by=Ownership.unit_id, order_by=Ownership.resident_id, rows=(None, None)
    )
    scope = select(BallotBuilding.building_id).where(BallotBuilding.ballot_id.in_(ballot_ids), BallotBuilding.street_id == street_id)
    keyed = (
        select(
            Unit.id.label("unit_id"), Unit.building_id.label("building_id"), Unit.area_dm2.label("area_dm2"), key.label("owner_key"),
            Unit.stairwell.label("stairwell"),
        )
        .join(Ownership, Ownership.unit_id == Unit.id)
        .where(Unit.street_id == street_id, Ownership.street_id == street_id, Unit.building_id.in_(scope))
    )
    if units is not None:
        keyed = keyed.where(Unit.id.in_(units))
    keyed = keyed.subquery("owned_units")
    units = select(keyed.c.unit_id, keyed.c.building_id, keyed.c.area_dm2, keyed.c.owner_key, keyed.c.stairwell).distinct().subquery("keyed_units")
    return (
        select(BallotBuilding.ballot_id, units.c.unit_id, units.c.building_id, units.c.area_dm2, units.c.owner_key)
        .join(units, units.c.building_id == BallotBuilding.building_id)
        .where(BallotBuilding.ballot_id.in_(ballot_ids), BallotBuilding.street_id == street_id)
        .where(stairwell_clause(BallotBuilding.ballot_id, units.c.building_id, units.c.stairwell))  # 单元 scope
        .subquery("electorate")
    )


def resident_keys(street_id: Any, ballot_ids: Any, year: Any) -> Subquery:
    """The electorate of residents' consultations, in the shape of ``owner_keys``: one row per
    adult resident (born in ``year - 18`` or before, or of unknown age) of a household living
    in a unit in scope — tenants and occupants as well as owners who live there — keyed
    ``r<resident id>``, with no area."""
    key = literal("r", String) + cast(Resident.id, String)
    return (
        select(
            BallotBuilding.ballot_id, Unit.id.label("unit_id"), Unit.building_id.label("building_id"),
            literal(0, Integer).label("area_dm2"), key.label("owner_key"),
        )
        .join(Unit, Unit.building_id == BallotBuilding.building_id)
        .join(Household, Household.unit_id == Unit.id)
        .join(Resident, Resident.household_id == Household.id)
        .where(
            BallotBuilding.ballot_id.in_(ballot_ids), BallotBuilding.street_id == street_id, Unit.street_id == street_id,
            Resident.is_organisation.is_(False), or_(Resident.birth_year.is_(None), Resident.birth_year <= year - ADULT_AGE),
            stairwell_clause(BallotBuilding.ballot_id, Unit.building_id, Unit.stairwell),  # 单元 scope
        )
        .subquery("electorate")
    )


def frozen_electorate(ballot_ids: Any) -> Subquery:
    """The electorate fixed when the ballots were announced, in the shape of ``owner_keys``."""
    return (
        select(Elector.ballot_id, Elector.unit_id, Elector.building_id, Elector.area_dm2, Elector.owner_key)
        .where(Elector.ballot_id.in_(ballot_ids))
        .subquery("electorate")
    )


async def freeze_electorate(session: AsyncSession, street_id: int, ballot: Ballot, year: int) -> None:
    """Fix the ballot's electorate: copy who may vote today (owner groups, or the adult
    residents of a residents' consultation, ages judged in ``year``) into
    ``deliberation_electors`` (one INSERT ... SELECT)."""
    if ballot.electorate == Electorate.RESIDENTS.value:
        live = resident_keys(street_id, [ballot.id], year)
    else:
        live = owner_keys(street_id, [ballot.id])
    rows = select(literal(street_id, Integer), live.c.ballot_id, live.c.unit_id, live.c.building_id, live.c.area_dm2, live.c.owner_key)
    target = Elector.__table__
    columns = [target.c.street_id, target.c.ballot_id, target.c.unit_id, target.c.building_id, target.c.area_dm2, target.c.owner_key]
    await session.execute(insert(target).from_select(columns, rows))


async def groups_of_resident(session: AsyncSession, street_id: int, ballot: Ballot, resident_id: int) -> tuple[list[tuple[str, int]], int]:
    """``(elector key, first unit id)`` of every group of the fixed electorate the resident
    votes for, and how many groups of the units they own were withheld from them.

    An owners' ballot: the groups of the units they own *now* — a buyer votes for a unit
    bought during the ballot, a seller who kept none of a group's units no longer does — except
    a group one of whose members at the announcement still owns one of its units: that member
    votes for it (the group's area and head were fixed with them), not the buyer of part of it
    (one flat of a multi-flat owner, a co-owner's share), who is withheld. A residents'
    consultation: their own key."""
    if ballot.electorate == Electorate.RESIDENTS.value:
        condition = Elector.owner_key == f"r{resident_id}"
    else:
        condition = Elector.unit_id.in_(select(Ownership.unit_id).where(Ownership.resident_id == resident_id, Ownership.street_id == street_id))
    statement = (
        select(Elector.owner_key, func.min(Elector.unit_id))
        .where(Elector.ballot_id == ballot.id, condition)
        .group_by(Elector.owner_key)
        .order_by(Elector.owner_key)
    )
    groups = [(key, unit) for key, unit in (await session.execute(statement)).all()]
    foreign = {key: set(key.split(",")) for key, _ in groups if ballot.electorate != Electorate.RESIDENTS.value and str(resident_id) not in key.split(",")}
    if not foreign:
        return groups, 0
    members = {int(member) for group in foreign.values() for member in group if member.isdigit()}
    holders = await session.execute(
        select(Elector.owner_key, Ownership.resident_id)
        .join(Ownership, and_(Ownership.unit_id == Elector.unit_id, Ownership.street_id == street_id))
        .where(Elector.ballot_id == ballot.id, Elector.owner_key.in_(list(foreign)), Ownership.resident_id.in_(members))
    )
    held = {key for key, holder in holders.all() if str(holder) in foreign[key]}
    return [(key, unit) for key, unit in groups if key not in held], len(held)


async def group_of_unit(session: AsyncSession, ballot_id: int, unit_id: int) -> str | None:
    """The owner key a unit had when the electorate was fixed; ``None`` if out of scope or unowned then."""
    return await session.scalar(select(Elector.owner_key).where(Elector.ballot_id == ballot_id, Elector.unit_id == unit_id))


@dataclass
class Counts:
    """The integers a decision is made from (areas in dm²)."""

    eligible_area: int = 0
    eligible_owners: int = 0
    participating_area: int = 0
    participating_owners: int = 0
    agree_area: int = 0
    agree_owners: int = 0
    oppose_area: int = 0
    oppose_owners: int = 0
    abstain_area: int = 0
    abstain_owners: int = 0


@dataclass
class Decision:
    """The outcome of a ballot and, for each threshold, why it was met or missed."""

    quorum_met: bool
    passed: bool
    reasons: list[str] = field(default_factory=list)
    """In English, as stored in ``Ballot.result``."""
    reasons_zh: list[str] = field(default_factory=list)
    """In Chinese, as stored (the result notice quotes them)."""
    texts: list[Translatable] = field(default_factory=list, compare=False)
    """The reasons as catalogue templates with their numbers (rendered in the reader's language)."""

    @classmethod
    def of(cls, quorum_met: bool, passed: bool, texts: list[Translatable]) -> Decision:
        """The decision with its reasons rendered in English and in Chinese."""
        return cls(quorum_met, passed, [str(t) for t in texts], [t.in_language("zh-CN") for t in texts], texts)

    def stored(self) -> dict[str, Any]:
        """What ``Ballot.result`` keeps of the decision (JSON: no templates)."""
        return {"quorum_met": self.quorum_met, "passed": self.passed, "reasons": self.reasons, "reasons_zh": self.reasons_zh}


def _count_columns(area, key, choice):
    voted = choice.is_not(None)

    def by(choice_value):
        return (
            func.coalesce(func.sum(case((choice == choice_value, area), else_=0)), 0),
            func.count(case((choice == choice_value, key))),
        )

    return (
        func.coalesce(func.sum(area), 0),
        func.count(key),
        func.coalesce(func.sum(case((voted, area), else_=0)), 0),
        func.count(case((voted, key))),
        *by(Choice.AGREE.value),
        *by(Choice.OPPOSE.value),
        *by(Choice.ABSTAIN.value),
    )


@cache
def _turnout_statement(electorate: str) -> Select:
    """``count_statement`` over ``electorate`` (``FIXED``, ``OWNERS`` or ``RESIDENTS``), built
    once with its values bound at each run (``ballot_ids``, ``street_id``, ``year``): building
    it was a quarter of the CPU of a list of ballots with their turnout."""
    ballot_ids = bindparam("ballot_ids", expanding=True)
    street_id = bindparam("street_id", type_=Integer)
    live = {
        FIXED: lambda: frozen_electorate(ballot_ids),
        OWNERS: lambda: owner_keys(street_id, ballot_ids),
        RESIDENTS: lambda: resident_keys(street_id, ballot_ids, bindparam("year", type_=Integer)),
    }[electorate]
    return count_statement(ballot_ids, live())


async def turnout_counts(session: AsyncSession, electorate: str, ballot_ids: Sequence[int], street_id: int, year: int | None = None) -> dict[int, Counts]:
    """``count`` of ``ballot_ids`` over ``electorate`` (``FIXED``; ``OWNERS`` or ``RESIDENTS``
    of ``street_id`` today, adults judged in ``year``), by a statement built once."""
    values: dict[str, Any] = {"ballot_ids": list(ballot_ids)}
    if electorate != FIXED:
        values["street_id"] = street_id
    if electorate == RESIDENTS:
        values["year"] = year
    return _counts_by_ballot(await session.execute(_turnout_statement(electorate), values), ballot_ids)


def count_statement(ballot_ids: Any, electorate: Subquery) -> Select:
    """SQL: ``(ballot_id, *Counts)`` of each ballot of ``ballot_ids`` (ids, or a bound
    parameter) with an electorate: its electorate summed per owner group, against its votes."""
    groups = (
        select(electorate.c.ballot_id, electorate.c.owner_key, func.sum(electorate.c.area_dm2).label("area"))
        .group_by(electorate.c.ballot_id, electorate.c.owner_key)
        .subquery("owner_groups")
    )
    votes = select(Vote.ballot_id, Vote.owner_key, Vote.choice).where(Vote.ballot_id.in_(ballot_ids)).subquery("ballot_votes")
    statement = (
        select(groups.c.ballot_id, *_count_columns(groups.c.area, groups.c.owner_key, votes.c.choice))
        .select_from(
            groups.outerjoin(votes, and_(votes.c.ballot_id == groups.c.ballot_id, votes.c.owner_key == groups.c.owner_key))
        )
        .group_by(groups.c.ballot_id)
    )
    return statement


async def count(session: AsyncSession, ballot_ids: Sequence[int], electorate: Subquery) -> dict[int, Counts]:
    """Aggregate each ballot's electorate (summed per owner group) against its votes:
    one statement for any number of ballots."""
    return _counts_by_ballot(await session.execute(count_statement(ballot_ids, electorate)), ballot_ids)


def _counts_by_ballot(result: Any, ballot_ids: Sequence[int]) -> dict[int, Counts]:
    """The ``Counts`` of each ballot from ``(ballot_id, *Counts)`` rows; zeros for a ballot
    without a row (no electorate, no vote)."""
    found = {row[0]: Counts(*(int(v) for v in row[1:])) for row in result.all()}
    return {ballot_id: found.get(ballot_id, Counts()) for ballot_id in ballot_ids}


async def count_by_building(session: AsyncSession, ballot_id: int, electorate: Subquery) -> list[tuple[int, str, Counts]]:
    """The counts of one ballot per building: an owner group counts once in each building
    where it holds units, with the area it holds there."""
    per_building = (
        select(electorate.c.building_id, electorate.c.owner_key, func.sum(electorate.c.area_dm2).label("area"))
        .where(electorate.c.ballot_id == ballot_id)
        .group_by(electorate.c.building_id, electorate.c.owner_key)
        .subquery("building_groups")
    )
    votes = select(Vote.owner_key, Vote.choice).where(Vote.ballot_id == ballot_id).subquery("ballot_votes")
    statement = (
        select(per_building.c.building_id, Building.name, *_count_columns(per_building.c.area, per_building.c.owner_key, votes.c.choice))
        .select_from(per_building.outerjoin(votes, votes.c.owner_key == per_building.c.owner_key))
        .join(Building, Building.id == per_building.c.building_id)
        .group_by(per_building.c.building_id, Building.name)
        .order_by(per_building.c.building_id)
    )
    return [(row[0], row[1], Counts(*(int(v) for v in row[2:]))) for row in (await session.execute(statement)).all()]


def _share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.2f}%" if whole else "n/a"


def _m2(dm2: int) -> str:
    """Square metres with two decimals, without a unit (the templates carry it)."""
    return f"{dm2 // 100}.{dm2 % 100:02d}"


def _met(ok: bool) -> Translatable:
    return Translatable("met") if ok else Translatable("not met")


def decide(rule: Rule, c: Counts) -> Decision:
    """Apply ``rule`` to the counts, in exact integer arithmetic; every reason is a catalogue
    template (``texts``) rendered in the reader's language, stored in English (``reasons``)
    and Chinese (``reasons_zh``), line for line."""
    texts: list[Translatable] = []
    if rule is Rule.SIMPLE_MAJORITY:
        quorum = c.participating_owners > 0
        passed = quorum and 2 * c.agree_owners > c.participating_owners
        counted = {"agree": c.agree_owners, "cast": c.participating_owners}
        if passed:
            texts.append(Translatable("non-binding: {agree} of {cast} votes cast agree; more than half reached.", **counted))
        else:
            texts.append(Translatable("non-binding: {agree} of {cast} votes cast agree; more than half not reached.", **counted))
        return Decision.of(quorum, passed, texts)

    if c.eligible_owners == 0:
        return Decision.of(False, False, [Translatable("no owners are recorded for the units in scope.")])
    area_quorum = 3 * c.participating_area >= 2 * c.eligible_area
    owner_quorum = 3 * c.participating_owners >= 2 * c.eligible_owners
    texts.append(
        Translatable(
            "participation by area: {part} m² of {whole} m² ({share}); at least 2/3 required: {met}.",
            part=_m2(c.participating_area), whole=_m2(c.eligible_area), share=_share(c.participating_area, c.eligible_area), met=_met(area_quorum),
        )
    )
    texts.append(
        Translatable(
            "participation by owners: {part} of {whole} ({share}); at least 2/3 required: {met}.",
            part=c.participating_owners, whole=c.eligible_owners, share=_share(c.participating_owners, c.eligible_owners), met=_met(owner_quorum),
        )
    )
    quorum = area_quorum and owner_quorum
    if rule is Rule.ART278_MAJOR:
        area_ok = 4 * c.agree_area >= 3 * c.participating_area
        owners_ok = 4 * c.agree_owners >= 3 * c.participating_owners
        need = Translatable("at least 3/4")
    else:
        area_ok = 2 * c.agree_area > c.participating_area
        owners_ok = 2 * c.agree_owners > c.participating_owners
        need = Translatable("more than half")
    if quorum:
        texts.append(
            Translatable(
                "approval by area: {part} m² of {whole} m² participating ({share}); {need} required: {met}.",
                part=_m2(c.agree_area), whole=_m2(c.participating_area), share=_share(c.agree_area, c.participating_area), need=need, met=_met(area_ok),
            )
        )
        texts.append(
            Translatable(
                "approval by owners: {part} of {whole} participating ({share}); {need} required: {met}.",
                part=c.agree_owners, whole=c.participating_owners, share=_share(c.agree_owners, c.participating_owners), need=need, met=_met(owners_ok),
            )
        )
    else:
        texts.append(Translatable("participation below the legal minimum: the matter is not decided."))
    return Decision.of(quorum, quorum and area_ok and owners_ok, texts)


async def final_result(session: AsyncSession, ballot: Ballot) -> dict[str, Any]:
    """The tally of a ballot over its frozen electorate, as stored in ``Ballot.result``."""
    electorate = frozen_electorate([ballot.id])
    counts = (await count(session, [ballot.id], electorate))[ballot.id]
    decision = decide(Rule(ballot.rule), counts)
    buildings = await count_by_building(session, ballot.id, electorate)
    result = {
        **asdict(counts),
        **decision.stored(),
        "by_building": [{"building_id": bid, "building_name": name, **asdict(c)} for bid, name, c in buildings],
    }
    if await session.scalar(select(BallotStairwell.id).where(BallotStairwell.ballot_id == ballot.id).limit(1)) is not None:
        stairwells = await count_by_stairwell(session, ballot.id, electorate)
        result["by_stairwell"] = [{"building_id": bid, "stairwell": name, **asdict(c)} for bid, name, c in stairwells]
    return result


async def count_by_stairwell(session: AsyncSession, ballot_id: int, electorate: Subquery) -> list[tuple[int, str, Counts]]:
    """The counts of one ballot per stairwell (单元) of each building: an owner group counts
    once in each stairwell where it holds units, with the area it holds there."""
    per_stairwell = (
        select(electorate.c.building_id, Unit.stairwell, electorate.c.owner_key, func.sum(electorate.c.area_dm2).label("area"))
        .join(Unit, Unit.id == electorate.c.unit_id)
        .where(electorate.c.ballot_id == ballot_id)
        .group_by(electorate.c.building_id, Unit.stairwell, electorate.c.owner_key)
        .subquery("stairwell_groups")
    )
    votes = select(Vote.owner_key, Vote.choice).where(Vote.ballot_id == ballot_id).subquery("ballot_votes")
    statement = (
        select(per_stairwell.c.building_id, per_stairwell.c.stairwell, *_count_columns(per_stairwell.c.area, per_stairwell.c.owner_key, votes.c.choice))
        .select_from(per_stairwell.outerjoin(votes, votes.c.owner_key == per_stairwell.c.owner_key))
        .group_by(per_stairwell.c.building_id, per_stairwell.c.stairwell)
        .order_by(per_stairwell.c.building_id, per_stairwell.c.stairwell)
    )
    return [(row[0], row[1], Counts(*(int(v) for v in row[2:]))) for row in (await session.execute(statement)).all()]


def count_from_result(result: dict[str, Any]) -> Counts:
    """The counts stored in a closed ballot's ``result``."""
    return Counts(**{name: int(result[name]) for name in Counts.__dataclass_fields__})
