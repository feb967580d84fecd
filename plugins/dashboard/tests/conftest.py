"""Fixtures of the dashboard tests: a street with a plugin the dashboard has never heard of
("probe", installed as a real distribution) and helpers to place events in time."""

from __future__ import annotations

import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

import pytest
import pytest_asyncio

from jiedao.core.models import Ownership, Resident
from jiedao.core.work.models import WorkItem
from jiedao.core.testing.fixtures import app_client, build_registry, installed_plugins

PROBE_SOURCE = Path(__file__).resolve().parent / "probe"


@pytest.fixture(scope="session")
def probe_plugin_path(tmp_path_factory) -> Path:
    """The probe plugin installed as a separate distribution into its own folder."""
    source = tmp_path_factory.mktemp("probe-source") / "probe"
    shutil.copytree(PROBE_SOURCE, source)
    target = tmp_path_factory.mktemp("probe-plugin")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", "--target", str(target), str(source)],
        check=True,
        capture_output=True,
    )
    return target


def cockpit_streets(with_probe: bool = True) -> dict:
    """changqing: every installed plugin (+ probe); gongchen: the dashboard only, no probe."""
    plugins = installed_plugins() + (["probe"] if with_probe else [])
    return {
        "changqing": {"name": "长庆街道", "plugins": plugins},
        "gongchen": {"name": "拱宸桥街道", "plugins": ["dashboard"]},
    }


@pytest_asyncio.fixture
async def cockpit_kernel(make_kernel, probe_plugin_path):
    """A kernel whose changqing street enables the probe plugin as well as the dashboard."""
    return await make_kernel(streets=cockpit_streets(), extra_plugin_paths=[probe_plugin_path])


@pytest_asyncio.fixture
async def cockpit(cockpit_kernel, password_hash):
    """A GraphQL client of the cockpit kernel's app."""
    async with app_client(cockpit_kernel, password_hash) as client:
        yield client


@pytest_asyncio.fixture
async def registry(cockpit_kernel) -> dict[str, list[int]]:
    """Three buildings of four units in changqing (their 12 owners registered now)."""
    return await build_registry(cockpit_kernel, "changqing", buildings=3, units_per_building=4)


async def register_residents(kernel, street: str, unit_id: int, times: Iterable[datetime], *, elderly: bool = False) -> None:
    """Register one owner of ``unit_id`` at each of ``times`` (feeds the probe's metric and signal).

    Stored in UTC, as the platform stores every time (SQLite keeps no offset).
    """
    async with kernel.db.transaction(kernel.street_id(street)) as session:
        residents = [Resident(external_ref=f"p{secrets.token_hex(6)}", name="居民", created_at=t.astimezone(UTC), elderly=elderly) for t in times]
        session.add_all(residents)
        await session.flush()
        session.add_all([Ownership(unit_id=unit_id, resident_id=r.id) for r in residents])


async def add_items(kernel, *items: dict) -> list[int]:
    """Work items in any state and at any time (the loop itself is tested in tests/test_work_items.py)."""
    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        rows = []
        for spec in items:
            opened = spec.pop("opened_at")
            row = WorkItem(subject="Topic:1", source="RESIDENT_APPEAL", opened_at=opened, updated_at=opened, **{"title": "事项", **spec})
            rows.append(row)
        session.add_all(rows)
        await session.flush()
        return [r.id for r in rows]
