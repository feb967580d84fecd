"""``bench/api.py`` keeps working: a smoke run on a tiny registry (nothing about speed is asserted)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from jiedao.core.testing.services import postgres_available, require_service

BENCH = Path(__file__).resolve().parent.parent / "bench" / "api.py"


def test_the_api_benchmark_runs_every_query_against_every_server():
    require_service(postgres_available())
    result = subprocess.run(
        [sys.executable, str(BENCH), "--quick", "--smoke", "--no-install"],
        capture_output=True, text=True, timeout=900, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    out = result.stdout
    for query in ("typename", "building", "readme", "relay", "hundred", "walk", "cockpit", "alarms", "ballot", "duty", "inbox", "ballots", "notices", "taskforces", "r-notices", "r-ballots", "r-household", "r-alarms"):
        assert f"\n{query}\n" in out, out
    for server in ("Jiedao/PG", "Jiedao/SQLite", "floor"):
        assert f"  {server} " in out, out
    assert "PostGraphile" in out  # measured, or skipped with its reason
    assert "the floor's answer differs" not in out, out  # a floor answers the question Jiedao answers
    assert out.count("the floor answers the same data") == 6, out  # every floor but the walk's (several pages)
