"""CPU instructions per request of issue 19's queries, counted by Valgrind (not part of the test run).

    .venv/bin/python bench/instructions.py [--compare REV] [--only readme,alarms] [--requests 40] [--jobs 2] [--calls | --cpu] [--smoke]

``bench/api.py`` measures time, and on a shared 2-core machine CPU time per request moves by
±20–30 % between runs of the same code. Instructions do not: this script runs Jiedao in
process under ``valgrind --tool=cachegrind`` (no cache simulation), asks each query through
an in-process ASGI client, and prints instructions per request. On a quiet machine the same
code gives the same count to within about 1 %; on a loaded one (a test run alongside) two
runs of the same code differed by 4 % (the event loop wakes more often when the database
answers later, and a collection of the garbage comes at other moments), so run it quiet, and
read a change of under 5 % from one run as a direction, not a figure. ``--calls`` counts the
Python function calls per request instead (``cProfile`` around the counted requests, no
Valgrind, a minute or two): not time (a call of ``str.join`` counts as much as a resolver's),
but the same code makes the same calls whatever else the machine does. ``--cpu`` measures
the CPU time (``time.process_time``) of the counted requests instead, one run at a time, the
trees alternating, ``--repeat`` runs each (default 5), and prints the median and the spread:
for the question instructions cannot answer (does a change cost time through caches or
memory?) where the machine has no cycle counter (``perf stat -e cycles`` is not supported in
this project's virtual machines). Run it on a quiet machine.

How: one throwaway PostgreSQL cluster with ``bench/api.py``'s data (the demo's 长庆街道).
For each tree (this one, and ``--compare REV`` laid out as ``bench/api.py --compare`` does)
one run warms every query up and stops (the baseline); one run per query does the same and
then asks that query ``--requests`` times. The difference over ``--requests`` is the query's
instructions per request. Both sides of the count include the in-process client's work
(httpx and the ASGI transport: the same in every tree), so ratios understate a server-side
change; PostgreSQL's own work is not counted (another process).

A run of Jiedao under Valgrind takes 2–4 minutes (loading the kernel is most of it), so
``--only`` and ``--jobs`` (runs at once; one per core) matter: two trees of four queries
are ten runs, about 15 minutes with two jobs. ``--smoke`` runs the same in-process runs on a
tiny registry without Valgrind and counts nothing (``tests/test_bench_instructions.py``, so
the script does not rot).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import re
import shutil
import subprocess
import sys
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_QUERIES = "readme,hundred,building,alarms"
WARM_UP = 10


def run_in_process(facts_file: str, names: list[str], only: str | None, requests: int, calls: bool = False, cpu: bool = False) -> None:
    """Serve the app in this process and ask ``names`` through an ASGI client: each
    ``WARM_UP`` times, then ``only`` ``requests`` times (the part the count is about). With
    ``calls``, the function calls of those requests are counted and printed (``calls: N``);
    with ``cpu``, their CPU time in nanoseconds (``cpu: N``)."""
    import httpx

    sys.path.insert(0, str(HERE))
    import api  # noqa: E402 - bench/api.py: the data's streets and the queries

    facts = json.loads(Path(facts_file).read_text(encoding="utf-8"))
    by_name = {q.name: q for q in api.queries(facts)}
    profiler = cProfile.Profile() if calls else None
    cpu_spent = [0]

    async def main() -> None:
        from jiedao.core.app import build_app
        from jiedao.core.config import parse_config
        from jiedao.core.kernel import Kernel

        kernel = await Kernel.load(parse_config({"streets": api.streets_config()}, database_url=facts["url"]))
        await kernel.sync_streets()
        app = build_app(kernel, background=False)
        headers = {"authorization": f"Bearer {facts['token']}"}
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client:
            for name in names:
                query = by_name[name]
                for n in range(WARM_UP + (requests if name == only else 0)):
                    if profiler is not None and name == only and n == WARM_UP:
                        profiler.enable()
                    if cpu and name == only and n == WARM_UP:
                        cpu_spent[0] -= time.process_time_ns()
                    response = await client.post(f"/graphql/{api.STREET}", json={"query": query.jiedao, "variables": query.variables}, headers=headers)
                    body = response.json()
                    if response.status_code != 200 or body.get("errors"):
                        raise SystemExit(f"{name}: {response.status_code} {str(body)[:300]}")
                if profiler is not None and name == only:
                    profiler.disable()
                if cpu and name == only:
                    cpu_spent[0] += time.process_time_ns()
        await kernel.db.dispose()

    asyncio.run(main())
    if profiler is not None:
        import pstats

        print(f"calls: {pstats.Stats(profiler).total_calls if only else 0}")
    if cpu:
        print(f"cpu: {cpu_spent[0]}")


def count(tree: Path | None, facts_file: Path, names: list[str], only: str | None, requests: int, how: str = "instructions") -> int:
    """What one in-process run counts (``tree``: Jiedao's import tree, or this checkout):
    ``how`` is ``instructions`` (the whole run, under Valgrind), ``calls`` (Python function
    calls of the counted requests), ``cpu`` (their CPU time, ns) or ``smoke`` (the run only has to succeed: 0). A failed
    run stops the benchmark with its output."""
    # Under Valgrind a request takes up to a second: the token cache's 5 s would expire every
    # few requests and count authentications that a real server rarely does.
    # A fixed hash seed: the same iteration orders of sets and dicts in every run.
    env = {**os.environ, "JIEDAO_MAX_OBJECTS": "100000", "JIEDAO_TOKEN_CACHE_SECONDS": "60", "PYTHONHASHSEED": "0"}
    if tree is not None:
        env |= {"PYTHONPATH": str(tree), "JIEDAO_BENCH_TREE": str(tree)}
    counting = ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null"] if how == "instructions" else []
    argv = [*counting, sys.executable, str(Path(__file__).resolve()), "--in-process", str(facts_file), "--names", ",".join(names),
            "--requests", str(requests), *(["--measure", only] if only else []), *([f"--{how}"] if how in ("calls", "cpu") else [])]
    done = subprocess.run(argv, env=env, capture_output=True, text=True)
    if how == "instructions":
        found = re.search(r"I\s+refs:\s+([\d,]+)", done.stderr)
    else:
        found = re.search(rf"^{'cpu' if how == 'cpu' else 'calls'}: (\d+)$", done.stdout, re.MULTILINE)
    if done.returncode != 0 or (how != "smoke" and found is None):
        raise SystemExit(f"run of {only or 'the baseline'} failed ({done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    return int(found[1].replace(",", "")) if how != "smoke" else 0


def print_cpu(trees: dict[str, Path | None], facts: dict, facts_file: Path, names: list[str], requests: int, repeat: int) -> None:
    """``--cpu``: for each query, ``repeat`` rounds of one run per tree (in turn, one at a
    time), and per tree the median CPU time per request with the lowest and highest run."""
    print(f"data: {facts['buildings']} buildings, {facts['units']} units; {requests} requests per run, "
          f"{repeat} runs per tree, in process (client included), CPU ms per request")
    print(f"{'query':10s} " + " ".join(f"{label:>26s}" for label in trees) + ("   ratio" if len(trees) > 1 else ""))
    for name in names:
        spent: dict[str, list[float]] = {label: [] for label in trees}
        for _ in range(repeat):
            for label, tree in trees.items():
                spent[label].append(count(tree, facts_file, names, name, requests, "cpu") / requests / 1e6)
        medians = [statistics.median(spent[label]) for label in trees]
        shown = [f"{m:>8.2f} ({min(spent[label]):.2f}–{max(spent[label]):.2f})" for m, label in zip(medians, trees)]
        ratio = f"   {medians[0] / medians[1]:.3f}" if len(trees) > 1 else ""
        print(f"{name:10s} " + " ".join(f"{s:>26s}" for s in shown) + ratio, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--compare", default="", metavar="REV", help="also count Jiedao at this git revision")
    parser.add_argument("--only", default=DEFAULT_QUERIES, help=f"comma-separated query names of bench/api.py (default {DEFAULT_QUERIES})")
    parser.add_argument("--requests", type=int, default=40, help="requests counted per query (default 40)")
    parser.add_argument("--jobs", type=int, default=2, help="Valgrind runs at once (default 2)")
    parser.add_argument("--calls", action="store_true", help="count Python function calls per request (cProfile), not instructions: no Valgrind")
    parser.add_argument("--cpu", action="store_true", help="measure the CPU time of the counted requests, the trees alternating, one run at a time: no Valgrind")
    parser.add_argument("--repeat", type=int, default=5, help="with --cpu: runs per tree and query (default 5)")
    parser.add_argument("--smoke", action="store_true", help="a tiny registry, 2 requests, no Valgrind: check the runs work")
    parser.add_argument("--in-process", metavar="FACTS", help=argparse.SUPPRESS)
    parser.add_argument("--names", help=argparse.SUPPRESS)
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.in_process:
        if "JIEDAO_BENCH_TREE" not in os.environ:
            sys.path.insert(0, str(HERE.parent))
        run_in_process(args.in_process, args.names.split(","), args.measure, args.requests, args.calls, args.cpu)
        return
    how = "calls" if args.calls else "cpu" if args.cpu else "smoke" if args.smoke else "instructions"  # --smoke --calls: calls on the tiny registry
    if args.smoke:
        args.requests = 2
    elif how == "instructions" and shutil.which("valgrind") is None:
        raise SystemExit("valgrind is needed (Debian: apt install valgrind)")
    sys.path.insert(0, str(HERE.parent))
    sys.path.insert(0, str(HERE))
    import api  # noqa: E402

    names = [n for n in args.only.split(",") if n]
    base = Path(tempfile.mkdtemp(prefix="jiedao-bench-instructions-"))
    os.chmod(base, 0o755)
    cluster = None
    try:
        cluster, reason = api.postgres_cluster(base)
        if cluster is None:
            raise SystemExit(f"PostgreSQL is needed: {reason}")
        url = cluster.url(api.DATABASE, user=api.APP_ROLE)
        facts = api.prepare_database(url, cluster.url(api.DATABASE, user=api.OWNER_ROLE), smoke=args.smoke)
        facts_file = base / "facts.json"
        facts_file.write_text(json.dumps({**facts, "url": url}), encoding="utf-8")
        trees: dict[str, Path | None] = {"Jiedao": None}
        if args.compare:
            trees[f"Jiedao@{args.compare[:10]}"] = api.checkout(args.compare, base / "compare")
        if how == "cpu":
            print_cpu(trees, facts, facts_file, names, args.requests, args.repeat)
            return
        # Instructions: each tree's baseline run (the warm-up alone) is subtracted; calls are
        # counted around the counted requests only.
        runs = [(label, only) for label in trees for only in ((*names,) if how == "calls" else (None, *names))]
        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            counted = dict(zip(runs, pool.map(lambda run: count(trees[run[0]], facts_file, names, run[1], args.requests if run[1] else 0, how), runs)))
        if how == "smoke":
            print(f"smoke: {', '.join(names)} answered in process by {', '.join(trees)}")
            return
        print(f"data: {facts['buildings']} buildings, {facts['units']} units; {args.requests} requests per query, in process (client included)")
        print(f"{'query':10s} " + " ".join(f"{label:>22s}" for label in trees) + ("   ratio" if args.compare else ""))
        for name in names:
            if how == "calls":
                per_request = [counted[(label, name)] / args.requests for label in trees]
                shown = [f"{value:>16,.0f} calls" for value in per_request]
            else:
                per_request = [(counted[(label, name)] - counted[(label, None)]) / args.requests / 1e6 for label in trees]
                shown = [f"{value:>15.2f} M instr" for value in per_request]
            ratio = f"   {per_request[0] / per_request[1]:.3f}" if args.compare else ""
            print(f"{name:10s} " + " ".join(shown) + ratio)
    finally:
        if cluster is not None:
            cluster.stop()
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
