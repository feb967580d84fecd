"""Benchmark of recomputing a street's credit scores after a scorecard change (not a test).

    .venv/bin/python bench/credit_recompute.py [--sizes 97,10000] [--repeat 3] [--database-url URL]

For each size, a street of that many restaurants with a year of evidence each (about five
items: inspections with their checklists, complaints, a few penalties and certifications) is
built; a new scorecard version is stored; then, side by side in one run:

- loading what a recomputation reads (the enterprises and all their evidence) and nothing else;
- the whole recomputation (``service.recompute_all``: load, evaluate, store every score with
  its input snapshot, make it current), committed;
- evaluating alone (the pure scoring function over the loaded inputs, no database).

Prints the per-enterprise cost of each and the ratio of the recomputation to loading.
Default database: a temporary SQLite file.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select  # noqa: E402

from jiedao.core import migrate  # noqa: E402
from jiedao.core.config import parse_config  # noqa: E402
from jiedao.core.kernel import Kernel  # noqa: E402
from jiedao.plugins.credit import service  # noqa: E402
from jiedao.plugins.credit.models import Enterprise, Evidence  # noqa: E402
from jiedao.plugins.credit.service.scorecard import DEFAULT  # noqa: E402
from jiedao.plugins.credit.service.scoring import evaluate  # noqa: E402
from jiedao.plugins.credit.seed import checklist  # noqa: E402


async def populate(kernel: Kernel, street: str, size: int) -> int:
    """``size`` restaurants with a year of evidence; returns the number of evidence items."""
    rng = random.Random(size)
    today = service.today()
    items = 0
    async with kernel.db.transaction(kernel.street_id(street)) as session:
        card = await service.active_scorecard(session)
        for start in range(0, size, 1000):
            enterprises = [
                Enterprise(name=f"餐厅{n}", licence_no=f"B{size}-{n}", licence_issued_on=today - timedelta(days=rng.randint(100, 3000)), created_at=service.now())
                for n in range(start, min(start + 1000, size))
            ]
            session.add_all(enterprises)
            await session.flush()
            evidence = []
            for enterprise in enterprises:
                care = rng.betavariate(7, 1.5)
                for _ in range(rng.choice((1, 2, 3, 4))):
                    details = service.inspection_details(card.definition, checklist(rng, care), None, "bench")
                    evidence.append(("INSPECTION", details))
                for _ in range(rng.choice((0, 0, 1, 2))):
                    evidence.append(("COMPLAINT", {"substantiated": rng.random() > care}))
                if rng.random() < 0.1:
                    evidence.append(("PENALTY", {"severity": "GENERAL", "decision_no": "bench", "amount_yuan": 5000}))
                if rng.random() < 0.2:
                    evidence.append(("CERTIFICATION", {"name": "阳光厨房", "valid_until": None}))
                session.add_all([
                    Evidence(enterprise_id=enterprise.id, kind=kind, occurred_on=today - timedelta(days=rng.randint(1, 365)), details=details,
                             recorded_by="bench", recorded_at=service.now())
                    for kind, details in evidence
                ])
                items += len(evidence)
                evidence.clear()
            await session.flush()
    return items


async def load_only(kernel: Kernel, street: str) -> float:
    """Seconds to read the enterprises and their evidence, as a recomputation does."""
    started = time.perf_counter()
    async with kernel.db.transaction(kernel.street_id(street)) as session:
        list(await session.scalars(select(Enterprise).where(Enterprise.status != "CLOSED")))
        await service.evidence_of(session, None)
    return time.perf_counter() - started


async def recompute(kernel: Kernel, street: str) -> float:
    """Seconds of a whole, committed recomputation of the street."""
    started = time.perf_counter()
    async with kernel.db.transaction(kernel.street_id(street)) as session:
        await service.recompute_all(session, trigger="bench")
    return time.perf_counter() - started


async def evaluate_only(kernel: Kernel, street: str) -> float:
    """Seconds of the pure scoring over inputs already in memory."""
    async with kernel.db.transaction(kernel.street_id(street)) as session:
        card = await service.active_scorecard(session)
        enterprises = list(await session.scalars(select(Enterprise)))
        evidence = await service.evidence_of(session, None)
        inputs = [service.snapshot(e, evidence[e.id]) for e in enterprises]
    today = service.today()
    started = time.perf_counter()
    for snapshot in inputs:
        evaluate(card.definition, snapshot, today)
    return time.perf_counter() - started


async def run(url: str, sizes: list[int], repeat: int) -> None:
    streets = {f"bench{size}": {"name": f"bench {size}", "plugins": ["credit"]} for size in sizes}
    kernel = await Kernel.load(parse_config({"streets": streets}, database_url=url))
    await asyncio.to_thread(migrate.upgrade, kernel)
    await kernel.sync_streets()
    print(f"database: {kernel.db.engine.dialect.name}")
    print(f"{'enterprises':>11} {'evidence':>9} {'load ms/ent':>12} {'recompute ms/ent':>17} {'evaluate ms/ent':>16} {'recompute/load':>15}")
    for size in sizes:
        street = f"bench{size}"
        items = await populate(kernel, street, size)
        async with kernel.db.transaction(kernel.street_id(street)) as session:
            changed = copy.deepcopy(DEFAULT)
            changed["half_life_days"] = 180
            await service.create_scorecard_version(session, changed, "bench: faster decay", service.SYSTEM)
        await recompute(kernel, street)  # warm-up: caches, statement compilation
        loads, recomputes, evaluations = [], [], []
        for _ in range(repeat):
            loads.append(await load_only(kernel, street))
            recomputes.append(await recompute(kernel, street))
            evaluations.append(await evaluate_only(kernel, street))
        load, full, pure = (statistics.median(x) * 1000 / size for x in (loads, recomputes, evaluations))
        print(f"{size:>11} {items:>9} {load:>12.3f} {full:>17.3f} {pure:>16.3f} {full / load:>14.1f}x")
    await kernel.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="97,10000", help="Comma-separated street sizes (enterprises).")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--database-url", help="Default: a temporary SQLite file.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite+aiosqlite:///{folder}/bench.db"
        asyncio.run(run(url, [int(s) for s in args.sizes.split(",")], args.repeat))


if __name__ == "__main__":
    main()
