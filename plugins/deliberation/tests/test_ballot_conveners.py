"""An owners' committee (业委会) convenes the owners' ballots of its own compound, in its term."""

from __future__ import annotations

from datetime import date, timedelta

from jiedao.core.organisations.models import Membership, Organisation, OrganisationKind
from jiedao.core.testing.organisations import user_id
from jiedao.plugins.deliberation.tests.test_ballots_api import CLOSE, CREATE, OPEN, create_ballot, iso


async def committee(kernel, compound_id: int, username: str, *, term_end: date | None = None, role: str = "org_member") -> int:
    """The owners' committee of ``compound_id`` with ``username`` acting for it."""
    member = await user_id(kernel, username)
    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        organisation = Organisation(
            code=f"YWH-{compound_id}-{username}", kind=OrganisationKind.OWNERS_COMMITTEE, name="业主委员会",
            compound_id=compound_id, term_start=date(2023, 1, 16), term_end=term_end,
        )
        session.add(organisation)
        await session.flush()
        session.add(Membership(organisation_id=organisation.id, user_id=member, office="主任", role=role))
        return organisation.id


def ballot_input(world, compound_id: int) -> dict:
    return {"input": {
        "title": "更换电梯维保单位", "matter": "动用维修资金 (Art. 278 matter 6)", "rule": "ART278_MAJOR",
        "scope": {"compoundId": world.gid("Compound", compound_id)},
        "opensAt": iso(timedelta(days=16)), "closesAt": iso(timedelta(days=23)),
    }}


async def test_an_owners_committee_convenes_ballots_of_its_own_compound_only(kernel, client, world_of):
    world = await world_of([(9000, ("A",)), (9000, ("B",))])
    other = await world_of([(9000, ("C",))])
    ywh = await client.token("organisation_member", username="ywh-own")
    await committee(kernel, world.compound, "ywh-own")

    created = (await client.query(CREATE, ballot_input(world, world.compound), token=ywh))["createBallot"]
    assert created["errors"] == [] and created["ballot"]["status"] == "DRAFT"
    opened = (await client.query(OPEN, {"id": created["ballot"]["id"]}, token=ywh))["openBallot"]
    assert opened["errors"] == [] and opened["ballot"]["status"] == "OPEN"

    elsewhere = (await client.query(CREATE, ballot_input(world, other.compound), token=ywh))["createBallot"]
    assert [(e["code"], e["field"]) for e in elsewhere["errors"]] == [("FORBIDDEN", "scope")]
    staff_ballot = await create_ballot(client, other, open_it=False)
    assert (await client.query(OPEN, {"id": staff_ballot}, token=ywh))["openBallot"]["errors"][0]["code"] == "FORBIDDEN"
    street_ballot = await create_ballot(client, world, open_it=False)  # convened by the street office, in its own compound
    refused = (await client.query(OPEN, {"id": street_ballot}, token=ywh))["openBallot"]["errors"]
    assert [e["code"] for e in refused] == ["FORBIDDEN"], "the committee may not announce the street's ballot"
    assert (await client.query(CLOSE, {"id": street_ballot}, token=ywh))["closeBallot"]["errors"][0]["code"] == "FORBIDDEN"


async def test_who_may_not_convene_a_ballot(kernel, client, world_of):
    world = await world_of([(9000, ("A",))])
    owner = await client.token("resident", username="owner-a", resident_id=world.owners["A"])
    grid = await client.token("grid_worker")
    retired = await client.token("organisation_member", username="ywh-retired")
    await committee(kernel, world.compound, "ywh-retired", term_end=date(2024, 1, 15))
    wuye = await client.token("organisation_member", username="wuye-x")
    await committee(kernel, world.compound, "wuye-x", role="not-a-role")

    anonymous = await client.result(CREATE, ballot_input(world, world.compound))
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    for token in (owner, grid, retired, wuye):
        refused = (await client.query(CREATE, ballot_input(world, world.compound), token=token))["createBallot"]
        assert [e["code"] for e in refused["errors"]] == ["FORBIDDEN"]
    ballot = await create_ballot(client, world, open_it=True)
    for token in (owner, grid, retired):
        assert (await client.query(CLOSE, {"id": ballot}, token=token))["closeBallot"]["errors"][0]["code"] == "FORBIDDEN"
