"""One ballot with its turnout answered by one compiled statement
(plugins/deliberation/graphql/sql.py, through schema.compiled_reads) answers exactly as the
general path, per role and per state of the ballot: a draft (today's owners: the general
path), open with and without votes (an owner of two units and co-owners counting once),
closed (its stored counts), cancelled, another street's and an unknown one; on PostgreSQL
an announced or closed ballot is one statement."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from jiedao.core.identity.roles import GRID_WORKER, INSPECTOR, MEDIATOR, RESIDENT, STREET_ADMIN
from jiedao.core.testing.plain_path import served_and_general
from jiedao.plugins.deliberation.models import Rule
from jiedao.plugins.deliberation.tests.conftest import end_voting, open_ballot
from jiedao.plugins.deliberation.tests.test_assembly_procedure import CANCEL
from jiedao.plugins.deliberation.tests.test_ballots_api import CLOSE, cast, create_ballot, pk

BENCH = "query($id: ID!) { ballot(id: $id) { id title status turnout { eligibleOwners participatingOwners eligibleArea participatingArea } } }"
EVERYTHING = """query($id: ID!) { ballot(id: $id) { __typename id title matter rule status electorate opensAt closesAt announcedAt
  cancelledAt cancellationReason compound { id name } turnout { __typename eligibleOwners participatingOwners eligibleArea participatingArea }
  again: turnout { owners: participatingOwners } } }"""
WITH_RESULT = "query($id: ID!) { ballot(id: $id) { id turnout { participatingOwners } result { passed reasons } } }"
"""``result`` (its reasons worded per language) is not declared: the general path answers."""


async def _ballots(client, world) -> dict[str, str]:
    """A ballot in every state over one compound: A owns two units, B and C own one together."""
    worker = await client.token("community_worker")
    made = {
        "draft": await create_ballot(client, world, open_it=False),
        "open": await create_ballot(client, world),
        "unvoted": await create_ballot(client, world),
        "closed": await create_ballot(client, world),
        "cancelled": await create_ballot(client, world),
    }
    for name, choice in (("A", "AGREE"), ("B", "OPPOSE")):
        assert (await cast(client, world, made["open"], name, choice))["errors"] == [], name
    assert (await cast(client, world, made["closed"], "A"))["errors"] == []
    await end_voting(client.kernel, world.street, pk(made["closed"]))
    assert (await client.query(CLOSE, {"id": made["closed"]}, token=worker))["closeBallot"]["errors"] == []
    cancelled = await client.query(CANCEL, {"id": made["cancelled"], "reason": "业委会撤回\"议题\""}, token=worker)
    assert cancelled["cancelBallot"]["errors"] == []
    return made


@pytest.mark.parametrize("role", [STREET_ADMIN, "community_worker", GRID_WORKER, MEDIATOR, INSPECTOR, RESIDENT, "organisation_member", None])
async def test_every_answer_equals_the_general_paths(client, world_of, monkeypatch, role):
    """``None``: an anonymous caller; ``organisation_member`` the lowest role (both refused a
    ballot, by the general path's message either way)."""
    world = await world_of([(9000, ("A",)), (8000, ("B", "C")), (7000, ("A",)), (6000, ("D",))])
    made = await _ballots(client, world)
    elsewhere = world.gid("Ballot", await open_ballot(await world_of([(5000, ("E",))], street="gongchen"), Rule.ART278_MAJOR))
    token = await client.token(role) if role else None
    for ballot in [*made.values(), elsewhere, world.gid("Ballot", 999_999), world.gid("Building", 1), "not an id"]:
        for query in (BENCH, EVERYTHING, WITH_RESULT):
            served, general = await served_and_general(client, monkeypatch, query, {"id": ballot}, token)
            assert served == general, (role, ballot, query[:40])
            if role in ("organisation_member", None):
                assert served["data"] == {"ballot": None} and served["errors"][0]["extensions"]["code"] in ("FORBIDDEN", "UNAUTHENTICATED")


async def test_a_ballot_being_voted_on_is_one_statement_on_postgresql(client, kernel, world_of):
    world = await world_of([(9000, ("A",)), (8000, ("B", "C")), (7000, ("A",)), (6000, ("D",))])
    made = await _ballots(client, world)
    worker = await client.token("community_worker")
    shown = (await client.query(BENCH, {"id": made["open"]}, token=worker))["ballot"]
    assert shown["turnout"] == {"eligibleOwners": 3, "participatingOwners": 2, "eligibleArea": 300.0, "participatingArea": 240.0}, (
        "A once for two units (160 m²), B and C once for theirs (80 m²), D did not vote"
    )
    closed = (await client.query(BENCH, {"id": made["closed"]}, token=worker))["ballot"]["turnout"]
    assert closed == {"eligibleOwners": 3, "participatingOwners": 1, "eligibleArea": 300.0, "participatingArea": 160.0}
    for name in ("open", "unvoted", "closed", "cancelled"):
        statements = await client.statements(EVERYTHING, {"id": made[name]}, token=worker)
        assert statements == 1 if kernel.db.is_postgres else statements > 1, name
    assert await client.statements(EVERYTHING, {"id": made["draft"]}, token=worker) > 1, "a draft counts today's owners in Python"


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)  # the values are PostgreSQL's
@pytest.mark.parametrize(
    "stored",
    [
        "'{}'::json",
        "'null'::json",
        "null",
        "'[1]'::json",
        "'\"counted\"'::json",
        "(result::jsonb - 'eligible_owners')::json",
        "jsonb_set(result::jsonb, '{eligible_area}', '\"30000\"')::json",
        "jsonb_set(result::jsonb, '{participating_owners}', '1.75')::json",
        "jsonb_set(result::jsonb, '{eligible_owners}', 'true')::json",
    ],
)
async def test_a_stored_result_the_sql_does_not_read_is_the_general_paths(client, kernel, world_of, monkeypatch, stored):
    """A closed ballot's result written by hand or by another program: the statement reads
    the counts where Python reads them the same, and otherwise steps aside; the answer (a
    value, or the general path's error) is the general path's."""
    world = await world_of([(9000, ("A",)), (8000, ("B", "C")), (7000, ("A",)), (6000, ("D",))])
    made = await _ballots(client, world)
    async with kernel.db.transaction(world.street_id) as session:
        await session.execute(text(f"update deliberation_ballots set result = {stored} where id = :id"), {"id": pk(made["closed"])})
    token = await client.token(STREET_ADMIN)
    served, general = await served_and_general(client, monkeypatch, BENCH, {"id": made["closed"]}, token)
    codes = [[e.get("extensions", {}).get("code") or e["message"] for e in answer.get("errors", [])] for answer in (served, general)]
    assert served.get("data") == general.get("data") and codes[0] == codes[1], (served, general)
