"""Benchmark of the owners'-vote tally and of concurrent voting (not part of the test run).

    .venv/bin/python bench/tally.py [--backend sqlite|postgres|both] [--units 10000] [--voters 200]

1. Tally cost: the Art. 278 tally of a ballot over ``--units`` eligible units (live, from the
   registry, and frozen, from the electorate fixed at opening) against a plain
   ``SELECT count(*)`` over the same owned units, measured side by side; printed as ratios.
2. Concurrency: ``--voters`` owners each send ``castVote`` twice at once through the real
   ASGI app (so half the requests are double-vote attempts). Reports votes stored, duplicates
   accepted, votes lost, and the p50/p99 latency of the requests.

PostgreSQL runs on a throwaway cluster started from the machine's binaries, connecting as a
role subject to row-level security, like the tests.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, insert, select  # noqa: E402

from jiedao.core import migrate  # noqa: E402
from jiedao.core.config import parse_config  # noqa: E402
from jiedao.core.identity.service import now  # noqa: E402
from jiedao.core.kernel import Kernel  # noqa: E402
from jiedao.core.models import Building, Community, Compound, Ownership, Resident, Unit  # noqa: E402
from jiedao.plugins.deliberation import service, tally  # noqa: E402
from jiedao.plugins.deliberation.models import BallotBuilding, Rule, Vote  # noqa: E402

STREETS = {"changqing": {"name": "长庆街道", "plugins": ["deliberation"]}}
CAST = "mutation($id: ID!) { castVote(input: {ballotId: $id, choice: AGREE}) { votes { channel } errors { code } } }"


async def build_registry(kernel: Kernel, units: int, tag: str) -> tuple[int, list[int]]:
    """A compound of ``units`` units in buildings of 100: mostly one owner per unit, some
    owners of two units, some co-owned units, and the developer's unsold units.
    Returns the compound id and the ids of the single-unit owners."""
    street_id = kernel.street_id("changqing")
    async with kernel.db.transaction(street_id) as session:
        community = Community(name=f"基准社区{tag}")
        session.add(community)
        await session.flush()
        compound = Compound(community_id=community.id, name="基准小区")
        session.add(compound)
        await session.flush()
        buildings = [Building(compound_id=compound.id, name=f"{i + 1}幢") for i in range((units + 99) // 100)]
        session.add_all(buildings)
        await session.flush()
        building_ids = [b.id for b in buildings]
        unit_rows = [{"street_id": street_id, "building_id": building_ids[i // 100], "number": f"{i % 100 + 1:03d}", "area_dm2": 6000 + (i * 37) % 9000} for i in range(units)]
        await session.execute(insert(Unit), unit_rows)
        unit_ids = list(await session.scalars(select(Unit.id).where(Unit.building_id.in_(building_ids)).order_by(Unit.id)))
        people = [{"street_id": street_id, "external_ref": f"bench-{tag}-{i}", "name": f"业主{i}", "is_organisation": i == 0} for i in range(units + units // 10)]
        await session.execute(insert(Resident), people)
        resident_ids = list(await session.scalars(select(Resident.id).where(Resident.external_ref.like(f"bench-{tag}-%")).order_by(Resident.id)))
        developer, others = resident_ids[0], resident_ids[1:]
        links, single = [], []
        for n, unit_id in enumerate(unit_ids):
            if n % 50 == 0:
                links.append((unit_id, developer))  # unsold: 2% of the units
            elif n % 20 == 1 and n + 1 < len(unit_ids):
                links.append((unit_id, others[n - 1]))  # this owner also holds the next unit
            elif n % 20 == 2:
                links.append((unit_id, others[n - 2]))
            elif n % 7 == 0:
                links += [(unit_id, others[n]), (unit_id, others[units + n // 7 % (units // 10 - 1)])]  # co-owned
            else:
                links.append((unit_id, others[n]))
                single.append(others[n])
        await session.execute(insert(Ownership), [{"street_id": street_id, "unit_id": u, "resident_id": r} for u, r in links])
        return compound.id, single


async def make_ballot(kernel: Kernel, compound_id: int, *, days: int = 7) -> int:
    """An open Art. 278 major-matter ballot over the compound."""
    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        ballot = await service.create_ballot(
            session, title="基准表决", matter="", rule=Rule.ART278_MAJOR, compound_id=compound_id, building_ids=[],
            opens_at=now() - timedelta(hours=1), closes_at=now() + timedelta(days=days), notice_days=0,
        )
        await service.open_ballot(session, kernel.street_id("changqing"), ballot.id, notice_days=0)  # fixes the electorate
        return ballot.id


async def vote_in_bulk(kernel: Kernel, ballot_id: int, share: float) -> int:
    """Votes for ``share`` of the owner groups, inserted directly (setup, not measured)."""
    street_id = kernel.street_id("changqing")
    async with kernel.db.transaction(street_id) as session:
        live = tally.owner_keys(street_id, [ballot_id])
        groups = (await session.execute(select(live.c.owner_key, func.min(live.c.unit_id)).group_by(live.c.owner_key).order_by(live.c.owner_key))).all()
        chosen = groups[: int(len(groups) * share)]
        rows = [
            {"street_id": street_id, "ballot_id": ballot_id, "owner_key": k, "unit_id": u, "choice": ("AGREE", "AGREE", "AGREE", "OPPOSE", "ABSTAIN")[i % 5], "channel": "PAPER", "cast_at": now()}
            for i, (k, u) in enumerate(chosen)
        ]
        await session.execute(insert(Vote), rows)
        return len(groups)


async def timed(kernel: Kernel, work, repeat: int) -> tuple[float, object]:
    """Median seconds of ``repeat`` runs of ``work(session)``, each in its own transaction."""
    times, result = [], None
    for _ in range(repeat):
        async with kernel.db.transaction(kernel.street_id("changqing")) as session:
            start = time.perf_counter()
            result = await work(session)
            times.append(time.perf_counter() - start)
    return statistics.median(times), result


async def bench_tally(kernel: Kernel, compound_id: int, units: int, repeat: int, analyze) -> None:
    """Time the live and frozen tallies against a plain count over the same rows."""
    ballot_id = await make_ballot(kernel, compound_id)
    groups = await vote_in_bulk(kernel, ballot_id, 0.8)
    await analyze()
    street_id = kernel.street_id("changqing")

    async def plain_count(session):
        scope = select(BallotBuilding.building_id).where(BallotBuilding.ballot_id == ballot_id)
        return await session.scalar(
            select(func.count()).select_from(Unit).join(Ownership, Ownership.unit_id == Unit.id).where(Unit.building_id.in_(scope))
        )

    async def live_tally(session):
        return (await tally.count(session, [ballot_id], tally.owner_keys(street_id, [ballot_id])))[ballot_id]

    base, rows = await timed(kernel, plain_count, repeat)
    live, counts = await timed(kernel, live_tally, repeat)

    async def frozen_tally(session):
        return (await tally.count(session, [ballot_id], tally.frozen_electorate([ballot_id])))[ballot_id]

    frozen, frozen_counts = await timed(kernel, frozen_tally, repeat)
    assert counts == frozen_counts, (counts, frozen_counts)
    print(f"  registry: {units} units, {rows} ownership rows, {groups} owner groups; {counts.participating_owners} voted")
    print(f"  SELECT count(*) over the same rows: {base * 1000:8.2f} ms")
    print(f"  live tally (owner groups + votes):  {live * 1000:8.2f} ms   ratio {live / base:6.1f}x")
    print(f"  frozen tally (fixed at opening):    {frozen * 1000:8.2f} ms   ratio {frozen / base:6.1f}x")
    decision = tally.decide(Rule.ART278_MAJOR, counts)
    print(f"  decision: quorum {decision.quorum_met}, passed {decision.passed}")


async def bench_voting(kernel: Kernel, compound_id: int, single: list[int], voters: int) -> None:
    """Every voter casts twice at once through the app; count what was stored."""
    from jiedao.core.identity.passwords import hash_password
    from jiedao.core.testing.fixtures import app_client
    from jiedao.schema.ids import encode_global_id

    ballot_id = await make_ballot(kernel, compound_id)
    gid = encode_global_id("Ballot", ballot_id)
    async with app_client(kernel, hash_password("bench-password-1")) as client:
        tokens = [await client.token("resident", username=f"bench-voter-{r}", resident_id=r) for r in single[: voters + 20]]
        alone = []
        for token in tokens[voters:]:  # one voter at a time: the cost of a request without contention
            start = time.perf_counter()
            await client.result(CAST, {"id": gid}, token=token)
            alone.append(time.perf_counter() - start)
        tokens = tokens[:voters]
        latencies: list[float] = []

        async def attempt(voter: int, token: str) -> tuple[int, dict]:
            start = time.perf_counter()
            body = await client.result(CAST, {"id": gid}, token=token)
            latencies.append(time.perf_counter() - start)
            return voter, body

        start = time.perf_counter()
        results = await asyncio.gather(*(attempt(v, t) for v, t in enumerate(tokens) for _ in range(2)))
        wall = time.perf_counter() - start
    bodies = [b for _, b in results]
    failures = [b for b in bodies if b.get("errors")]
    accepted_by: dict[int, int] = {}
    for voter, body in results:
        if not body.get("errors") and not body["data"]["castVote"]["errors"]:
            accepted_by[voter] = accepted_by.get(voter, 0) + 1
    accepted = sum(accepted_by.values())
    duplicates = sum(n - 1 for n in accepted_by.values())
    refused = [e["code"] for b in bodies if not b.get("errors") for e in b["data"]["castVote"]["errors"]]
    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        stored = await session.scalar(select(func.count()).select_from(Vote).where(Vote.ballot_id == ballot_id))
        distinct = await session.scalar(select(func.count(func.distinct(Vote.owner_key))).where(Vote.ballot_id == ballot_id))
        voted = set(await session.scalars(select(Vote.resident_id).where(Vote.ballot_id == ballot_id)))
    lost = sum(1 for r in single[:voters] if r not in voted)
    latencies.sort()
    p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000  # noqa: E731
    print(f"  {voters} voters x 2 simultaneous castVote = {len(bodies)} requests in {wall:.2f} s")
    print(f"  vote rows {stored} for {distinct} owner groups; duplicate casts accepted {duplicates}; votes lost {lost}; "
          f"accepted {accepted}, refused {len(refused)} ({', '.join(sorted(set(refused))) or '-'}), failed requests {len(failures)}")
    print(f"  latency p50 {p(0.5):.1f} ms, p99 {p(0.99):.1f} ms (all requests in flight at once, one event loop); "
          f"a lone castVote takes {statistics.median(alone) * 1000:.1f} ms")


async def run_backend(name: str, url: str, owner_url: str, args, analyze=None) -> None:
    """Set up both registries, refresh the planner's statistics, then measure."""
    print(f"[{name}]")
    config = parse_config({"streets": STREETS}, database_url=url)
    kernel = await Kernel.load(config)
    await asyncio.to_thread(migrate.upgrade, kernel, "heads", owner_url)
    await kernel.sync_streets()

    async def sqlite_analyze():
        async with kernel.db.engine.begin() as connection:
            await connection.exec_driver_sql("ANALYZE")

    analyze = analyze or sqlite_analyze
    try:
        tally_compound, _ = await build_registry(kernel, args.units, "tally")
        voting_compound, single = await build_registry(kernel, max(args.voters * 2, 400), "voting")
        await bench_tally(kernel, tally_compound, args.units, args.repeat, analyze)
        await bench_voting(kernel, voting_compound, single, args.voters)
    finally:
        await kernel.close()


async def main() -> None:
    """Run the benchmarks on the chosen backends."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--units", type=int, default=10_000)
    parser.add_argument("--voters", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        if args.backend in ("sqlite", "both"):
            url = f"sqlite+aiosqlite:///{folder}/bench.db"
            await run_backend("sqlite", url, url, args)
        if args.backend in ("postgres", "both"):
            from jiedao.core.testing.services import PostgresCluster, postgres_available

            reason = postgres_available()
            if reason:
                print(f"[postgres] skipped: {reason}")
                return
            with PostgresCluster() as cluster:
                cluster.create_role("bench_owner")
                cluster.create_role("bench_app")
                cluster.create_database("bench", owner="bench_owner")
                os.environ["JIEDAO_DB_APP_ROLE"] = "bench_app"
                async def analyze():
                    await asyncio.to_thread(cluster.execute, "ANALYZE", "bench")

                await run_backend("postgres", cluster.url("bench", user="bench_app"), cluster.url("bench", user="bench_owner"), args, analyze)


if __name__ == "__main__":
    asyncio.run(main())
