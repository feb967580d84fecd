"""``bench/instructions.py`` keeps working: its in-process runs on a tiny registry, for this
tree and a ``--compare`` tree, without Valgrind (nothing about speed is asserted), and its
count of function calls per request."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from jiedao.core.testing.services import postgres_available, require_service

BENCH = Path(__file__).resolve().parent.parent / "bench" / "instructions.py"


def test_the_instruction_benchmark_runs_its_queries_in_process():
    require_service(postgres_available())
    result = subprocess.run(
        [sys.executable, str(BENCH), "--smoke", "--compare", "HEAD", "--only", "readme,building,alarms"],
        capture_output=True, text=True, timeout=900, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "smoke: readme, building, alarms answered in process by Jiedao, Jiedao@HEAD" in result.stdout, result.stdout


def test_the_benchmark_counts_function_calls_per_request():
    """``--calls``: a count of function calls per request for each tree."""
    require_service(postgres_available())
    result = subprocess.run(
        [sys.executable, str(BENCH), "--smoke", "--calls", "--compare", "HEAD", "--only", "building"],
        capture_output=True, text=True, timeout=900, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    (line,) = [line for line in result.stdout.splitlines() if line.startswith("building")]
    counts = [int(n.replace(",", "")) for n in re.findall(r"([\d,]+) calls", line)]
    assert len(counts) == 2 and all(n > 1000 for n in counts), line
