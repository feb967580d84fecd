"""``bench/scale.py`` keeps working: a small ``--quick`` run of the whole topology (PostgreSQL,
Mosquitto with provisioned accounts only, an API process, two ingesters on a shared
subscription, the realistic simulator, the replay, roll-up and retention). Nothing about speed
is asserted; what must hold at any size is: no reading lost, every malformed message
quarantined, every injected fault's alarm in the alarm list and on the API's subscription."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from jiedao.core.testing.services import mosquitto_available, postgres_available, require_service

pytestmark = pytest.mark.mqtt
BENCH = Path(__file__).resolve().parents[2] / "bench" / "scale.py"


def test_a_quick_scale_run_loses_no_reading_and_raises_every_faults_alarm(tmp_path):
    require_service(postgres_available())
    require_service(mosquitto_available())
    figures = tmp_path / "scale.json"
    argv = [sys.executable, str(BENCH), "--quick", "--streets", "2", "--devices", "40", "--speed", "60", "--duration", "10s", "--fault-rate", "0.1",
            "--api-processes", "1", "--replay-days", "0.25", "--json", str(figures)]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=900, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    report = json.loads(figures.read_text())
    live = report["live"]
    assert live["messages"] > 0 and live["readings_published"] > 0
    assert live["readings_lost"] == 0 and live["lost_per_street"] == {}
    assert live["quarantined"] == live["malformed_published"]
    assert live["faults"] > 0 and live["faults_without_alarm"] == []
    assert live["alarm_latency_n"] == live["faults"]  # each fault's alarm reached the API process's subscription
    assert live["own_connections"] == 2  # one device per street published with its own credentials
    assert report["replay"]["readings"] > 0 and report["retention"]["pruned"] >= report["replay"]["readings"]
    assert "messages/s offered" in result.stdout and "alarm latency" in result.stdout
