"""``bench/instructions.py`` keeps working: its in-process runs on a tiny registry, for this
tree and a ``--compare`` tree, without Valgrind (nothing about speed is asserted)."""

from __future__ import annotations

import os
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
