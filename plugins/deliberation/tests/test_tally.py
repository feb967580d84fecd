"""Civil Code Art. 278 thresholds, each on both sides of its boundary, through the SQL tally.

Areas are in dm² (100 dm² = 1 m²). Every test runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import pytest

from jiedao.core.errors import DomainError
from jiedao.plugins.deliberation.models import Rule
from jiedao.plugins.deliberation.tests.conftest import close, open_ballot, record, vote

MAJOR, ORDINARY, SIMPLE = Rule.ART278_MAJOR, Rule.ART278_ORDINARY, Rule.SIMPLE_MAJORITY


def units(*spec):
    """``units(("A", 100), ("B", 100))``: one unit per pair, owned by that one owner."""
    return [(area, (name,)) for name, area in spec]


async def tally(world_of, owners, rule, votes):
    """Open a ballot under ``rule`` in a world of ``owners``, cast ``votes``, close it: its result."""
    world = await world_of(owners)
    ballot = await open_ballot(world, rule)
    await vote(world, ballot, votes)
    return await close(world, ballot)


async def test_exactly_two_thirds_of_area_and_owners_is_a_quorum(world_of):
    result = await tally(world_of, units(("A", 100), ("B", 100), ("C", 100)), ORDINARY, {"A": "AGREE", "B": "AGREE"})
    assert (result["participating_area"], result["eligible_area"]) == (200, 300)
    assert (result["participating_owners"], result["eligible_owners"]) == (2, 3)
    assert result["quorum_met"] and result["passed"]


async def test_one_dm2_short_of_two_thirds_of_the_area_is_no_quorum(world_of):
    # 200 of 301 dm², 2 of 3 owners
    result = await tally(world_of, units(("A", 100), ("B", 100), ("C", 101)), ORDINARY, {"A": "AGREE", "B": "AGREE"})
    assert not result["quorum_met"] and not result["passed"]
    assert any("participation by area" in r and "not met" in r for r in result["reasons"])
    assert any("participation by owners" in r and ": met" in r for r in result["reasons"])


async def test_area_quorum_without_headcount_quorum_fails(world_of):
    # 500/700 area, 2/4 owners
    result = await tally(
        world_of, units(("A", 400), ("B", 100), ("C", 100), ("D", 100)),
        ORDINARY, {"A": "AGREE", "B": "AGREE"},
    )
    assert not result["quorum_met"] and not result["passed"]
    assert any("participation by owners" in r and "not met" in r for r in result["reasons"])


async def test_headcount_quorum_without_area_quorum_fails(world_of):
    # 300/700 area, 3/4 owners
    result = await tally(
        world_of, units(("A", 400), ("B", 100), ("C", 100), ("D", 100)),
        ORDINARY, {"B": "AGREE", "C": "AGREE", "D": "AGREE"},
    )
    assert not result["quorum_met"] and not result["passed"]


async def test_major_matter_passes_with_exactly_three_quarters(world_of):
    result = await tally(
        world_of, units(("A", 100), ("B", 100), ("C", 100), ("D", 100)),
        MAJOR, {"A": "AGREE", "B": "AGREE", "C": "AGREE", "D": "OPPOSE"},
    )
    assert (result["agree_area"], result["agree_owners"]) == (300, 3)
    assert result["quorum_met"] and result["passed"]


async def test_major_matter_fails_one_dm2_short_of_three_quarters_of_the_area(world_of):
    # 300 of 401
    result = await tally(
        world_of, units(("A", 100), ("B", 100), ("C", 100), ("D", 101)),
        MAJOR, {"A": "AGREE", "B": "AGREE", "C": "AGREE", "D": "OPPOSE"},
    )
    assert result["quorum_met"] and not result["passed"]
    assert any("approval by area" in r and "not met" in r for r in result["reasons"])
    assert any("approval by owners" in r and ": met" in r for r in result["reasons"])


@pytest.mark.parametrize(
    ("owners", "votes", "unmet"),
    [
        # 1000/1200 area, 1/3 owners
        (units(("A", 1000), ("B", 100), ("C", 100)), {"A": "AGREE", "B": "OPPOSE", "C": "OPPOSE"}, "approval by owners"),
        # 3/4 owners, 300/1300 area
        (
            units(("A", 1000), ("B", 100), ("C", 100), ("D", 100)),
            {"A": "OPPOSE", "B": "AGREE", "C": "AGREE", "D": "AGREE"},
            "approval by area",
        ),
    ],
    ids=["area-but-not-headcount", "headcount-but-not-area"],
)
async def test_major_matter_with_only_one_of_area_and_headcount_fails(world_of, owners, votes, unmet):
    result = await tally(world_of, owners, MAJOR, votes)
    assert result["quorum_met"] and not result["passed"]
    assert any(unmet in r and "not met" in r for r in result["reasons"])


async def test_ordinary_matter_needs_more_than_half_and_abstentions_do_not_approve(world_of):
    result = await tally(
        world_of, units(("A", 100), ("B", 100), ("C", 100), ("D", 100)),
        ORDINARY, {"A": "AGREE", "B": "AGREE", "C": "ABSTAIN", "D": "OPPOSE"},
    )
    assert (result["participating_owners"], result["abstain_owners"]) == (4, 1)
    assert result["quorum_met"] and not result["passed"], "exactly half is not more than half"


async def test_ordinary_matter_passes_with_more_than_half(world_of):
    result = await tally(
        world_of, units(("A", 100), ("B", 100), ("C", 100)),
        ORDINARY, {"A": "AGREE", "B": "AGREE", "C": "ABSTAIN"},
    )
    assert result["quorum_met"] and result["passed"]


async def test_an_owner_of_several_units_counts_once_with_the_areas_summed(world_of):
    world = await world_of([(100, ("A",)), (150, ("A",)), (100, ("B",)), (100, ("C",))], buildings=2)
    ballot = await open_ballot(world, ORDINARY)
    await vote(world, ballot, {"A": "AGREE", "B": "OPPOSE"})
    result = await close(world, ballot)
    assert (result["eligible_owners"], result["eligible_area"]) == (3, 450)
    assert (result["participating_owners"], result["participating_area"]) == (2, 350)
    assert (result["agree_owners"], result["agree_area"]) == (1, 250)
    assert result["quorum_met"] and not result["passed"], "A's large area does not make A two owners"
    per_building = {row["building_id"]: row for row in result["by_building"]}
    assert (per_building[world.buildings[0]]["agree_area"], per_building[world.buildings[0]]["eligible_owners"]) == (100, 2)
    assert (per_building[world.buildings[1]]["agree_area"], per_building[world.buildings[1]]["eligible_owners"]) == (150, 2)


async def test_co_owners_share_one_vote(world_of):
    world = await world_of([(100, ("P", "Q")), (100, ("B",)), (100, ("C",))])
    ballot = await open_ballot(world, ORDINARY)
    await vote(world, ballot, {"P": "AGREE"})
    with pytest.raises(DomainError) as refused:
        await vote(world, ballot, {"Q": "OPPOSE"})
    assert refused.value.code == "ALREADY_VOTED"
    await vote(world, ballot, {"B": "AGREE"})
    result = await close(world, ballot)
    assert (result["eligible_owners"], result["participating_owners"], result["agree_owners"]) == (3, 2, 2)


async def test_the_same_set_of_co_owners_counts_once_but_a_different_set_is_another_owner(world_of):
    world = await world_of([(100, ("P", "Q")), (120, ("Q", "P")), (100, ("P",)), (100, ("C",))])
    ballot = await open_ballot(world, ORDINARY)
    await vote(world, ballot, {"P": "AGREE"})  # P votes for {P,Q} (two units) and for {P} alone
    result = await close(world, ballot)
    assert (result["eligible_owners"], result["eligible_area"]) == (3, 420)
    assert (result["participating_owners"], result["participating_area"]) == (2, 320)


async def test_the_developers_unsold_units_count_as_one_owner(world_of):
    world = await world_of([(100, ("dev",))] * 5 + units(("A", 100), ("B", 100)))
    ballot = await open_ballot(world, MAJOR)
    await vote(world, ballot, {"A": "AGREE", "B": "AGREE"})
    result = await close(world, ballot)
    assert (result["eligible_owners"], result["eligible_area"]) == (3, 700)
    assert (result["participating_owners"], result["participating_area"]) == (2, 200)
    assert not result["quorum_met"], "2/3 of the owners but only 2/7 of the area took part"


async def test_a_paper_vote_for_one_unit_covers_all_units_of_that_owner(world_of):
    world = await world_of([(100, ("A",)), (100, ("A",)), (100, ("B",))])
    ballot = await open_ballot(world, ORDINARY)
    await record(world, ballot, world.units[1], "AGREE")
    with pytest.raises(DomainError) as refused:
        await vote(world, ballot, {"A": "OPPOSE"})
    assert refused.value.code == "ALREADY_VOTED"
    result = await close(world, ballot)
    assert (result["participating_owners"], result["participating_area"], result["agree_area"]) == (1, 200, 200)


async def test_simple_majority_counts_votes_cast_only(world_of):
    result = await tally(
        world_of, units(*((n, 100) for n in "ABCDEFGHIJ")),
        SIMPLE, {"A": "AGREE", "B": "AGREE", "C": "OPPOSE"},
    )
    assert result["passed"] and result["participating_owners"] == 3


async def test_simple_majority_tie_does_not_pass(world_of):
    result = await tally(world_of, units(("A", 100), ("B", 100), ("C", 100)), SIMPLE, {"A": "AGREE", "B": "ABSTAIN"})
    assert not result["passed"]


async def test_units_without_owners_and_outside_the_scope_do_not_count(world_of):
    # round-robin: units 1 and 3 in building 1, units 2 and 4 in building 2
    world = await world_of([(100, ("A",)), (100, ("B",)), (500, ()), (100, ("C",))], buildings=2)
    ballot = await open_ballot(world, ORDINARY, buildings=[world.buildings[0]])
    with pytest.raises(DomainError) as refused:
        await vote(world, ballot, {"B": "AGREE"})
    assert refused.value.code == "NOT_AN_OWNER"
    await vote(world, ballot, {"A": "AGREE"})
    result = await close(world, ballot)
    assert (result["eligible_owners"], result["eligible_area"]) == (1, 100)
    assert result["passed"]
