"""Benchmark of the digital cockpit (not part of the test run).

    .venv/bin/python bench/cockpit.py [--requests 30] [--database-url URL]

Seeds the demo (长庆街道 at its real scale, every installed plugin enabled, each plugin's
demo data), then through the real ASGI app, side by side in one run:

- the cockpit's main query (what the web page asks on every refresh: all KPIs with their
  previous period, one series, one breakdown and the hotspots) over LAST_30_DAYS, with the
  figure cache off (every request computes) and on (the default 5 s);
- a trivial authenticated GraphQL query (``{ street { name } }``).

Prints the p50s, their ratio, and the SQL statements each request executed.
Default database: a temporary SQLite file.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402

from jiedao.core import migrate  # noqa: E402
from jiedao.core.app import build_app  # noqa: E402
from jiedao.core.config import parse_config  # noqa: E402
from jiedao.core.demo import DEMO_PASSWORD, seed_demo  # noqa: E402
from jiedao.core.kernel import Kernel  # noqa: E402
from jiedao.core.plugins import discover  # noqa: E402

MAIN = """query($range: CockpitRange, $series: String!, $bkey: String!, $bdim: String!) {
  cockpit {
    kpis(range: $range) { key title titleEn unit value previous trend }
    series(key: $series, range: $range) { at value }
    breakdown(key: $bkey, dimension: $bdim, range: $range) { label value }
    hotspots(range: $range) { place id name compoundName sources explanation acknowledgedBy }
  }
}"""
TRIVIAL = "{ street { name } }"
LOGIN = "mutation($input: LoginInput!) { login(input: $input) { token errors { message } } }"


def streets(cache_seconds: float) -> dict:
    plugins = sorted(discover().plugins)
    return {"changqing": {"name": "长庆街道", "plugins": plugins, "dashboard": {"cache_seconds": cache_seconds}}}


async def statements(http: httpx.AsyncClient, headers: dict, query: str, variables: dict) -> int:
    """The SQL statements one request executes (reported with JIEDAO_DEBUG=1)."""
    os.environ["JIEDAO_DEBUG"] = "1"
    try:
        body = (await http.post("/graphql/changqing", json={"query": query, "variables": variables}, headers=headers)).json()
    finally:
        os.environ.pop("JIEDAO_DEBUG", None)
    if body.get("errors"):
        raise SystemExit(f"query failed: {body['errors']}")
    return body.get("extensions", {}).get("statements", -1)


async def measure(http: httpx.AsyncClient, token: str, query: str, variables: dict, n: int) -> tuple[float, str]:
    """p50 latency in ms over ``n`` requests, and the statements of the first and the last request."""
    headers = {"authorization": f"Bearer {token}"}
    first = await statements(http, headers, query, variables)
    times = []
    for _ in range(n):
        started = time.perf_counter()
        response = await http.post("/graphql/changqing", json={"query": query, "variables": variables}, headers=headers)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    last = await statements(http, headers, query, variables)
    return statistics.median(times), f"{first} / {last}"


async def run(url: str, n: int) -> None:
    results = {}
    for cache in (0.0, 5.0):
        kernel = await Kernel.load(parse_config({"streets": streets(cache)}, database_url=url))
        if cache == 0.0:
            started = time.perf_counter()
            await seed_demo(kernel)
            print(f"demo seeded in {time.perf_counter() - started:.1f} s")
        await kernel.sync_streets()
        app = build_app(kernel, background=False)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as http:
            login = await http.post(
                "/graphql/changqing",
                json={"query": LOGIN, "variables": {"input": {"username": "changqing-admin", "password": DEMO_PASSWORD}}},
            )
            token = login.json()["data"]["login"]["token"]
            headers = {"authorization": f"Bearer {token}"}
            meta = (await http.post("/graphql/changqing", json={"query": "{ cockpit { metrics { key kind dimensions } } }"}, headers=headers)).json()
            metrics = meta["data"]["cockpit"]["metrics"]
            counter = next(m["key"] for m in metrics if m["kind"] == "COUNTER")
            bkey, bdim = next((m["key"], m["dimensions"][0]) for m in metrics if m["dimensions"])
            variables = {"range": {"preset": "LAST_30_DAYS"}, "series": counter, "bkey": bkey, "bdim": bdim}
            if cache == 0.0:
                print(f"{len(metrics)} metrics, {len(kernel.contributions.signals)} signals; series {counter}, breakdown {bkey}/{bdim}")
                results["trivial"] = await measure(http, token, TRIVIAL, {}, n)
                results["cockpit, cache off"] = await measure(http, token, MAIN, variables, n)
            else:
                results["cockpit, cache on"] = await measure(http, token, MAIN, variables, n)
        await kernel.close()
    trivial = results["trivial"][0]
    print(f"\n{'request':<22}{'p50 ms':>10}{'x trivial':>12}{'SQL first / last':>18}")
    for name, (p50, counted) in results.items():
        print(f"{name:<22}{p50:>10.1f}{p50 / trivial:>12.1f}{counted:>18}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--database-url", default=None, help="an empty database (default: a temporary SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite+aiosqlite:///{folder}/bench.db"
        migrate.upgrade(asyncio.run(Kernel.load(parse_config({"streets": streets(0)}), database_url=url)), url=url)
        asyncio.run(run(url, args.requests))


if __name__ == "__main__":
    main()
