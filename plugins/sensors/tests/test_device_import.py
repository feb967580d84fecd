"""``jiedao sensors import``: devices from a CSV file, meter boxes at a stairwell or floor
serving the units listed or those of their place, all or nothing with line and column."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from jiedao.core.config import parse_config
from jiedao.core.kernel import Kernel
from jiedao.plugins.sensors.models import Device, ServedUnit

from .meter_boxes import stairwell_registry

STREETS = {"changqing": {"name": "长庆街道", "plugins": ["sensors"]}}
HEADER = "device_id,kind,name,community,compound,building,stairwell,floor,unit,serves\n"


async def _kernel(url: str) -> Kernel:
    kernel = await Kernel.load(parse_config({"streets": STREETS}, database_url=url))
    await kernel.sync_streets()
    return kernel


def _registry(database_url) -> str:
    async def make():
        kernel = await _kernel(database_url)
        try:
            await stairwell_registry(kernel)
            async with kernel.db.transaction(kernel.street_id("changqing")) as session:
                from jiedao.core.models import Community
                return await session.scalar(select(Community.name))
        finally:
            await kernel.close()

    return asyncio.run(make())


def _devices(database_url) -> dict[str, tuple]:
    async def read():
        kernel = await _kernel(database_url)
        try:
            async with kernel.db.transaction(kernel.street_id("changqing")) as session:
                devices = (await session.scalars(select(Device).order_by(Device.device_id))).all()
                served = (await session.execute(select(ServedUnit.device_pk, ServedUnit.unit_id))).all()
                count = {d.id: sum(1 for pk, _ in served if pk == d.id) for d in devices}
                return {d.device_id: (d.stairwell, d.floor, d.unit_id is not None, count[d.id]) for d in devices}
        finally:
            await kernel.close()

    return asyncio.run(read())


def test_meter_boxes_are_imported_at_their_floor_or_stairwell_serving_their_units(jiedao_cli, database_url, tmp_path):
    community = _registry(database_url)
    place = f"{community},测试小区,1幢"
    csv = tmp_path / "devices.csv"
    csv.write_text(HEADER + "\n".join([
        f"MB-1,ELECTRIC_MONITOR,1单元1层电表箱,{place},1,1,,",
        f"MB-2,ELECTRIC_MONITOR,2单元电表箱,{place},2,,,",
        f"MB-3,ELECTRIC_MONITOR,1单元2层电表箱,{place},1,2,,003;004;007",
        f"SD-9,SMOKE_DETECTOR,卧室烟感,{place},,,002,",
    ]) + "\n", encoding="utf-8")
    result = jiedao_cli(["sensors", "import", str(csv), "--street", "changqing"], streets=STREETS, database_url=database_url)
    assert result.exit_code == 0, result.output
    assert "4 device(s) registered" in result.output
    assert _devices(database_url) == {"MB-1": ("1", 1, False, 2), "MB-2": ("2", None, False, 4), "MB-3": ("1", 2, False, 3), "SD-9": (None, None, True, 1)}


def test_a_file_with_bad_rows_imports_nothing_and_names_each_line_and_column(jiedao_cli, database_url, tmp_path):
    community = _registry(database_url)
    place = f"{community},测试小区,1幢"
    csv = tmp_path / "devices.csv"
    csv.write_text(HEADER + "\n".join([
        f"MB-1,ELECTRIC_MONITOR,fine,{place},1,1,,",
        f"MB-2,ELECTRIC_MONITOR,no such stairwell,{place},9,,,",
        f"MB-3,ELECTRIC_MONITOR,floor not a number,{place},1,二,,",
        f"MB-4,ELECTRIC_MONITOR,unknown served unit,{place},1,2,,003;099",
        f"MB-5,TOASTER,unknown kind,{place},,,,",
        "MB-6,ELECTRIC_MONITOR,no building,,,,1,,,",
        f"MB-1,ELECTRIC_MONITOR,twice,{place},2,,,",
    ]) + "\n", encoding="utf-8")
    result = jiedao_cli(["sensors", "import", str(csv), "--street", "changqing"], streets=STREETS, database_url=database_url)
    assert result.exit_code == 1
    lines = [line.strip() for line in result.output.splitlines() if line.strip().startswith("line")]
    assert [line.split(":")[0] for line in lines] == [
        "line 3, column stairwell", "line 4, column floor", "line 5, column serves", "line 6, column kind", "line 7, column building", "line 8, column device_id",
    ]
    assert "no stairwell '9'" in lines[0] and "099" in lines[2] and "already registered" in lines[5]
    assert _devices(database_url) == {}
